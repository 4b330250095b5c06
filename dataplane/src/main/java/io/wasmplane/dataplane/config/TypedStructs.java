package io.wasmplane.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Envoy's {@code TypedStruct} ({@code udpa.type.v1} and {@code xds.type.v3}): an extension config written as a JSON-like
 * Struct plus the type URL of the message it stands for. Istio's EnvoyFilter examples (Wasm filters among them) write
 * typed_config this way. Envoy converts it to the real message where it reads the extension; this replaces every one in
 * a resource, however deep, by the {@code Any} of that message before translation, so the translators only ever see
 * real messages.
 */
public final class TypedStructs {
  private static final String UDPA = "type.googleapis.com/udpa.type.v1.TypedStruct";
  private static final String XDS = "type.googleapis.com/xds.type.v3.TypedStruct";
  /** In the wire bytes of any resource that holds a TypedStruct at any depth (Any payloads are nested verbatim). */
  private static final String MARKER = ".TypedStruct";

  private static final FieldDescriptor TYPE_URL = Any.getDescriptor().findFieldByName("type_url");
  private static final FieldDescriptor VALUE = Any.getDescriptor().findFieldByName("value");

  private TypedStructs() {}

  /**
   * {@code resource} with every TypedStruct replaced by the message it describes; itself when it holds none.
   * A TypedStruct naming an unknown type, or whose value does not fit that type, is a ConfigException naming
   * {@code where} and the field path.
   */
  @SuppressWarnings("unchecked")
  public static <M extends Message> M expand(M resource, String where) {
    if (!resource.toByteString().toString(StandardCharsets.ISO_8859_1).contains(MARKER)) {
      return resource; // the usual case: one scan of bytes the resource already has serialized
    }
    return (M) walk(resource, where);
  }

  private static Message walk(Message m, String path) {
    if (m instanceof Any any) {
      return expandAny(any, path);
    }
    if (m.getDescriptorForType() == Any.getDescriptor()) { // an Any inside a message parsed without its Java class
      Any any = Any.newBuilder().setTypeUrl((String) m.getField(TYPE_URL)).setValue((ByteString) m.getField(VALUE)).build();
      Any expanded = expandAny(any, path);
      return expanded == any ? m : expanded;
    }
    Message.Builder b = null;
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      String fieldPath = path + "." + f.getName();
      if (f.isRepeated()) {
        List<?> items = (List<?>) e.getValue();
        for (int i = 0; i < items.size(); i++) {
          Message item = (Message) items.get(i);
          Message expanded = walk(item, fieldPath + "[" + i + "]");
          if (expanded != item) {
            b = b == null ? m.toBuilder() : b;
            b.setRepeatedField(f, i, expanded);
          }
        }
      } else {
        Message value = (Message) e.getValue();
        Message expanded = walk(value, fieldPath);
        if (expanded != value) {
          b = b == null ? m.toBuilder() : b;
          b.setField(f, expanded);
        }
      }
    }
    return b == null ? m : b.build();
  }

  private static Any expandAny(Any any, String path) {
    String url = any.getTypeUrl();
    if (url.equals(UDPA) || url.equals(XDS)) {
      return fromTypedStruct(any, path);
    }
    Descriptor type = type(url);
    if (type == null || !any.getValue().toString(StandardCharsets.ISO_8859_1).contains(MARKER)) {
      return any; // nothing inside to expand (or a type the translators will refuse by name anyway)
    }
    try {
      Message inner = DynamicMessage.parseFrom(type, any.getValue());
      Message expanded = walk(inner, path);
      return expanded == inner ? any : Any.newBuilder().setTypeUrl(url).setValue(expanded.toByteString()).build();
    } catch (InvalidProtocolBufferException e) {
      return any; // left for the translator, whose unpack names the field
    }
  }

  private static Any fromTypedStruct(Any any, String path) {
    String typeUrl;
    Struct value;
    try {
      if (any.getTypeUrl().equals(UDPA)) {
        com.github.udpa.udpa.type.v1.TypedStruct ts = any.unpack(com.github.udpa.udpa.type.v1.TypedStruct.class);
        typeUrl = ts.getTypeUrl();
        value = ts.getValue();
      } else {
        com.github.xds.type.v3.TypedStruct ts = any.unpack(com.github.xds.type.v3.TypedStruct.class);
        typeUrl = ts.getTypeUrl();
        value = ts.getValue();
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path + ": malformed TypedStruct: " + e.getMessage());
    }
    Descriptor type = type(typeUrl);
    if (type == null) {
      throw new ConfigException(path + ".type_url: TypedStruct names '" + typeUrl + "', a type this data plane does not know");
    }
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    try {
      EnvoyTypes.PARSER.merge(JsonFormat.printer().print(value), b);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path + ".value: not a valid " + type.getFullName() + ": " + e.getMessage());
    }
    Message expanded = walk(b.build(), path); // a TypedStruct's own value may hold more of them
    return Any.newBuilder().setTypeUrl(typeUrl).setValue(expanded.toByteString()).build();
  }

  /** The registered message a type URL ({@code <host>/<full name>}) names, or null. */
  private static Descriptor type(String typeUrl) {
    return EnvoyTypes.REGISTRY.find(typeUrl.substring(typeUrl.lastIndexOf('/') + 1));
  }
}

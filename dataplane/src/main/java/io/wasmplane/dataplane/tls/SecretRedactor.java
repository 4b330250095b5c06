package io.wasmplane.dataplane.tls;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Envoy's config_dump redaction of secrets: every {@code TlsCertificate.private_key} (and {@code password}) and
 * {@code GenericSecret.secret} given inline is printed as {@code "[redacted]"}, wherever it sits (bootstrap, listeners, clusters, SDS secrets, inside Any
 * payloads of known types). File names stay, as in Envoy.
 */
public final class SecretRedactor {
  private static final DataSource REDACTED = DataSource.newBuilder().setInlineString("[redacted]").build();
  private final JsonFormat.TypeRegistry types;

  public SecretRedactor(JsonFormat.TypeRegistry types) {
    this.types = types;
  }

  @SuppressWarnings("unchecked")
  public <M extends Message> M redact(M message) {
    return (M) walk(message);
  }

  private Message walk(Message m) {
    if (m instanceof TlsCertificate c) {
      TlsCertificate.Builder b = c.toBuilder();
      if (c.hasPrivateKey() && !c.getPrivateKey().hasFilename()) {
        b.setPrivateKey(REDACTED);
      }
      if (c.hasPassword() && !c.getPassword().hasFilename()) {
        b.setPassword(REDACTED);
      }
      return b.build();
    }
    if (m instanceof io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret g && g.hasSecret()
        && !g.getSecret().hasFilename()) {
      return g.toBuilder().setSecret(REDACTED).build();
    }
    if (m instanceof Any any) {
      return redactAny(any);
    }
    Message.Builder b = null;
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (f.isRepeated()) {
        if (f.isMapField()) {
          continue; // typed_extension_protocol_options and the like hold no certificates
        }
        List<Object> out = new ArrayList<>();
        boolean changed = false;
        for (Object o : (List<?>) e.getValue()) {
          Message r = walk((Message) o);
          changed |= r != o;
          out.add(r);
        }
        if (changed) {
          b = b == null ? m.toBuilder() : b;
          b.setField(f, out);
        }
      } else {
        Message r = walk((Message) e.getValue());
        if (r != e.getValue()) {
          b = b == null ? m.toBuilder() : b;
          b.setField(f, r);
        }
      }
    }
    return b == null ? m : b.build();
  }

  private Message redactAny(Any any) {
    String url = any.getTypeUrl();
    Descriptor d = types.find(url.substring(url.lastIndexOf('/') + 1));
    if (d == null) {
      return any;
    }
    try {
      Message inner = DynamicMessage.parseFrom(d, any.getValue());
      Message typed = typed(d, inner);
      Message r = walk(typed);
      return r == typed ? any : Any.newBuilder().setTypeUrl(url).setValue(r.toByteString()).build();
    } catch (InvalidProtocolBufferException e) {
      return any;
    }
  }

  /** The generated class of {@code d} when there is one, so instanceof checks (TlsCertificate) work below. */
  private static Message typed(Descriptor d, Message dynamic) throws InvalidProtocolBufferException {
    try {
      String cls = javaClassName(d);
      Message def = (Message) Class.forName(cls).getMethod("getDefaultInstance").invoke(null);
      return def.getParserForType().parseFrom(dynamic.toByteString());
    } catch (ReflectiveOperationException | RuntimeException e) {
      return dynamic;
    }
  }

  private static String javaClassName(Descriptor d) {
    var file = d.getFile();
    String pkg = file.getOptions().getJavaPackage();
    String name = d.getName();
    for (Descriptor c = d.getContainingType(); c != null; c = c.getContainingType()) {
      name = c.getName() + "$" + name;
    }
    if (!file.getOptions().getJavaMultipleFiles()) {
      throw new IllegalArgumentException("outer class form not needed here");
    }
    return pkg + "." + name;
  }
}

package io.wasmplane.dataplane.admin;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.FieldMask;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.FieldMaskUtil;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Envoy's /config_dump query: {@code resource=} (one repeated field of the dump messages, e.g.
 * {@code dynamic_active_clusters}: each element becomes one entry of {@code configs}), {@code mask=} (a FieldMask
 * applied to each resource, or to each dump message without {@code resource}), {@code name_regex=} (only resources
 * whose name matches). Works on any dump message by reflection, so new dump sections need nothing here.
 */
final class ConfigDumpQuery {
  /** A query that cannot be answered: the HTTP status and Envoy's message. */
  static final class Rejected extends RuntimeException {
    final int status;

    Rejected(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private final JsonFormat.TypeRegistry registry;
  private final Optional<String> resource;
  private final Optional<FieldMask> mask;
  private final Optional<Pattern> nameRegex;

  ConfigDumpQuery(JsonFormat.TypeRegistry registry, Optional<String> resource, Optional<String> mask, Optional<Pattern> nameRegex) {
    this.registry = registry;
    this.resource = resource;
    this.mask = mask.map(FieldMaskUtil::fromString);
    this.nameRegex = nameRegex;
  }

  ConfigDump apply(ConfigDump dump) {
    if (resource.isEmpty() && mask.isEmpty() && nameRegex.isEmpty()) {
      return dump;
    }
    ConfigDump.Builder out = ConfigDump.newBuilder();
    boolean found = false;
    for (Any config : dump.getConfigsList()) {
      Message m = unpack(config);
      if (resource.isPresent()) {
        FieldDescriptor f = m.getDescriptorForType().findFieldByName(resource.get());
        if (f == null) {
          continue;
        }
        if (!f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
          throw new Rejected(400, resource.get() + " is not a repeated field. Use ?mask=" + resource.get()
              + " to get only this field");
        }
        found = true;
        for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
          Message element = (Message) m.getRepeatedField(f, i);
          if (named(element)) {
            out.addConfigs(pack(masked(element)));
          }
        }
      } else {
        out.addConfigs(pack(masked(filtered(m))));
      }
    }
    if (resource.isPresent() && !found) {
      throw new Rejected(404, resource.get() + " not found in config dump");
    }
    return out.build();
  }

  /** Each repeated resource list of a dump message keeps only the named resources that match. */
  private Message filtered(Message m) {
    if (nameRegex.isEmpty()) {
      return m;
    }
    Message.Builder b = m.toBuilder();
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      if (f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        b.clearField(f);
        for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
          Message element = (Message) m.getRepeatedField(f, i);
          if (named(element)) {
            b.addRepeatedField(f, element);
          }
        }
      }
    }
    return b.build();
  }

  private Message masked(Message m) {
    if (mask.isEmpty()) {
      return m;
    }
    Message.Builder b = m.newBuilderForType();
    FieldMaskUtil.merge(mask.get(), m, b);
    return b.build();
  }

  /** True without name_regex; else the resource's name (its own, or that of the config it wraps) must match. */
  private boolean named(Message element) {
    if (nameRegex.isEmpty()) {
      return true;
    }
    Optional<String> name = name(element);
    if (name.isEmpty()) {
      for (FieldDescriptor f : element.getDescriptorForType().getFields()) {
        if (!f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && element.hasField(f)
            && f.getMessageType().getFullName().equals(Any.getDescriptor().getFullName())) {
          name = name(unpack(toAny((Message) element.getField(f))));
          break;
        }
      }
    }
    return name.map(n -> nameRegex.get().matcher(n).find()).orElse(true);
  }

  private static Optional<String> name(Message m) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName("name");
    return f != null && f.getJavaType() == FieldDescriptor.JavaType.STRING ? Optional.of((String) m.getField(f)) : Optional.empty();
  }

  /** An Any field of a dynamic message is itself dynamic: re-read as an Any. */
  private static Any toAny(Message m) {
    try {
      return m instanceof Any a ? a : Any.parseFrom(m.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private Message unpack(Any any) {
    String type = any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1);
    try {
      Descriptor d = registry.find(type);
      if (d == null) {
        throw new IllegalStateException("config dump type " + type + " is not in the type registry");
      }
      return DynamicMessage.parseFrom(d, any.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("config dump entry " + type + " does not parse", e);
    }
  }

  private static Any pack(Message m) {
    return Any.newBuilder().setTypeUrl("type.googleapis.com/" + m.getDescriptorForType().getFullName())
        .setValue(m.toByteString()).build();
  }
}

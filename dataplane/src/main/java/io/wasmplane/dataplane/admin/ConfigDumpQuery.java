package io.wasmplane.dataplane.admin;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import java.util.LinkedHashMap;
import java.util.Map;
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
  /** The mask's paths as a tree: field name to the sub-paths under it (empty: the whole field). */
  private final Optional<Map<String, Object>> mask;
  private final Optional<Pattern> nameRegex;

  ConfigDumpQuery(JsonFormat.TypeRegistry registry, Optional<String> resource, Optional<String> mask, Optional<Pattern> nameRegex) {
    this.registry = registry;
    this.resource = resource;
    this.mask = mask.map(ConfigDumpQuery::tree);
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
    return mask.isEmpty() ? m : trim(m, mask.get());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> tree(String paths) {
    Map<String, Object> root = new LinkedHashMap<>();
    for (String path : paths.split(",")) {
      Map<String, Object> node = root;
      for (String part : path.trim().split("\\.")) {
        if (part.isEmpty()) {
          throw new IllegalArgumentException("empty field name in '" + path + "'");
        }
        node = (Map<String, Object>) node.computeIfAbsent(part, k -> new LinkedHashMap<String, Object>());
      }
    }
    return root;
  }

  /**
   * Keeps only the fields on the mask's paths. As in Envoy, a path goes on through a {@code google.protobuf.Any}
   * (e.g. {@code cluster.name} in a StaticCluster): the Any is unpacked, trimmed and packed again.
   */
  @SuppressWarnings("unchecked")
  private Message trim(Message m, Map<String, Object> tree) {
    Message.Builder b = m.newBuilderForType();
    tree.forEach((name, sub) -> {
      FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
      if (f == null) {
        return; // a path for another dump section's type
      }
      Map<String, Object> rest = (Map<String, Object>) sub;
      if (rest.isEmpty() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        if (f.isRepeated() ? m.getRepeatedFieldCount(f) > 0 : m.hasField(f)) {
          b.setField(f, m.getField(f));
        }
      } else if (f.isRepeated()) {
        for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
          b.addRepeatedField(f, trimField((Message) m.getRepeatedField(f, i), rest));
        }
      } else if (m.hasField(f)) {
        b.setField(f, trimField((Message) m.getField(f), rest));
      }
    });
    return b.build();
  }

  private Message trimField(Message value, Map<String, Object> rest) {
    if (value.getDescriptorForType().getFullName().equals(Any.getDescriptor().getFullName())) {
      Any any = toAny(value);
      Message trimmed = trim(unpack(any), rest);
      return value instanceof Any ? pack(trimmed)
          : DynamicMessage.newBuilder(value.getDescriptorForType()).mergeFrom(pack(trimmed)).build();
    }
    return trim(value, rest);
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

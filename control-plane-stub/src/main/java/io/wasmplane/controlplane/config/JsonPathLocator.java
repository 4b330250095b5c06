package io.wasmplane.controlplane.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.util.JsonFormat;
import java.util.Iterator;
import java.util.Map;

/**
 * Finds the JSON path of the field that makes a JsonFormat parse fail (JsonFormat's own messages name the value
 * but not where it is), by re-parsing one field at a time and descending into the failing one.
 */
final class JsonPathLocator {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().usingTypeRegistry(EnvoyJson.TYPES);

  private JsonPathLocator() {}

  /** @return a path like {@code plugins[0].phase}, or {@code prefix} when no single field is to blame */
  static String locate(JsonNode node, Descriptor type, String prefix) {
    if (node == null || !node.isObject()) {
      return prefix;
    }
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      ObjectNode single = MAPPER.createObjectNode();
      single.set(e.getKey(), e.getValue());
      if (parses(single, type)) {
        continue;
      }
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      FieldDescriptor fd = field(type, e.getKey());
      if (fd == null || fd.getJavaType() != FieldDescriptor.JavaType.MESSAGE || fd.isMapField()) {
        return path;
      }
      JsonNode v = e.getValue();
      if (fd.isRepeated() && v.isArray()) {
        for (int i = 0; i < v.size(); i++) {
          if (!parses(v.get(i), fd.getMessageType())) {
            return into(v.get(i), fd.getMessageType(), path + "[" + i + "]");
          }
        }
        return path;
      }
      return into(v, fd.getMessageType(), path);
    }
    return prefix;
  }

  private static String into(JsonNode v, Descriptor type, String path) {
    if (type.getFullName().equals(Any.getDescriptor().getFullName()) && v.isObject() && v.has("@type")) {
      String url = v.get("@type").asText();
      Descriptor payload = EnvoyJson.TYPES.find(url.substring(url.lastIndexOf('/') + 1));
      if (payload == null) {
        return path + ".@type";
      }
      ObjectNode rest = ((ObjectNode) v).deepCopy();
      rest.remove("@type");
      return locate(rest, payload, path);
    }
    return locate(v, type, path);
  }

  private static boolean parses(JsonNode node, Descriptor type) {
    try {
      PARSER.merge(MAPPER.writeValueAsString(node), DynamicMessage.newBuilder(type));
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static FieldDescriptor field(Descriptor type, String name) {
    FieldDescriptor fd = type.findFieldByName(name);
    if (fd != null) {
      return fd;
    }
    for (FieldDescriptor f : type.getFields()) {
      if (f.getJsonName().equals(name)) {
        return f;
      }
    }
    return null;
  }
}

package io.wasmplane.dataplane.config;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A protobuf Struct as plain, unmodifiable Java values (maps keep the Struct's order), so configs never hold protos. */
final class StructValues {
  private StructValues() {}

  static Map<String, Object> toMap(Struct s) {
    Map<String, Object> out = new LinkedHashMap<>();
    s.getFieldsMap().forEach((k, v) -> out.put(k, toJava(v)));
    return Collections.unmodifiableMap(out);
  }

  private static Object toJava(Value v) {
    return switch (v.getKindCase()) {
      case STRING_VALUE -> v.getStringValue();
      case NUMBER_VALUE -> v.getNumberValue();
      case BOOL_VALUE -> v.getBoolValue();
      case STRUCT_VALUE -> toMap(v.getStructValue());
      case LIST_VALUE -> {
        List<Object> l = new ArrayList<>();
        v.getListValue().getValuesList().forEach(x -> l.add(toJava(x)));
        yield Collections.unmodifiableList(l);
      }
      case NULL_VALUE, KIND_NOT_SET -> null;
    };
  }
}

package io.wasmplane.dataplane.http;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Envoy's per-stream dynamic metadata: filter name (e.g. "envoy.filters.http.jwt_authn") to a {@code Struct} a filter
 * wrote for later filters (RBAC reads it). Single-threaded, like the stream. Writes merge into the filter's Struct at
 * its top level, as Envoy's setDynamicMetadata does.
 */
public final class DynamicMetadata {
  private final Map<String, Struct> byFilter = new HashMap<>(4);

  /** Merges {@code fields} into what {@code filter} wrote before (a key written again is replaced). */
  public void set(String filter, Struct fields) {
    Struct old = byFilter.get(filter);
    byFilter.put(filter, old == null ? fields : old.toBuilder().putAllFields(fields.getFieldsMap()).build());
  }

  /** What {@code filter} wrote; null when nothing. */
  public Struct get(String filter) {
    return byFilter.get(filter);
  }

  /**
   * The value at {@code path} (keys into nested Structs) under {@code filter}; the default (unset) Value when any step
   * is missing or is not a Struct, as Envoy's Metadata::metadataValue answers.
   */
  public Value value(String filter, List<String> path) {
    Struct s = byFilter.get(filter);
    if (s == null || path.isEmpty()) {
      return Value.getDefaultInstance();
    }
    Value v = null;
    for (String key : path) {
      if (s == null) {
        return Value.getDefaultInstance();
      }
      v = s.getFieldsMap().get(key);
      if (v == null) {
        return Value.getDefaultInstance();
      }
      s = v.hasStructValue() ? v.getStructValue() : null;
    }
    return v;
  }
}

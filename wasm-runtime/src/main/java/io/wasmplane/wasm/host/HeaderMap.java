package io.wasmplane.wasm.host;

import java.util.List;
import java.util.Map;

/**
 * A header, trailer or metadata map the host exposes to a plugin. Keys are matched case-insensitively as HTTP
 * requires; pseudo-headers (":path") are ordinary entries. Implementations need not be thread-safe: a map is
 * only touched from the thread of the VM that reads it.
 */
public interface HeaderMap {
  /** All entries in order, duplicates kept. */
  List<Map.Entry<String, String>> entries();

  /** The first value of {@code key}, or null when absent. Envoy joins repeated values with "," here. */
  String get(String key);

  void add(String key, String value);

  /** Replaces every value of {@code key} with one value (adds it when absent). */
  void replace(String key, String value);

  void remove(String key);

  /** Replaces the whole map. */
  void setAll(List<Map.Entry<String, String>> entries);

  default int size() {
    return entries().size();
  }

  /** Whether the plugin may change the map at this point of the stream (Envoy: headers already sent are read-only). */
  default boolean writable() {
    return true;
  }
}

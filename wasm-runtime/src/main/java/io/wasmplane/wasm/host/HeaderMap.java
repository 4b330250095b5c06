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

  /**
   * The sum over entries of key length + value length + {@code perEntry} (chars, not bytes: a bound for the host's
   * header-map limit). Implementations backed by a live header block override it to count without copying entries.
   */
  default long byteSize(int perEntry) {
    long bytes = 0;
    for (Map.Entry<String, String> e : entries()) {
      bytes += e.getKey().length() + e.getValue().length() + perEntry;
    }
    return bytes;
  }

  /** Whether the plugin may change the map at this point of the stream (Envoy: headers already sent are read-only). */
  default boolean writable() {
    return true;
  }
}

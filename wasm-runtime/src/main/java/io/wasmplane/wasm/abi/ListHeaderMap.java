package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.host.HeaderMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A header map the runtime owns itself: http-call responses and gRPC metadata. */
final class ListHeaderMap implements HeaderMap {
  private final List<Map.Entry<String, String>> entries;

  ListHeaderMap(List<Map.Entry<String, String>> entries) {
    this.entries = new ArrayList<>(entries);
  }

  @Override
  public List<Map.Entry<String, String>> entries() {
    return List.copyOf(entries);
  }

  @Override
  public String get(String key) {
    String joined = null;
    for (Map.Entry<String, String> e : entries) {
      if (e.getKey().equalsIgnoreCase(key)) {
        joined = joined == null ? e.getValue() : joined + "," + e.getValue();
      }
    }
    return joined;
  }

  @Override
  public void add(String key, String value) {
    entries.add(Map.entry(key, value));
  }

  @Override
  public void replace(String key, String value) {
    remove(key);
    entries.add(Map.entry(key, value));
  }

  @Override
  public void remove(String key) {
    entries.removeIf(e -> e.getKey().equalsIgnoreCase(key));
  }

  @Override
  public void setAll(List<Map.Entry<String, String>> all) {
    entries.clear();
    entries.addAll(all);
  }

  @Override
  public int size() {
    return entries.size();
  }
}

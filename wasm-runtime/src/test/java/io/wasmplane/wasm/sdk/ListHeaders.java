package io.wasmplane.wasm.sdk;

import io.wasmplane.wasm.host.HeaderMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A header map kept as an ordered list of pairs, as an HTTP codec would hand it over; keys match ignoring case. */
public final class ListHeaders implements HeaderMap {
  private final List<Map.Entry<String, String>> entries;

  public ListHeaders(List<Map.Entry<String, String>> initial) {
    this.entries = new ArrayList<>(initial);
  }

  /** Pairs given flat: key, value, key, value, ... */
  public static ListHeaders of(String... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values must pair up, got " + keysAndValues.length + " strings");
    }
    List<Map.Entry<String, String>> list = new ArrayList<>(keysAndValues.length / 2);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      list.add(Map.entry(keysAndValues[i], keysAndValues[i + 1]));
    }
    return new ListHeaders(list);
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

  /** Every value of {@code key}, in order. */
  public List<String> all(String key) {
    List<String> values = new ArrayList<>();
    for (Map.Entry<String, String> e : entries) {
      if (e.getKey().equalsIgnoreCase(key)) {
        values.add(e.getValue());
      }
    }
    return values;
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
  public void setAll(List<Map.Entry<String, String>> replacement) {
    entries.clear();
    entries.addAll(replacement);
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public String toString() {
    return entries.toString();
  }
}

package io.wasmplane.wasm.bench;

import io.wasmplane.wasm.host.HeaderMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The header map every contender works on: names and values in two parallel arrays, looked up by a linear scan
 * with case-insensitive name matching, as an HTTP/1 codec's header block would be (the data plane adapts Netty's
 * HttpHeaders, a comparable array/bucket structure). Repeated names join with "," on {@link #get}, as Envoy.
 */
final class ArrayHeaders implements HeaderMap {
  private String[] names;
  private String[] values;
  private int size;

  ArrayHeaders(List<Map.Entry<String, String>> initial) {
    int capacity = initial.size() + 4; // room for what a filter adds without growing
    names = new String[capacity];
    values = new String[capacity];
    for (Map.Entry<String, String> e : initial) {
      add(e.getKey(), e.getValue());
    }
  }

  @Override
  public String get(String key) {
    String joined = null;
    for (int i = 0; i < size; i++) {
      if (names[i].equalsIgnoreCase(key)) {
        joined = joined == null ? values[i] : joined + "," + values[i];
      }
    }
    return joined;
  }

  @Override
  public void add(String key, String value) {
    if (size == names.length) {
      names = Arrays.copyOf(names, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    names[size] = key;
    values[size] = value;
    size++;
  }

  @Override
  public void replace(String key, String value) {
    remove(key);
    add(key, value);
  }

  @Override
  public void remove(String key) {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      if (!names[i].equalsIgnoreCase(key)) {
        names[kept] = names[i];
        values[kept] = values[i];
        kept++;
      }
    }
    Arrays.fill(names, kept, size, null);
    Arrays.fill(values, kept, size, null);
    size = kept;
  }

  @Override
  public void setAll(List<Map.Entry<String, String>> entries) {
    Arrays.fill(names, 0, size, null);
    Arrays.fill(values, 0, size, null);
    size = 0;
    for (Map.Entry<String, String> e : entries) {
      add(e.getKey(), e.getValue());
    }
  }

  @Override
  public List<Map.Entry<String, String>> entries() {
    List<Map.Entry<String, String>> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(Map.entry(names[i], values[i]));
    }
    return out;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public String toString() {
    return entries().toString();
  }
}

package io.wasmplane.wasm.bench;

import io.roastedroot.proxywasm.internal.ProxyMap;
import java.util.Map;

/** Lets the peer host (proxy-wasm-java-host) work on the same header maps as our runtime and the baseline. */
final class ArrayHeadersProxyMap implements ProxyMap {
  private final ArrayHeaders headers;

  ArrayHeadersProxyMap(ArrayHeaders headers) {
    this.headers = headers;
  }

  @Override
  public int size() {
    return headers.size();
  }

  @Override
  public void add(String key, String value) {
    headers.add(key, value);
  }

  @Override
  public void put(String key, String value) {
    headers.replace(key, value);
  }

  @Override
  public Iterable<? extends Map.Entry<String, String>> entries() {
    return headers.entries();
  }

  @Override
  public String get(String key) {
    return headers.get(key);
  }

  @Override
  public void remove(String key) {
    headers.remove(key);
  }
}

package io.wasmplane.controlplane.snapshot;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** What one node should have, per type URL. */
public record NodeSnapshot(Map<String, TypeSnapshot> types) {
  private static final TypeSnapshot EMPTY = new TypeSnapshot("empty", Collections.unmodifiableSortedMap(new TreeMap<>()));

  public TypeSnapshot of(String typeUrl) {
    return types.getOrDefault(typeUrl, EMPTY);
  }
}

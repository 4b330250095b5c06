package io.wasmplane.xds;

/** Which ADS variant to speak: {@code StreamAggregatedResources} or {@code DeltaAggregatedResources}. */
public enum XdsProtocol {
  STATE_OF_THE_WORLD,
  DELTA
}

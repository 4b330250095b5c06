package io.wasmplane.dataplane.xds;

/** Incremental (delta) ADS against java-control-plane. */
class DeltaXdsDataplaneTest extends XdsDataplaneScenarios {
  @Override
  String apiType() {
    return "DELTA_GRPC";
  }
}

package io.wasmplane.dataplane.xds;

/** State-of-the-world ADS against java-control-plane. */
class SotwXdsDataplaneTest extends XdsDataplaneScenarios {
  @Override
  String apiType() {
    return "GRPC";
  }
}

package io.wasmplane.xds;

/** Incremental (delta) ADS against java-control-plane. */
class DeltaJavaControlPlaneTest extends JavaControlPlaneScenarios {
  @Override
  XdsProtocol protocol() {
    return XdsProtocol.DELTA;
  }
}

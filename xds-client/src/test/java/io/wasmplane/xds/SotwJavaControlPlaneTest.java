package io.wasmplane.xds;

/** State-of-the-world ADS against java-control-plane. */
class SotwJavaControlPlaneTest extends JavaControlPlaneScenarios {
  @Override
  XdsProtocol protocol() {
    return XdsProtocol.STATE_OF_THE_WORLD;
  }
}

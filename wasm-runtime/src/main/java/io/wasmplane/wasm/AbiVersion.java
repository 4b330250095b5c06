package io.wasmplane.wasm;

/** The Proxy-Wasm ABI a module declares through its {@code proxy_abi_version_*} export. */
public enum AbiVersion {
  V0_1_0("proxy_abi_version_0_1_0"),
  V0_2_0("proxy_abi_version_0_2_0"),
  V0_2_1("proxy_abi_version_0_2_1");

  private final String marker;

  AbiVersion(String marker) {
    this.marker = marker;
  }

  /** The export name that declares this version. */
  public String marker() {
    return marker;
  }

  /** The version an export name declares, or null when the name is no known marker. */
  public static AbiVersion fromMarker(String exportName) {
    for (AbiVersion v : values()) {
      if (v.marker.equals(exportName)) {
        return v;
      }
    }
    return null;
  }
}

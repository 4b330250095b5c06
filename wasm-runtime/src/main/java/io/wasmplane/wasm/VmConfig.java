package io.wasmplane.wasm;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Envoy's {@code VmConfig}, already parsed.
 *
 * @param vmId the VM sharing key; shared data and queues are scoped by it
 * @param configuration VM_CONFIGURATION, passed to {@code proxy_on_vm_start}
 * @param environment the only environment WASI's {@code environ_*} shows the plugin
 * @param allowedCapabilities empty = everything allowed; else Envoy's capability_restriction_config names
 */
public record VmConfig(String vmId, byte[] configuration, Map<String, String> environment, Set<String> allowedCapabilities) {
  public VmConfig {
    vmId = vmId == null ? "" : vmId;
    configuration = configuration == null ? new byte[0] : configuration.clone();
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    allowedCapabilities = allowedCapabilities == null ? Set.of() : Set.copyOf(allowedCapabilities);
  }

  public static VmConfig of(String vmId) {
    return new VmConfig(vmId, new byte[0], Map.of(), Set.of());
  }

  public static VmConfig of(String vmId, byte[] configuration) {
    return new VmConfig(vmId, configuration, Map.of(), Set.of());
  }

  @Override
  public byte[] configuration() {
    return configuration.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VmConfig v
        && vmId.equals(v.vmId)
        && java.util.Arrays.equals(configuration, v.configuration)
        && environment.equals(v.environment)
        && allowedCapabilities.equals(v.allowedCapabilities);
  }

  @Override
  public int hashCode() {
    return Objects.hash(vmId, java.util.Arrays.hashCode(configuration), environment, allowedCapabilities);
  }
}

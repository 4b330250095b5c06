package io.wasmplane.controlplane.snapshot;

import com.google.protobuf.Any;

/**
 * One named resource as sent: its body, a content version, and for ECDS the plugin version label it carries.
 *
 * @param pluginVersion rollout label of the plugin (ECDS only), else null
 */
public record XdsResource(String name, Any body, String version, String pluginVersion) {}

package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;

/** A validated ECDS resource; {@code configTypeUrl} is the type URL of its {@code typed_config}. */
public record ExtensionConfigUpdate(String name, TypedExtensionConfig proto, String configTypeUrl)
    implements XdsResource {}

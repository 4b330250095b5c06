package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;

/** A structurally valid SDS secret. */
public record SecretUpdate(String name, Secret proto) implements XdsResource {}

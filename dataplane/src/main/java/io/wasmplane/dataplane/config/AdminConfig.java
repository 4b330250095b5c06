package io.wasmplane.dataplane.config;

import java.net.InetSocketAddress;

/** Bootstrap.admin: where the admin server listens. */
public record AdminConfig(InetSocketAddress address) {}

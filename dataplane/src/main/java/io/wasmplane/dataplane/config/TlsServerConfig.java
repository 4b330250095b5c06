package io.wasmplane.dataplane.config;

import java.util.List;

/** Downstream TLS: PEM certificate chain and key, and the ALPN protocols offered. */
public record TlsServerConfig(byte[] certChainPem, byte[] privateKeyPem, List<String> alpn) {}

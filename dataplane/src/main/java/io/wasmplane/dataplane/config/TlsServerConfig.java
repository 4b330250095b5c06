package io.wasmplane.dataplane.config;

import java.util.List;

/**
 * Downstream TLS ({@code DownstreamTlsContext}): where the certificate and the client-certificate validation come from,
 * whether a client certificate is required, the ALPN protocols offered and the protocol versions / cipher suites.
 */
public record TlsServerConfig(TlsMaterial material, boolean requireClientCertificate, List<String> alpn, TlsParams params) {}

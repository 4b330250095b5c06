package io.wasmplane.dataplane.config;

import java.util.List;
import java.util.Optional;

/**
 * Upstream TLS ({@code UpstreamTlsContext}): SNI, ALPN, where the client certificate (mTLS towards the upstream) and
 * the server-certificate validation come from (none = not verified, as Envoy without a validation context), and the
 * protocol versions / cipher suites.
 */
public record TlsClientConfig(Optional<String> sni, List<String> alpn, TlsMaterial material, TlsParams params) {}

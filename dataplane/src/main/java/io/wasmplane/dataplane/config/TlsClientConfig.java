package io.wasmplane.dataplane.config;

import java.util.List;
import java.util.Optional;

/** Upstream TLS: SNI, optional trusted CA (none = no verification, as Envoy without a validation context). */
public record TlsClientConfig(Optional<String> sni, Optional<byte[]> trustedCaPem, List<String> alpn) {}

package io.wasmplane.dataplane.config;

import java.util.List;

/**
 * Downstream TLS ({@code DownstreamTlsContext}): where the certificate and the client-certificate validation come from,
 * whether a client certificate is required, the ALPN protocols offered, the protocol versions / cipher suites and session
 * resumption ({@code disable_stateless_session_resumption}: no session tickets; {@code session_timeout}, 0 = the JDK's).
 */
public record TlsServerConfig(TlsMaterial material, boolean requireClientCertificate, List<String> alpn, TlsParams params,
    boolean sessionTickets, long sessionTimeoutSeconds) {}

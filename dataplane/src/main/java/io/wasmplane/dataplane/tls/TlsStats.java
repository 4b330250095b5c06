package io.wasmplane.dataplane.tls;

import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.StatsRegistry;

/** Envoy's {@code <scope>.ssl.*} handshake counters of a listener. */
public final class TlsStats {
  final Counter handshake;
  final Counter connectionError;
  final Counter noCertificate;
  final Counter failVerifyNoCert;
  final Counter failVerifyError;
  final Counter failVerifySan;
  final Counter failVerifyCertHash;

  public TlsStats(StatsRegistry stats, String scope) {
    String p = scope + ".ssl.";
    handshake = stats.counter(p + "handshake");
    connectionError = stats.counter(p + "connection_error");
    noCertificate = stats.counter(p + "no_certificate");
    failVerifyNoCert = stats.counter(p + "fail_verify_no_cert");
    failVerifyError = stats.counter(p + "fail_verify_error");
    failVerifySan = stats.counter(p + "fail_verify_san");
    failVerifyCertHash = stats.counter(p + "fail_verify_cert_hash");
  }
}

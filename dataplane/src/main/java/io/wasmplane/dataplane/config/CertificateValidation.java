package io.wasmplane.dataplane.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A validated {@code CertificateValidationContext}: the trusted CAs (PEM; none = the peer certificate is not
 * verified against a CA), SAN matchers (any one must match), and pinned certificate hashes: SPKI sha256 (base64) and
 * certificate sha256 (lower-case hex); with pins, a certificate matching either list passes.
 */
public record CertificateValidation(Optional<byte[]> trustedCaPem, List<SanMatcher> sanMatchers, Set<String> spkiSha256,
    Set<String> certSha256) {

  public boolean pinned() {
    return !spkiSha256.isEmpty() || !certSha256.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CertificateValidation v && Arrays.equals(trustedCaPem.orElse(null), v.trustedCaPem.orElse(null))
        && sanMatchers.equals(v.sanMatchers) && spkiSha256.equals(v.spkiSha256) && certSha256.equals(v.certSha256);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(trustedCaPem.orElse(null)) * 31 + sanMatchers.hashCode();
  }
}

package io.wasmplane.dataplane.config;

import java.util.List;
import java.util.Locale;

/**
 * One {@code SubjectAltNameMatcher}: a SAN type (null = any of DNS, URI, EMAIL, IP, as the deprecated
 * {@code match_subject_alt_names}) and the string matcher its value must satisfy.
 */
public record SanMatcher(Type type, StringMatch matcher) {

  /** The SAN types with their X.509 GeneralName tags (what {@code X509Certificate.getSubjectAlternativeNames} gives). */
  public enum Type {
    EMAIL(1), DNS(2), URI(6), IP_ADDRESS(7);

    final int tag;

    Type(int tag) {
      this.tag = tag;
    }
  }

  /** Whether any of the certificate's SANs ({@code [tag, value]} pairs) matches. */
  public boolean matchesAny(List<SanEntry> sans) {
    for (SanEntry san : sans) {
      if ((type == null || san.type() == type) && matches(san)) {
        return true;
      }
    }
    return false;
  }

  private boolean matches(SanEntry san) {
    if (matcher.matches(san.value())) {
      return true;
    }
    // Envoy: an exact DNS matcher also matches a wildcard SAN of the certificate (*.example.com covers a.example.com).
    if (san.type() == Type.DNS && matcher.kind() == StringMatch.Kind.EXACT && san.value().startsWith("*.")) {
      String want = matcher.value().toLowerCase(Locale.ROOT);
      int dot = want.indexOf('.');
      return dot > 0 && want.substring(dot).equals(san.value().substring(1).toLowerCase(Locale.ROOT));
    }
    return false;
  }

  /** One subject alternative name of a certificate. */
  public record SanEntry(Type type, String value) {
    /** From {@code X509Certificate.getSubjectAlternativeNames()}; types other than the four above are skipped. */
    public static List<SanEntry> of(java.util.Collection<List<?>> raw) {
      if (raw == null) {
        return List.of();
      }
      java.util.ArrayList<SanEntry> out = new java.util.ArrayList<>();
      for (List<?> e : raw) {
        int tag = (Integer) e.get(0);
        for (Type t : Type.values()) {
          if (t.tag == tag && e.get(1) instanceof String s) {
            out.add(new SanEntry(t, s));
          }
        }
      }
      return List.copyOf(out);
    }
  }
}

package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.handler.ssl.CipherSuiteConverter;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import javax.net.ssl.SSLContext;

/** Validates Envoy's TLS protos ({@code DownstreamTlsContext}, {@code CommonTlsContext}, SDS {@code Secret}) into config records. */
public final class TlsTranslator {
  private static final List<String> VERSIONS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
  /** The CommonTlsContext fields both directions support. */
  private static final Set<String> COMMON_FIELDS = Set.of("tls_certificates", "tls_certificate_sds_secret_configs",
      "validation_context", "validation_context_sds_secret_config", "combined_validation_context", "alpn_protocols",
      "tls_params");

  private TlsTranslator() {}

  public static TlsServerConfig downstream(TransportSocket ts, String where) {
    checkTlsSocket(ts, where);
    String w = where + ".typed_config";
    DownstreamTlsContext d = BootstrapTranslator.unpack(ts.getTypedConfig(), DownstreamTlsContext.class, w);
    FieldGuard.onlySupported(d, w, Set.of("common_tls_context", "require_client_certificate", "disable_stateless_session_resumption",
        "session_timeout", "session_ticket_keys", "session_ticket_keys_sds_secret_config"));
    if (d.hasSessionTicketKeys() || d.hasSessionTicketKeysSdsSecretConfig()) {
      throw new ConfigException(w + "." + (d.hasSessionTicketKeys() ? "session_ticket_keys" : "session_ticket_keys_sds_secret_config")
          + ": the JDK TLS provider makes and rotates its own session ticket keys and cannot take configured ones; remove them"
          + " (tickets then use the provider's keys) or set disable_stateless_session_resumption");
    }
    String cw = w + ".common_tls_context";
    CommonTlsContext common = d.getCommonTlsContext();
    FieldGuard.onlySupported(common, cw, COMMON_FIELDS);
    TlsMaterial material = material(common, cw);
    if (!material.hasCertificate()) {
      throw new ConfigException(cw + ": a server certificate is required (tls_certificates or tls_certificate_sds_secret_configs)");
    }
    boolean require = d.hasRequireClientCertificate() && d.getRequireClientCertificate().getValue();
    List<String> alpn = common.getAlpnProtocolsCount() == 0 ? List.of("h2", "http/1.1") : List.copyOf(common.getAlpnProtocolsList());
    TlsParams params = common.hasTlsParams() ? params(common.getTlsParams(), cw + ".tls_params") : TlsParams.DEFAULT;
    long timeout = 0;
    if (d.hasSessionTimeout()) {
      timeout = d.getSessionTimeout().getSeconds();
      if (timeout <= 0 || timeout > Integer.MAX_VALUE) {
        throw new ConfigException(w + ".session_timeout: must be at least 1s and at most " + Integer.MAX_VALUE + "s");
      }
    }
    return new TlsServerConfig(material, require, alpn, params, !d.getDisableStatelessSessionResumption(), timeout);
  }

  public static TlsClientConfig upstream(TransportSocket ts, String where) {
    checkTlsSocket(ts, where);
    String w = where + ".typed_config";
    UpstreamTlsContext u = BootstrapTranslator.unpack(ts.getTypedConfig(), UpstreamTlsContext.class, w);
    FieldGuard.onlySupported(u, w, Set.of("common_tls_context", "sni"));
    String cw = w + ".common_tls_context";
    CommonTlsContext common = u.getCommonTlsContext();
    FieldGuard.onlySupported(common, cw, COMMON_FIELDS);
    // Envoy's client defaults: TLS 1.2 to 1.3 as well.
    TlsParams params = common.hasTlsParams() ? params(common.getTlsParams(), cw + ".tls_params") : TlsParams.DEFAULT;
    int certs = common.getTlsCertificatesCount() + common.getTlsCertificateSdsSecretConfigsCount();
    if (certs > 1) {
      throw new ConfigException(cw + ": a client context takes one certificate (as Envoy), got " + certs);
    }
    return new TlsClientConfig(u.getSni().isEmpty() ? Optional.empty() : Optional.of(u.getSni()),
        List.copyOf(common.getAlpnProtocolsList()), material(common, cw), params);
  }

  /**
   * The certificate and validation sources of a CommonTlsContext: certificates inline or from SDS (not both), at most one
   * per key type (a server picks among them by the client's signature algorithms).
   */
  static TlsMaterial material(CommonTlsContext common, String cw) {
    if (common.getTlsCertificatesCount() > 0 && common.getTlsCertificateSdsSecretConfigsCount() > 0) {
      throw new ConfigException(cw + ": only one of tls_certificates and tls_certificate_sds_secret_configs may be set");
    }
    List<CertificateKeyPair> certs = new ArrayList<>();
    for (int i = 0; i < common.getTlsCertificatesCount(); i++) {
      certs.add(certificate(common.getTlsCertificates(i), cw + ".tls_certificates[" + i + "]"));
    }
    CertificateKeyPair.requireDistinctKeyTypes(certs, cw + ".tls_certificates");
    List<SecretRef> certSecrets = new ArrayList<>();
    for (int i = 0; i < common.getTlsCertificateSdsSecretConfigsCount(); i++) {
      certSecrets.add(sdsRef(common.getTlsCertificateSdsSecretConfigs(i), cw + ".tls_certificate_sds_secret_configs[" + i + "]"));
    }
    int validations = (common.hasValidationContext() ? 1 : 0) + (common.hasValidationContextSdsSecretConfig() ? 1 : 0)
        + (common.hasCombinedValidationContext() ? 1 : 0);
    if (validations > 1) {
      throw new ConfigException(cw + ": only one of validation_context, validation_context_sds_secret_config, combined_validation_context");
    }
    Optional<CertificateValidationContext> validation = Optional.empty();
    Optional<SecretRef> validationSecret = Optional.empty();
    if (common.hasValidationContext()) {
      validation(common.getValidationContext(), cw + ".validation_context"); // fails early on a bad one
      validation = Optional.of(common.getValidationContext());
    } else if (common.hasValidationContextSdsSecretConfig()) {
      validationSecret = Optional.of(sdsRef(common.getValidationContextSdsSecretConfig(), cw + ".validation_context_sds_secret_config"));
    } else if (common.hasCombinedValidationContext()) {
      var c = common.getCombinedValidationContext();
      String w = cw + ".combined_validation_context";
      FieldGuard.onlySupported(c, w, Set.of("default_validation_context", "validation_context_sds_secret_config"));
      if (!c.hasValidationContextSdsSecretConfig()) {
        throw new ConfigException(w + ".validation_context_sds_secret_config: required");
      }
      validationSecret = Optional.of(sdsRef(c.getValidationContextSdsSecretConfig(), w + ".validation_context_sds_secret_config"));
      validation(c.getDefaultValidationContext(), w + ".default_validation_context");
      validation = Optional.of(c.getDefaultValidationContext());
    }
    return new TlsMaterial(List.copyOf(certs), List.copyOf(certSecrets), validation, validationSecret);
  }

  static SecretRef sdsRef(SdsSecretConfig s, String where) {
    FieldGuard.onlySupported(s, where, Set.of("name", "sds_config"));
    if (s.getName().isEmpty()) {
      throw new ConfigException(where + ".name: required");
    }
    if (s.hasSdsConfig()) {
      var src = s.getSdsConfig();
      if (!src.hasAds() && !src.hasApiConfigSource()) {
        throw new ConfigException(where + ".sds_config: only ads or api_config_source is supported");
      }
      return new SecretRef(s.getName(), Optional.of(src));
    }
    return new SecretRef(s.getName(), Optional.empty());
  }

  /** A {@code TlsCertificate}: chain and key read and checked (they parse, and the key belongs to the leaf). */
  public static CertificateKeyPair certificate(TlsCertificate cert, String where) {
    FieldGuard.onlySupported(cert, where, Set.of("certificate_chain", "private_key", "watched_directory"));
    if (!cert.hasCertificateChain() || !cert.hasPrivateKey()) {
      throw new ConfigException(where + ": certificate_chain and private_key are required");
    }
    Optional<CertificateKeyPair.Watched> watched = Optional.empty();
    if (cert.hasWatchedDirectory()) {
      // Envoy: the directory's changes reload file-based chain and key (e.g. a Kubernetes secret volume's symlink swap).
      String w = where + ".watched_directory.path";
      if (cert.getWatchedDirectory().getPath().isEmpty()) {
        throw new ConfigException(w + ": required");
      }
      if (!cert.getCertificateChain().hasFilename() || !cert.getPrivateKey().hasFilename()) {
        throw new ConfigException(where + ".watched_directory: certificate_chain and private_key must be filenames to be reloaded");
      }
      java.nio.file.Path dir = java.nio.file.Path.of(cert.getWatchedDirectory().getPath());
      if (!java.nio.file.Files.isDirectory(dir)) {
        throw new ConfigException(w + ": '" + dir + "' is not a directory");
      }
      watched = Optional.of(new CertificateKeyPair.Watched(dir, cert, where));
    }
    byte[] chain = BootstrapTranslator.dataSource(cert.getCertificateChain(), where + ".certificate_chain");
    byte[] key = BootstrapTranslator.dataSource(cert.getPrivateKey(), where + ".private_key");
    List<X509Certificate> certs = Pem.certificates(chain, where + ".certificate_chain");
    PrivateKey pk = Pem.privateKey(key, where + ".private_key");
    Pem.requireMatch(pk, certs.get(0), where);
    return new CertificateKeyPair(chain, key, watched,
        cert.getCertificateChain().hasFilename() ? cert.getCertificateChain().getFilename() : CertificateKeyPair.INLINE);
  }

  /** A {@code CertificateValidationContext}: trusted CA (PEM, parsed), SAN matchers and pinned hashes. */
  public static CertificateValidation validation(CertificateValidationContext v, String where) {
    FieldGuard.onlySupported(v, where, Set.of("trusted_ca", "match_typed_subject_alt_names", "match_subject_alt_names",
        "verify_certificate_spki", "verify_certificate_hash"));
    Optional<byte[]> ca = Optional.empty();
    if (v.hasTrustedCa()) {
      byte[] pem = BootstrapTranslator.dataSource(v.getTrustedCa(), where + ".trusted_ca");
      Pem.certificates(pem, where + ".trusted_ca");
      ca = Optional.of(pem);
    }
    List<SanMatcher> sans = new ArrayList<>();
    for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
      SubjectAltNameMatcher m = v.getMatchTypedSubjectAltNames(i);
      String w = where + ".match_typed_subject_alt_names[" + i + "]";
      FieldGuard.onlySupported(m, w, Set.of("san_type", "matcher"));
      SanMatcher.Type type = switch (m.getSanType()) {
        case DNS -> SanMatcher.Type.DNS;
        case URI -> SanMatcher.Type.URI;
        case EMAIL -> SanMatcher.Type.EMAIL;
        case IP_ADDRESS -> SanMatcher.Type.IP_ADDRESS;
        default -> throw new ConfigException(w + ".san_type: " + m.getSanType() + " is not supported (DNS, URI, EMAIL, IP_ADDRESS)");
      };
      sans.add(new SanMatcher(type, stringMatch(m.getMatcher(), w + ".matcher")));
    }
    for (int i = 0; i < v.getMatchSubjectAltNamesCount(); i++) {
      sans.add(new SanMatcher(null, stringMatch(v.getMatchSubjectAltNames(i), where + ".match_subject_alt_names[" + i + "]")));
    }
    Set<String> spki = new LinkedHashSet<>();
    for (String s : v.getVerifyCertificateSpkiList()) {
      try {
        if (java.util.Base64.getDecoder().decode(s).length != 32) {
          throw new IllegalArgumentException();
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ".verify_certificate_spki: '" + s + "' is not a base64 SHA-256 hash");
      }
      spki.add(s);
    }
    Set<String> hashes = new LinkedHashSet<>();
    for (String h : v.getVerifyCertificateHashList()) {
      String hex = h.replace(":", "").toLowerCase(Locale.ROOT);
      if (!hex.matches("[0-9a-f]{64}")) {
        throw new ConfigException(where + ".verify_certificate_hash: '" + h + "' is not a hex SHA-256 hash");
      }
      hashes.add(hex);
    }
    return new CertificateValidation(ca, List.copyOf(sans), Set.copyOf(spki), Set.copyOf(hashes));
  }

  static StringMatch stringMatch(StringMatcher s, String where) {
    return RouteFeatureTranslator.stringMatch(s, where);
  }

  /** {@code TlsParameters}: min/max version to JDK protocol names; OpenSSL cipher names to JDK names. */
  static TlsParams params(TlsParameters p, String where) {
    FieldGuard.onlySupported(p, where, Set.of("tls_minimum_protocol_version", "tls_maximum_protocol_version", "cipher_suites"));
    int min = version(p.getTlsMinimumProtocolVersion(), 2, where + ".tls_minimum_protocol_version");
    int max = version(p.getTlsMaximumProtocolVersion(), 3, where + ".tls_maximum_protocol_version");
    if (min > max) {
      throw new ConfigException(where + ": tls_minimum_protocol_version " + VERSIONS.get(min) + " is above tls_maximum_protocol_version "
          + VERSIONS.get(max));
    }
    List<String> ciphers = new ArrayList<>();
    if (p.getCipherSuitesCount() > 0) {
      Set<String> supported = supportedCiphers();
      for (String entry : p.getCipherSuitesList()) {
        // BoringSSL's equal-preference groups "[A|B]" count as their members in order.
        for (String name : entry.replace("[", "").replace("]", "").split("\\|")) {
          String java = supported.contains(name) ? name : CipherSuiteConverter.toJava(name, "TLS");
          if (java == null || !supported.contains(java)) {
            throw new ConfigException(where + ".cipher_suites: '" + name + "' is not a cipher suite this JDK supports");
          }
          ciphers.add(java);
        }
      }
      if (max == 3) {
        // TLS 1.3 suites are not configurable in Envoy (BoringSSL); keep the JDK's.
        for (String s : supported) {
          if (s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_")) {
            ciphers.add(s);
          }
        }
      }
    }
    return new TlsParams(List.copyOf(VERSIONS.subList(min, max + 1)), List.copyOf(ciphers));
  }

  private static int version(TlsParameters.TlsProtocol v, int auto, String where) {
    return switch (v) {
      case TLS_AUTO -> auto;
      case TLSv1_0 -> 0;
      case TLSv1_1 -> 1;
      case TLSv1_2 -> 2;
      case TLSv1_3 -> 3;
      default -> throw new ConfigException(where + ": unknown version " + v);
    };
  }

  private static Set<String> supportedCiphers() {
    try {
      return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A validated SDS secret: a certificate, a validation context or a generic secret (session ticket keys are refused). */
  public static SecretSpec secret(Secret s, String where) {
    FieldGuard.onlySupported(s, where, Set.of("name", "tls_certificate", "validation_context", "generic_secret", "session_ticket_keys"));
    if (s.getName().isEmpty()) {
      throw new ConfigException(where + ".name: required");
    }
    if (s.hasTlsCertificate()) {
      return new SecretSpec(s.getName(), Optional.of(certificate(s.getTlsCertificate(), where + ".tls_certificate")), Optional.empty());
    }
    if (s.hasValidationContext()) {
      validation(s.getValidationContext(), where + ".validation_context");
      return new SecretSpec(s.getName(), Optional.empty(), Optional.of(s.getValidationContext()));
    }
    if (s.hasGenericSecret()) {
      String w = where + ".generic_secret";
      FieldGuard.onlySupported(s.getGenericSecret(), w, Set.of("secret"));
      if (!s.getGenericSecret().hasSecret()) {
        throw new ConfigException(w + ".secret: required");
      }
      byte[] value = BootstrapTranslator.dataSource(s.getGenericSecret().getSecret(), w + ".secret");
      return new SecretSpec(s.getName(), Optional.empty(), Optional.empty(), Optional.of(value));
    }
    if (s.hasSessionTicketKeys()) {
      throw new ConfigException(where + ".session_ticket_keys: the JDK TLS provider makes and rotates its own session ticket keys and"
          + " cannot take configured ones");
    }
    throw new ConfigException(where + ": one of tls_certificate, validation_context or generic_secret is required");
  }

  static void checkTlsSocket(TransportSocket ts, String where) {
    FieldGuard.onlySupported(ts, where, Set.of("name", "typed_config"));
    String url = ts.getTypedConfig().getTypeUrl();
    if (!(ts.getName().equals(EnvoyTypes.TLS) || url.contains("transport_sockets.tls.v3"))) {
      throw new ConfigException(where + ": unsupported transport socket '" + ts.getName() + "' (supported: " + EnvoyTypes.TLS + ")");
    }
  }

  /** Lower-case hex, as Envoy prints digests. */
  public static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}

package io.wasmplane.dataplane.tls;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.wasmplane.dataplane.config.CertificateKeyPair;
import io.wasmplane.dataplane.config.CertificateValidation;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.SecretRef;
import io.wasmplane.dataplane.config.SecretSpec;
import io.wasmplane.dataplane.config.TlsMaterial;
import io.wasmplane.dataplane.config.TlsTranslator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The secrets TLS contexts refer to by name: {@code static_resources.secrets} and the latest accepted SDS secrets.
 * A TLS context resolves its {@link TlsMaterial} here and watches the names it used, so a rotated secret rebuilds it.
 */
public final class SecretStore {
  private final Map<String, SecretSpec> statics;
  private final Map<String, SecretSpec> dynamic = new ConcurrentHashMap<>();
  private final Map<String, List<Runnable>> watchers = new ConcurrentHashMap<>();

  public SecretStore(Map<String, SecretSpec> statics) {
    this.statics = Map.copyOf(statics);
  }

  /** Whether every dynamic secret {@code m} names has arrived (else the listener or cluster is warming). */
  public boolean ready(TlsMaterial m) {
    return m.certificateSecrets().stream().filter(SecretRef::dynamic).allMatch(r -> dynamic.containsKey(r.name()))
        && m.validationSecret().filter(SecretRef::dynamic).map(r -> dynamic.containsKey(r.name())).orElse(true);
  }

  /** The dynamic secret names {@code m} refers to. */
  public static List<String> dynamicNames(TlsMaterial m) {
    List<String> names = new ArrayList<>();
    m.certificateSecrets().stream().filter(SecretRef::dynamic).forEach(r -> names.add(r.name()));
    m.validationSecret().filter(SecretRef::dynamic).ifPresent(r -> names.add(r.name()));
    return names;
  }

  /** An accepted SDS secret (new or rotated): contexts using it are rebuilt for their new connections. */
  public void put(SecretSpec s) {
    dynamic.put(s.name(), s);
    for (Runnable r : watchers.getOrDefault(s.name(), List.of())) {
      r.run();
    }
  }

  /** An SDS secret nobody refers to any more (its watch was cancelled). */
  public void remove(String name) {
    dynamic.remove(name);
  }

  public Optional<SecretSpec> dynamicSecret(String name) {
    return Optional.ofNullable(dynamic.get(name));
  }

  /** Calls {@code onChange} whenever one of {@code names} changes; the returned action stops that. */
  Runnable watch(List<String> names, Runnable onChange) {
    for (String n : names) {
      watchers.computeIfAbsent(n, k -> new CopyOnWriteArrayList<>()).add(onChange);
    }
    return () -> names.forEach(n -> watchers.getOrDefault(n, List.of()).remove(onChange));
  }

  /** The certificate and validation of {@code m}, secrets looked up; a missing or wrong-kind secret names itself. */
  public TlsMaterial.ResolvedTls resolve(TlsMaterial m, String where) {
    List<CertificateKeyPair> certs = new ArrayList<>(m.certificates());
    for (SecretRef ref : m.certificateSecrets()) {
      SecretSpec s = secret(ref, where);
      certs.add(s.tlsCertificate().orElseThrow(() -> wrongKind(s, "tls_certificate", where)));
    }
    certs.replaceAll(CertificateKeyPair::reread); // watched_directory: the files as they are now
    if (m.certificateSecrets().size() > 1) {
      CertificateKeyPair.requireDistinctKeyTypes(certs, where + ": tls_certificate_sds_secret_configs");
    }
    Optional<CertificateValidation> validation;
    if (m.validationSecret().isPresent()) {
      SecretSpec s = secret(m.validationSecret().get(), where);
      CertificateValidationContext vc = s.validationContext().orElseThrow(() -> wrongKind(s, "validation_context", where));
      // combined_validation_context: the secret's fields merged over default_validation_context, as Envoy does.
      CertificateValidationContext merged = m.validation().map(d -> d.toBuilder().mergeFrom(vc).build()).orElse(vc);
      validation = Optional.of(TlsTranslator.validation(merged, where + " validation context (secret '" + s.name() + "')"));
    } else {
      validation = m.validation().map(v -> TlsTranslator.validation(v, where + ".validation_context"));
    }
    return new TlsMaterial.ResolvedTls(List.copyOf(certs), validation);
  }

  private SecretSpec secret(SecretRef ref, String where) {
    SecretSpec s = ref.dynamic() ? dynamic.get(ref.name()) : statics.get(ref.name());
    if (s == null) {
      throw new ConfigException(where + ": " + (ref.dynamic() ? "SDS secret '" + ref.name() + "' has not been received"
          : "static secret '" + ref.name() + "' is not in static_resources.secrets"));
    }
    return s;
  }

  private static ConfigException wrongKind(SecretSpec s, String kind, String where) {
    return new ConfigException(where + ": secret '" + s.name() + "' is a " + s.kind() + ", a " + kind + " is needed here");
  }
}

package io.wasmplane.dataplane.xds;

import io.grpc.Status;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.SecretRef;
import io.wasmplane.dataplane.config.SecretSpec;
import io.wasmplane.dataplane.config.TlsMaterial;
import io.wasmplane.dataplane.config.TlsTranslator;
import io.wasmplane.dataplane.tls.SecretStore;
import io.wasmplane.xds.ResourceWatcher;
import io.wasmplane.xds.WatchHandle;
import io.wasmplane.xds.XdsClient;
import io.wasmplane.xds.XdsSource;
import io.wasmplane.xds.resource.SecretResource;
import io.wasmplane.xds.resource.SecretUpdate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SDS: one watch per dynamic secret name a TLS context refers to. A secret is checked (PEM parses, the key belongs to
 * the certificate) in the verdict, so a bad one is NACKed and the last good one keeps serving; an accepted one goes to
 * the {@link SecretStore}, which rebuilds the contexts using it for their new connections, and listeners warming for
 * it are re-checked. A watch is cancelled (and the secret forgotten) once no LDS listener and no CDS cluster refers to
 * the name any more: each side reports the names it still uses through {@link #retainOnly}.
 */
final class DynamicSecrets {
  private static final Logger log = LoggerFactory.getLogger(DynamicSecrets.class);

  private final XdsClient xds;
  private final SecretStore store;
  private final Runnable onArrival;
  private final Map<String, WatchHandle> watches = new ConcurrentHashMap<>();
  /** Names not there within initial_fetch_timeout: their users stop warming (and fail to build, as Envoy's do). */
  private final Set<String> timedOut = ConcurrentHashMap.newKeySet();
  /** The names each kind of user (listeners, clusters) still refers to. */
  private final Map<String, Set<String>> usedBy = new ConcurrentHashMap<>();

  DynamicSecrets(XdsClient xds, SecretStore store, Runnable onArrival) {
    this.xds = xds;
    this.store = store;
    this.onArrival = onArrival;
  }

  /** Subscribes to the dynamic secrets {@code m} names; a config source that cannot be used names the field. */
  void expect(TlsMaterial m, String where) {
    m.certificateSecrets().stream().filter(SecretRef::dynamic).forEach(r -> watch(r, where + ": tls_certificate_sds_secret_configs"));
    m.validationSecret().filter(SecretRef::dynamic).ifPresent(r -> watch(r, where + ": validation_context_sds_secret_config"));
  }

  private void watch(SecretRef ref, String where) {
    if (watches.containsKey(ref.name())) {
      return;
    }
    XdsSource source;
    try {
      source = xds.resolve(ref.sdsConfig().orElseThrow(), where + " '" + ref.name() + "' sds_config");
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    watches.computeIfAbsent(ref.name(), n -> xds.watch(SecretResource.INSTANCE, n, source, new Watcher(n)));
  }

  /** The dynamic secret names of {@code materials}, for {@link #retainOnly}. */
  static Set<String> namesOf(java.util.stream.Stream<TlsMaterial> materials) {
    Set<String> names = new java.util.HashSet<>();
    materials.forEach(m -> names.addAll(SecretStore.dynamicNames(m)));
    return names;
  }

  /**
   * {@code user} (listeners or clusters) refers to exactly {@code names} now: watches that neither kind of user needs
   * any more are cancelled (the control plane sees the unsubscription) and their secrets dropped. Call it after every
   * accepted, rejected or removed resource, on the xds-client thread.
   */
  void retainOnly(String user, Set<String> names) {
    usedBy.put(user, Set.copyOf(names));
    for (String name : List.copyOf(watches.keySet())) {
      if (usedBy.values().stream().noneMatch(u -> u.contains(name))) {
        WatchHandle h = watches.remove(name);
        if (h != null) {
          h.cancel();
        }
        timedOut.remove(name);
        store.remove(name);
        log.info("event=sds_secret_released secret={}", name);
      }
    }
  }

  /** The dynamic secrets of {@code m} not there yet (and not timed out), by name. */
  java.util.List<String> pending(TlsMaterial m) {
    return SecretStore.dynamicNames(m).stream().filter(n -> store.dynamicSecret(n).isEmpty() && !timedOut.contains(n)).sorted().toList();
  }

  /** Every dynamic secret of {@code m} is there (or will not come: timed out). */
  boolean ready(TlsMaterial m) {
    return store.ready(m) || SecretStore.dynamicNames(m).stream().allMatch(n -> store.dynamicSecret(n).isPresent() || timedOut.contains(n));
  }

  private final class Watcher implements ResourceWatcher<SecretUpdate> {
    private final String name;

    Watcher(String name) {
      this.name = name;
    }

    @Override
    public CompletionStage<Optional<String>> onChanged(SecretUpdate update) {
      SecretSpec spec;
      try {
        spec = TlsTranslator.secret(update.proto(), "secret " + name);
      } catch (ConfigException e) {
        log.warn("event=sds_secret_rejected secret={} cause=\"{}\"", name, e.getMessage());
        return Verdicts.reject(e.getMessage());
      }
      Optional<SecretSpec> previous = store.dynamicSecret(name);
      if (previous.isPresent() && !previous.get().kind().equals(spec.kind())) {
        return Verdicts.reject("secret " + name + ": was a " + previous.get().kind() + ", an update cannot make it a " + spec.kind());
      }
      store.put(spec);
      log.info("event=sds_secret_applied secret={} kind={}", name, spec.kind());
      onArrival.run();
      return Verdicts.accept();
    }

    @Override
    public void onResourceDoesNotExist(String resource) {
      if (store.dynamicSecret(name).isEmpty() && timedOut.add(name)) {
        log.warn("event=sds_secret_missing secret={}", name);
        onArrival.run();
      }
    }

    @Override
    public void onError(Status status) {
      log.debug("event=sds_error secret={} status={}", name, status);
    }
  }
}

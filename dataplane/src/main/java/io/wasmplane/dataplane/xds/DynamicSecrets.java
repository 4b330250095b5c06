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
 * it are re-checked. Watches stay for the life of the client (secrets are few and shared).
 */
final class DynamicSecrets {
  private static final Logger log = LoggerFactory.getLogger(DynamicSecrets.class);

  private final XdsClient xds;
  private final SecretStore store;
  private final Runnable onArrival;
  private final Map<String, WatchHandle> watches = new ConcurrentHashMap<>();
  /** Names not there within initial_fetch_timeout: their users stop warming (and fail to build, as Envoy's do). */
  private final Set<String> timedOut = ConcurrentHashMap.newKeySet();

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

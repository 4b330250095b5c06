package io.wasmplane.xds;

import com.google.protobuf.Any;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.wasmplane.xds.resource.ParsedResource;
import io.wasmplane.xds.resource.ResourceType;
import io.wasmplane.xds.resource.ResourceTypes;
import io.wasmplane.xds.resource.XdsResource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control plane ({@link ServerInfo}): one channel, and either one aggregated stream (ADS) or one stream per
 * resource type ({@code api_config_source}), with a cache per type, watchers and their verdicts, ACK/NACK and
 * reconnects. As grpc-java's xDS client, the {@link DefaultXdsClient} keeps one of these per server. Every piece of
 * state is confined to the client's single thread ("xds-client"), which also runs the gRPC callbacks, the timers and
 * the watcher callbacks.
 *
 * <p>Verdicts are asynchronous: while a response of one type waits for its verdicts (e.g. a listener whose plugin
 * code is being fetched), the stream keeps taking responses of the other types; later responses of the same type wait
 * in order behind it, and its subscription changes are sent after its ACK/NACK.
 */
final class ControlPlaneClient implements AdsStream.Events {
  private static final Logger log = LoggerFactory.getLogger(ControlPlaneClient.class);
  /** Responses of one type queued behind a pending verdict before the stream stops reading. */
  private static final int MAX_BACKLOG = 4;
  private static final String ADS = "ads";

  private final ServerInfo server;
  private final XdsClientConfig config;
  private final XdsStats stats;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final Runnable onConnectivityChange;
  private final ManagedChannel channel;
  private final Map<String, TypeState<?>> states = new LinkedHashMap<>();
  /** The ADS stream (key "ads"), or one per type URL. */
  private final Map<String, Slot> slots = new java.util.concurrent.ConcurrentHashMap<>();
  private boolean closed;

  /** One stream (and its reconnect state): the ADS stream, or one type's stream. */
  private static final class Slot {
    final String key;
    AdsStream<?, ?> stream;
    int failedAttempts;
    volatile boolean connected;

    Slot(String key) {
      this.key = key;
    }
  }

  ControlPlaneClient(ServerInfo server, XdsClientConfig config, XdsStats stats, ScheduledExecutorService executor,
      Runnable onConnectivityChange) {
    this.server = server;
    this.config = config;
    this.stats = stats;
    this.clock = Clock.systemUTC();
    this.executor = executor;
    this.onConnectivityChange = onConnectivityChange;
    // Subscription order on a new stream: clusters before endpoints, listeners before routes (as Envoy does).
    for (ResourceType<?, ?> type : ResourceTypes.ALL) {
      states.put(type.typeUrl(), new TypeState<>(type));
    }
    this.channel = ChannelFactory.create(server, config);
  }

  /** ADS connects right away (as Envoy); per-type streams open with their type's first subscription. */
  void start() {
    if (server.aggregated()) {
      post(() -> openStream(slot(ADS)));
    }
  }

  ServerInfo server() {
    return server;
  }

  /** Every stream this client opened is established (vacuously true before any). */
  boolean connected() {
    return slots.values().stream().allMatch(s -> s.connected);
  }

  boolean hasStreams() {
    return !slots.isEmpty();
  }

  private Slot slot(String key) {
    return slots.computeIfAbsent(key, Slot::new);
  }

  private Slot slotOf(TypeState<?> ts) {
    return slot(server.aggregated() ? ADS : ts.type.typeUrl());
  }

  /** The types a stream carries: all of them on ADS, else its own. */
  private List<TypeState<?>> typesOf(Slot slot) {
    return slot.key.equals(ADS) ? List.copyOf(states.values()) : List.of(states.get(slot.key));
  }

  private boolean isCurrent(AdsStream<?, ?> s) {
    for (Slot slot : slots.values()) {
      if (slot.stream == s) {
        return !s.isClosed() && !closed;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- watches

  /** @param initialFetchTimeout of the watch's config source (zero: none) */
  <T extends XdsResource> WatchHandle watch(ResourceType<?, T> type, String name, Duration initialFetchTimeout,
      ResourceWatcher<T> watcher) {
    if (name == null || name.isEmpty() || name.equals("*")) {
      throw new IllegalArgumentException("resource name must be non-empty and not '*': use watchAll");
    }
    TypeState<T> ts = state(type);
    post(() -> addNamedWatch(ts, name, initialFetchTimeout, watcher));
    return once(() -> post(() -> removeNamedWatch(ts, name, watcher)));
  }

  <T extends XdsResource> WatchHandle watchAll(ResourceType<?, T> type, Duration initialFetchTimeout,
      ResourceWatcher<T> watcher) {
    if (!type.isFullStateInSotw()) {
      throw new IllegalArgumentException(type + " does not support wildcard subscriptions");
    }
    TypeState<T> ts = state(type);
    post(() -> addWildcardWatch(ts, initialFetchTimeout, watcher));
    return once(() -> post(() -> removeWildcardWatch(ts, watcher)));
  }

  private static WatchHandle once(Runnable r) {
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        r.run();
      }
    };
  }

  @SuppressWarnings("unchecked")
  private <T extends XdsResource> TypeState<T> state(ResourceType<?, T> type) {
    TypeState<?> ts = states.get(type.typeUrl());
    if (ts == null || ts.type != type) {
      throw new IllegalArgumentException("unknown resource type " + type.typeUrl());
    }
    return (TypeState<T>) ts;
  }

  private <T extends XdsResource> void addNamedWatch(TypeState<T> ts, String name, Duration timeout,
      ResourceWatcher<T> watcher) {
    if (closed) {
      return;
    }
    boolean newName = !ts.named.containsKey(name);
    ts.named.computeIfAbsent(name, n -> new ArrayList<>()).add(watcher);
    ResourceEntry<T> e = ts.entry(name);
    if (e.data != null) {
      deliverCached(ts, e, watcher);
    } else if (e.status == ClientStatus.DOES_NOT_EXIST) {
      safely(() -> watcher.onResourceDoesNotExist(name));
    } else if (e.fetchTimer == null) {
      startFetchTimer(ts, e, timeout);
    }
    ts.publish(e);
    if (newName) {
      subscriptionChanged(ts);
    }
  }

  private <T extends XdsResource> void removeNamedWatch(TypeState<T> ts, String name, ResourceWatcher<T> watcher) {
    List<ResourceWatcher<T>> list = ts.named.get(name);
    if (list == null || !list.remove(watcher) || !list.isEmpty()) {
      return;
    }
    ts.named.remove(name);
    if (!ts.isWildcard()) {
      forget(ts, name);
    }
    subscriptionChanged(ts);
  }

  private <T extends XdsResource> void addWildcardWatch(TypeState<T> ts, Duration timeout, ResourceWatcher<T> watcher) {
    if (closed) {
      return;
    }
    boolean first = !ts.isWildcard();
    ts.wildcard.add(watcher);
    for (ResourceEntry<T> e : ts.entries.values()) {
      if (e.data != null) {
        deliverCached(ts, e, watcher);
      }
    }
    if (ts.initialFetchDone) {
      safely(watcher::onInitialFetchDone);
    } else if (ts.wildcardFetchTimer == null && !timeout.isZero()) {
      ts.wildcardFetchTimer = executor.schedule(() -> {
        ts.wildcardFetchTimer = null;
        if (!ts.initialFetchDone) {
          stats.increment(ts.type.statPrefix() + ".init_fetch_timeout");
          log.info("{}: no response within initial_fetch_timeout {}", ts.type, timeout);
          initialFetchDone(ts);
        }
      }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    if (first) {
      subscriptionChanged(ts);
    }
  }

  private <T extends XdsResource> void removeWildcardWatch(TypeState<T> ts, ResourceWatcher<T> watcher) {
    if (!ts.wildcard.remove(watcher) || ts.isWildcard()) {
      return;
    }
    for (String name : new ArrayList<>(ts.entries.keySet())) {
      if (!ts.named.containsKey(name)) {
        forget(ts, name);
      }
    }
    subscriptionChanged(ts);
  }

  private <T extends XdsResource> void initialFetchDone(TypeState<T> ts) {
    ts.initialFetchDone = true;
    if (ts.wildcardFetchTimer != null) {
      ts.wildcardFetchTimer.cancel(false);
      ts.wildcardFetchTimer = null;
    }
    for (ResourceWatcher<T> w : new ArrayList<>(ts.wildcard)) {
      safely(w::onInitialFetchDone);
    }
  }

  private void forget(TypeState<?> ts, String name) {
    ResourceEntry<?> e = ts.entries.remove(name);
    if (e != null) {
      e.cancelTimer();
    }
    ts.unpublish(name);
  }

  /** A cached value was already ACKed; a late watcher's rejection cannot change that, so it is only logged. */
  private <T extends XdsResource> void deliverCached(TypeState<T> ts, ResourceEntry<T> e, ResourceWatcher<T> w) {
    verdictOf(w, e.data).thenAccept(v -> v.ifPresent(err -> log.warn(
        "{} '{}' version {}: a new watcher rejected the cached resource (already ACKed): {}",
        ts.type, e.name, e.version, err)));
  }

  private void startFetchTimer(TypeState<?> ts, ResourceEntry<?> e, Duration timeout) {
    if (timeout.isZero()) {
      return;
    }
    e.fetchTimer = executor.schedule(() -> fetchTimedOut(ts, e.name, timeout), timeout.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private <T extends XdsResource> void fetchTimedOut(TypeState<T> ts, String name, Duration timeout) {
    ResourceEntry<T> e = ts.entries.get(name);
    if (e == null || e.data != null || e.status == ClientStatus.DOES_NOT_EXIST) {
      return;
    }
    e.fetchTimer = null;
    e.markDoesNotExist();
    ts.publish(e);
    stats.increment(ts.type.statPrefix() + ".init_fetch_timeout");
    log.info("{} '{}': not received within initial_fetch_timeout {}", ts.type, name, timeout);
    for (ResourceWatcher<T> w : ts.watchersOf(name)) {
      safely(() -> w.onResourceDoesNotExist(name));
    }
  }

  // ---------------------------------------------------------------- stream lifecycle

  private void openStream(Slot slot) {
    if (closed) {
      return;
    }
    channel.resetConnectBackoff(); // our own backoff paces reconnects, not the channel's
    String typeUrl = slot.key.equals(ADS) ? null : slot.key;
    slot.stream = server.protocol() == XdsProtocol.DELTA
        ? new DeltaAdsStream(channel, typeUrl, this::post, this, config.node(), server.nodeOnFirstMessageOnly())
        : new SotwAdsStream(channel, typeUrl, this::post, this, config.node(), server.nodeOnFirstMessageOnly());
    log.debug("opening {} {} stream to {}", server.protocol(), slot.key, server.target());
    slot.stream.start();
    for (TypeState<?> ts : typesOf(slot)) {
      ts.subscriptionDirty = false;
      if (ts.isSubscribed()) {
        slot.stream.sendSubscription(ts);
      }
    }
  }

  private void subscriptionChanged(TypeState<?> ts) {
    Slot slot = slotOf(ts);
    if (slot.stream == null) {
      if (!server.aggregated() && ts.isSubscribed()) {
        openStream(slot); // a per-type stream opens with its first subscription
      }
      return;
    }
    if (slot.stream.isClosed()) {
      return; // the next stream sends the whole subscription
    }
    if (ts.pending) {
      // A request now would carry the pending response's nonce before its ACK/NACK: send it right after.
      ts.subscriptionDirty = true;
      return;
    }
    slot.stream.sendSubscription(ts);
  }

  private Slot slotOfStream(AdsStream<?, ?> s) {
    for (Slot slot : slots.values()) {
      if (slot.stream == s) {
        return slot;
      }
    }
    return null;
  }

  @Override
  public void onEstablished(AdsStream<?, ?> s) {
    Slot slot = slotOfStream(s);
    if (slot == null || closed) {
      return;
    }
    slot.connected = true;
    onConnectivityChange.run();
    log.info("xDS {} stream to {} established ({})", slot.key, server.target(), server.protocol());
  }

  @Override
  public void onClosed(AdsStream<?, ?> s, Status status) {
    Slot slot = slotOfStream(s);
    if (slot == null || closed) {
      return;
    }
    boolean wasConnected = slot.connected;
    slot.connected = false;
    onConnectivityChange.run();
    if (s.receivedResponse) {
      slot.failedAttempts = 0;
    }
    List<TypeState<?>> types = typesOf(slot);
    for (TypeState<?> ts : types) {
      if (ts.isSubscribed()) {
        // As Envoy: a failed fetch is an attempt too, so attempt = success + rejected + failure.
        stats.increment(ts.type.statPrefix() + ".update_attempt");
        stats.increment(ts.type.statPrefix() + ".update_failure");
      }
    }
    long delay = DefaultXdsClient.backoffMillis(slot.failedAttempts++, config.backoffBase(), config.backoffMax());
    if (wasConnected || slot.failedAttempts == 1) {
      log.warn("xDS {} stream to {} closed: {} {}{}; reconnecting in {} ms, serving cached config",
          slot.key, server.target(), status.getCode(), status.getDescription(), rootCause(status), delay);
    } else {
      log.debug("xDS {} stream to {} failed again: {}; retry in {} ms", slot.key, server.target(), status, delay);
    }
    // Every failed attempt reaches the watchers (as Envoy's onConfigUpdateFailed), also those that subscribed
    // after the first one; only the log line is kept to one per outage.
    for (TypeState<?> ts : types) {
      for (ResourceWatcher<?> w : ts.allWatchers()) {
        safely(() -> w.onError(status));
      }
    }
    executor.schedule(() -> openStream(slot), delay, TimeUnit.MILLISECONDS);
  }

  /** The innermost cause (a TLS alert, a refused connection) that gRPC's status only summarises. */
  static String rootCause(Status status) {
    Throwable t = status.getCause();
    if (t == null) {
      return "";
    }
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return " (" + t.getClass().getSimpleName() + ": " + t.getMessage() + ")";
  }

  // ---------------------------------------------------------------- responses

  @Override
  public void onResponse(AdsStream<?, ?> s, IncomingResponse response) {
    if (!isCurrent(s)) {
      return;
    }
    TypeState<?> ts = states.get(response.typeUrl());
    if (ts == null) {
      log.warn("ignoring xDS response of unknown type {} (nonce {})", response.typeUrl(), response.nonce());
      s.requestNext();
      return;
    }
    if (ts.pending) {
      // Its type still waits for verdicts: this one is answered after it, in order. Other types go on meanwhile.
      ts.backlog.add(new TypeState.Queued(s, response));
      if (ts.backlog.size() >= MAX_BACKLOG) {
        s.stalled = true;
        log.debug("{}: {} responses wait for verdicts; pausing the stream", ts.type, ts.backlog.size());
        return;
      }
    } else {
      start(s, ts, response);
    }
    s.requestNext();
  }

  private void start(AdsStream<?, ?> s, TypeState<?> ts, IncomingResponse response) {
    ts.pending = true;
    try {
      process(s, ts, response);
    } catch (RuntimeException e) {
      // Never leave the type pending: answer with a NACK that says what broke.
      log.error("{} response version {} nonce {}: processing failed", ts.type, response.versionInfo(),
          response.nonce(), e);
      stats.increment(ts.type.statPrefix() + ".update_rejected");
      answer(s, ts, response.nonce(), ts.type + ": internal error processing the response: " + e, 0);
    }
  }

  /** The type's pending response was answered: its deferred subscription goes out, then the next queued response. */
  private void next(TypeState<?> ts) {
    ts.pending = false;
    if (ts.subscriptionDirty) {
      ts.subscriptionDirty = false;
      subscriptionChanged(ts);
    }
    while (!ts.pending && !ts.backlog.isEmpty()) {
      TypeState.Queued q = ts.backlog.poll();
      if (q.stream().stalled && ts.backlog.size() < MAX_BACKLOG) {
        q.stream().stalled = false;
        q.stream().requestNext();
      }
      if (isCurrent(q.stream())) {
        start(q.stream(), ts, q.response());
      }
    }
  }

  /** One changed resource waiting for its watchers' verdicts. */
  private record Candidate<T extends XdsResource>(T update, String version, Any raw,
      List<ResourceWatcher<T>> asked, CompletableFuture<Optional<String>> verdict) {}

  private record Rejected(String version, Any raw, String error) {}

  private <T extends XdsResource> void process(AdsStream<?, ?> s, TypeState<T> ts, IncomingResponse r) {
    String prefix = ts.type.statPrefix();
    stats.increment(prefix + ".update_attempt");
    List<String> errors = new ArrayList<>();
    Map<String, Candidate<T>> candidates = new LinkedHashMap<>();
    Map<String, Rejected> rejectedByClient = new LinkedHashMap<>();
    Map<String, String> unchanged = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    boolean anythingNew = false;
    boolean unnamedErrors = false;

    for (int i = 0; i < r.resources().size(); i++) {
      IncomingResponse.Resource in = r.resources().get(i);
      if (in.payload() == null) {
        errors.add(ts.type + " resource '" + in.name() + "': Resource has no payload");
        continue;
      }
      ParsedResource<T> parsed = ts.type.parse(in.payload());
      String name = parsed.name() != null ? parsed.name() : in.name();
      if (name == null || name.isEmpty()) {
        errors.add(ts.type + " resource #" + i + ": " + parsed.error());
        anythingNew = true;
        unnamedErrors = true;
        continue;
      }
      if (in.name() != null && parsed.name() != null && !in.name().equals(parsed.name())) {
        errors.add(ts.type + " '" + in.name() + "': Resource.name does not match the payload's name '"
            + parsed.name() + "'");
        anythingNew = true;
        continue;
      }
      if (!seen.add(name)) {
        errors.add(ts.type + " '" + name + "': duplicate resource name in one response");
        continue;
      }
      if (!ts.isInterestedIn(name)) {
        log.debug("{} '{}': not subscribed, ignored", ts.type, name);
        continue;
      }
      ResourceEntry<T> e = ts.entries.get(name);
      if (e != null) {
        e.cancelTimer(); // it arrived: no does-not-exist while its verdict is pending
      }
      if (!parsed.isValid()) {
        anythingNew |= e == null || !e.isLastRejected(in.payload());
        rejectedByClient.put(name, new Rejected(in.version(), in.payload(), parsed.error()));
        errors.add(ts.type + " '" + name + "': " + parsed.error());
      } else if (e != null && e.raw != null && e.raw.equals(in.payload())) {
        unchanged.put(name, in.version());
      } else if (e != null && e.isLastRejected(in.payload())) {
        // Same payload as the last rejection (a server resending after our NACK): same answer, no new verdicts.
        errors.add(ts.type + " '" + name + "': " + e.rejection.error());
      } else {
        anythingNew = true;
        List<ResourceWatcher<T>> watchers = ts.watchersOf(name);
        CompletableFuture<Optional<String>> verdict = allVerdicts(watchers, parsed.update());
        candidates.put(name, new Candidate<>(parsed.update(), in.version(), in.payload(), watchers, verdict));
      }
    }

    Set<String> removed = new LinkedHashSet<>();
    if (r.delta()) {
      for (String name : r.removed()) {
        if (ts.isInterestedIn(name) && ts.entries.containsKey(name)) {
          removed.add(name);
        }
      }
    } else if (ts.type.isFullStateInSotw() && !unnamedErrors) {
      // Absent means removed, unless a resource we could not name might be the absent one.
      Set<String> known = new LinkedHashSet<>(ts.entries.keySet());
      known.addAll(ts.named.keySet());
      for (String name : known) {
        ResourceEntry<T> e = ts.entries.get(name);
        if (!seen.contains(name) && (e == null || e.status != ClientStatus.DOES_NOT_EXIST || e.data != null)) {
          removed.add(name);
        }
      }
    }
    anythingNew |= !removed.isEmpty();

    boolean newResponse = anythingNew;
    CompletableFuture<?>[] all = candidates.values().stream().map(Candidate::verdict).toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(all).whenComplete((ok, err) -> post(() ->
        finish(s, ts, r, candidates, rejectedByClient, unchanged, removed, errors, newResponse)));
  }

  private <T extends XdsResource> CompletableFuture<Optional<String>> allVerdicts(List<ResourceWatcher<T>> watchers,
      T update) {
    List<CompletableFuture<Optional<String>>> verdicts = new ArrayList<>();
    for (ResourceWatcher<T> w : watchers) {
      CompletableFuture<Optional<String>> own = new CompletableFuture<>(); // never complete the watcher's stage
      verdictOf(w, update).whenComplete((v, t) -> {
        if (t != null) {
          own.completeExceptionally(t);
        } else {
          own.complete(v == null ? Optional.empty() : v);
        }
      });
      verdicts.add(own
          .orTimeout(config.verdictTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .exceptionally(t -> Optional.of(t instanceof TimeoutException
              ? "no verdict within " + config.verdictTimeout()
              : "watcher failed: " + rootMessage(t))));
    }
    return CompletableFuture.allOf(verdicts.toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<String> reasons = verdicts.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList();
      return reasons.isEmpty() ? Optional.<String>empty() : Optional.of(String.join("; ", reasons));
    });
  }

  private static <T extends XdsResource> CompletionStage<Optional<String>> verdictOf(ResourceWatcher<T> w, T update) {
    try {
      CompletionStage<Optional<String>> v = w.onChanged(update);
      return v == null ? ResourceWatcher.accept() : v;
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Optional.of("watcher failed: " + e));
    }
  }

  private <T extends XdsResource> void finish(AdsStream<?, ?> s, TypeState<T> ts, IncomingResponse r,
      Map<String, Candidate<T>> candidates, Map<String, Rejected> rejectedByClient, Map<String, String> unchanged,
      Set<String> removed, List<String> errors, boolean newResponse) {
    Instant now = clock.instant();
    List<String> accepted = new ArrayList<>();
    for (var c : candidates.entrySet()) {
      String name = c.getKey();
      Candidate<T> cand = c.getValue();
      if (!ts.isInterestedIn(name)) {
        continue; // unsubscribed while the verdict was pending
      }
      ResourceEntry<T> e = ts.entry(name);
      Optional<String> verdict = cand.verdict().join();
      if (verdict.isPresent()) {
        e.reject(cand.version(), cand.raw(), verdict.get(), now);
        errors.add(ts.type + " '" + name + "': " + verdict.get());
      } else {
        e.accept(cand.update(), cand.version(), cand.raw(), now);
        accepted.add(name);
        // Watchers added while the verdict was pending have not seen it yet.
        for (ResourceWatcher<T> w : ts.watchersOf(name)) {
          if (!cand.asked().contains(w)) {
            deliverCached(ts, e, w);
          }
        }
      }
      ts.publish(e);
    }
    for (var rej : rejectedByClient.entrySet()) {
      ResourceEntry<T> e = ts.entry(rej.getKey());
      boolean repeat = e.isLastRejected(rej.getValue().raw());
      e.reject(rej.getValue().version(), rej.getValue().raw(), rej.getValue().error(), now);
      ts.publish(e);
      if (!repeat) {
        Status st = Status.INVALID_ARGUMENT.withDescription(ts.type + " '" + rej.getKey() + "': " + rej.getValue().error());
        for (ResourceWatcher<T> w : ts.watchersOf(rej.getKey())) {
          safely(() -> w.onError(st));
        }
      }
    }
    for (var u : unchanged.entrySet()) {
      ResourceEntry<T> e = ts.entries.get(u.getKey());
      if (e != null && e.data != null) {
        e.version = u.getValue();
        if (e.status == ClientStatus.NACKED) {
          e.status = ClientStatus.ACKED; // the server went back to what we accepted
          e.rejection = null;
        }
        ts.publish(e);
      }
    }
    for (String name : removed) {
      ResourceEntry<T> e = ts.entry(name);
      List<ResourceWatcher<T>> watchers = ts.watchersOf(name);
      if (ts.named.containsKey(name)) {
        e.markDoesNotExist();
        ts.publish(e);
      } else {
        forget(ts, name);
      }
      for (ResourceWatcher<T> w : watchers) {
        safely(() -> w.onResourceDoesNotExist(name));
      }
    }

    if (!ts.initialFetchDone) {
      initialFetchDone(ts);
    }
    String prefix = ts.type.statPrefix();
    if (errors.isEmpty()) {
      ts.versionInfo = r.versionInfo();
      ts.identicalRejections = 0;
      stats.increment(prefix + ".update_success");
      stats.setGauge(prefix + ".version", DefaultXdsClient.versionHash(r.versionInfo()));
      if (newResponse) {
        log.atInfo().addKeyValue("type", prefix).addKeyValue("version", r.versionInfo())
            .addKeyValue("changed", accepted).addKeyValue("removed", removed)
            .log("{} update accepted: version {} ({} changed {}, {} removed {})", ts.type, r.versionInfo(),
                accepted.size(), accepted, removed.size(), removed);
      } else {
        log.debug("{} update version {} nonce {}: nothing changed", ts.type, r.versionInfo(), r.nonce());
      }
      answer(s, ts, r.nonce(), null, 0);
    } else {
      String detail = String.join("\n", errors);
      stats.increment(prefix + ".update_rejected");
      long delay = 0;
      if (newResponse) {
        ts.identicalRejections = 0;
        String keeping = ts.versionInfo.isEmpty() ? "nothing" : ts.versionInfo;
        log.atInfo().addKeyValue("type", prefix).addKeyValue("version", r.versionInfo())
            .addKeyValue("keeping", keeping).addKeyValue("error", detail)
            .log("{} update rejected: version {} (keeping {}): {}", ts.type, r.versionInfo(), keeping,
                detail.replace('\n', ' '));
      } else {
        delay = Math.min(config.repeatedNackDelayMax().toMillis(), 50L << Math.min(ts.identicalRejections, 16));
        ts.identicalRejections++;
        log.debug("{} version {} re-sent unchanged after our NACK; NACKing again in {} ms", ts.type,
            r.versionInfo(), delay);
      }
      answer(s, ts, r.nonce(), detail, delay);
    }
  }

  /** Sends the ACK/NACK (possibly delayed), then lets the type's next response in. */
  private void answer(AdsStream<?, ?> s, TypeState<?> ts, String nonce, String error, long delayMillis) {
    Runnable send = () -> {
      if (isCurrent(s)) {
        s.sendAckOrNack(ts, nonce, error); // else a new stream re-subscribes with the versions now in the cache
      }
      next(ts);
    };
    if (delayMillis > 0) {
      executor.schedule(() -> {
        if (!closed) {
          send.run();
        }
      }, delayMillis, TimeUnit.MILLISECONDS);
    } else {
      send.run();
    }
  }

  // ---------------------------------------------------------------- view, close, helpers

  /** The resources of one type, for the cache view (any thread). */
  List<ResourceSnapshot> resources(ResourceType<?, ?> type) {
    TypeState<?> ts = states.get(type.typeUrl());
    return ts == null ? List.of() : List.copyOf(ts.published.values());
  }

  String versionInfo(ResourceType<?, ?> type) {
    TypeState<?> ts = states.get(type.typeUrl());
    return ts == null ? "" : ts.versionInfo;
  }

  /** On the client thread: cancels the streams and timers; watchers get no further callbacks. */
  void shutdown() {
    closed = true;
    for (Slot slot : slots.values()) {
      if (slot.stream != null) {
        slot.stream.cancel("xDS client closed");
      }
      slot.connected = false;
    }
    states.values().forEach(ts -> {
      ts.entries.values().forEach(ResourceEntry::cancelTimer);
      if (ts.wildcardFetchTimer != null) {
        ts.wildcardFetchTimer.cancel(false);
      }
    });
  }

  /** Any thread, after {@link #shutdown()}. */
  void closeChannel() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs a task on the client thread; after close, tasks are dropped. */
  private void post(Runnable task) {
    try {
      executor.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("xDS client closed; dropping a task");
    }
  }

  private static void safely(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.warn("xDS watcher callback failed", e);
    }
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null && t != t.getCause()) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage() == null ? t.toString() : t.getMessage());
  }
}

package io.wasmplane.xds;

import io.wasmplane.xds.resource.ResourceType;
import io.wasmplane.xds.resource.XdsResource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** Subscriptions, watchers and cache of one resource type; only touched on the client thread. */
final class TypeState<T extends XdsResource> {
  final ResourceType<?, T> type;
  final Map<String, ResourceEntry<T>> entries = new LinkedHashMap<>();
  final Map<String, List<ResourceWatcher<T>>> named = new LinkedHashMap<>();
  final List<ResourceWatcher<T>> wildcard = new ArrayList<>();
  /** Published copy of the entries for readers on other threads. */
  final Map<String, ResourceSnapshot> published = new ConcurrentHashMap<>();
  /** Last accepted version_info (delta: system_version_info). */
  volatile String versionInfo = "";
  /** Subscription changed while it could not be sent; flushed after the in-flight response is answered. */
  boolean subscriptionDirty;
  /** A response of this type waits for its verdicts; later ones of the type wait in {@link #backlog}. */
  boolean pending;
  /** Responses of this type that arrived while one was pending, answered in order (as Envoy processes them). */
  final java.util.ArrayDeque<Queued> backlog = new java.util.ArrayDeque<>();
  int identicalRejections;
  /** A first response was answered (or the wildcard initial fetch timed out). */
  boolean initialFetchDone;
  java.util.concurrent.ScheduledFuture<?> wildcardFetchTimer;

  /** A response waiting for its turn, with the stream it came on (dropped if that stream is gone). */
  record Queued(AdsStream<?, ?> stream, IncomingResponse response) {}

  TypeState(ResourceType<?, T> type) {
    this.type = type;
  }

  boolean isWildcard() {
    return !wildcard.isEmpty();
  }

  boolean isSubscribed() {
    return isWildcard() || !named.isEmpty();
  }

  boolean isInterestedIn(String name) {
    return isWildcard() || named.containsKey(name);
  }

  /** Named subscriptions, sorted (so requests are stable). */
  Set<String> names() {
    return new TreeSet<>(named.keySet());
  }

  /** Watchers of one name: its named watchers then the wildcard ones, without duplicates. */
  List<ResourceWatcher<T>> watchersOf(String name) {
    Set<ResourceWatcher<T>> out = new LinkedHashSet<>(named.getOrDefault(name, List.of()));
    out.addAll(wildcard);
    return new ArrayList<>(out);
  }

  /** All watchers of the type, without duplicates. */
  List<ResourceWatcher<T>> allWatchers() {
    Set<ResourceWatcher<T>> out = new LinkedHashSet<>();
    named.values().forEach(out::addAll);
    out.addAll(wildcard);
    return new ArrayList<>(out);
  }

  ResourceEntry<T> entry(String name) {
    return entries.computeIfAbsent(name, ResourceEntry::new);
  }

  void publish(ResourceEntry<T> e) {
    published.put(e.name, e.snapshot(type.typeUrl()));
  }

  void unpublish(String name) {
    published.remove(name);
  }
}

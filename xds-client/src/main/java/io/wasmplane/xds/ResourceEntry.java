package io.wasmplane.xds;

import com.google.protobuf.Any;
import io.wasmplane.xds.resource.XdsResource;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;

/** Mutable cache slot of one resource name; only touched on the client thread. */
final class ResourceEntry<T extends XdsResource> {
  final String name;
  ClientStatus status = ClientStatus.REQUESTED;
  T data;
  String version;
  Any raw;
  Instant updatedAt;
  ResourceSnapshot.Rejection rejection;
  ScheduledFuture<?> fetchTimer;

  ResourceEntry(String name) {
    this.name = name;
  }

  void accept(T update, String version, Any raw, Instant now) {
    this.data = update;
    this.version = version;
    this.raw = raw;
    this.updatedAt = now;
    this.rejection = null;
    this.status = ClientStatus.ACKED;
    cancelTimer();
  }

  void reject(String version, Any raw, String error, Instant now) {
    this.rejection = new ResourceSnapshot.Rejection(version, raw, error, now);
    this.status = ClientStatus.NACKED;
    cancelTimer(); // it arrived, it is just unusable: watchers already heard (their own verdict, or onError)
  }

  void markDoesNotExist() {
    this.data = null;
    this.version = null;
    this.raw = null;
    this.status = ClientStatus.DOES_NOT_EXIST;
    cancelTimer();
  }

  /** True when this exact payload was the last one rejected: re-validating it would give the same answer. */
  boolean isLastRejected(Any payload) {
    return rejection != null && rejection.raw().equals(payload);
  }

  void cancelTimer() {
    if (fetchTimer != null) {
      fetchTimer.cancel(false);
      fetchTimer = null;
    }
  }

  ResourceSnapshot snapshot(String typeUrl) {
    return new ResourceSnapshot(typeUrl, name, status, Optional.ofNullable(version), Optional.ofNullable(updatedAt),
        Optional.ofNullable(raw), Optional.ofNullable(rejection));
  }
}

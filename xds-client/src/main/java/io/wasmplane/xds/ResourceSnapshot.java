package io.wasmplane.xds;

import com.google.protobuf.Any;
import java.time.Instant;
import java.util.Optional;

/**
 * Immutable view of one cached resource for /config_dump.
 *
 * @param version version of the accepted resource (SotW: the response's version_info; delta: Resource.version)
 * @param raw the accepted resource as received
 * @param lastRejection the last update rejected for this name, if it was rejected after the accepted one
 */
public record ResourceSnapshot(String typeUrl, String name, ClientStatus status, Optional<String> version,
    Optional<Instant> lastUpdated, Optional<Any> raw, Optional<Rejection> lastRejection) {

  /** A rejected update: its version, payload, why, and when. */
  public record Rejection(String version, Any raw, String error, Instant at) {}
}

package io.wasmplane.dataplane.router;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import io.wasmplane.dataplane.config.HeaderMatcherSpec;
import io.wasmplane.dataplane.config.RetryOn;
import io.wasmplane.dataplane.config.RetryPolicy;
import io.wasmplane.dataplane.upstream.ClusterStats;
import io.wasmplane.dataplane.upstream.ResetReason;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamHost;
import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's retry state of one downstream request: the route's policy merged with the request's {@code x-envoy-*}
 * headers, the retries left, the hosts tried, the back-off and the circuit breaker's retry slot. Decides whether an
 * attempt's outcome is retried and counts Envoy's {@code upstream_rq_retry*} stats. Single-threaded.
 */
final class RetryState {
  static final AsciiString RETRY_ON = AsciiString.cached("x-envoy-retry-on");
  static final AsciiString RETRY_GRPC_ON = AsciiString.cached("x-envoy-retry-grpc-on");
  static final AsciiString MAX_RETRIES = AsciiString.cached("x-envoy-max-retries");
  static final AsciiString RETRIABLE_STATUS_CODES = AsciiString.cached("x-envoy-retriable-status-codes");
  static final AsciiString RETRIABLE_HEADER_NAMES = AsciiString.cached("x-envoy-retriable-header-names");
  private static final AsciiString RATELIMITED = AsciiString.cached("x-envoy-ratelimited");
  private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");

  /** What to do with an attempt's outcome. */
  enum Decision {
    RETRY,
    /** Not retriable: hand it on. */
    NO,
    /** Retriable, but no retries left (URX). */
    LIMIT_EXCEEDED,
    /** Retriable, but the cluster's max_retries circuit breaker is open (UO). */
    OVERFLOW
  }

  private final RetryPolicy policy;
  private final int retryOn;
  private final List<Integer> statusCodes;
  private final List<HeaderMatcherSpec> retriableHeaders;
  private final UpstreamCluster cluster;
  private JitteredBackOff backOff;
  private List<UpstreamHost> attempted;
  private int retriesLeft;
  private boolean holdsRetrySlot;

  private RetryState(RetryPolicy policy, int retryOn, int retriesLeft, List<Integer> statusCodes,
      List<HeaderMatcherSpec> retriableHeaders, UpstreamCluster cluster) {
    this.policy = policy;
    this.retryOn = retryOn;
    this.retriesLeft = retriesLeft;
    this.statusCodes = statusCodes;
    this.retriableHeaders = retriableHeaders;
    this.cluster = cluster;
  }

  /**
   * The state for a request, or null when nothing asks for retries. Always consumes the request's retry headers, as
   * Envoy does, so they never reach the upstream.
   */
  /** {@code facts}: the request as route matchers see it (its headers are {@code request}). */
  static RetryState create(RetryPolicy policy, HttpHeaders request, io.wasmplane.dataplane.config.RequestFacts facts,
      UpstreamCluster cluster) {
    String on = take(request, RETRY_ON);
    String grpcOn = take(request, RETRY_GRPC_ON);
    String max = take(request, MAX_RETRIES);
    String codes = take(request, RETRIABLE_STATUS_CODES);
    String names = take(request, RETRIABLE_HEADER_NAMES);
    int retryOn = policy.retryOn();
    if (on != null) {
      retryOn |= RetryOn.parseHeader(on, false);
    }
    if (grpcOn != null) {
      retryOn |= RetryOn.parseHeader(grpcOn, true);
    }
    if (retryOn != 0 && !policy.retriableRequestHeaders().isEmpty()
        && policy.retriableRequestHeaders().stream().noneMatch(m -> m.matches(facts))) {
      retryOn = 0;
    }
    if (retryOn == 0) {
      return null;
    }
    int retries = policy.numRetries();
    if (max != null) {
      try {
        retries = Math.max(0, Integer.parseInt(max.trim())); // the header wins over the policy
      } catch (NumberFormatException e) {
        // Envoy ignores a malformed value
      }
    }
    List<Integer> statusCodes = policy.retriableStatusCodes();
    if (codes != null) {
      statusCodes = new ArrayList<>(statusCodes);
      for (String c : codes.split(",")) {
        try {
          statusCodes.add(Integer.parseInt(c.trim()));
        } catch (NumberFormatException e) {
          // ignored, as Envoy does
        }
      }
    }
    List<HeaderMatcherSpec> headers = policy.retriableHeaders();
    if (names != null) {
      headers = new ArrayList<>(headers);
      for (String n : names.split(",")) {
        String name = n.trim().toLowerCase(java.util.Locale.ROOT);
        if (!name.isEmpty()) {
          headers.add(HeaderMatcherSpec.present(name, true, false, false));
        }
      }
    }
    return new RetryState(policy, retryOn, retries, statusCodes, headers, cluster);
  }

  private static String take(HttpHeaders h, AsciiString name) {
    String v = h.get(name);
    if (v != null) {
      h.remove(name);
    }
    return v;
  }

  // ---------------------------------------------------------------- decisions

  /** Response headers of the current attempt, before anything went downstream. */
  Decision onResponse(HttpResponse response) {
    return decide(wouldRetry(response.status().code(), response.headers()));
  }

  /** The current attempt failed before its response started. */
  Decision onReset(ResetReason reason) {
    return decide(wouldRetry(reason));
  }

  /** The current attempt outlived per_try_timeout (Envoy: a local reset that counts as a timeout). */
  Decision onPerTryTimeout() {
    return decide((retryOn & RetryOn.ANY_RESET) != 0);
  }

  private boolean has(RetryOn r) {
    return (retryOn & r.bit) != 0;
  }

  private boolean wouldRetry(int code, HttpHeaders headers) {
    if (headers.contains(RATELIMITED)) {
      return has(RetryOn.ENVOY_RATELIMITED); // an upstream Envoy's rate limit: only retried when asked for
    }
    if (has(RetryOn.FIVE_XX) && code >= 500 && code <= 599) {
      return true;
    }
    if (has(RetryOn.GATEWAY_ERROR) && code >= 502 && code <= 504) {
      return true;
    }
    if (has(RetryOn.RETRIABLE_4XX) && code == 409) {
      return true;
    }
    if (has(RetryOn.RETRIABLE_STATUS_CODES)) {
      for (int i = 0; i < statusCodes.size(); i++) {
        if (statusCodes.get(i) == code) {
          return true;
        }
      }
    }
    if (has(RetryOn.RETRIABLE_HEADERS)) {
      // Response headers, matched as a request's would be (no pseudo-headers apply).
      io.wasmplane.dataplane.config.RequestFacts response = io.wasmplane.dataplane.config.RequestFacts.of("", "", headers, "");
      for (HeaderMatcherSpec m : retriableHeaders) {
        if (m.matches(response)) {
          return true;
        }
      }
    }
    if ((retryOn & RetryOn.ANY_GRPC) != 0) {
      String s = headers.get(GRPC_STATUS);
      if (s != null) {
        RetryOn grpc = switch (s.trim()) {
          case "1" -> RetryOn.GRPC_CANCELLED;
          case "4" -> RetryOn.GRPC_DEADLINE_EXCEEDED;
          case "8" -> RetryOn.GRPC_RESOURCE_EXHAUSTED;
          case "13" -> RetryOn.GRPC_INTERNAL;
          case "14" -> RetryOn.GRPC_UNAVAILABLE;
          default -> null;
        };
        return grpc != null && has(grpc);
      }
    }
    return false;
  }

  private boolean wouldRetry(ResetReason reason) {
    if (reason == ResetReason.OVERFLOW) {
      return false; // the circuit breaker said no: retrying would only add load
    }
    if ((retryOn & RetryOn.ANY_RESET) != 0) {
      return true;
    }
    return (has(RetryOn.REFUSED_STREAM) && reason == ResetReason.REFUSED_STREAM)
        || (has(RetryOn.CONNECT_FAILURE) && reason == ResetReason.CONNECTION_FAILURE);
  }

  private Decision decide(boolean retriable) {
    ClusterStats stats = cluster.stats();
    if (holdsRetrySlot && !retriable) {
      stats.rqRetrySuccess.inc(); // as Envoy: the attempt after a retry needs no retry
    }
    releaseRetrySlot();
    if (!retriable) {
      return Decision.NO;
    }
    if (retriesLeft <= 0) {
      stats.rqRetryLimitExceeded.inc();
      return Decision.LIMIT_EXCEEDED;
    }
    retriesLeft--;
    if (!cluster.tryAcquireRetry()) {
      stats.rqRetryOverflow.inc();
      return Decision.OVERFLOW;
    }
    holdsRetrySlot = true;
    stats.rqRetry.inc();
    stats.rqRetryBackoffExponential.inc();
    return Decision.RETRY;
  }

  /** The back-off before the retry just decided. */
  long nextBackOffMs() {
    if (backOff == null) {
      backOff = new JitteredBackOff(policy.baseInterval().toMillis(), policy.maxInterval().toMillis());
    }
    return backOff.nextMs();
  }

  /** The request is over (or will not be retried again): give back the circuit breaker's slot. */
  void releaseRetrySlot() {
    if (holdsRetrySlot) {
      holdsRetrySlot = false;
      cluster.releaseRetry();
    }
  }

  // ---------------------------------------------------------------- hosts

  void onHostAttempted(UpstreamHost host) {
    if (policy.omitPreviousHosts()) {
      if (attempted == null) {
        attempted = new ArrayList<>(2);
      }
      attempted.add(host);
    }
  }

  /**
   * A host for the next attempt: with previous_hosts, the load balancer is asked again (up to
   * host_selection_retry_max_attempts times) while it offers a host already tried; then its last pick is used.
   * {@code hash}: the request's hash key for RING_HASH / MAGLEV clusters.
   */
  UpstreamHost chooseHost(java.util.OptionalLong hash) {
    UpstreamHost h = cluster.chooseHost(hash, 0);
    for (int i = 0; i < policy.hostSelectionMaxAttempts() && h != null && attempted != null && attempted.contains(h); i++) {
      h = cluster.chooseHost(hash, i + 1); // a hashing balancer moves along its ring/table, as Envoy's
    }
    return h;
  }
}

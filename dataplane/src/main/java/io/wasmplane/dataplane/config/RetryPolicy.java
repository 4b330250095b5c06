package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;

/**
 * A route's (or its virtual host's) {@code retry_policy}, validated once. {@link #NONE} is what a request gets when
 * only its {@code x-envoy-retry-on} headers ask for retries.
 *
 * @param retryOn bits of {@link RetryOn}
 * @param perTryTimeout zero = none
 * @param hostSelectionMaxAttempts how many times a host is picked again when the previous_hosts predicate rejects it
 */
public record RetryPolicy(int retryOn, int numRetries, Duration perTryTimeout, Duration baseInterval,
    Duration maxInterval, List<Integer> retriableStatusCodes, List<HeaderMatcherSpec> retriableHeaders,
    List<HeaderMatcherSpec> retriableRequestHeaders, boolean omitPreviousHosts, int hostSelectionMaxAttempts) {

  public static final Duration DEFAULT_BASE_INTERVAL = Duration.ofMillis(25);

  public static final RetryPolicy NONE = new RetryPolicy(0, 1, Duration.ZERO, DEFAULT_BASE_INTERVAL,
      DEFAULT_BASE_INTERVAL.multipliedBy(10), List.of(), List.of(), List.of(), false, 1);

  public boolean has(RetryOn r) {
    return (retryOn & r.bit) != 0;
  }
}

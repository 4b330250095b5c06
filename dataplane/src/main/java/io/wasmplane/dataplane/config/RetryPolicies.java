package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryBackOff;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryHostPredicate;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Translates {@code route.v3.RetryPolicy} (route or virtual host) into {@link RetryPolicy}, refusing what we do not do. */
final class RetryPolicies {
  static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";
  private static final String PREVIOUS_HOSTS_TYPE = "type.googleapis.com/" + PreviousHostsPredicate.getDescriptor().getFullName();

  /** What a virtual host gives its routes: its retry policy (null = none) and the attempt count headers. */
  record VirtualHostDefaults(RetryPolicy retryPolicy, boolean requestAttemptCount, boolean responseAttemptCount) {
    static final VirtualHostDefaults NONE = new VirtualHostDefaults(null, false, false);
  }

  private RetryPolicies() {}

  static VirtualHostDefaults virtualHost(VirtualHost vh, String where) {
    RetryPolicy p = vh.hasRetryPolicy() ? translate(vh.getRetryPolicy(), where + ".retry_policy") : null;
    return new VirtualHostDefaults(p, vh.getIncludeRequestAttemptCount(), vh.getIncludeAttemptCountInResponse());
  }

  static RetryPolicy translate(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, String where) {
    FieldGuard.onlySupported(p, where, Set.of("retry_on", "num_retries", "per_try_timeout", "retry_host_predicate",
        "host_selection_retry_max_attempts", "retriable_status_codes", "retry_back_off", "retriable_headers",
        "retriable_request_headers"));
    int retryOn = 0;
    for (String w : p.getRetryOn().split(",")) {
      String word = w.trim();
      if (word.isEmpty()) {
        continue;
      }
      RetryOn r = RetryOn.of(word);
      if (word.equals("reset-before-request")) {
        throw new ConfigException(where + ".retry_on: retry condition 'reset-before-request' is not supported");
      }
      if (r == null) {
        throw new ConfigException(where + ".retry_on: unknown retry condition '" + word + "' (supported: "
            + String.join(", ", java.util.Arrays.stream(RetryOn.values()).map(x -> x.word).toList()) + ")");
      }
      retryOn |= r.bit;
    }
    int numRetries = p.hasNumRetries() ? p.getNumRetries().getValue() : 1;
    if (numRetries < 0) {
      throw new ConfigException(where + ".num_retries: must not exceed " + Integer.MAX_VALUE);
    }
    Duration perTry = p.hasPerTryTimeout() ? nonNegative(p.getPerTryTimeout(), where + ".per_try_timeout") : Duration.ZERO;
    Duration base = RetryPolicy.DEFAULT_BASE_INTERVAL;
    Duration max = null;
    if (p.hasRetryBackOff()) {
      RetryBackOff b = p.getRetryBackOff();
      FieldGuard.onlySupported(b, where + ".retry_back_off", Set.of("base_interval", "max_interval"));
      if (!b.hasBaseInterval()) {
        throw new ConfigException(where + ".retry_back_off.base_interval: required");
      }
      base = positive(b.getBaseInterval(), where + ".retry_back_off.base_interval");
      if (b.hasMaxInterval()) {
        max = positive(b.getMaxInterval(), where + ".retry_back_off.max_interval");
        if (max.compareTo(base) < 0) {
          throw new ConfigException(where + ".retry_back_off.max_interval: must be greater than or equal to base_interval ("
              + base.toMillis() + " ms), got " + max.toMillis() + " ms");
        }
      }
    }
    if (max == null) {
      max = base.multipliedBy(10);
    }
    boolean previousHosts = false;
    for (int i = 0; i < p.getRetryHostPredicateCount(); i++) {
      previousHosts |= hostPredicate(p.getRetryHostPredicate(i), where + ".retry_host_predicate[" + i + "]");
    }
    long selection = p.getHostSelectionRetryMaxAttempts();
    if (selection < 0 || selection > 1000) {
      throw new ConfigException(where + ".host_selection_retry_max_attempts: must be in 0..1000, got " + selection);
    }
    List<Integer> codes = new ArrayList<>();
    for (int code : p.getRetriableStatusCodesList()) {
      if (code < 100 || code > 599) {
        throw new ConfigException(where + ".retriable_status_codes: " + Integer.toUnsignedString(code) + " is not an HTTP status (100..599)");
      }
      codes.add(code);
    }
    List<HeaderMatcherSpec> headers = new ArrayList<>();
    for (int i = 0; i < p.getRetriableHeadersCount(); i++) {
      headers.add(BootstrapTranslator.headerMatcher(p.getRetriableHeaders(i), where + ".retriable_headers[" + i + "]"));
    }
    List<HeaderMatcherSpec> requestHeaders = new ArrayList<>();
    for (int i = 0; i < p.getRetriableRequestHeadersCount(); i++) {
      requestHeaders.add(BootstrapTranslator.headerMatcher(p.getRetriableRequestHeaders(i),
          where + ".retriable_request_headers[" + i + "]"));
    }
    // Envoy's documented default: unset (0) re-selects once.
    int maxSelections = selection == 0 ? 1 : (int) selection;
    return new RetryPolicy(retryOn, numRetries, perTry, base, max, List.copyOf(codes), List.copyOf(headers),
        List.copyOf(requestHeaders), previousHosts, maxSelections);
  }

  /** True for previous_hosts (the only predicate we implement); anything else is refused by name. */
  private static boolean hostPredicate(RetryHostPredicate h, String where) {
    FieldGuard.onlySupported(h, where, Set.of("name", "typed_config"));
    boolean byType = h.hasTypedConfig() && h.getTypedConfig().getTypeUrl().equals(PREVIOUS_HOSTS_TYPE);
    if (h.hasTypedConfig() && !byType) {
      throw new ConfigException(where + ": unsupported retry host predicate '" + h.getName() + "' ("
          + h.getTypedConfig().getTypeUrl() + "); supported: " + PREVIOUS_HOSTS + " (" + PREVIOUS_HOSTS_TYPE + ")");
    }
    if (!byType && !h.getName().equals(PREVIOUS_HOSTS)) {
      throw new ConfigException(where + ": unsupported retry host predicate '" + h.getName() + "'; supported: " + PREVIOUS_HOSTS);
    }
    if (byType) {
      PreviousHostsPredicate cfg = BootstrapTranslator.unpack(h.getTypedConfig(), PreviousHostsPredicate.class, where + ".typed_config");
      FieldGuard.onlySupported(cfg, where + ".typed_config", Set.of());
    }
    return true;
  }

  private static Duration nonNegative(com.google.protobuf.Duration d, String where) {
    Duration v = BootstrapTranslator.duration(d);
    if (v.isNegative()) {
      throw new ConfigException(where + ": must not be negative, got " + v);
    }
    return v;
  }

  private static Duration positive(com.google.protobuf.Duration d, String where) {
    Duration v = BootstrapTranslator.duration(d);
    if (v.isNegative() || v.isZero()) {
      throw new ConfigException(where + ": must be greater than 0, got " + v);
    }
    return v;
  }
}

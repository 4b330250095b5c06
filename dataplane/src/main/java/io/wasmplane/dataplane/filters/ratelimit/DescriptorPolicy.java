package io.wasmplane.dataplane.filters.ratelimit;

import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.HeaderMatcherSpec;
import io.wasmplane.dataplane.config.RequestFacts;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One route.v3.RateLimit of the filter's {@code rate_limits}: its actions, in order, make one request descriptor, or
 * none when an action cannot produce its entry (Envoy's populateDescriptors).
 */
record DescriptorPolicy(List<Action> actions) {
  /** What a request offers the actions: its headers, and its client address (null when no action needs it). */
  record Request(RequestFacts facts, InetSocketAddress client) {}

  /** One action: appends its entry to {@code out}; false when the request yields no descriptor at all. */
  sealed interface Action {
    boolean append(Request r, List<DescriptorEntry> out);
  }

  /** request_headers: the header's first value; absent, no descriptor, unless skip_if_absent (then no entry). */
  record RequestHeader(String header, String key, boolean skipIfAbsent) implements Action {
    @Override
    public boolean append(Request r, List<DescriptorEntry> out) {
      String v = r.facts().headers().get(header);
      if (v == null) {
        return skipIfAbsent;
      }
      out.add(new DescriptorEntry(key, v));
      return true;
    }
  }

  /** remote_address: the trusted client address (after x-forwarded-for when the HCM trusts it), as an IP string. */
  record RemoteAddress() implements Action {
    @Override
    public boolean append(Request r, List<DescriptorEntry> out) {
      if (r.client() == null || r.client().getAddress() == null) {
        return false;
      }
      out.add(new DescriptorEntry("remote_address", r.client().getAddress().getHostAddress()));
      return true;
    }
  }

  record GenericKey(String key, String value) implements Action {
    @Override
    public boolean append(Request r, List<DescriptorEntry> out) {
      out.add(new DescriptorEntry(key, value));
      return true;
    }
  }

  /** header_value_match: the entry when all headers match (expect_match) or when they do not (expect_match false). */
  record HeaderValueMatch(String key, String value, boolean expectMatch, List<HeaderMatcherSpec> headers) implements Action {
    @Override
    public boolean append(Request r, List<DescriptorEntry> out) {
      boolean all = true;
      for (HeaderMatcherSpec h : headers) {
        if (!h.matches(r.facts())) {
          all = false;
          break;
        }
      }
      if (all != expectMatch) {
        return false;
      }
      out.add(new DescriptorEntry(key, value));
      return true;
    }
  }

  /** This policy's descriptor for the request, or null. */
  List<DescriptorEntry> descriptor(Request r) {
    List<DescriptorEntry> out = new ArrayList<>(actions.size());
    for (Action a : actions) {
      if (!a.append(r, out)) {
        return null;
      }
    }
    return out.isEmpty() ? null : out;
  }

  boolean needsClient() {
    return actions.stream().anyMatch(a -> a instanceof RemoteAddress);
  }

  static DescriptorPolicy translate(RateLimit rl, String where) {
    // stage, disable_key and limit are not supported by Envoy's local rate limit either: refused by name.
    ConfigMatchers.onlySupported(rl, where, Set.of("actions"));
    if (rl.getActionsCount() == 0) {
      throw new ConfigException(where + ".actions: at least one action is required");
    }
    List<Action> actions = new ArrayList<>();
    for (int i = 0; i < rl.getActionsCount(); i++) {
      actions.add(action(rl.getActions(i), where + ".actions[" + i + "]"));
    }
    return new DescriptorPolicy(List.copyOf(actions));
  }

  private static Action action(RateLimit.Action a, String where) {
    return switch (a.getActionSpecifierCase()) {
      case REQUEST_HEADERS -> {
        RateLimit.Action.RequestHeaders h = a.getRequestHeaders();
        String w = where + ".request_headers";
        ConfigMatchers.onlySupported(h, w, Set.of("header_name", "descriptor_key", "skip_if_absent"));
        if (h.getHeaderName().isEmpty()) {
          throw new ConfigException(w + ".header_name: required");
        }
        if (h.getDescriptorKey().isEmpty()) {
          throw new ConfigException(w + ".descriptor_key: required");
        }
        yield new RequestHeader(h.getHeaderName().toLowerCase(Locale.ROOT), h.getDescriptorKey(), h.getSkipIfAbsent());
      }
      case REMOTE_ADDRESS -> new RemoteAddress();
      case GENERIC_KEY -> {
        RateLimit.Action.GenericKey g = a.getGenericKey();
        String w = where + ".generic_key";
        ConfigMatchers.onlySupported(g, w, Set.of("descriptor_value", "descriptor_key"));
        if (g.getDescriptorValue().isEmpty()) {
          throw new ConfigException(w + ".descriptor_value: required");
        }
        yield new GenericKey(g.getDescriptorKey().isEmpty() ? "generic_key" : g.getDescriptorKey(), g.getDescriptorValue());
      }
      case HEADER_VALUE_MATCH -> {
        RateLimit.Action.HeaderValueMatch m = a.getHeaderValueMatch();
        String w = where + ".header_value_match";
        ConfigMatchers.onlySupported(m, w, Set.of("descriptor_value", "descriptor_key", "expect_match", "headers"));
        if (m.getDescriptorValue().isEmpty()) {
          throw new ConfigException(w + ".descriptor_value: required");
        }
        if (m.getHeadersCount() == 0) {
          throw new ConfigException(w + ".headers: at least one header matcher is required");
        }
        List<HeaderMatcherSpec> headers = new ArrayList<>();
        for (int i = 0; i < m.getHeadersCount(); i++) {
          headers.add(ConfigMatchers.header(m.getHeaders(i), w + ".headers[" + i + "]"));
        }
        yield new HeaderValueMatch(m.getDescriptorKey().isEmpty() ? "header_match" : m.getDescriptorKey(), m.getDescriptorValue(),
            !m.hasExpectMatch() || m.getExpectMatch().getValue(), List.copyOf(headers));
      }
      case ACTIONSPECIFIER_NOT_SET -> throw new ConfigException(where + ": an action is required");
      default -> throw new ConfigException(where + "." + a.getActionSpecifierCase().name().toLowerCase(Locale.ROOT)
          + ": not supported (supported actions: request_headers, remote_address, generic_key, header_value_match)");
    };
  }
}

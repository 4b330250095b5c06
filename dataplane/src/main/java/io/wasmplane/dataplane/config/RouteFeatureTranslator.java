package io.wasmplane.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.wasmplane.dataplane.accesslog.AccessLogFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Translates the route features beyond plain forwarding (header edits, redirects, rewrites, query/gRPC/runtime
 * matches, stream durations, per-filter configs), once, into the immutable records {@link RouteTable} holds.
 */
final class RouteFeatureTranslator {
  private static final String HTTP_WASM_TYPE = "envoy.extensions.filters.http.wasm.v3.Wasm";
  private static final String ROUTER_TYPE = "envoy.extensions.filters.http.router.v3.Router";
  private static final String FILTER_CONFIG_TYPE = FilterConfig.getDescriptor().getFullName();

  private RouteFeatureTranslator() {}

  // ---------------------------------------------------------------- header edits

  /** One level's {@code *_headers_to_add} / {@code *_headers_to_remove}. */
  static HeaderMutations.Level headers(List<HeaderValueOption> add, List<String> remove, String where, boolean request) {
    String dir = request ? "request" : "response";
    List<String> removes = new ArrayList<>();
    for (String name : remove) {
      String n = name.toLowerCase(Locale.ROOT);
      String w = where + "." + dir + "_headers_to_remove";
      checkName(n, w, request);
      removes.add(n);
    }
    List<HeaderMutations.Add> adds = new ArrayList<>();
    for (int i = 0; i < add.size(); i++) {
      HeaderValueOption o = add.get(i);
      String w = where + "." + dir + "_headers_to_add[" + i + "]";
      FieldGuard.onlySupported(o, w, Set.of("header", "append", "append_action", "keep_empty_value"));
      FieldGuard.onlySupported(o.getHeader(), w + ".header", Set.of("key", "value", "raw_value"));
      String name = o.getHeader().getKey().toLowerCase(Locale.ROOT);
      checkName(name, w + ".header.key", request);
      if (o.hasAppend() && o.getAppendActionValue() != 0) {
        throw new ConfigException(w + ": both append and append_action are set; set only append_action (append is deprecated)");
      }
      HeaderMutations.AppendAction action;
      if (o.hasAppend()) {
        action = o.getAppend().getValue() ? HeaderMutations.AppendAction.APPEND_IF_EXISTS_OR_ADD
            : HeaderMutations.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
      } else {
        action = switch (o.getAppendAction()) {
          case APPEND_IF_EXISTS_OR_ADD -> HeaderMutations.AppendAction.APPEND_IF_EXISTS_OR_ADD;
          case ADD_IF_ABSENT -> HeaderMutations.AppendAction.ADD_IF_ABSENT;
          case OVERWRITE_IF_EXISTS_OR_ADD -> HeaderMutations.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
          case OVERWRITE_IF_EXISTS -> HeaderMutations.AppendAction.OVERWRITE_IF_EXISTS;
          default -> throw new ConfigException(w + ".append_action: unknown value " + o.getAppendActionValue());
        };
      }
      String value = o.getHeader().getRawValue().isEmpty() ? o.getHeader().getValue()
          : o.getHeader().getRawValue().toStringUtf8();
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
        throw new ConfigException(w + ".header.value: must not contain CR, LF or NUL");
      }
      adds.add(new HeaderMutations.Add(name, AccessLogFormat.compileHeaderValue(value, w + ".header.value"), action,
          o.getKeepEmptyValue()));
    }
    return new HeaderMutations.Level(List.copyOf(removes), List.copyOf(adds));
  }

  /** Envoy: pseudo-headers and host may not be added or removed by route header edits (requests). */
  private static void checkName(String name, String where, boolean request) {
    if (name.isEmpty()) {
      throw new ConfigException(where + ": header name must not be empty");
    }
    if (name.startsWith(":") || (request && name.equals("host"))) {
      throw new ConfigException(where + ": ':'-prefixed or host headers may not be modified (got '" + name + "')");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
        throw new ConfigException(where + ": invalid header name '" + name + "'");
      }
    }
  }

  // ---------------------------------------------------------------- redirects and rewrites

  static RouteAction.Redirect redirect(RedirectAction r, String where, RouteMatchSpec match) {
    FieldGuard.onlySupported(r, where, Set.of("https_redirect", "scheme_redirect", "host_redirect", "port_redirect",
        "path_redirect", "prefix_rewrite", "regex_rewrite", "response_code", "strip_query"));
    int code = switch (r.getResponseCode()) {
      case MOVED_PERMANENTLY -> 301;
      case FOUND -> 302;
      case SEE_OTHER -> 303;
      case TEMPORARY_REDIRECT -> 307;
      case PERMANENT_REDIRECT -> 308;
      default -> throw new ConfigException(where + ".response_code: unknown value " + r.getResponseCodeValue());
    };
    String scheme = r.hasHttpsRedirect() && r.getHttpsRedirect() ? "https"
        : r.hasSchemeRedirect() ? r.getSchemeRedirect().toLowerCase(Locale.ROOT) : null;
    PathRewrite rewrite = null;
    String path = null;
    switch (r.getPathRewriteSpecifierCase()) {
      case PATH_REDIRECT -> path = r.getPathRedirect();
      case PREFIX_REWRITE -> rewrite = PathRewrite.prefix(r.getPrefixRewrite(), match);
      case REGEX_REWRITE -> rewrite = regexRewrite(r.getRegexRewrite(), where + ".regex_rewrite");
      default -> { }
    }
    if (r.getPortRedirect() > 65535) {
      throw new ConfigException(where + ".port_redirect: must be at most 65535, got " + r.getPortRedirect());
    }
    return new RouteAction.Redirect(code, scheme, r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(),
        r.getPortRedirect(), path, rewrite, r.getStripQuery());
  }

  static PathRewrite regexRewrite(RegexMatchAndSubstitute rs, String where) {
    FieldGuard.onlySupported(rs, where, Set.of("pattern", "substitution"));
    Pattern p = regex(rs.getPattern().getRegex(), where + ".pattern");
    int groups = p.matcher("").groupCount();
    java.util.regex.Matcher refs = Pattern.compile("\\\\(\\d)").matcher(rs.getSubstitution().replace("\\\\", ""));
    while (refs.find()) {
      if (Integer.parseInt(refs.group(1)) > groups) {
        throw new ConfigException(where + ".substitution: '" + rs.getSubstitution() + "' refers to group \\" + refs.group(1)
            + " but the pattern has " + groups + " capture group(s)");
      }
    }
    return PathRewrite.regex(p, javaSubstitution(rs.getSubstitution()));
  }

  /** RE2 substitutions name groups \1..\9; Java's replaceAll uses $1 and treats $ and \ specially. */
  static String javaSubstitution(String re2) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < re2.length(); i++) {
      char c = re2.charAt(i);
      if (c == '\\' && i + 1 < re2.length() && Character.isDigit(re2.charAt(i + 1))) {
        sb.append('$').append(re2.charAt(++i));
      } else if (c == '\\' && i + 1 < re2.length() && re2.charAt(i + 1) == '\\') {
        sb.append("\\\\");
        i++;
      } else if (c == '$' || c == '\\') {
        sb.append('\\').append(c);
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  static Pattern regex(String regex, String where) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(where + ": invalid regex '" + regex + "': " + e.getDescription());
    }
  }

  // ---------------------------------------------------------------- matches

  static QueryParameterMatch queryParameter(QueryParameterMatcher q, String where) {
    FieldGuard.onlySupported(q, where, Set.of("name", "string_match", "present_match"));
    if (q.getName().isEmpty()) {
      throw new ConfigException(where + ".name: required");
    }
    if (q.hasStringMatch()) {
      return new QueryParameterMatch(q.getName(), stringMatch(q.getStringMatch(), where + ".string_match"));
    }
    if (q.hasPresentMatch() && !q.getPresentMatch()) {
      throw new ConfigException(where + ".present_match: false is not a valid matcher (omit the parameter matcher)");
    }
    return new QueryParameterMatch(q.getName(), null);
  }

  static StringMatch stringMatch(io.envoyproxy.envoy.type.matcher.v3.StringMatcher s, String where) {
    FieldGuard.onlySupported(s, where, Set.of("exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case"));
    boolean ic = s.getIgnoreCase();
    return switch (s.getMatchPatternCase()) {
      case EXACT -> new StringMatch(StringMatch.Kind.EXACT, s.getExact(), null, ic);
      case PREFIX -> new StringMatch(StringMatch.Kind.PREFIX, s.getPrefix(), null, ic);
      case SUFFIX -> new StringMatch(StringMatch.Kind.SUFFIX, s.getSuffix(), null, ic);
      case CONTAINS -> new StringMatch(StringMatch.Kind.CONTAINS, s.getContains(), null, ic);
      // Envoy: ignore_case has no effect on safe_regex.
      case SAFE_REGEX -> new StringMatch(StringMatch.Kind.REGEX, s.getSafeRegex().getRegex(),
          regex(s.getSafeRegex().getRegex(), where + ".safe_regex"), false);
      default -> throw new ConfigException(where + ": " + s.getMatchPatternCase() + " is not supported");
    };
  }

  /** The fraction in parts per million; runtime overrides do not exist here, so the default value is the fraction. */
  static int runtimeFraction(io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent rf, String where) {
    FieldGuard.onlySupported(rf, where, Set.of("default_value", "runtime_key"));
    FractionalPercent f = rf.getDefaultValue();
    long denominator = switch (f.getDenominator()) {
      case HUNDRED -> 100;
      case TEN_THOUSAND -> 10_000;
      case MILLION -> 1_000_000;
      default -> throw new ConfigException(where + ".default_value.denominator: unknown value " + f.getDenominatorValue());
    };
    long numerator = Math.min(Integer.toUnsignedLong(f.getNumerator()), denominator);
    return (int) (numerator * 1_000_000L / denominator);
  }

  static RouteAction.Mirror mirror(io.envoyproxy.envoy.config.route.v3.RouteAction.RequestMirrorPolicy p, String where) {
    // trace_sampled only matters with tracing, which is not configured here.
    FieldGuard.onlySupported(p, where, Set.of("cluster", "runtime_fraction", "trace_sampled", "disable_shadow_host_suffix_append"));
    if (p.getCluster().isEmpty()) {
      throw new ConfigException(where + ".cluster: required (cluster_header is not supported)");
    }
    int fraction = p.hasRuntimeFraction() ? runtimeFraction(p.getRuntimeFraction(), where + ".runtime_fraction") : RouteMatchSpec.ALWAYS;
    return new RouteAction.Mirror(p.getCluster(), fraction, p.getDisableShadowHostSuffixAppend());
  }

  // ---------------------------------------------------------------- per-filter configs

  private static final String CORS_POLICY_TYPE = io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.getDescriptor().getFullName();

  /**
   * typed_per_filter_config: the CORS, fault, RBAC and local rate limit filters' configs are translated for them; configs for filters this data plane
   * does not run are accepted and unused, as Envoy treats configs for filters not in the chain; the Wasm filter and the
   * router take no per-route config in Envoy either (Envoy rejects it), and disabling a filter per route is not
   * implemented.
   */
  static PerFilterConfigs typedPerFilterConfig(Map<String, Any> configs, String where) {
    Map<String, RouteFilterConfig> out = new java.util.HashMap<>();
    for (Map.Entry<String, Any> e : configs.entrySet()) {
      String w = where + ".typed_per_filter_config[" + e.getKey() + "]";
      RouteFilterConfig c = perFilter(e.getKey(), e.getValue(), w);
      if (c != null) {
        out.put(e.getKey(), c);
      }
    }
    return out.isEmpty() ? PerFilterConfigs.NONE : new PerFilterConfigs(out, null);
  }

  /** A weighted cluster's typed_per_filter_config: only configs for filters not run here (they are never read). */
  static void weightedClusterPerFilterConfig(Map<String, Any> configs, String where) {
    PerFilterConfigs c = typedPerFilterConfig(configs, where);
    if (!c.isEmpty()) {
      throw new ConfigException(where + ".typed_per_filter_config" + c.byFilterName().keySet()
          + ": per-filter configs on a weighted cluster are not supported");
    }
  }

  private static RouteFilterConfig perFilter(String name, Any any, String where) {
    String type = any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1);
    if (type.equals(HTTP_WASM_TYPE) || type.equals(ROUTER_TYPE)) {
      throw new ConfigException(where + ": the filter " + name + " (" + type
          + ") doesn't support virtual host or route specific configurations (as in Envoy)");
    }
    if (type.equals(CORS_POLICY_TYPE)) {
      return CorsPolicyTranslator.translate(unpack(any, io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.class, where), where);
    }
    if (type.equals(FaultConfigTranslator.TYPE)) {
      return FaultConfigTranslator.translate(any, where);
    }
    if (type.equals(io.wasmplane.dataplane.filters.rbac.RbacHttpConfig.PER_ROUTE_TYPE)) {
      return io.wasmplane.dataplane.filters.rbac.RbacHttpConfig.perRoute(
          unpack(any, io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute.class, where), where);
    }
    if (type.equals(io.wasmplane.dataplane.filters.ratelimit.LocalRateLimitConfig.TYPE)) {
      return io.wasmplane.dataplane.filters.ratelimit.LocalRateLimitConfig.perRoute(
          unpack(any, io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.class, where), where);
    }
    if (type.equals(io.wasmplane.dataplane.filters.jwt.JwtPerRoute.TYPE)) {
      return io.wasmplane.dataplane.filters.jwt.JwtPerRoute.translate(
          unpack(any, io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig.class, where), where);
    }
    if (type.equals(FILTER_CONFIG_TYPE)) {
      FilterConfig fc = unpack(any, FilterConfig.class, where);
      if (fc.getDisabled()) {
        throw new ConfigException(where + ".disabled: disabling a filter per route is not supported");
      }
      if (fc.hasConfig()) {
        return perFilter(name, fc.getConfig(), where + ".config");
      }
    }
    return null;
  }

  private static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type, String where) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException ex) {
      throw new ConfigException(where + ": cannot decode " + any.getTypeUrl() + ": " + ex.getMessage());
    }
  }

  static Duration duration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }
}

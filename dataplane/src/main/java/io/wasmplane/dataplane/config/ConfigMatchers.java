package io.wasmplane.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Set;

/**
 * The config package's translation helpers for filters that live in other packages (e.g. RBAC): the same
 * StringMatcher / HeaderMatcher translation, field guard and {@code Any} unpacking the route and listener translators
 * use, so every filter reports bad input the same way.
 */
public final class ConfigMatchers {
  private ConfigMatchers() {}

  public static StringMatch string(StringMatcher s, String where) {
    return RouteFeatureTranslator.stringMatch(s, where);
  }

  public static HeaderMatcherSpec header(HeaderMatcher h, String where) {
    return BootstrapTranslator.headerMatcher(h, where);
  }

  /** Throws a ConfigException naming {@code where} when {@code msg} sets a field outside {@code supported}. */
  public static void onlySupported(MessageOrBuilder msg, String where, Set<String> supported) {
    FieldGuard.onlySupported(msg, where, supported);
  }

  /** A route.v3.RouteMatch as routes translate it (filters' rules match requests the same way). */
  public static RouteMatchSpec routeMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch m, String where) {
    return BootstrapTranslator.routeMatch(m, where);
  }

  /** A core.v3.DataSource's text (inline_string, inline_bytes or filename). */
  public static String dataSourceString(io.envoyproxy.envoy.config.core.v3.DataSource ds, String where) {
    return BootstrapTranslator.dataSourceString(ds, where);
  }

  public static <T extends Message> T unpack(Any any, Class<T> type, String where) {
    return BootstrapTranslator.unpack(any, type, where);
  }
}

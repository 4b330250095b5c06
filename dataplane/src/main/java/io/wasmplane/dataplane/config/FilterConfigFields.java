package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import java.util.List;

/** Field types filters outside this package translate as routes do: header edits and runtime fractions. */
public final class FilterConfigFields {
  private FilterConfigFields() {}

  /**
   * A list of HeaderValueOption (e.g. a filter's response_headers_to_add) as one level of header edits; {@code where}
   * names the list field itself.
   */
  public static HeaderMutations headersToAdd(List<HeaderValueOption> add, String where, boolean request) {
    // RouteFeatureTranslator names entries "<where>.<request|response>_headers_to_add[i]": give it the owner's path.
    int dot = where.lastIndexOf('.');
    String owner = dot < 0 ? where : where.substring(0, dot);
    try {
      return HeaderMutations.ordered(false, RouteFeatureTranslator.headers(add, List.of(), owner, request));
    } catch (ConfigException e) {
      String field = where.substring(dot + 1);
      String routeField = (request ? "request" : "response") + "_headers_to_add";
      throw new ConfigException(e.getMessage().replace(owner + "." + routeField, owner + "." + field));
    }
  }

  /** A RuntimeFractionalPercent's default_value in parts per million (no runtime layer here). */
  public static int runtimeFractionPpm(RuntimeFractionalPercent rf, String where) {
    return RouteFeatureTranslator.runtimeFraction(rf, where);
  }
}

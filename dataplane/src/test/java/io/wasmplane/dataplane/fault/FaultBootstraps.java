package io.wasmplane.dataplane.fault;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Path;

/** Test bootstraps whose HCM runs envoy.filters.http.fault before the router, as Istio generates it. */
final class FaultBootstraps {
  private FaultBootstraps() {}

  /** The http_filters entry of a fault filter whose HTTPFault has {@code body} (YAML fields; blank for an empty one). */
  static String faultFilter(String body) {
    return """
        - name: envoy.filters.http.fault
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
        %s""".formatted(Bootstraps.indent(body, 4));
  }

  /** A route configuration's typed_per_filter_config entry for the fault filter (YAML flow style). */
  static String perRoute(String httpFault) {
    return "typed_per_filter_config: {envoy.filters.http.fault: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"
        + (httpFault.isBlank() ? "" : ", " + httpFault) + "}}";
  }

  static String yaml(String faultBody, String routeConfig, String clusters, Path accessLog) {
    String yaml = Bootstraps.withRouteConfig(routeConfig, null, clusters, accessLog, null);
    return yaml.replace("http_filters:\n", "http_filters:\n" + Bootstraps.indent(faultFilter(faultBody), 10) + "\n");
  }

  static Dataplane start(String faultBody, String routeConfig, String clusters, Path accessLog) {
    return Bootstraps.start(yaml(faultBody, routeConfig, clusters, accessLog));
  }
}

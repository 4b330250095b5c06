package io.wasmplane.dataplane.router;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.config.RouteEntry;
import io.wasmplane.dataplane.config.UpgradeConfigs;
import io.wasmplane.dataplane.http.HcmRuntime;
import java.util.Optional;

/**
 * Envoy's upgrade check when a stream starts, before its filter chain is created: an upgrade (or CONNECT) request
 * whose type the matched route does not enable, and (without a route entry for the type) the HCM does not enable,
 * gets 403 {@code upgrade_failed}, counted in {@code downstream_rq_ws_on_non_ws_route}.
 */
public final class UpgradeGate {
  private UpgradeGate() {}

  /** The request's upgrade type as Envoy sees it: "connect" for CONNECT, the Upgrade header's, or null. */
  static String type(HttpRequest request) {
    return HttpMethod.CONNECT.equals(request.method()) ? UpgradeConfigs.CONNECT : UpgradeRequests.type(request.headers());
  }

  /** As Envoy, a CONNECT request's target (host:port) is its authority, for virtual host matching and upstream. */
  public static void connectAuthority(HttpRequest request) {
    if (HttpMethod.CONNECT.equals(request.method()) && !request.uri().isEmpty() && !request.uri().startsWith("/")) {
      request.headers().set(io.netty.handler.codec.http.HttpHeaderNames.HOST, request.uri());
    }
  }

  /** Whether the stream must be refused; only upgrade requests are routed here. */
  public static boolean refuses(HttpRequest request, HcmRuntime runtime) {
    String type = type(request);
    if (type == null) {
      return false;
    }
    RequestFacts facts = RequestFacts.of(request);
    Optional<RouteEntry> route = runtime.routes().get().route(facts);
    UpgradeConfigs perRoute = route.isPresent() && route.get().action() instanceof RouteAction.Forward f ? f.upgrades() : UpgradeConfigs.NONE;
    if (runtime.config().upgrades().allows(type, perRoute)) {
      return false;
    }
    runtime.stats().rqWsOnNonWsRoute.inc();
    return true;
  }
}

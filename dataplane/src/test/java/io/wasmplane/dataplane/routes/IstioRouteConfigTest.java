package io.wasmplane.dataplane.routes;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.IstioRoutes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An Istio-shaped RouteConfiguration as a static route_config serves as Istio meant (the xDS form: xds/IstioRoutesOverXdsTest). */
@Timeout(60)
class IstioRouteConfigTest {

  @Test
  void istioRouteConfigurationLoadsStaticallyAndServes() throws Exception {
    Path log = Files.createTempFile("routes", ".log");
    try (IstioRoutes.Upstreams u = IstioRoutes.Upstreams.start();
        Dataplane dp = Bootstraps.start(Bootstraps.withRouteConfig(IstioRoutes.routeConfig(), null, IstioRoutes.clusters(u), log, null))) {
      IstioRoutes.assertServed(dp.port("ingress"));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}

package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.endpoints;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.ScriptedUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A route configuration shaped as Istio generates it (retry_policy on the route, previous_hosts as a typed Any,
 * include_request_attempt_count on the virtual host) arrives over ADS, is ACKed and retries; an unknown retry_on word
 * is NACKed naming the field while the last good routes keep serving.
 */
@Timeout(60)
class RdsRetryPolicyTest {
  private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  private static RouteConfiguration routes(String retryOn) {
    RetryPolicy policy = RetryPolicy.newBuilder()
        .setRetryOn(retryOn)
        .setNumRetries(UInt32Value.of(2))
        .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
            .setName("envoy.retry_host_predicates.previous_hosts")
            .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
        .setHostSelectionRetryMaxAttempts(5)
        .addRetriableStatusCodes(503)
        .build();
    return RouteConfiguration.newBuilder().setName("r1")
        .addVirtualHosts(VirtualHost.newBuilder().setName("all").addDomains("*").setIncludeRequestAttemptCount(true)
            .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster("c1").setRetryPolicy(policy))))
        .build();
  }

  @Test
  void anIstioShapedRouteIsAckedAndRetriesAndABadOneIsNacked() throws Exception {
    String istio = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
    int port = freePort();
    try (ControlPlane cp = new ControlPlane().start(0);
         ScriptedUpstream up = ScriptedUpstream.h1("up");
         Dataplane d = Resources.startDataplane(Resources.bootstrap("dp-1", "default", cp.port(), "GRPC"), Duration.ofSeconds(5))) {
      cp.set("default", "v1", List.of(edsCluster("c1")), List.of(endpoints("c1", up.port())),
          List.of(listener("l1", port, "r1")), List.of(routes(istio)));
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x")).timeout(Duration.ofSeconds(5)).build();
      XdsDataplaneScenarios.await("v1 serves", () -> {
        try {
          return client.send(get, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (Exception e) {
          return false;
        }
      });
      up.received.clear();
      up.then(ScriptedUpstream.status(503));
      assertThat(client.send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      assertThat(up.received).hasSize(2);
      assertThat(up.received.get(1).headers().get("x-envoy-attempt-count")).isEqualTo("2");
      assertThat(cp.nacks).isEmpty();

      cp.set("default", "v2", List.of(edsCluster("c1")), List.of(endpoints("c1", up.port())),
          List.of(listener("l1", port, "r1")), List.of(routes(istio + ",retry-on-tuesdays")));
      XdsDataplaneScenarios.await("RDS NACK", () -> cp.nacks.stream().anyMatch(n -> n.startsWith(RDS)
          && n.contains("rds 'r1'") && n.contains("retry_policy.retry_on") && n.contains("'retry-on-tuesdays'")));
      up.received.clear();
      up.then(ScriptedUpstream.status(503));
      assertThat(client.send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).as("v1 still retries").isEqualTo(200);
      assertThat(up.received).hasSize(2);
    }
  }
}

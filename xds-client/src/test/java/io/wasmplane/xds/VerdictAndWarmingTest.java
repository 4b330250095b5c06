package io.wasmplane.xds;

import static io.wasmplane.xds.TestResources.edsCluster;
import static io.wasmplane.xds.TestResources.endpoints;
import static io.wasmplane.xds.TestResources.listener;
import static io.wasmplane.xds.TestResources.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.wasmplane.xds.resource.ListenerResource;
import io.wasmplane.xds.resource.ListenerUpdate;
import io.wasmplane.xds.resource.RouteConfigurationResource;
import io.wasmplane.xds.resource.RouteConfigurationUpdate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The subscriber contract (ACK waits for asynchronous verdicts) and warming (initial_fetch_timeout). */
class VerdictAndWarmingTest {
  JavaControlPlane cp;

  @BeforeEach
  void start() throws Exception {
    cp = new JavaControlPlane(node -> "default").start(0);
  }

  @AfterEach
  void stop() throws Exception {
    cp.close();
  }

  XdsClientConfig.Builder config() {
    return XdsClientConfig.builder(ServerTarget.uri("127.0.0.1:" + cp.port()), Node.newBuilder().setId("n").build())
        .backoff(Duration.ofMillis(100), Duration.ofMillis(500));
  }

  boolean ldsAckedAt(String version) {
    return cp.requests.stream().anyMatch(r -> r.getTypeUrl().equals(ListenerResource.TYPE_URL)
        && r.getVersionInfo().equals(version) && !r.hasErrorDetail());
  }

  @Test
  void ackWaitsForAnAsynchronousVerdictWhileOtherTypesGoOn() throws Exception {
    cp.setSnapshot("default", "v1", List.of(), List.of(), List.of(listener("l1", 8001, "r1")),
        List.of(route("r1", "c1")));
    CompletableFuture<Optional<String>> verdict = new CompletableFuture<>();
    RecordingWatcher<RouteConfigurationUpdate> routes = new RecordingWatcher<>();
    try (DefaultXdsClient client = DefaultXdsClient.start(config().build(), new InMemoryXdsStats())) {
      client.watchAll(ListenerResource.INSTANCE, new ResourceWatcher<ListenerUpdate>() {
        @Override
        public CompletionStage<Optional<String>> onChanged(ListenerUpdate update) {
          // What a data plane does: subscribe to what the listener needs, then judge it later.
          update.routeConfigNames().forEach(r -> client.watch(RouteConfigurationResource.INSTANCE, r, routes));
          return verdict;
        }
      });
      Await.until("LDS response received", () -> cp.requests.stream()
          .anyMatch(r -> r.getTypeUrl().equals(ListenerResource.TYPE_URL)) && !verdict.isDone()
          && client.cacheView().resources(ListenerResource.INSTANCE).isEmpty());
      Thread.sleep(400);
      assertThat(ldsAckedAt("v1")).as("ACK before the verdict").isFalse();
      assertThat(client.cacheView().resources(ListenerResource.INSTANCE)).isEmpty();
      // The stream is not blocked by the pending LDS verdict: the RDS subscription made in it goes out (before the
      // LDS ACK, as Envoy orders them) and its response is processed and ACKed meanwhile.
      Await.until("route fetched while the LDS verdict is pending", () -> routes.current.containsKey("r1"));
      Await.until("RDS ACKed", () -> cp.requests.stream().anyMatch(r -> r.getTypeUrl()
          .equals(RouteConfigurationResource.TYPE_URL) && r.getVersionInfo().equals("v1")));
      assertThat(ldsAckedAt("v1")).as("LDS still waits for its verdict").isFalse();

      verdict.complete(Optional.empty());
      Await.until("ACK after the verdict", () -> ldsAckedAt("v1"));
      assertThat(client.cacheView().resources(ListenerResource.INSTANCE).get(0).status()).isEqualTo(ClientStatus.ACKED);
    }
  }

  @Test
  void aVerdictThatNeverComesIsARejection() {
    cp.setSnapshot("default", "v1", List.of(), List.of(), List.of(listener("l1", 8001, "r1")), List.of());
    try (DefaultXdsClient client = DefaultXdsClient.start(config().verdictTimeout(Duration.ofMillis(300)).build(),
        new InMemoryXdsStats())) {
      client.watchAll(ListenerResource.INSTANCE, update -> new CompletableFuture<>());
      Await.until("NACK for the missing verdict", () -> cp.requests.stream().anyMatch(r -> r.hasErrorDetail()
          && r.getErrorDetail().getMessage().equals("lds 'l1': no verdict within PT0.3S")));
      assertThat(client.cacheView().resources(ListenerResource.INSTANCE).get(0).status())
          .isEqualTo(ClientStatus.NACKED);
    }
  }

  @Test
  void wildcardInitialFetchIsDoneOnAnEmptyResponseOrOnTimeout() throws Exception {
    cp.setSnapshot("default", "v1", List.of(), List.of(), List.of(), List.of());
    InMemoryXdsStats stats = new InMemoryXdsStats();
    java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
    ResourceWatcher<ListenerUpdate> watcher = new ResourceWatcher<>() {
      @Override
      public CompletionStage<Optional<String>> onChanged(ListenerUpdate update) {
        return ResourceWatcher.accept();
      }

      @Override
      public void onInitialFetchDone() {
        done.incrementAndGet();
      }
    };
    try (DefaultXdsClient client = DefaultXdsClient.start(config().build(), stats)) {
      client.watchAll(ListenerResource.INSTANCE, watcher);
      Await.until("empty LDS response processed", () -> done.get() == 1);
      assertThat(stats.counter("lds.init_fetch_timeout")).isZero();
    }

    // A server that never answers LDS (this one only speaks ECDS): the timeout ends the initial fetch.
    done.set(0);
    try (EcdsAdsServer silent = new EcdsAdsServer();
        DefaultXdsClient client = DefaultXdsClient.start(XdsClientConfig.builder(
            ServerTarget.uri("127.0.0.1:" + silent.port()), Node.newBuilder().setId("n").build())
            .initialFetchTimeout(Duration.ofMillis(300)).build(), stats)) {
      client.watchAll(ListenerResource.INSTANCE, watcher);
      Await.until("initial fetch timed out", () -> done.get() == 1);
      assertThat(stats.counter("lds.init_fetch_timeout")).isEqualTo(1);
      client.watchAll(ListenerResource.INSTANCE, watcher); // a late wildcard watcher hears it at once
      Await.until("late watcher told", () -> done.get() == 2);
    }
  }

  @Test
  void aConfigSourcesOwnInitialFetchTimeoutOverridesTheDefault() throws Exception {
    cp.setSnapshot("default", "v1", List.of(), List.of(), List.of(), List.of(route("r0", "c")));
    InMemoryXdsStats stats = new InMemoryXdsStats();
    try (DefaultXdsClient client = DefaultXdsClient.start(config().build(), stats)) { // default: 15 s
      var source = io.envoyproxy.envoy.config.core.v3.ConfigSource.newBuilder(TestResources.ads())
          .setInitialFetchTimeout(com.google.protobuf.Duration.newBuilder().setNanos(300_000_000)).build();
      XdsSource resolved = client.resolve(source, "rds.config_source");
      assertThat(resolved.initialFetchTimeout()).contains(Duration.ofMillis(300));
      RecordingWatcher<RouteConfigurationUpdate> w = new RecordingWatcher<>();
      client.watch(RouteConfigurationResource.INSTANCE, "absent", resolved, w);
      Await.until("does-not-exist after the source's 300 ms", () -> w.doesNotExist.contains("absent"));
      assertThat(stats.counter("rds.init_fetch_timeout")).isEqualTo(1);
    }
  }

  @Test
  void aResourceWhoseVerdictIsPendingIsNotReportedMissingByTheWarmingTimer() throws Exception {
    cp.setSnapshot("default", "v1", List.of(), List.of(), List.of(), List.of(route("r0", "c"), route("r1", "c")));
    try (DefaultXdsClient client = DefaultXdsClient.start(
        config().initialFetchTimeout(Duration.ofMillis(300)).build(), new InMemoryXdsStats())) {
      client.watch(RouteConfigurationResource.INSTANCE, "r0", new RecordingWatcher<>());
      Await.until("connected", () -> client.cacheView().resources(RouteConfigurationResource.INSTANCE).stream()
          .anyMatch(r -> r.status() == ClientStatus.ACKED));
      CompletableFuture<Optional<String>> verdict = new CompletableFuture<>();
      java.util.concurrent.atomic.AtomicBoolean asked = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.List<String> missing = new java.util.concurrent.CopyOnWriteArrayList<>();
      client.watch(RouteConfigurationResource.INSTANCE, "r1", new ResourceWatcher<RouteConfigurationUpdate>() {
        @Override
        public CompletionStage<Optional<String>> onChanged(RouteConfigurationUpdate update) {
          asked.set(true);
          return verdict;
        }

        @Override
        public void onResourceDoesNotExist(String name) {
          missing.add(name);
        }
      });
      Await.until("r1 handed to the watcher", asked::get);
      Thread.sleep(700); // well past initial_fetch_timeout
      assertThat(missing).isEmpty();
      verdict.complete(Optional.empty());
      Await.until("r1 ACKED", () -> client.cacheView().resources(RouteConfigurationResource.INSTANCE).stream()
          .anyMatch(r -> r.name().equals("r1") && r.status() == ClientStatus.ACKED));
      assertThat(missing).isEmpty();
    }
  }

  @Test
  void aWatcherThatThrowsRejectsAndTheStreamGoesOn() {
    cp.setSnapshot("default", "v1", List.of(), List.of(), List.of(listener("l1", 8001, "r1")),
        List.of(route("r1", "c1")));
    try (DefaultXdsClient client = DefaultXdsClient.start(config().build(), new InMemoryXdsStats())) {
      client.watchAll(ListenerResource.INSTANCE, update -> {
        throw new IllegalStateException("boom");
      });
      RecordingWatcher<RouteConfigurationUpdate> routes = new RecordingWatcher<>();
      client.watch(RouteConfigurationResource.INSTANCE, "r1", routes);
      Await.until("NACK naming the failure", () -> cp.requests.stream().anyMatch(r -> r.hasErrorDetail()
          && r.getErrorDetail().getMessage().equals("lds 'l1': watcher failed: java.lang.IllegalStateException: boom")));
      Await.until("other types unaffected", () -> routes.current.containsKey("r1"));
    }
  }

  @Test
  void aNamedResourceThatDoesNotArriveInTimeDoesNotExistUntilItArrives() {
    cp.setSnapshot("default", "v1", List.of(edsCluster("c1")), List.of(endpoints("c1", 1)), List.of(),
        List.of(route("r1", "c1")));
    InMemoryXdsStats stats = new InMemoryXdsStats();
    try (DefaultXdsClient client = DefaultXdsClient.start(
        config().initialFetchTimeout(Duration.ofMillis(500)).build(), stats)) {
      RecordingWatcher<RouteConfigurationUpdate> w = new RecordingWatcher<>();
      // initial_fetch_timeout runs from the subscription, so connect first (a cold JVM takes seconds).
      client.watch(RouteConfigurationResource.INSTANCE, "r1", new RecordingWatcher<>());
      Await.until("connected", () -> client.cacheView().resources(RouteConfigurationResource.INSTANCE).stream()
          .anyMatch(r -> r.status() == ClientStatus.ACKED));
      long timeoutsBefore = stats.counter("rds.init_fetch_timeout");
      client.watch(RouteConfigurationResource.INSTANCE, "r1", w);
      client.watch(RouteConfigurationResource.INSTANCE, "late", w);
      Await.until("r1", () -> w.current.containsKey("r1"));
      Await.until("timeout of 'late'", () -> w.doesNotExist.contains("late"));
      assertThat(w.doesNotExist).containsExactly("late");
      assertThat(stats.counter("rds.init_fetch_timeout")).isEqualTo(timeoutsBefore + 1);
      assertThat(client.cacheView().resources(RouteConfigurationResource.INSTANCE))
          .extracting(ResourceSnapshot::name, ResourceSnapshot::status)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("late", ClientStatus.DOES_NOT_EXIST),
              org.assertj.core.groups.Tuple.tuple("r1", ClientStatus.ACKED));

      cp.setSnapshot("default", "v2", List.of(edsCluster("c1")), List.of(endpoints("c1", 1)), List.of(),
          List.of(route("r1", "c1"), route("late", "c1")));
      Await.until("late arrives after all", () -> w.current.containsKey("late"));
    }
  }
}

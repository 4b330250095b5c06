package io.wasmplane.integration.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged data plane under steady load while its control plane (the control-plane-stub process) is killed and
 * restarted, or unreachable (port refusing, then blackholed): traffic keeps flowing on the last good config,
 * {@code control_plane.connected_state} drops to 0 and comes back, the data plane re-subscribes with the versions
 * it holds (what the stub received: {@code version_info} in SotW, {@code initial_resource_versions} in delta), and
 * converges to the config that changed while it was away.
 */
@Timeout(180)
class ControlPlaneFaultsTest {
  static Load steadyLoad(FaultRig rig) {
    return new Load(List.of(
        new Load.Target("l_a h1", URI.create("http://127.0.0.1:" + rig.listenerA + "/a"), HttpClient.Version.HTTP_1_1, 2, ok()),
        new Load.Target("l_b h2", URI.create("http://127.0.0.1:" + rig.listenerB + "/b"), HttpClient.Version.HTTP_2, 2, ok())), 50);
  }

  static java.util.function.Predicate<HttpResponse<String>> ok() {
    return r -> r.statusCode() == 200 && r.body().startsWith("upstream saw GET");
  }

  static String stamp(FaultRig rig) throws Exception {
    return rig.get(rig.listenerA, "/stamp").headers().firstValue("x-as-stamp").orElse("");
  }

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void killedAndRestartedControlPlane(String apiType) throws Exception {
    try (FaultRig rig = FaultRig.start(FaultRig.Options.defaults(apiType))) {
      rig.await("plugin v1 on l_a", 60, () -> stamp(rig).equals("v1"));
      String ecdsBefore = StubStatus.of(rig.stub).type("dp-1", "ECDS", "ackedVersion");
      assertThat(rig.stat("control_plane.connected_state")).isEqualTo(1);
      try (Load load = steadyLoad(rig)) {
        rig.stub.kill();
        rig.await("connected_state 0", 20, () -> rig.stat("control_plane.connected_state") == 0);
        // Config changes while the data plane is away.
        rig.rollout.release("stamp", new RolloutFile.Release("v2", rig.rollout.release("stamp").moduleFile(), "stamp=v2")).write();
        long before = load.good.get();
        Thread.sleep(3000); // the port refuses; the data plane retries with backoff and keeps serving
        assertThat(load.good.get()).as("traffic flows without a control plane").isGreaterThan(before + 20);
        assertThat(stamp(rig)).as("last good config").isEqualTo("v1");
        rig.stub.restart();
        rig.await("connected_state 1", 60, () -> rig.stat("control_plane.connected_state") == 1);
        rig.await("plugin v2 after the restart", 30, () -> stamp(rig).equals("v2"));
        Thread.sleep(500);
        load.close();
        assertThat(load.bad.get() + load.errors.get() + load.refused.get()).as(load.toString()).isZero();
      }
      StubStatus status = StubStatus.of(rig.stub);
      String held = status.type("dp-1", "ECDS", "subscribedWith");
      if (apiType.equals("GRPC")) {
        assertThat(held).as("SotW version_info the restarted stub received").isEqualTo(ecdsBefore).isNotEmpty();
      } else {
        // delta: initial_resource_versions name every plugin the data plane held
        assertThat(held).contains("stamp=").contains("tag=").contains("bench=");
        assertThat(status.type("dp-1", "CDS", "subscribedWith")).contains("upstream=");
      }
      assertThat(status.type("dp-1", "LDS", "subscribedWith")).isNotEmpty();
      assertThat(rig.stat("control_plane.connected_state")).isEqualTo(1);
    }
  }

  @Test
  void unreachableControlPlaneRefusingThenBlackholed() throws Exception {
    try (FaultRig rig = FaultRig.start(new FaultRig.Options("DELTA_GRPC", true, 2, List.of("-Xmx512m")))) {
      rig.await("plugin v1 on l_a", 60, () -> stamp(rig).equals("v1"));
      try (Load load = steadyLoad(rig)) {
        // Port refusing: every connection reset, nothing listening.
        rig.xdsProxy.refuse();
        rig.await("connected_state 0", 20, () -> rig.stat("control_plane.connected_state") == 0);
        rig.rollout.release("stamp", new RolloutFile.Release("v2", rig.rollout.release("stamp").moduleFile(), "stamp=v2")).write();
        Thread.sleep(3000);
        assertThat(stamp(rig)).isEqualTo("v1");
        rig.xdsProxy.restore();
        rig.await("connected_state 1", 60, () -> rig.stat("control_plane.connected_state") == 1);
        rig.await("plugin v2 after the outage", 30, () -> stamp(rig).equals("v2"));

        // Blackholed: bytes held both ways; a change pushed meanwhile arrives once the path clears.
        rig.xdsProxy.blackhole();
        rig.rollout.release("stamp", new RolloutFile.Release("v3", rig.rollout.release("stamp").moduleFile(), "stamp=v3")).write();
        Thread.sleep(3000);
        assertThat(stamp(rig)).isEqualTo("v2");
        rig.xdsProxy.restore();
        rig.await("plugin v3 after the blackhole", 30, () -> stamp(rig).equals("v3"));
        load.close();
        assertThat(load.bad.get() + load.errors.get() + load.refused.get()).as(load.toString()).isZero();
        assertThat(load.good.get()).isGreaterThan(100);
      }
      assertThat(StubStatus.of(rig.stub).type("dp-1", "ECDS", "subscribedWith")).contains("stamp=");
    }
  }
}

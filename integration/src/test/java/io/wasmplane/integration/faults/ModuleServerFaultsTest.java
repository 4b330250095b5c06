package io.wasmplane.integration.faults;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A plugin rollout under load while the module server misbehaves for the new code: slow (past the fetch timeout),
 * truncated, the wrong bytes (sha256 mismatch), 404. Each bad release is NACKed (visible in the control plane's
 * status with the cause and in the data plane's stats), the old plugin keeps serving every request, and a good
 * release afterwards rolls out.
 */
@Timeout(240)
class ModuleServerFaultsTest {
  @Test
  void theOldPluginKeepsServingThroughBadRollouts() throws Exception {
    try (FaultRig rig = FaultRig.start(FaultRig.Options.defaults("GRPC"))) {
      rig.await("plugin v1 on l_a", 60, () -> ControlPlaneFaultsTest.stamp(rig).equals("v1"));
      rig.modules.slowMillis(4000); // past the 2 s http_uri timeout
      try (Load load = ControlPlaneFaultsTest.steadyLoad(rig)) {
        for (FaultyModuleServer.Mode mode : new FaultyModuleServer.Mode[] {FaultyModuleServer.Mode.NOT_FOUND,
            FaultyModuleServer.Mode.WRONG_BYTES, FaultyModuleServer.Mode.TRUNCATED, FaultyModuleServer.Mode.SLOW}) {
          String label = "bad-" + mode.name().toLowerCase();
          String file = rig.addModule("assemblyscript/as_headers.wasm", "stamp", label);
          rig.modules.mode(rig.sha256Of(file), mode);
          long failsBefore = rig.stat("extension_config_discovery.http_filter.stamp.config_fail");
          rig.rollout.release("stamp", new RolloutFile.Release(label, file, "stamp=" + label)).write();
          rig.await(label + " NACKed", 60, () -> label.equals(StubStatus.of(rig.stub).plugin("dp-1", "stamp", "rejected")));
          assertThat(StubStatus.of(rig.stub).plugin("dp-1", "stamp", "rejectError")).as(label)
              .contains("stamp").contains(rig.sha256Of(file).substring(0, 12));
          assertThat(rig.stat("extension_config_discovery.http_filter.stamp.config_fail")).isGreaterThan(failsBefore);
          assertThat(ControlPlaneFaultsTest.stamp(rig)).as("the old plugin serves during " + label).isEqualTo("v1");
          assertThat(StubStatus.of(rig.stub).plugin("dp-1", "stamp", "running")).isEqualTo("v1");
        }
        assertThat(rig.stat("wasm.remote_load_fetch_failures")).isGreaterThanOrEqualTo(4);
        String good = rig.addModule("assemblyscript/as_headers.wasm", "stamp", "v2");
        rig.rollout.release("stamp", new RolloutFile.Release("v2", good, "stamp=v2")).write();
        rig.await("v2 rolled out", 60, () -> ControlPlaneFaultsTest.stamp(rig).equals("v2"));
        load.close();
        assertThat(load.bad.get() + load.errors.get() + load.refused.get()).as(load.toString()).isZero();
        assertThat(load.good.get()).isGreaterThan(100);
      }
    }
  }
}

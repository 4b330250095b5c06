package io.wasmplane.dataplane.admin;

import io.envoyproxy.envoy.admin.v3.UnreadyTargetsDumps;
import java.util.List;

/**
 * /init_dump: Envoy's {@code UnreadyTargetsDumps}, one entry per init manager that still has unready targets. Without
 * a mask (or an empty one) every component; {@code mask=listener} warming listeners (Envoy's one mask),
 * {@code mask=cluster} warming clusters; any other mask dumps nothing, as Envoy.
 */
final class InitDump {
  private InitDump() {}

  static UnreadyTargetsDumps build(List<InitTargets.Pending> pending, String mask) {
    UnreadyTargetsDumps.Builder out = UnreadyTargetsDumps.newBuilder();
    for (InitTargets.Pending p : pending) {
      if (mask == null || mask.isEmpty() || mask.equals(p.component())) {
        out.addUnreadyTargetsDumps(UnreadyTargetsDumps.UnreadyTargetsDump.newBuilder()
            .setName("init manager " + p.manager())
            .addAllTargetNames(p.targets().stream().map(t -> "target " + t).toList()));
      }
    }
    return out.build();
  }
}

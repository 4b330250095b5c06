package io.wasmplane.dataplane.admin;

import java.util.List;

/** What has not finished initializing, for /init_dump: listeners and clusters that are warming, and what they wait for. */
public interface InitTargets {
  /** The init managers with unready targets; empty when everything is ready. */
  List<Pending> unready();

  /**
   * One warming listener or cluster: {@code component} is the /init_dump mask that selects it ("listener" or
   * "cluster"), {@code manager} its init manager's name, {@code targets} what it still waits for.
   */
  record Pending(String component, String manager, List<String> targets) {}
}

package io.wasmplane.dataplane.wasm;

import io.netty.channel.EventLoop;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import io.wasmplane.wasm.host.VmHost;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Per-worker VMs shared by plugins with the same vm key (vm_id, runtime, code sha256, VM configuration, env), as
 * Envoy shares a base VM's per-worker clone. A VM is reference-counted by the root contexts on it and closed with the
 * last one. One root_id lives at most once per VM, so an update that keeps the root_id while the old version still
 * drains gets a VM of its own. Each worker's map is touched only on that worker's loop.
 */
final class WorkerVms {
  private final WasmRuntime runtime;
  private final Function<EventLoop, VmHost> hosts;
  private final StatsRegistry stats;
  private final Map<EventLoop, Map<PluginSpec.VmKey, List<Lease>>> byLoop = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger();

  /** One VM on one worker and the root ids living on it. */
  static final class Lease {
    final WasmVm vm;
    final Set<String> rootIds = new HashSet<>();
    final PluginSpec.VmKey key;
    final Gauge active;

    Lease(WasmVm vm, PluginSpec.VmKey key, Gauge active) {
      this.vm = vm;
      this.key = key;
      this.active = active;
    }
  }

  WorkerVms(WasmRuntime runtime, Function<EventLoop, VmHost> hosts, StatsRegistry stats) {
    this.runtime = runtime;
    this.hosts = hosts;
    this.stats = stats;
  }

  /** A healthy VM for {@code key} on {@code loop} without {@code rootId} yet; starts one if needed. Call on {@code loop}. */
  Lease acquire(EventLoop loop, PluginSpec spec, PluginSpec.VmKey key, PluginModule module, String rootId) throws WasmException {
    List<Lease> leases = byLoop.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(key, k -> new ArrayList<>());
    for (Lease l : leases) {
      if (l.vm.failState() == FailState.OK && !l.rootIds.contains(rootId)) {
        l.rootIds.add(rootId);
        return l;
      }
    }
    VmConfig vmConfig = spec.runtimeVmConfig();
    WasmVm vm = runtime.startVm(module, vmConfig, hosts.apply(loop));
    // Envoy's wasm.<runtime>.created / .active
    stats.counter("wasm." + spec.runtime() + ".created").inc();
    Gauge active = stats.gauge("wasm." + spec.runtime() + ".active");
    active.inc();
    live.incrementAndGet();
    Lease l = new Lease(vm, key, active);
    l.rootIds.add(rootId);
    leases.add(l);
    return l;
  }

  /** The root context {@code rootId} left the VM; the last one closes it. Call on {@code loop}. */
  void release(EventLoop loop, Lease lease, String rootId) {
    lease.rootIds.remove(rootId);
    if (!lease.rootIds.isEmpty()) {
      return;
    }
    Map<PluginSpec.VmKey, List<Lease>> m = byLoop.get(loop);
    if (m != null) {
      List<Lease> leases = m.get(lease.key);
      if (leases != null) {
        leases.remove(lease);
        if (leases.isEmpty()) {
          m.remove(lease.key);
        }
      }
    }
    lease.vm.close();
    lease.active.dec();
    live.decrementAndGet();
  }

  /** Live VMs over all workers (for tests and stats). */
  int liveVms() {
    return live.get();
  }
}

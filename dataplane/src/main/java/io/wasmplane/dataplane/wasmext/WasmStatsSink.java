package io.wasmplane.dataplane.wasmext;

import io.netty.channel.EventLoop;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.wasm.PluginHandle;
import io.wasmplane.wasm.PluginFailureException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * envoy.stat_sinks.wasm: every flush interval, on the main thread, the plugin's root context gets
 * {@code envoy_on_stats_update} with every counter (value and delta since the last flush) and gauge. A plugin that
 * failed to start or trapped receives nothing more (Envoy skips a failed VM); the proxy goes on.
 */
final class WasmStatsSink {
  private static final Logger log = LoggerFactory.getLogger(WasmStatsSink.class);

  private final PluginHandle plugin;
  private final StatsRegistry stats;
  private final EventLoop main;
  private final Counter flushes;
  private final Counter failures;
  private Map<String, Long> previous = new TreeMap<>();
  private ScheduledFuture<?> timer;

  WasmStatsSink(PluginHandle plugin, StatsRegistry stats, EventLoop main) {
    this.plugin = plugin;
    this.stats = stats;
    this.main = main;
    String prefix = "wasm." + plugin.spec().pluginName() + ".";
    this.flushes = stats.counter(prefix + "stats_sink_flushes");
    this.failures = stats.counter(prefix + "stats_sink_failures");
  }

  void start(Duration interval) {
    main.execute(() -> plugin.instance(main)); // start the VM and configure the root context now, as Envoy does at startup
    timer = main.scheduleAtFixedRate(this::flush, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void flush() {
    PluginHandle.Instance vm = plugin.instance(main);
    if (vm.root() == null) {
      return;
    }
    StatsRegistry.Snapshot s = stats.snapshot();
    byte[] buffer = StatsBuffer.encode(s.counters(), previous, s.gauges());
    previous = s.counters();
    try {
      vm.root().onStatsUpdate(buffer);
      flushes.inc();
    } catch (PluginFailureException e) {
      failures.inc();
      log.warn("event=wasm_stats_sink_failed plugin={} error={}", plugin.spec().pluginName(), e.getMessage());
    }
  }

  void close() {
    if (timer != null) {
      timer.cancel(false);
    }
  }
}

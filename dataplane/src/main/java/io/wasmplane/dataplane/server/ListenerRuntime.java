package io.wasmplane.dataplane.server;

import io.netty.handler.ssl.SslContext;
import io.wasmplane.dataplane.config.ListenerConfig;
import io.wasmplane.dataplane.http.HcmRuntime;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A bound listener's current configuration. The HTTP connection manager runtime sits behind an atomic reference so a
 * later config update can swap it; each stream reads it once when it starts.
 */
public final class ListenerRuntime {
  private final ListenerConfig config;
  private final AtomicReference<HcmRuntime> hcm;
  private final Optional<SslContext> ssl;
  final Counter cxTotal;
  final Gauge cxActive;

  ListenerRuntime(ListenerConfig config, HcmRuntime hcm, Optional<SslContext> ssl, StatsRegistry stats) {
    this.config = config;
    this.hcm = new AtomicReference<>(hcm);
    this.ssl = ssl;
    this.cxTotal = stats.counter(config.statScope() + ".downstream_cx_total");
    this.cxActive = stats.gauge(config.statScope() + ".downstream_cx_active");
  }

  public ListenerConfig config() {
    return config;
  }

  public HcmRuntime hcm() {
    return hcm.get();
  }

  public void swapHcm(HcmRuntime next) {
    hcm.set(next);
  }

  Optional<SslContext> ssl() {
    return ssl;
  }
}

package io.wasmplane.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.wasmplane.dataplane.config.AccessLogConfig;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.config.FilterChainConfig;
import io.wasmplane.dataplane.config.ListenerConfig;
import io.wasmplane.dataplane.config.NetworkFilterConfig;
import io.wasmplane.dataplane.wasm.PluginSpec;
import io.wasmplane.dataplane.wasm.WasmPluginManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The Wasm plugins a listener or an ECDS filter config needs, and their code warmed (fetched, verified, compiled) off
 * the xds-client thread. A verdict waits for this asynchronously, then builds on the xds-client thread, where the
 * plugin's prepare then finds its code cached instead of waiting for the network. Specs that do not parse are
 * skipped here: the build reports them.
 */
final class PluginPrefetch {
  private static final String HTTP_WASM = "type.googleapis.com/"
      + io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.getDescriptor().getFullName();
  private static final String NETWORK_WASM = "type.googleapis.com/"
      + io.envoyproxy.envoy.extensions.filters.network.wasm.v3.Wasm.getDescriptor().getFullName();

  private PluginPrefetch() {}

  /** Every Wasm plugin of a listener's chains: network filters, HTTP filters (and ECDS defaults), access loggers. */
  static List<PluginSpec> of(ListenerConfig l) {
    List<PluginSpec> out = new ArrayList<>();
    for (FilterChainConfig c : l.chains()) {
      for (NetworkFilterConfig nf : c.networkFilters()) {
        ofAny(nf.typedConfig(), out);
      }
      if (c.hcm() != null) {
        for (HttpFilterConfig f : c.hcm().httpFilters()) {
          if (f.typedConfig() instanceof Any any) {
            ofAny(any, out);
          }
          f.discovery().flatMap(HttpFilterConfig.Discovery::defaultConfig).ifPresent(d -> ofAny(d, out));
        }
        c.hcm().accessLogs().stream().map(AccessLogConfig::wasm).filter(s -> s != null).forEach(out::add);
      }
      c.tcpProxy().ifPresent(t -> t.accessLogs().stream().map(AccessLogConfig::wasm).filter(s -> s != null)
          .forEach(out::add));
    }
    return out;
  }

  /** The plugin of one filter config (ECDS), if it is a Wasm filter. */
  static List<PluginSpec> ofFilter(Message typedConfig) {
    List<PluginSpec> out = new ArrayList<>();
    if (typedConfig instanceof Any any) {
      ofAny(any, out);
    }
    return out;
  }

  private static void ofAny(Any any, List<PluginSpec> out) {
    try {
      if (HTTP_WASM.equals(any.getTypeUrl())) {
        out.add(PluginSpec.fromHttpFilter(any, "prefetch"));
      } else if (NETWORK_WASM.equals(any.getTypeUrl())) {
        out.add(PluginSpec.from(any.unpack(io.envoyproxy.envoy.extensions.filters.network.wasm.v3.Wasm.class).getConfig(),
            "prefetch"));
      }
    } catch (RuntimeException | InvalidProtocolBufferException e) {
      // The build reports it with the right field path.
    }
  }

  /** Completes (never exceptionally) once every spec's code is cached or known to fail; at once when none. */
  static CompletableFuture<Void> warm(Supplier<WasmPluginManager> manager, List<PluginSpec> specs) {
    if (specs.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    WasmPluginManager m = manager.get();
    return CompletableFuture.allOf(specs.stream().map(s -> m.prefetch(s).toCompletableFuture())
        .toArray(CompletableFuture[]::new));
  }
}

package io.wasmplane.controlplane.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.wasmplane.controlplane.config.CompiledConfig;
import io.wasmplane.controlplane.config.CompiledPlugin;
import io.wasmplane.controlplane.config.PluginRelease;
import io.wasmplane.controlplane.config.Sha256;
import io.wasmplane.proto.rollout.v1.WasmPlugin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Computes one node's resources from a compiled file: picks each plugin's release for the node (selector, then
 * rollout), emits it as an ECDS resource, and wires its filter into the targeted listeners with a
 * {@code config_discovery} over ADS, ordered by phase and priority.
 */
public final class SnapshotBuilder {
  private static final Comparator<ActivePlugin> CHAIN_ORDER = Comparator
      .comparingInt((ActivePlugin a) -> a.plugin().phaseRank())
      .thenComparing(a -> -a.plugin().priority())
      .thenComparing(a -> a.plugin().name());

  private record ActivePlugin(CompiledPlugin plugin, PluginRelease release) {}

  private SnapshotBuilder() {}

  public static NodeSnapshot build(CompiledConfig cfg, Node node) {
    List<ActivePlugin> active = new ArrayList<>();
    for (CompiledPlugin p : cfg.plugins()) {
      p.releaseFor(node).ifPresent(r -> active.add(new ActivePlugin(p, r)));
    }
    active.sort(CHAIN_ORDER);

    Map<String, TypeSnapshot> types = new HashMap<>();
    TreeMap<String, XdsResource> listeners = new TreeMap<>();
    for (Listener l : cfg.listeners()) {
      List<ActivePlugin> mine = active.stream().filter(a -> a.plugin().attachesTo(l.getName())).toList();
      Listener wired = mine.isEmpty() ? l : attach(l, mine);
      listeners.put(l.getName(), resource(l.getName(), wired, null));
    }
    types.put(TypeUrls.LISTENER, type(listeners));
    TreeMap<String, XdsResource> clusters = new TreeMap<>();
    cfg.clusters().forEach(c -> clusters.put(c.getName(), resource(c.getName(), c, null)));
    types.put(TypeUrls.CLUSTER, type(clusters));
    TreeMap<String, XdsResource> routes = new TreeMap<>();
    cfg.routes().forEach(r -> routes.put(r.getName(), resource(r.getName(), r, null)));
    types.put(TypeUrls.ROUTE, type(routes));
    TreeMap<String, XdsResource> endpoints = new TreeMap<>();
    cfg.endpoints().forEach(e -> endpoints.put(e.getClusterName(), resource(e.getClusterName(), e, null)));
    types.put(TypeUrls.ENDPOINT, type(endpoints));
    TreeMap<String, XdsResource> secrets = new TreeMap<>();
    cfg.secrets().forEach(s -> secrets.put(s.getName(), resource(s.getName(), s, null)));
    types.put(TypeUrls.SECRET, type(secrets));
    TreeMap<String, XdsResource> ecds = new TreeMap<>();
    for (ActivePlugin a : active) {
      ecds.put(a.plugin().filterName(),
          resource(a.plugin().filterName(), a.release().ecdsResource(), a.release().label()));
    }
    types.put(TypeUrls.EXTENSION_CONFIG, type(ecds));
    return new NodeSnapshot(Map.copyOf(types));
  }

  private static Listener attach(Listener l, List<ActivePlugin> plugins) {
    List<ActivePlugin> http = plugins.stream()
        .filter(a -> a.plugin().type() == WasmPlugin.PluginType.HTTP).toList();
    List<ActivePlugin> network = plugins.stream()
        .filter(a -> a.plugin().type() == WasmPlugin.PluginType.NETWORK).toList();
    Listener.Builder b = l.toBuilder();
    for (FilterChain.Builder fc : b.getFilterChainsBuilderList()) {
      wireChain(fc, http, network);
    }
    if (b.hasDefaultFilterChain()) {
      wireChain(b.getDefaultFilterChainBuilder(), http, network);
    }
    return b.build();
  }

  private static void wireChain(FilterChain.Builder fc, List<ActivePlugin> http, List<ActivePlugin> network) {
    if (!http.isEmpty()) {
      for (Filter.Builder f : fc.getFiltersBuilderList()) {
        if (f.hasTypedConfig() && TypeUrls.HCM.equals(f.getTypedConfig().getTypeUrl())) {
          f.setTypedConfig(Any.pack(withHttpFilters(unpackHcm(f.getTypedConfig()), http)));
        }
      }
    }
    if (!network.isEmpty()) {
      // Network filters go before the terminal filter (the last one: HCM, tcp_proxy, ...).
      int at = Math.max(0, fc.getFiltersCount() - 1);
      for (ActivePlugin a : network) {
        fc.addFilters(at++, Filter.newBuilder().setName(a.plugin().filterName())
            .setConfigDiscovery(discovery(TypeUrls.NETWORK_WASM)));
      }
    }
  }

  private static HttpConnectionManager withHttpFilters(HttpConnectionManager hcm, List<ActivePlugin> http) {
    HttpConnectionManager.Builder b = hcm.toBuilder();
    int at = b.getHttpFiltersCount();
    for (int i = 0; i < b.getHttpFiltersCount(); i++) {
      HttpFilter f = b.getHttpFilters(i);
      if (f.hasTypedConfig() && TypeUrls.ROUTER.equals(f.getTypedConfig().getTypeUrl())) {
        at = i;
        break;
      }
    }
    for (ActivePlugin a : http) {
      b.addHttpFilters(at++, HttpFilter.newBuilder().setName(a.plugin().filterName())
          .setConfigDiscovery(discovery(TypeUrls.HTTP_WASM)));
    }
    return b.build();
  }

  private static ExtensionConfigSource discovery(String typeUrl) {
    return ExtensionConfigSource.newBuilder()
        .setConfigSource(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3))
        .addTypeUrls(typeUrl)
        .build();
  }

  private static HttpConnectionManager unpackHcm(Any any) {
    try {
      return any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("HCM was parsed from the file, it must unpack", e);
    }
  }

  private static XdsResource resource(String name, Message m, String label) {
    return new XdsResource(name, Any.pack(m), contentVersion(m), label);
  }

  private static TypeSnapshot type(TreeMap<String, XdsResource> resources) {
    StringBuilder sb = new StringBuilder();
    resources.values().forEach(r -> sb.append(r.name()).append('=').append(r.version()).append('\n'));
    String v = Sha256.hex(sb.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    return new TypeSnapshot(v, java.util.Collections.unmodifiableSortedMap(resources));
  }

  /** A digest of the deterministic serialization: same content, same version, across reloads and nodes. */
  private static String contentVersion(Message m) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      m.writeTo(out);
      out.flush();
      return Sha256.hex(bytes.toByteArray()).substring(0, 16);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

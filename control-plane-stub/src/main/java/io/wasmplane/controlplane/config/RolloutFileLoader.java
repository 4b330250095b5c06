package io.wasmplane.controlplane.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.core.v3.RemoteDataSource;
import io.envoyproxy.envoy.config.core.v3.RetryPolicy;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.wasm.v3.EnvironmentVariables;
import io.envoyproxy.envoy.extensions.wasm.v3.FailurePolicy;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.wasmplane.proto.rollout.v1.EnvVar;
import io.wasmplane.proto.rollout.v1.ModuleServer;
import io.wasmplane.proto.rollout.v1.PluginVersion;
import io.wasmplane.proto.rollout.v1.RolloutFile;
import io.wasmplane.proto.rollout.v1.WasmPlugin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a rollout file (YAML -> JSON -> protobuf) and validates it into a {@link CompiledConfig}: Envoy resources
 * parsed with their own types, module files read and hashed into the {@link ModuleStore}, and one ECDS resource
 * built per plugin version. Every error names the field and the cause.
 */
public final class RolloutFileLoader {
  private static final Logger log = LoggerFactory.getLogger(RolloutFileLoader.class);
  private static final ObjectMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEFAULT_TIMEOUT = Duration.newBuilder().setSeconds(10).build();
  static final String DEFAULT_RUNTIME = "envoy.wasm.runtime.v8";

  private final ModuleStore modules;
  private final String defaultBaseUrl;
  private final String fileServerHost;
  private final int fileServerPort;

  /** @param fileServerHost/fileServerPort where the stub's own file server listens (default base URL, auto cluster) */
  public RolloutFileLoader(ModuleStore modules, String fileServerHost, int fileServerPort) {
    this.modules = modules;
    this.fileServerHost = fileServerHost;
    this.fileServerPort = fileServerPort;
    this.defaultBaseUrl = "http://" + fileServerHost + ":" + fileServerPort;
  }

  public CompiledConfig load(Path file) throws ConfigException {
    byte[] text;
    try {
      text = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e);
    }
    return parse(text, file.toAbsolutePath().getParent(), file.toString());
  }

  /** Loads file content already read (so a watcher loads exactly the bytes it fingerprinted). */
  public CompiledConfig parse(byte[] yaml, Path baseDir, String fileName) throws ConfigException {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new ConfigException(fileName + ": not valid YAML: " + e.getMessage());
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      throw new ConfigException(fileName + ": the file is empty");
    }
    if (!tree.isObject()) {
      throw new ConfigException(fileName + ": the top level must be a mapping, got " + tree.getNodeType());
    }
    RolloutFile.Builder b = RolloutFile.newBuilder();
    try {
      JsonFormat.parser().merge(JSON.writeValueAsString(tree), b);
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      String field = JsonPathLocator.locate(tree, RolloutFile.getDescriptor(), "");
      throw new ConfigException(fileName + ": " + (field.isEmpty() ? "" : field + ": ") + e.getMessage());
    }
    return compile(b.build(), tree, baseDir, fileName);
  }

  private CompiledConfig compile(RolloutFile f, JsonNode tree, Path baseDir, String fileName)
      throws ConfigException {
    List<Listener> listeners = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    List<RouteConfiguration> routes = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    JsonNode ls = tree.path("listeners");
    for (int i = 0; i < ls.size(); i++) {
      listeners.add(EnvoyJson.parse(ls.get(i), Listener.newBuilder(), fileName + ": listeners[" + i + "]").build());
    }
    JsonNode cs = tree.path("clusters");
    for (int i = 0; i < cs.size(); i++) {
      clusters.add(EnvoyJson.parse(cs.get(i), Cluster.newBuilder(), fileName + ": clusters[" + i + "]").build());
    }
    JsonNode rs = tree.path("routes");
    for (int i = 0; i < rs.size(); i++) {
      routes.add(EnvoyJson.parse(rs.get(i), RouteConfiguration.newBuilder(), fileName + ": routes[" + i + "]")
          .build());
    }
    JsonNode es = tree.path("endpoints");
    for (int i = 0; i < es.size(); i++) {
      endpoints.add(EnvoyJson.parse(es.get(i), ClusterLoadAssignment.newBuilder(),
          fileName + ": endpoints[" + i + "]").build());
    }
    List<io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret> secrets = new ArrayList<>();
    JsonNode ss = tree.path("secrets");
    for (int i = 0; i < ss.size(); i++) {
      secrets.add(EnvoyJson.parse(ss.get(i), io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.newBuilder(),
          fileName + ": secrets[" + i + "]").build());
    }
    uniqueNames(fileName, "secrets", secrets.stream().map(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret::getName).toList());
    Set<String> listenerNames = uniqueNames(fileName, "listeners", listeners.stream().map(Listener::getName).toList());
    Set<String> clusterNames = uniqueNames(fileName, "clusters", clusters.stream().map(Cluster::getName).toList());
    uniqueNames(fileName, "routes", routes.stream().map(RouteConfiguration::getName).toList());
    uniqueNames(fileName, "endpoints", endpoints.stream().map(ClusterLoadAssignment::getClusterName).toList());

    ModuleServer ms = f.getModuleServer();
    if (f.getPluginsCount() > 0 && ms.getCluster().isEmpty()) {
      throw new ConfigException(fileName + ": moduleServer.cluster: required when plugins are declared"
          + " (the cluster data planes fetch module bytes through)");
    }
    String baseUrl = ms.getBaseUrl().isEmpty() ? defaultBaseUrl : stripSlash(ms.getBaseUrl());
    if (!ms.getCluster().isEmpty() && !clusterNames.contains(ms.getCluster())) {
      if (ms.getBaseUrl().isEmpty()) {
        clusters.add(fileServerCluster(ms.getCluster()));
      } else {
        log.info("moduleServer.cluster '{}' is not in the file: data planes must define it to fetch from {}",
            ms.getCluster(), baseUrl);
      }
    }

    Set<Path> moduleFiles = new LinkedHashSet<>();
    List<CompiledPlugin> plugins = new ArrayList<>();
    Set<String> pluginNames = new HashSet<>();
    Set<String> filterNames = new HashSet<>();
    JsonNode ps = tree.path("plugins");
    for (int i = 0; i < f.getPluginsCount(); i++) {
      WasmPlugin p = f.getPlugins(i);
      String where = fileName + ": plugins[" + i + "]" + (p.getName().isEmpty() ? "" : " (" + p.getName() + ")");
      if (p.getName().isEmpty()) {
        throw new ConfigException(where + ".name: required");
      }
      if (!pluginNames.add(p.getName())) {
        throw new ConfigException(where + ".name: duplicate plugin name '" + p.getName() + "'");
      }
      String filterName = p.getFilterName().isEmpty() ? p.getName() : p.getFilterName();
      if (!filterNames.add(filterName)) {
        throw new ConfigException(where + ".filterName: duplicate filter name '" + filterName + "'");
      }
      for (String l : p.getListenersList()) {
        if (!listenerNames.contains(l)) {
          throw new ConfigException(where + ".listeners: no listener named '" + l + "' in this file");
        }
      }
      var ctx = new PluginContext(p, filterName, baseDir, baseUrl, ms, moduleFiles);
      JsonNode pNode = ps.get(i);
      PluginRelease base = null;
      if (!p.getModule().isEmpty()) {
        String label = p.getVersion().isEmpty() ? "base" : p.getVersion();
        base = release(ctx, where, label, p.getModule(), p.getSha256(), field(pNode, "plugin_config", "pluginConfig"),
            null, NodeSelector.ALL);
      }
      List<PluginRelease> rollout = new ArrayList<>();
      Set<String> labels = new HashSet<>();
      if (base != null) {
        labels.add(base.label());
      }
      JsonNode vs = field(field(pNode, "rollout"), "versions");
      for (int v = 0; v < p.getRollout().getVersionsCount(); v++) {
        PluginVersion pv = p.getRollout().getVersions(v);
        String vw = where + ".rollout.versions[" + v + "]";
        if (pv.getVersion().isEmpty()) {
          throw new ConfigException(vw + ".version: required (a label such as \"v2\")");
        }
        if (!labels.add(pv.getVersion())) {
          throw new ConfigException(vw + ".version: duplicate label '" + pv.getVersion() + "'");
        }
        String module = pv.getModule().isEmpty() ? p.getModule() : pv.getModule();
        String sha = pv.getModule().isEmpty() ? p.getSha256() : pv.getSha256();
        if (module.isEmpty()) {
          throw new ConfigException(vw + ".module: required (the plugin has no base module to inherit)");
        }
        JsonNode vNode = vs == null ? null : vs.get(v);
        JsonNode cfg = field(vNode, "plugin_config", "pluginConfig");
        if (cfg == null) {
          cfg = field(pNode, "plugin_config", "pluginConfig");
        }
        Double pct = null;
        if (pv.hasPercentage()) {
          pct = pv.getPercentage().getValue();
          if (!(pct >= 0 && pct <= 100)) {
            throw new ConfigException(vw + ".percentage: must be within [0, 100], got " + pct);
          }
        }
        rollout.add(release(ctx, vw, pv.getVersion(), module, sha, cfg, pct, NodeSelector.of(pv.getSelector())));
      }
      if (base == null && rollout.isEmpty()) {
        throw new ConfigException(where + ".module: required (or rollout.versions with a module)");
      }
      plugins.add(new CompiledPlugin(p.getName(), filterName, p.getType(), p.getPhase(),
          p.hasPriority() ? p.getPriority().getValue() : 0, Set.copyOf(p.getListenersList()),
          NodeSelector.of(p.getSelector()), List.copyOf(rollout), base));
    }
    return new CompiledConfig(List.copyOf(listeners), List.copyOf(clusters), List.copyOf(routes),
        List.copyOf(endpoints), List.copyOf(plugins), Set.copyOf(moduleFiles), List.copyOf(secrets));
  }

  private record PluginContext(WasmPlugin plugin, String filterName, Path baseDir, String baseUrl, ModuleServer ms,
      Set<Path> moduleFiles) {}

  private PluginRelease release(PluginContext ctx, String where, String label, String module, String givenSha,
      JsonNode pluginConfig, Double percentage, NodeSelector selector) throws ConfigException {
    String uri;
    String sha;
    if (module.startsWith("http://") || module.startsWith("https://")) {
      if (!Sha256.isHex(givenSha)) {
        throw new ConfigException(where + ".sha256: a URL module needs the hex sha256 of its bytes (64 chars"
            + " [0-9a-f]), got '" + givenSha + "'");
      }
      uri = module;
      sha = givenSha;
    } else {
      Path path = ctx.baseDir().resolve(module.startsWith("file://") ? module.substring(7) : module).normalize();
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(path);
      } catch (IOException e) {
        throw new ConfigException(where + ".module: cannot read module file " + path + ": " + e);
      }
      if (bytes.length < 8 || bytes[0] != 0 || bytes[1] != 'a' || bytes[2] != 's' || bytes[3] != 'm') {
        // Served anyway: data planes must reject it themselves (a test case of the rollout issue).
        log.warn("{}.module: {} does not start with the Wasm magic \\0asm", where, path);
      }
      ctx.moduleFiles().add(path);
      sha = modules.put(bytes);
      if (!givenSha.isEmpty() && !givenSha.equals(sha)) {
        throw new ConfigException(where + ".sha256: given " + givenSha + " but " + path + " hashes to " + sha);
      }
      uri = ctx.baseUrl() + "/modules/" + sha + ".wasm";
    }
    WasmPlugin p = ctx.plugin();
    RemoteDataSource.Builder remote = RemoteDataSource.newBuilder()
        .setHttpUri(HttpUri.newBuilder().setUri(uri).setCluster(ctx.ms().getCluster())
            .setTimeout(ctx.ms().hasTimeout() ? ctx.ms().getTimeout() : DEFAULT_TIMEOUT))
        .setSha256(sha);
    if (ctx.ms().hasNumRetries()) {
      remote.setRetryPolicy(RetryPolicy.newBuilder().setNumRetries(ctx.ms().getNumRetries()));
    }
    VmConfig.Builder vm = VmConfig.newBuilder().setVmId(p.getVmId())
        .setRuntime(p.getRuntime().isEmpty() ? DEFAULT_RUNTIME : p.getRuntime())
        .setCode(AsyncDataSource.newBuilder().setRemote(remote));
    if (p.getEnvCount() > 0) {
      vm.setEnvironmentVariables(env(where, p));
    }
    PluginConfig.Builder pc = PluginConfig.newBuilder().setName(p.getName()).setRootId(p.getRootId())
        .setVmConfig(vm).setFailurePolicy(failurePolicy(p.getFailStrategy()));
    if (pluginConfig != null && !pluginConfig.isNull()) {
      pc.setConfiguration(Any.pack(StringValue.of(configText(pluginConfig))));
    }
    Any typed = p.getType() == WasmPlugin.PluginType.NETWORK
        ? Any.pack(io.envoyproxy.envoy.extensions.filters.network.wasm.v3.Wasm.newBuilder().setConfig(pc).build())
        : Any.pack(io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.newBuilder().setConfig(pc).build());
    TypedExtensionConfig resource = TypedExtensionConfig.newBuilder().setName(ctx.filterName())
        .setTypedConfig(typed).build();
    return new PluginRelease(label, sha, percentage, selector, resource);
  }

  private static EnvironmentVariables env(String where, WasmPlugin p) throws ConfigException {
    EnvironmentVariables.Builder e = EnvironmentVariables.newBuilder();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < p.getEnvCount(); i++) {
      EnvVar v = p.getEnv(i);
      if (v.getName().isEmpty() || !seen.add(v.getName())) {
        throw new ConfigException(where + ".env[" + i + "].name: missing or duplicate '" + v.getName() + "'");
      }
      if (v.getValueFrom() == EnvVar.Source.HOST) {
        e.addHostEnvKeys(v.getName());
      } else {
        e.putKeyValues(v.getName(), v.getValue());
      }
    }
    return e.build();
  }

  private static FailurePolicy failurePolicy(WasmPlugin.FailStrategy s) {
    return switch (s) {
      case FAIL_OPEN -> FailurePolicy.FAIL_OPEN;
      case FAIL_RELOAD -> FailurePolicy.FAIL_RELOAD;
      default -> FailurePolicy.FAIL_CLOSED;
    };
  }

  /** A string goes raw (as Envoy passes a StringValue); anything else as compact JSON, numbers as written. */
  private static String configText(JsonNode n) {
    if (n.isTextual()) {
      return n.asText();
    }
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private Cluster fileServerCluster(String name) {
    log.info("moduleServer.cluster '{}' is not in the file: adding a STATIC cluster to {}:{}", name, fileServerHost,
        fileServerPort);
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Duration.newBuilder().setSeconds(2))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                    SocketAddress.newBuilder().setAddress(fileServerHost).setPortValue(fileServerPort)))))))
        .build();
  }

  private static Set<String> uniqueNames(String fileName, String field, List<String> names) throws ConfigException {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (n.isEmpty()) {
        throw new ConfigException(fileName + ": " + field + "[" + i + "]: name is required");
      }
      if (!seen.add(n)) {
        throw new ConfigException(fileName + ": " + field + "[" + i + "]: duplicate name '" + n + "'");
      }
    }
    return seen;
  }

  private static JsonNode field(JsonNode n, String... names) {
    if (n == null) {
      return null;
    }
    for (String name : names) {
      JsonNode v = n.get(name);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}

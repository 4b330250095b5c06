package io.wasmplane.dataplane.wasm;

import com.google.protobuf.Any;
import com.google.protobuf.BytesValue;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.RemoteDataSource;
import io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm;
import io.envoyproxy.envoy.extensions.wasm.v3.FailurePolicy;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.EnvoyTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * envoy.extensions.wasm.v3.PluginConfig, validated once into an immutable value. Parse errors are
 * {@link ConfigException}s naming the field (a NACK text for xDS, a startup error for a bootstrap).
 */
public record PluginSpec(String pluginName, String rootId, String vmId, String runtime, CodeSource code, byte[] pluginConfiguration,
    byte[] vmConfiguration, Map<String, String> environment, Set<String> allowedCapabilities, FailMode failMode, Duration reloadBackoff,
    boolean nackOnCodeCacheMiss) {

  /** Envoy's runtime names; all run on Chicory (Istio-generated configs name v8). */
  static final Set<String> RUNTIMES = Set.of("envoy.wasm.runtime.v8", "envoy.wasm.runtime.wasmtime",
      "envoy.wasm.runtime.wamr", "envoy.wasm.runtime.wavm", "envoy.wasm.runtime.null", "");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  static final Duration DEFAULT_RELOAD_BACKOFF = Duration.ofSeconds(1);
  static final Duration DEFAULT_FETCH_BACKOFF = Duration.ofSeconds(1);

  public boolean failOpen() {
    return failMode == FailMode.FAIL_OPEN;
  }

  /** The typed_config of envoy.filters.http.wasm (envoy.extensions.filters.http.wasm.v3.Wasm). */
  public static PluginSpec fromHttpFilter(Any typedConfig, String where) {
    Wasm wasm;
    try {
      wasm = typedConfig.unpack(Wasm.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(where + ": expected envoy.extensions.filters.http.wasm.v3.Wasm: " + e.getMessage());
    }
    only(wasm, where, Set.of("config"));
    return from(wasm.getConfig(), where + ".config");
  }

  public static PluginSpec from(PluginConfig pc, String w) {
    only(pc, w, Set.of("name", "root_id", "vm_config", "configuration", "fail_open", "failure_policy", "reload_config",
        "capability_restriction_config"));
    if (!pc.hasVmConfig()) {
      throw new ConfigException(w + ".vm_config: required");
    }
    VmConfig vm = pc.getVmConfig();
    only(vm, w + ".vm_config", Set.of("vm_id", "runtime", "code", "configuration", "environment_variables", "allow_precompiled",
        "nack_on_code_cache_miss"));
    if (!RUNTIMES.contains(vm.getRuntime())) {
      throw new ConfigException(w + ".vm_config.runtime: unknown runtime '" + vm.getRuntime() + "' (supported: envoy.wasm.runtime.v8, "
          + "envoy.wasm.runtime.wasmtime, envoy.wasm.runtime.wamr; all run on Chicory)");
    }
    if (vm.getRuntime().equals("envoy.wasm.runtime.null")) {
      throw new ConfigException(w + ".vm_config.runtime: envoy.wasm.runtime.null (native plugins) is not supported");
    }
    CodeSource code = code(vm.getCode(), w + ".vm_config.code");
    if (pc.getFailOpen() && pc.getFailurePolicy() != FailurePolicy.UNSPECIFIED) {
      throw new ConfigException(w + ": only one of fail_open or failure_policy can be set");
    }
    FailMode mode = pc.getFailOpen() ? FailMode.FAIL_OPEN : switch (pc.getFailurePolicy()) {
      case FAIL_OPEN -> FailMode.FAIL_OPEN;
      case FAIL_RELOAD -> FailMode.FAIL_RELOAD;
      default -> FailMode.FAIL_CLOSED;
    };
    Duration reload = DEFAULT_RELOAD_BACKOFF;
    if (pc.hasReloadConfig()) {
      if (mode != FailMode.FAIL_RELOAD) {
        throw new ConfigException(w + ".reload_config: only meaningful with failure_policy FAIL_RELOAD");
      }
      var b = pc.getReloadConfig().getBackoff();
      only(b, w + ".reload_config.backoff", Set.of("base_interval", "max_interval"));
      if (b.hasBaseInterval()) {
        reload = duration(b.getBaseInterval(), w + ".reload_config.backoff.base_interval");
      }
    }
    Map<String, String> env = new java.util.TreeMap<>(vm.getEnvironmentVariables().getKeyValuesMap());
    for (String name : vm.getEnvironmentVariables().getHostEnvKeysList()) {
      if (env.containsKey(name)) { // Envoy: "Key <name> is duplicated in envoy.extensions.wasm.v3.VmConfig.environment_variables"
        throw new ConfigException(w + ".vm_config.environment_variables: key '" + name + "' is in both host_env_keys and key_values");
      }
      String v = System.getenv(name);
      if (v != null) {
        env.put(name, v);
      }
    }
    String runtime = vm.getRuntime().isEmpty() ? "envoy.wasm.runtime.v8" : vm.getRuntime();
    return new PluginSpec(pc.getName(), pc.getRootId(), vm.getVmId(), runtime, code,
        configuration(pc.hasConfiguration() ? pc.getConfiguration() : null, w + ".configuration"),
        configuration(vm.hasConfiguration() ? vm.getConfiguration() : null, w + ".vm_config.configuration"), Map.copyOf(env),
        capabilities(pc, w + ".capability_restriction_config"), mode, reload, vm.getNackOnCodeCacheMiss());
  }

  /** The VM the plugin runs on: its vm_id, VM configuration, environment and capability allow list. */
  io.wasmplane.wasm.VmConfig runtimeVmConfig() {
    return new io.wasmplane.wasm.VmConfig(vmId, vmConfiguration, environment, allowedCapabilities);
  }

  /**
   * Envoy's capability_restriction_config: the allowed ABI and WASI function names (absent or empty = all allowed, as
   * in proxy-wasm-cpp-host). SanitizationConfig is empty and unimplemented in Envoy too.
   */
  private static Set<String> capabilities(PluginConfig pc, String where) {
    if (!pc.hasCapabilityRestrictionConfig()) {
      return Set.of();
    }
    Set<String> names = new TreeSet<>();
    pc.getCapabilityRestrictionConfig().getAllowedCapabilitiesMap().forEach((name, sanitization) -> {
      if (name.isBlank()) {
        throw new ConfigException(where + ".allowed_capabilities: empty capability name");
      }
      only(sanitization, where + ".allowed_capabilities['" + name + "']", Set.of());
      names.add(name);
    });
    return Set.copyOf(names);
  }

  /** What decides whether two plugins may share a VM (Envoy's vm_key: vm_id, VM configuration, code). */
  VmKey vmKey(String codeSha256) {
    return new VmKey(vmId, runtime, codeSha256, Arrays.hashCode(vmConfiguration), new String(vmConfiguration, StandardCharsets.ISO_8859_1),
        environment, allowedCapabilities);
  }

  /** Plugins share a VM only when it was started with the same environment and capabilities as well. */
  record VmKey(String vmId, String runtime, String sha256, int configHash, String configuration, Map<String, String> environment,
      Set<String> allowedCapabilities) {}

  private static CodeSource code(AsyncDataSource src, String where) {
    if (src.hasRemote()) {
      return remote(src.getRemote(), where + ".remote");
    }
    if (!src.hasLocal()) {
      throw new ConfigException(where + ": one of local (filename, inline_bytes, inline_string) or remote is required");
    }
    DataSource d = src.getLocal();
    return switch (d.getSpecifierCase()) {
      case FILENAME -> {
        try {
          yield new CodeSource.Local(Files.readAllBytes(Path.of(d.getFilename())), d.getFilename());
        } catch (IOException e) {
          throw new ConfigException(where + ".local.filename: cannot read " + d.getFilename() + ": " + e);
        }
      }
      case INLINE_BYTES -> new CodeSource.Local(d.getInlineBytes().toByteArray(), "inline_bytes");
      case INLINE_STRING -> new CodeSource.Local(d.getInlineString().getBytes(StandardCharsets.UTF_8), "inline_string");
      default -> throw new ConfigException(where + ".local: one of filename, inline_bytes, inline_string is required");
    };
  }

  private static CodeSource.Remote remote(RemoteDataSource r, String where) {
    only(r, where, Set.of("http_uri", "sha256", "retry_policy"));
    // A remote module must be pinned: without a digest we could not tell what we would run.
    String sha = r.getSha256().toLowerCase(java.util.Locale.ROOT);
    if (sha.isEmpty()) {
      throw new ConfigException(where + ".sha256: required for remote code (" + r.getHttpUri().getUri() + ")");
    }
    if (!SHA256.matcher(sha).matches()) {
      throw new ConfigException(where + ".sha256: not a hex sha256 digest: '" + r.getSha256() + "'");
    }
    if (!r.hasHttpUri()) {
      throw new ConfigException(where + ".http_uri: required");
    }
    var u = r.getHttpUri();
    only(u, where + ".http_uri", Set.of("uri", "cluster", "timeout"));
    if (u.getUri().isEmpty()) {
      throw new ConfigException(where + ".http_uri.uri: required");
    }
    java.net.URI parsed;
    try {
      parsed = java.net.URI.create(u.getUri());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(where + ".http_uri.uri: not a URI: " + e.getMessage());
    }
    if (parsed.getScheme() == null || !(parsed.getScheme().equals("http") || parsed.getScheme().equals("https"))) {
      throw new ConfigException(where + ".http_uri.uri: http or https URI required, got '" + u.getUri() + "'");
    }
    if (u.getCluster().isEmpty()) {
      throw new ConfigException(where + ".http_uri.cluster: required (the module is fetched through a cluster)");
    }
    if (!u.hasTimeout()) {
      throw new ConfigException(where + ".http_uri.timeout: required");
    }
    Duration timeout = duration(u.getTimeout(), where + ".http_uri.timeout");
    Duration base = DEFAULT_FETCH_BACKOFF;
    Duration max = null;
    int retries = 1;
    if (r.hasRetryPolicy()) {
      var p = r.getRetryPolicy();
      only(p, where + ".retry_policy", Set.of("retry_back_off", "num_retries"));
      if (p.hasNumRetries()) {
        retries = p.getNumRetries().getValue();
      }
      if (p.hasRetryBackOff()) {
        var b = p.getRetryBackOff();
        if (b.hasBaseInterval()) {
          base = duration(b.getBaseInterval(), where + ".retry_policy.retry_back_off.base_interval");
        }
        if (b.hasMaxInterval()) {
          max = duration(b.getMaxInterval(), where + ".retry_policy.retry_back_off.max_interval");
        }
      }
    }
    if (max == null) {
      max = base.multipliedBy(10);
    }
    if (max.compareTo(base) < 0) {
      throw new ConfigException(where + ".retry_policy.retry_back_off.max_interval: must be >= base_interval");
    }
    return new CodeSource.Remote(u.getUri(), u.getCluster(), timeout, sha, base, max, retries);
  }

  private static Duration duration(com.google.protobuf.Duration d, String where) {
    Duration v = Duration.ofSeconds(d.getSeconds(), d.getNanos());
    if (v.isNegative() || v.isZero()) {
      throw new ConfigException(where + ": must be positive");
    }
    return v;
  }

  /** Envoy hands a StringValue's text (BytesValue's bytes) to the plugin, any other message as its JSON. */
  private static byte[] configuration(Any any, String where) {
    if (any == null) {
      return new byte[0];
    }
    try {
      if (any.is(StringValue.class)) {
        return any.unpack(StringValue.class).getValue().getBytes(StandardCharsets.UTF_8);
      }
      if (any.is(BytesValue.class)) {
        return any.unpack(BytesValue.class).getValue().toByteArray();
      }
      if (any.is(com.google.protobuf.Struct.class)) {
        return EnvoyTypes.PRINTER.omittingInsignificantWhitespace().print(any.unpack(com.google.protobuf.Struct.class))
            .getBytes(StandardCharsets.UTF_8);
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(where + ": " + e.getMessage());
    }
    throw new ConfigException(where + ": unsupported configuration type " + any.getTypeUrl()
        + " (google.protobuf.StringValue, BytesValue or Struct)");
  }

  private static void only(com.google.protobuf.MessageOrBuilder m, String where, Set<String> supported) {
    Set<String> bad = new TreeSet<>();
    m.getAllFields().keySet().forEach(f -> {
      if (!supported.contains(f.getName())) {
        bad.add(f.getName());
      }
    });
    if (!bad.isEmpty()) {
      throw new ConfigException(where + ": unsupported field(s) " + bad + " in " + m.getDescriptorForType().getFullName());
    }
  }
}

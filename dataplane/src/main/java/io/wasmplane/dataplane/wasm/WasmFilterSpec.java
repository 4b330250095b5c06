package io.wasmplane.dataplane.wasm;

import com.google.protobuf.Any;
import com.google.protobuf.BytesValue;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
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
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** envoy.extensions.filters.http.wasm.v3.Wasm, validated: local code, configurations and failure policy. */
public record WasmFilterSpec(String pluginName, String rootId, String vmId, String runtime, byte[] code, byte[] pluginConfiguration,
    byte[] vmConfiguration, Map<String, String> environment, boolean failOpen) {

  /** Envoy's runtime names; all run on Chicory (Istio-generated configs name v8). */
  static final Set<String> RUNTIMES = Set.of("envoy.wasm.runtime.v8", "envoy.wasm.runtime.wasmtime",
      "envoy.wasm.runtime.wamr", "envoy.wasm.runtime.wavm", "envoy.wasm.runtime.null", "");

  public static WasmFilterSpec from(Any typedConfig, String where) {
    Wasm wasm;
    try {
      wasm = typedConfig.unpack(Wasm.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(where + ": expected envoy.extensions.filters.http.wasm.v3.Wasm: " + e.getMessage());
    }
    only(wasm, where, Set.of("config"));
    PluginConfig pc = wasm.getConfig();
    String w = where + ".config";
    only(pc, w, Set.of("name", "root_id", "vm_config", "configuration", "fail_open", "failure_policy"));
    if (!pc.hasVmConfig()) {
      throw new ConfigException(w + ".vm_config: required");
    }
    VmConfig vm = pc.getVmConfig();
    only(vm, w + ".vm_config", Set.of("vm_id", "runtime", "code", "configuration", "environment_variables", "allow_precompiled"));
    if (!RUNTIMES.contains(vm.getRuntime())) {
      throw new ConfigException(w + ".vm_config.runtime: unknown runtime '" + vm.getRuntime() + "' (supported: envoy.wasm.runtime.v8, "
          + "envoy.wasm.runtime.wasmtime, envoy.wasm.runtime.wamr; all run on Chicory)");
    }
    if (vm.getRuntime().equals("envoy.wasm.runtime.null")) {
      throw new ConfigException(w + ".vm_config.runtime: envoy.wasm.runtime.null (native plugins) is not supported");
    }
    byte[] code = code(vm.getCode(), w + ".vm_config.code");
    boolean failOpen = pc.getFailOpen() || pc.getFailurePolicy() == FailurePolicy.FAIL_OPEN;
    if (pc.getFailurePolicy() == FailurePolicy.FAIL_RELOAD) {
      throw new ConfigException(w + ".failure_policy: FAIL_RELOAD is not supported yet (FAIL_CLOSED, FAIL_OPEN)");
    }
    Map<String, String> env = new java.util.TreeMap<>(vm.getEnvironmentVariables().getKeyValuesMap());
    for (String name : vm.getEnvironmentVariables().getHostEnvKeysList()) {
      String v = System.getenv(name);
      if (v != null) {
        env.put(name, v);
      }
    }
    String runtime = vm.getRuntime().isEmpty() ? "envoy.wasm.runtime.v8" : vm.getRuntime();
    return new WasmFilterSpec(pc.getName(), pc.getRootId(), vm.getVmId(), runtime, code,
        configuration(pc.hasConfiguration() ? pc.getConfiguration() : null, w + ".configuration"),
        configuration(vm.hasConfiguration() ? vm.getConfiguration() : null, w + ".vm_config.configuration"), Map.copyOf(env), failOpen);
  }

  private static byte[] code(AsyncDataSource src, String where) {
    if (src.hasRemote()) {
      throw new ConfigException(where + ".remote: remote code is not supported yet (use local filename, inline_bytes or inline_string)");
    }
    if (!src.hasLocal()) {
      throw new ConfigException(where + ": local code (filename, inline_bytes, inline_string) is required");
    }
    DataSource d = src.getLocal();
    return switch (d.getSpecifierCase()) {
      case FILENAME -> {
        try {
          yield Files.readAllBytes(Path.of(d.getFilename()));
        } catch (IOException e) {
          throw new ConfigException(where + ".local.filename: cannot read " + d.getFilename() + ": " + e);
        }
      }
      case INLINE_BYTES -> d.getInlineBytes().toByteArray();
      case INLINE_STRING -> d.getInlineString().getBytes(StandardCharsets.UTF_8);
      default -> throw new ConfigException(where + ".local: one of filename, inline_bytes, inline_string is required");
    };
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

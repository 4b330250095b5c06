package io.wasmplane.dataplane.wasm;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.BackoffStrategy;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.core.v3.RemoteDataSource;
import io.envoyproxy.envoy.config.core.v3.RetryPolicy;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Plugins, PluginConfig protos and bootstraps for the wasm lifecycle tests. */
public final class WasmTestSupport {
  private WasmTestSupport() {}

  public static Path plugin(String relative) {
    String dir = System.getProperty("wasmplane.plugins.dir", "../plugins/build");
    Path p = Path.of(dir, relative);
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException(p + " is missing: run plugins/build.sh (make plugins) before the tests");
    }
    return p;
  }

  /** Compiles src/test/resources/wat/NAME.wat with wabt's wat2wasm (a build requirement). */
  public static Path wat(String name) throws Exception {
    Path src = Path.of(io.wasmplane.dataplane.testing.Http.resource("/wat/" + name + ".wat"));
    Path out = Files.createTempFile(name, ".wasm");
    Process p = new ProcessBuilder("wat2wasm", "--enable-all", src.toString(), "-o", out.toString()).redirectErrorStream(true).start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("wat2wasm failed for " + src + ": " + new String(p.getInputStream().readAllBytes()));
    }
    return out;
  }

  /** dp_stamp.wat (stamps its configuration into x-config) from a local file. */
  static PluginConfig localStamp(Path wasm, String name, String configuration) {
    return PluginConfig.newBuilder().setName(name).setRootId("stamp").setConfiguration(stringValue(configuration))
        .setVmConfig(VmConfig.newBuilder().setVmId("stamp_vm").setRuntime("envoy.wasm.runtime.v8")
            .setCode(AsyncDataSource.newBuilder().setLocal(DataSource.newBuilder().setFilename(wasm.toString())))).build();
  }

  /** A plugin whose code comes from {@code uri} through {@code cluster}. */
  static PluginConfig.Builder remote(String name, String rootId, String uri, String cluster, String sha256, long timeoutMs, int retries,
      long backoffMs, String configuration) {
    RemoteDataSource.Builder r = RemoteDataSource.newBuilder().setSha256(sha256)
        .setHttpUri(HttpUri.newBuilder().setUri(uri).setCluster(cluster).setTimeout(millis(timeoutMs)))
        .setRetryPolicy(RetryPolicy.newBuilder().setNumRetries(UInt32Value.of(retries))
            .setRetryBackOff(BackoffStrategy.newBuilder().setBaseInterval(millis(backoffMs)).setMaxInterval(millis(backoffMs * 2))));
    return PluginConfig.newBuilder().setName(name).setRootId(rootId).setConfiguration(stringValue(configuration))
        .setVmConfig(VmConfig.newBuilder().setVmId("remote_vm").setRuntime("envoy.wasm.runtime.v8")
            .setCode(AsyncDataSource.newBuilder().setRemote(r)));
  }

  static com.google.protobuf.Duration millis(long ms) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000).build();
  }

  static Any stringValue(String s) {
    return Any.pack(StringValue.of(s));
  }

  /** A data plane with one listener "ingress" whose HCM runs {@code filterYaml} (an http_filters entry) before the router. */
  static Dataplane start(String filterYaml, int upstreamPort, String moreClusters, int concurrency) {
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: up}
        """;
    String indented = filterYaml.lines().map(l -> "          " + l).reduce("", (a, b) -> a + b + "\n");
    String yaml = Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", upstreamPort, null) + moreClusters,
        Path.of("/dev/null"), null).replace("          http_filters:\n", "          http_filters:\n" + indented);
    return Dataplane.start(BootstrapLoader.fromText(yaml, "test bootstrap"),
        Dataplane.Options.defaults().withConcurrency(concurrency).withDrainTime(Duration.ofSeconds(5)));
  }

  /** The Wasm filter factory of listener "ingress" (the swap point ECDS uses). */
  static SwappableFilterFactory wasmFactory(Dataplane dp) {
    return dp.server().listeners().get("ingress").runtime().hcm().filterFactories().stream()
        .filter(f -> f instanceof SwappableFilterFactory).map(f -> (SwappableFilterFactory) f).findFirst().orElseThrow();
  }
}

package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.ads;
import static io.wasmplane.dataplane.xds.Resources.staticCluster;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.core.v3.RemoteDataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A verdict that waits for remote plugin code does not block the xDS client: while an ECDS update's module is being
 * fetched from a module server that holds the request, a CDS update (a new cluster) and an LDS update (routing to it)
 * are accepted and serve, with the old plugin still in place; a second ECDS update that arrives meanwhile waits and
 * is applied after the first, in order.
 */
class SlowPluginCodeTest {
  static final String LDS = EcdsWasmFilterTest.LDS;
  static final String CDS = EcdsWasmFilterTest.CDS;
  static final String ECDS = EcdsWasmFilterTest.ECDS;
  static final String WASM = EcdsWasmFilterTest.WASM;

  /** Serves one module at /held.wasm, but only once the test lets it go. */
  static final class HeldModuleServer implements AutoCloseable {
    final HttpServer server;
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger requests = new AtomicInteger();

    HeldModuleServer(byte[] module) throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(Executors.newCachedThreadPool());
      server.createContext("/held.wasm", ex -> {
        requests.incrementAndGet();
        try (ex) {
          release.await(20, TimeUnit.SECONDS);
          ex.sendResponseHeaders(200, module.length);
          ex.getResponseBody().write(module);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    @Override
    public void close() {
      release.countDown();
      server.stop(0);
    }
  }

  /** as_headers.wasm plus a custom section with a random payload: a sha256 no cache (memory or disk) has seen. */
  static byte[] freshModule() throws Exception {
    byte[] base = Files.readAllBytes(EcdsWasmFilterTest.PLUGIN);
    byte[] nonce = new byte[8];
    new java.security.SecureRandom().nextBytes(nonce);
    byte[] section = new byte[2 + 5 + nonce.length];
    section[0] = 0; // custom section
    section[1] = (byte) (1 + 4 + nonce.length);
    section[2] = 4;
    System.arraycopy("nonc".getBytes(), 0, section, 3, 4);
    System.arraycopy(nonce, 0, section, 7, nonce.length);
    byte[] out = new byte[base.length + section.length];
    System.arraycopy(base, 0, out, 0, base.length);
    System.arraycopy(section, 0, out, base.length, section.length);
    return out;
  }

  static TypedExtensionConfig remotePlugin(String configuration, String uri, byte[] module) throws Exception {
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(module));
    Wasm wasm = Wasm.newBuilder().setConfig(PluginConfig.newBuilder().setName("as_headers_plugin").setRootId("as_headers")
        .setConfiguration(Any.pack(StringValue.of(configuration)))
        .setVmConfig(VmConfig.newBuilder().setVmId("as_vm").setRuntime("envoy.wasm.runtime.v8")
            .setCode(AsyncDataSource.newBuilder().setRemote(RemoteDataSource.newBuilder().setSha256(sha)
                .setHttpUri(HttpUri.newBuilder().setUri(uri).setCluster("modules")
                    .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(30)))))))
        .build();
    return TypedExtensionConfig.newBuilder().setName("headers").setTypedConfig(Any.pack(wasm)).build();
  }

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** "upstream/stamp" of GET / through the proxy, or null. */
  String answer(int port) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.headers().firstValue("x-upstream-name").orElse("-") + "/" + r.headers().firstValue("x-as-stamp").orElse("-");
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void otherTypesLandAndServeWhileAPluginsCodeIsFetched() throws Exception {
    byte[] module = freshModule();
    try (SmallAdsServer ads = new SmallAdsServer();
        TestUpstream a = new TestUpstream("a");
        TestUpstream b = new TestUpstream("b");
        HeldModuleServer modules = new HeldModuleServer(module)) {
      int port = freePort();
      ExtensionConfigSource.Builder discovery = ExtensionConfigSource.newBuilder().setConfigSource(ads()).addTypeUrls(WASM);
      ads.set(CDS, staticCluster("c1", a.port()), staticCluster("modules", modules.port()));
      ads.set(ECDS, EcdsWasmFilterTest.plugin("stamp=v1"));
      ads.set(LDS, EcdsWasmFilterTest.listener(port, discovery, "c1"));
      try (Dataplane dp = Resources.startDataplane("dp-1", ads.port(), "GRPC")) {
        await("v1 serves", () -> "a/v1".equals(answer(port)));

        // ECDS v2 needs remote code the module server holds on to.
        ads.set(ECDS, remotePlugin("stamp=v2", "http://127.0.0.1:" + modules.port() + "/held.wasm", module));
        await("the module fetch started", () -> modules.requests.get() > 0);
        int ecdsAcks = (int) ads.acks.stream().filter(x -> x.startsWith(ECDS)).count();

        // Meanwhile: a new cluster and a listener routing to it land and serve, with the old plugin.
        ads.set(CDS, staticCluster("c1", a.port()), staticCluster("c2", b.port()), staticCluster("modules", modules.port()));
        ads.set(LDS, EcdsWasmFilterTest.listener(port, discovery, "c2"));
        await("CDS + LDS served while ECDS waits for its code", () -> "b/v1".equals(answer(port)));
        // And a later ECDS update waits behind the pending one.
        ads.set(ECDS, EcdsWasmFilterTest.plugin("stamp=v3"));
        Thread.sleep(300);
        assertThat(answer(port)).isEqualTo("b/v1");
        assertThat(ads.acks.stream().filter(x -> x.startsWith(ECDS)).count()).as("no ECDS answer yet").isEqualTo(ecdsAcks);

        modules.release.countDown();
        await("both ECDS updates ACKed, in order", () -> ads.acks.stream().filter(x -> x.startsWith(ECDS)).count()
            >= ecdsAcks + 2);
        await("v3 serves", () -> "b/v3".equals(answer(port)));
        assertThat(ads.nacks).isEmpty();
        assertThat(modules.requests.get()).isEqualTo(1);
      }
    }
  }
}

package io.wasmplane.dataplane.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.http.DownstreamSink;
import io.wasmplane.dataplane.http.ArrayHttpHeaders;
import io.wasmplane.dataplane.http.HcmRuntime;
import io.wasmplane.dataplane.http.HttpStream;
import io.wasmplane.dataplane.http.StreamInfo;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One request through a listener's HTTP connection manager runtime, in process and without sockets: the stream's
 * filter chain (none, or the c_bench Wasm filter: reads 10 request headers and adds one, reads and adds a response
 * header, reads two in on_log) and a {@code direct_response} route, with the request headers h2load sends plus the ones
 * the connection manager adds. It measures what the proxy's own code costs per request beside the codec and the
 * kernel, which the loopback load benchmark (scripts/bench.sh) cannot separate on a shared 2-core box.
 * Run by scripts/bench-dataplane.sh.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class StreamPathBenchmark {
  @Param({"none", "c_bench"})
  public String filter;

  private Dataplane dataplane;
  private HcmRuntime hcm;
  private EventLoop loop;
  private final Sink sink = new Sink();
  private final InetSocketAddress remote = new InetSocketAddress("127.0.0.1", 40000);
  private final InetSocketAddress local = new InetSocketAddress("127.0.0.1", 10000);
  private final HttpHeaders validated = ArrayHttpHeaders.FACTORY.newHeaders();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    // As the load benchmark runs the proxy (-l warn): c_bench logs a line per request at info.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.wasmplane"))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    Path plugin = Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "c", "c_bench.wasm")
        .toAbsolutePath().normalize();
    if (filter.equals("c_bench") && !Files.exists(plugin)) {
      throw new IllegalStateException(plugin + " is missing: run plugins/build.sh first");
    }
    // Indented as an item of http_filters below (10 spaces).
    String wasm = filter.equals("none") ? "" : String.join("\n",
        "          - name: envoy.filters.http.wasm",
        "            typed_config:",
        "              \"@type\": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
        "              config:",
        "                name: bench",
        "                vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: \"" + plugin + "\"}}}");
    String bootstrap = """
        static_resources:
          listeners:
          - name: bench
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: bench
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/"}
                        direct_response: {status: 200, body: {inline_string: "hello world\\n"}}
                  http_filters:
        %s
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """.formatted(wasm);
    dataplane = Dataplane.start(BootstrapLoader.fromText(bootstrap, "bench"),
        Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofMillis(100)));
    hcm = dataplane.server().listeners().get("bench").runtime().hcm();
    // The embedded loop counts as "in the event loop" for the benchmark thread: the stream runs where it is called.
    loop = new EmbeddedChannel().eventLoop();
    validated.add("host", "127.0.0.1:10000").add("user-agent", "h2load nghttp2/1.52.0").add("accept", "*/*")
        .add("x-forwarded-for", "127.0.0.1").add("x-forwarded-proto", "http")
        .add("x-request-id", "5b2bdf58-4cf6-4c8a-9b9b-1d1b6b2c2a01");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    dataplane.close();
    if (sink.responses == 0 || sink.lastStatus != 200) {
      throw new IllegalStateException("the stream did not answer 200 (" + sink.responses + " responses, last "
          + sink.lastStatus + ")");
    }
  }

  @Benchmark
  public int request() {
    // A fresh request per stream as the codec hands it over (its header map is the stream's to edit).
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER,
        ArrayHttpHeaders.FACTORY.newHeaders().add(validated), EmptyHttpHeaders.INSTANCE);
    StreamInfo info = new StreamInfo("HTTP/1.1", remote, local, false, 1);
    HttpStream stream = new HttpStream(hcm, sink, loop, ByteBufAllocator.DEFAULT, info);
    stream.decodeHeaders(req, true);
    return sink.lastStatus;
  }

  /** The client side: takes the response and drops it. */
  private static final class Sink implements DownstreamSink {
    long responses;
    int lastStatus;

    @Override
    public void writeHeaders(HttpResponse response, boolean end) {
      responses++;
      lastStatus = response.status().code();
    }

    @Override
    public void writeData(ByteBuf data, boolean end) {
      data.release();
    }

    @Override
    public void writeTrailers(HttpHeaders trailers) {}

    @Override
    public void reset() {}

    @Override
    public void setReadingPaused(boolean paused) {}

    @Override
    public void streamFinished(HttpStream stream) {}
  }
}

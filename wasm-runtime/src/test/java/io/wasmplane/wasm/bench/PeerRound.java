package io.wasmplane.wasm.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import io.roastedroot.proxywasm.LogHandler;
import io.roastedroot.proxywasm.LogLevel;
import io.roastedroot.proxywasm.PluginFactory;
import io.roastedroot.proxywasm.internal.HttpContext;
import io.roastedroot.proxywasm.internal.HttpRequestAdaptor;
import io.roastedroot.proxywasm.internal.Plugin;
import io.roastedroot.proxywasm.internal.PluginHttpContext;
import io.roastedroot.proxywasm.internal.ProxyMap;
import io.roastedroot.proxywasm.internal.WasmResult;
import io.wasmplane.wasm.ExecutionMode;
import java.util.List;

/**
 * The benchmark peer: the same c_bench module on io.roastedroot:proxy-wasm-java-host 0.0.5 (another Chicory-based
 * Proxy-Wasm host), driven through its plugin/http-context API, one plugin instance reused for every round.
 */
final class PeerRound implements AutoCloseable {
  private final Plugin plugin;

  PeerRound(byte[] code, ExecutionMode mode) throws Exception {
    WasmModule module = Parser.parse(code);
    PluginFactory.Builder builder = PluginFactory.builder(module)
        .withName("c_bench")
        .withShared(true)
        .withLogger(new LogHandler() {
          @Override
          public void log(LogLevel level, String message) {}

          @Override
          public LogLevel getLogLevel() {
            return LogLevel.WARN; // as the other contenders: on_log reads but does not log
          }
        });
    if (mode == ExecutionMode.COMPILED) {
      builder.withMachineFactory(MachineFactoryCompiler.compile(module)); // once per module, as ours
    }
    this.plugin = (Plugin) builder.build().create();
  }

  /** Context create, request headers, response headers, then close (on_done, on_log, on_delete). */
  void round(ArrayHeaders request, ArrayHeaders response) {
    PluginHttpContext http = plugin.createHttpContext(new Adaptor(request, response));
    HttpContext context = http.context();
    context.callOnRequestHeaders(false);
    context.callOnResponseHeaders(false);
    context.close();
  }

  @Override
  public void close() {
    plugin.close();
  }

  /** One request as the peer asks for it: the two header maps, nothing else. */
  private static final class Adaptor implements HttpRequestAdaptor {
    private final ProxyMap request;
    private final ProxyMap response;

    Adaptor(ArrayHeaders request, ArrayHeaders response) {
      this.request = new ArrayHeadersProxyMap(request);
      this.response = new ArrayHeadersProxyMap(response);
    }

    @Override
    public String remoteAddress() {
      return "127.0.0.1";
    }

    @Override
    public int remotePort() {
      return 40000;
    }

    @Override
    public String localAddress() {
      return "127.0.0.1";
    }

    @Override
    public int localPort() {
      return 8080;
    }

    @Override
    public String protocol() {
      return "HTTP/1.1";
    }

    @Override
    public ProxyMap getHttpRequestHeaders() {
      return request;
    }

    @Override
    public ProxyMap getHttpRequestTrailers() {
      return null;
    }

    @Override
    public ProxyMap getHttpResponseHeaders() {
      return response;
    }

    @Override
    public ProxyMap getHttpResponseTrailers() {
      return null;
    }

    @Override
    public ProxyMap getGrpcReceiveInitialMetaData() {
      return null;
    }

    @Override
    public ProxyMap getGrpcReceiveTrailerMetaData() {
      return null;
    }

    @Override
    public byte[] getProperty(PluginHttpContext context, List<String> path) {
      return null;
    }

    @Override
    public WasmResult setProperty(PluginHttpContext context, List<String> path, byte[] value) {
      return WasmResult.OK;
    }
  }
}

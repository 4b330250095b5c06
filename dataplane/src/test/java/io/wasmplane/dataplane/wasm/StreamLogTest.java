package io.wasmplane.dataplane.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Envoy runs {@code proxy_on_log} on every HTTP stream context when the stream is complete: after
 * {@code proxy_on_done}, before {@code proxy_on_delete}, with the response headers still readable (plugins such as
 * Istio's stats filter do their per-request work there).
 */
@Timeout(60)
class StreamLogTest {
  @Test
  void everyStreamIsLoggedBetweenDoneAndDeleteWithItsResponseReadable() throws Exception {
    Path wasm = WasmTestSupport.wat("dp_stream_log");
    String filter = """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: stream_log
              vm_config:
                code:
                  local: {filename: "%s"}
        """.formatted(wasm);
    HttpClient client = Http.h1();
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = WasmTestSupport.start(filter, up.port(), "", 1)) {
      int requests = 5;
      for (int i = 0; i < requests; i++) {
        HttpResponse<String> r = client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.port("ingress") + "/r" + i)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (counter(dp, "stream_log.delete_after_log") < requests && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(counter(dp, "stream_log.after_done")).isEqualTo(requests);
      assertThat(counter(dp, "stream_log.saw_status")).isEqualTo(requests);
      assertThat(counter(dp, "stream_log.delete_after_log")).isEqualTo(requests);
    }
  }

  private static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter(name);
  }
}

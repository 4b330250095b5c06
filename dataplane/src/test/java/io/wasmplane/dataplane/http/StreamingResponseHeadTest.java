package io.wasmplane.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A streaming upstream sends its response head and holds the body back: the client must get the head at once (Envoy
 * flushes response headers as they arrive), not when the first body byte comes.
 */
class StreamingResponseHeadTest {
  private ServerSocket upstream;
  private Thread upstreamThread;
  private final CountDownLatch releaseBody = new CountDownLatch(1);
  private Dataplane dataplane;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    upstreamThread = new Thread(this::serveSlowBodies, "slow-body-upstream");
    upstreamThread.setDaemon(true);
    upstreamThread.start();
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: slow, timeout: 0s}
        """;
    String yaml = Bootstraps.bootstrap(routes, "", Bootstraps.staticCluster("slow", upstream.getLocalPort(), null),
        Files.createFile(dir.resolve("access.log")), null);
    // a short drain: the client's idle keep-alive connection need not hold the close up
    dataplane = Dataplane.start(BootstrapLoader.fromText(yaml, "test bootstrap"),
        Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofMillis(200)));
  }

  /** Each connection: read a request head, send a response head, then the body once the test lets it. */
  private void serveSlowBodies() {
    while (!upstream.isClosed()) {
      try (Socket s = upstream.accept()) {
        InputStream in = s.getInputStream();
        int matched = 0;
        while (matched < 4) { // up to the blank line ending the request head
          int b = in.read();
          if (b < 0) {
            break;
          }
          matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        OutputStream out = s.getOutputStream();
        out.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        releaseBody.await(10, TimeUnit.SECONDS);
        out.write("5\r\nhello\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (Exception e) {
        return;
      }
    }
  }

  @AfterEach
  void stop() throws Exception {
    releaseBody.countDown();
    if (dataplane != null) {
      dataplane.close();
    }
    upstream.close();
    upstreamThread.join(5_000);
  }

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void theResponseHeadArrivesBeforeTheBodyIsSent(HttpClient.Version version) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(version).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataplane.port("ingress") + "/events"))
        .build();
    // sendAsync completes when the head is in: the body is still held back by the upstream.
    HttpResponse<InputStream> response = client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
        .get(5, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
    releaseBody.countDown();
    try (InputStream body = response.body()) {
      assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
    }
  }
}

package io.wasmplane.integration.faults;

import io.wasmplane.integration.DataplaneProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged control-plane-stub as a separate process ({@code java -jar control-plane-stub.jar --config FILE
 * --xds-port P --http-port Q}, falling back to the test class path), on fixed ports so it can be killed and
 * restarted where the data plane expects it.
 */
public final class StubProcess implements AutoCloseable {
  private final Path config;
  private final int xdsPort;
  private final int httpPort;
  private final Path output;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private Process process;

  private StubProcess(Path config, int xdsPort, int httpPort) throws IOException {
    this.config = config;
    this.xdsPort = xdsPort;
    this.httpPort = httpPort;
    this.output = Files.createTempFile("stub", ".out");
  }

  /** Starts the stub and waits until its /status answers. */
  public static StubProcess start(Path config, int xdsPort, int httpPort) throws Exception {
    StubProcess s = new StubProcess(config, xdsPort, httpPort);
    s.restart();
    return s;
  }

  public int xdsPort() {
    return xdsPort;
  }

  public int httpPort() {
    return httpPort;
  }

  /** SIGKILL: no goodbye to the data planes, the kernel closes the sockets. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Starts a fresh process on the same ports (bounded retries: the port may still be in TIME_WAIT). */
  public void restart() throws Exception {
    if (isAlive()) {
      throw new IllegalStateException("the stub is running");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      process = launch();
      if (awaitUp(deadline)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("control-plane-stub did not come up:\n" + Files.readString(output));
      }
      Thread.sleep(200);
    }
  }

  private Process launch() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    Path jar = DataplaneProcess.repoRoot().resolve("control-plane-stub/target/control-plane-stub.jar");
    if (Files.isRegularFile(jar)) {
      cmd.addAll(List.of("-jar", jar.toString()));
    } else {
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.wasmplane.controlplane.Main"));
    }
    cmd.addAll(List.of("--config", config.toString(), "--xds-port", "" + xdsPort, "--http-port", "" + httpPort,
        "--poll-ms", "100"));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
        .start();
  }

  /** True once /status answers; false if the process died (e.g. the port was not free yet). */
  private boolean awaitUp(long deadline) throws Exception {
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return false;
      }
      try {
        if (status().isEmpty()) {
          Thread.sleep(100);
          continue;
        }
        return true;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    return false;
  }

  /** GET /status (JSON), or "" when it does not answer 200. */
  public String status() throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/status"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? r.body() : "";
  }

  public String output() throws IOException {
    return Files.readString(output);
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    Files.deleteIfExists(output);
  }
}

package io.wasmplane.integration;

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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The data plane as a separate process, started the way users start it: {@code java -jar dataplane.jar -c FILE ...}
 * (falling back to the test class path when the shaded jar was not built).
 */
public final class DataplaneProcess implements AutoCloseable {
  final Process process;
  final Path output;

  private DataplaneProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  public static DataplaneProcess start(String... args) throws IOException {
    return start(List.of(), Map.of(), args);
  }

  /** As {@link #start(String...)} with extra environment variables (e.g. a private WASMPLANE_WASM_CACHE_DIR). */
  public static DataplaneProcess start(Map<String, String> env, String... args) throws IOException {
    return start(List.of(), env, args);
  }

  /** With extra JVM options (e.g. {@code -Xmx}) and environment variables (e.g. the Wasm code cache directory). */
  public static DataplaneProcess start(List<String> jvmOptions, Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xss512k");
    cmd.addAll(jvmOptions);
    Path jar = repoRoot().resolve("dataplane/target/dataplane.jar");
    if (Files.isRegularFile(jar)) {
      cmd.add("-jar");
      cmd.add(jar.toString());
    } else {
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("io.wasmplane.dataplane.Main");
    }
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("dataplane", ".out");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().putAll(env);
    return new DataplaneProcess(pb.start(), out);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM: the data plane drains and exits. */
  public void sigterm() {
    process.destroy();
  }

  public static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("dataplane/pom.xml"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  public String output() throws IOException {
    return Files.readString(output);
  }

  /** Waits until the admin /ready answers LIVE (bounded). */
  public void awaitReady(int adminPort) throws Exception {
    HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("data plane exited with " + process.exitValue() + ":\n" + output());
      }
      try {
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ready")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("data plane not ready in 60 s:\n" + output());
  }

  /** Waits for the process to exit on its own (bounded) and returns its exit code. */
  public int awaitExit(long seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("data plane still running after " + seconds + " s:\n" + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(output);
  }
}

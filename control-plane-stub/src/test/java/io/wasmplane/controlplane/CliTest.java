package io.wasmplane.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.wasmplane.controlplane.snapshot.TypeUrls;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line: the status subcommand against a live stub, and start-up failures. */
class CliTest {
  @TempDir
  Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int exit = new CommandLine(new Main()).execute(args);
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void statusSubcommandShowsWhichNodeRunsWhichVersion() throws Exception {
    try (StubFixture stub = new StubFixture();
        AdsTestClient canary = new AdsTestClient(stub.cp.xdsPort()).openSotw();
        AdsTestClient stable = new AdsTestClient(stub.cp.xdsPort()).openSotw()) {
      canary.send(SotwAdsTest.request(AdsTestClient.node("cli-canary", "edge", Map.of("canary", "true")),
          TypeUrls.EXTENSION_CONFIG, "auth"));
      DiscoveryResponse r1 = canary.next();
      canary.send(SotwAdsTest.ack(r1, "auth"));
      stable.send(SotwAdsTest.request(AdsTestClient.node("cli-stable", "edge", Map.of()),
          TypeUrls.EXTENSION_CONFIG, "auth"));
      DiscoveryResponse r2 = stable.next();
      stable.send(SotwAdsTest.nack(r2, "", "auth: module does not compile", "auth"));

      Run run = null;
      for (int i = 0; i < 100; i++) {  // ACK/NACK are recorded asynchronously
        run = run("status", "--http-port", Integer.toString(stub.cp.httpPort()));
        if (run.out().contains("cli-canary") && run.out().contains("module does not compile")) {
          break;
        }
        Thread.sleep(20);
      }
      assertThat(run.exit()).isZero();
      assertThat(run.out()).containsPattern("cli-canary\\s+edge\\s+1\\s+auth\\s+v2\\s+v2\\s+-\\s+-");
      assertThat(run.out()).containsPattern("cli-stable\\s+edge\\s+1\\s+auth\\s+-\\s+v1\\s+v1\\s+auth: module does not");
      assertThat(run.out()).containsPattern("cli-stable\\s+ECDS\\s+\\S+\\s+-\\s+\\S+\\s+auth: module does not compile");

      Run json = run("status", "--json", "--http-port", Integer.toString(stub.cp.httpPort()));
      assertThat(json.out()).contains("\"generation\" : 1").contains("\"cli-stable\"");
    }
  }

  @Test
  void startFailsWithTheLoaderMessageOnABadFileAndWithoutConfig() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "plugins:\n  - name: p\n    module: missing.wasm\nmoduleServer: { cluster: m }\n");
    Run r = run("--config", bad.toString(), "--xds-port", "0", "--http-port", "0");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("plugins[0] (p).module").contains("missing.wasm");
    assertThat(run().exit()).isEqualTo(2);

    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Run down = run("status", "--http-port", Integer.toString(closedPort));
    assertThat(down.exit()).isEqualTo(1);
    assertThat(down.err()).contains("cannot reach http://127.0.0.1:" + closedPort + "/status");
  }
}

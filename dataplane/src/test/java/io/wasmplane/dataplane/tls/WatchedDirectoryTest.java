package io.wasmplane.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TlsProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code watched_directory} on a file-based {@code TlsCertificate}: when the files in the directory are replaced (moved
 * in, as a Kubernetes secret volume does), the next connection gets the new certificate; a half-written pair (new
 * certificate, old key) is not taken and the last good certificate keeps serving. Inline material cannot be watched.
 */
@Timeout(60)
class WatchedDirectoryTest {
  @TempDir
  Path dir;

  private static String bootstrap(Path certs, String chain, String key) {
    String transport = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            common_tls_context:
              tls_certificates:
              - certificate_chain: %s
                private_key: %s
                watched_directory: {path: "%s"}
        """.formatted(chain, key, certs);
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            direct_response: {status: 200}
        """;
    return Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", 1, null), Path.of("/dev/null"), transport);
  }

  private static void install(Path from, Path to) throws Exception {
    Path tmp = to.resolveSibling("." + to.getFileName() + ".tmp");
    Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void aNewConnectionGetsTheRotatedCertificate() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki.Leaf next = pki.issue("rotated", "subjectAltName=DNS:localhost\n");
    TestPki.Leaf third = pki.issue("third", "subjectAltName=DNS:localhost\n");
    Path certs = Files.createDirectories(dir.resolve("certs"));
    install(pki.serverCert(), certs.resolve("tls.crt"));
    install(pki.serverKey(), certs.resolve("tls.key"));
    String yaml = bootstrap(certs, "{filename: \"" + certs.resolve("tls.crt") + "\"}", "{filename: \"" + certs.resolve("tls.key") + "\"}");
    try (Dataplane dp = Bootstraps.start(yaml)) {
      int port = dp.port("ingress");
      assertThat(TlsProbe.get(port, "localhost", "/").subject()).isEqualTo("CN=xds.test");

      install(next.key(), certs.resolve("tls.key"));
      install(next.cert(), certs.resolve("tls.crt"));
      await("a new connection gets the rotated certificate", () -> TlsProbe.get(port, "localhost", "/").subject().equals("CN=rotated"));
      assertThat(TlsProbe.get(port, "localhost", "/").response()).startsWith("HTTP/1.1 200");

      install(third.cert(), certs.resolve("tls.crt")); // its key is not there (yet): not taken
      Thread.sleep(500);
      assertThat(TlsProbe.get(port, "localhost", "/").subject()).as("the last good pair keeps serving").isEqualTo("CN=rotated");
      install(third.key(), certs.resolve("tls.key"));
      await("the completed pair is taken", () -> TlsProbe.get(port, "localhost", "/").subject().equals("CN=third"));
    }
  }

  /** Polls {@code condition} for at most 10 s (a failed probe counts as false). */
  private static void await(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.call()) {
          return;
        }
      } catch (Exception e) {
        // not yet
      }
      Thread.sleep(50);
    }
    org.junit.jupiter.api.Assertions.fail("timed out waiting for: " + what);
  }

  @Test
  void onlyFilesCanBeWatched() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    String inline = "{inline_string: " + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(Files.readString(pki.serverKey())) + "}";
    assertThatThrownBy(() -> Bootstraps.start(bootstrap(dir, "{filename: \"" + pki.serverCert() + "\"}", inline)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls_certificates[0].watched_directory: certificate_chain and private_key must be filenames");
  }
}

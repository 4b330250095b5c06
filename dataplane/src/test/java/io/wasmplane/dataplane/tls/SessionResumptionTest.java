package io.wasmplane.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.OpenSslClient;
import io.wasmplane.dataplane.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session resumption of a DownstreamTlsContext, seen by openssl s_client over TLS 1.2: tickets by default (their
 * lifetime {@code session_timeout});
 * {@code disable_stateless_session_resumption} sends none while sessions still resume by ID; configured
 * {@code session_ticket_keys} are refused (the JDK provider cannot take them).
 */
@Timeout(60)
class SessionResumptionTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private static String bootstrap(TestPki pki, String contextExtra) throws Exception {
    String transport = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            common_tls_context:
              tls_certificates: [{certificate_chain: {inline_string: %s}, private_key: {inline_string: %s}}]
        %s""".formatted(JSON.writeValueAsString(Files.readString(pki.serverCert())), JSON.writeValueAsString(Files.readString(pki.serverKey())),
        Bootstraps.indent(contextExtra, 4));
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            direct_response: {status: 200}
        """;
    return Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", 1, null), Path.of("/dev/null"), transport);
  }

  @Test
  void ticketsByDefaultNoneWhenStatelessResumptionIsDisabled() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    try (Dataplane dp = Bootstraps.start(bootstrap(pki, "session_timeout: 600s\n"))) {
      assertThat(OpenSslClient.handshake(dp.port("ingress"), "-tls1_2")).contains("TLS session ticket:")
          .as("session_timeout is the ticket's lifetime").contains("TLS session ticket lifetime hint: 600 (seconds)");
    }
    try (Dataplane dp = Bootstraps.start(bootstrap(pki, "disable_stateless_session_resumption: true\n"))) {
      Path session = dir.resolve("session.pem");
      String first = OpenSslClient.handshake(dp.port("ingress"), "-tls1_2", "-sess_out", session.toString());
      assertThat(first).contains("New, TLSv1.2").doesNotContain("TLS session ticket:");
      assertThat(OpenSslClient.handshake(dp.port("ingress"), "-tls1_2", "-sess_in", session.toString()))
          .as("stateful resumption (session ID) still works").contains("Reused, TLSv1.2");
    }
  }

  @Test
  void configuredTicketKeysAreRefused() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    assertThatThrownBy(() -> Bootstraps.start(bootstrap(pki, "session_ticket_keys: {keys: [{inline_string: \"" + "k".repeat(80) + "\"}]}\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("typed_config.session_ticket_keys: the JDK TLS provider makes and rotates its own session ticket keys");
    assertThatThrownBy(() -> Bootstraps.start(bootstrap(pki, "session_ticket_keys_sds_secret_config: {name: tickets}\n")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("typed_config.session_ticket_keys_sds_secret_config: the JDK TLS provider");
  }
}

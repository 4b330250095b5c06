package io.wasmplane.dataplane.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code openssl s_client} against a loopback port, stdin closed (it handshakes, prints the session and quits): a
 * second, independent TLS stack for what the JDK client cannot choose per connection (signature algorithms) or does not
 * show (session tickets).
 */
public final class OpenSslClient {
  private OpenSslClient() {}

  /** The s_client output (certificate, session, ticket) of one handshake with {@code options} added. */
  public static String handshake(int port, String... options) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", "localhost"));
    cmd.addAll(List.of(options));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("openssl s_client did not finish: " + String.join(" ", cmd));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}

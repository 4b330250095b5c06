package io.wasmplane.dataplane.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import javax.net.ssl.SSLException;

/**
 * {@code disable_stateless_session_resumption} on the JDK provider. JDK 17 has no per-context switch for session
 * tickets: a server SSLContext reads {@code jdk.tls.server.enableSessionTicketExtension} once, when it (and its session
 * context) is created. So the property is set to false just while such a context is built and put back after; every
 * server context is built under one lock, so ours never see each other's value. Sessions can still resume statefully (session IDs, and
 * TLS 1.3 PSKs from the server's cache), as Envoy allows.
 */
final class SessionTickets {
  static final String PROPERTY = "jdk.tls.server.enableSessionTicketExtension";
  private static final Object LOCK = new Object();

  private SessionTickets() {}

  static SslContext build(SslContextBuilder b, boolean tickets) throws SSLException {
    synchronized (LOCK) {
      if (tickets) {
        return b.build();
      }
      String before = System.getProperty(PROPERTY);
      System.setProperty(PROPERTY, "false");
      try {
        return b.build();
      } finally {
        if (before == null) {
          System.clearProperty(PROPERTY);
        } else {
          System.setProperty(PROPERTY, before);
        }
      }
    }
  }
}

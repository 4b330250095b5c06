package io.wasmplane.dataplane.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/** A listening socket on a loopback port 0 that hands every accepted connection to its own daemon thread. */
public final class LoopbackAcceptor implements AutoCloseable {
  private final ServerSocket socket;
  private final String name;
  private final Consumer<Socket> connection;

  public LoopbackAcceptor(String name, Consumer<Socket> connection) throws IOException {
    this.name = name;
    this.connection = connection;
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return socket.getLocalPort();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      Socket s;
      try {
        s = socket.accept();
      } catch (IOException closed) {
        return;
      }
      Thread t = new Thread(() -> connection.accept(s), name + "-conn");
      t.setDaemon(true);
      t.start();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

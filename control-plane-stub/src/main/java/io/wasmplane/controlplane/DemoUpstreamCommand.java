package io.wasmplane.controlplane;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code control-plane-stub demo-upstream --port 18081}: the upstream `make run` puts behind the data plane. */
@Command(name = "demo-upstream", mixinStandardHelpOptions = true,
    description = "Serve a JSON echo of each request (method, path, headers), for demos.")
final class DemoUpstreamCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "18081", description = "Port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address (default ${DEFAULT-VALUE}).")
  String host;

  @Override
  public Integer call() throws Exception {
    DemoUpstream upstream = DemoUpstream.start(host, port);
    System.out.printf("demo-upstream: echoing requests on http://%s:%d/%n", host, upstream.port());
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      upstream.close();
      stop.countDown();
    }, "shutdown"));
    stop.await();
    return 0;
  }
}

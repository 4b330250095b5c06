package io.wasmplane.controlplane;

import io.wasmplane.controlplane.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code control-plane-stub --config rollout.yaml --xds-port 18000 --http-port 18080} serves; {@code
 * control-plane-stub status --http-port 18080} prints which node runs which plugin version.
 */
@Command(name = "control-plane-stub", mixinStandardHelpOptions = true, subcommands = {StatusCommand.class, DemoUpstreamCommand.class},
    description = "A small xDS (ADS SotW + delta, LDS/RDS/CDS/EDS/ECDS) server and Wasm module file server"
        + " driven by a watched rollout file.")
public final class Main implements Callable<Integer> {
  @Option(names = "--config", description = "The rollout YAML file (watched for edits); required to serve.")
  Path config;

  @Option(names = "--xds-port", defaultValue = "18000", description = "gRPC xDS port (default ${DEFAULT-VALUE}).")
  int xdsPort;

  @Option(names = "--http-port", defaultValue = "18080",
      description = "Module file server and /status port (default ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address (default ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--poll-ms", defaultValue = "250", description = "File poll interval (default ${DEFAULT-VALUE}).")
  long pollMs;

  @Override
  public Integer call() throws Exception {
    if (config == null) {
      System.err.println("control-plane-stub: --config <rollout.yaml> is required (or use the status subcommand)");
      return 2;
    }
    ControlPlane cp;
    try {
      cp = ControlPlane.start(new ControlPlane.Options(config, host, xdsPort, httpPort, Duration.ofMillis(pollMs)));
    } catch (ConfigException e) {
      System.err.println("control-plane-stub: " + e.getMessage());
      return 1;
    }
    System.out.printf("control-plane-stub: xDS on %s:%d, modules and /status on http://%s:%d%n", host, cp.xdsPort(),
        host, cp.httpPort());
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      cp.close();
      stop.countDown();
    }, "shutdown"));
    stop.await();
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}

package io.wasmplane.controlplane;

import io.wasmplane.controlplane.config.ConfigException;
import io.wasmplane.controlplane.tls.ServerTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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

  @Option(names = "--tls-cert", description = "PEM certificate chain: serve xDS over TLS (with --tls-key).")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM (PKCS#8) private key of --tls-cert.")
  Path tlsKey;

  @Option(names = "--tls-client-ca", description = "PEM CA: xDS requires client certificates signed by it (mTLS).")
  Path tlsClientCa;

  @Option(names = "--https-files", description = "Serve modules and /status over HTTPS with --tls-cert too.")
  boolean httpsFiles;

  @Override
  public Integer call() throws Exception {
    if (config == null) {
      System.err.println("control-plane-stub: --config <rollout.yaml> is required (or use the status subcommand)");
      return 2;
    }
    if ((tlsCert == null) != (tlsKey == null) || (tlsCert == null && (tlsClientCa != null || httpsFiles))) {
      System.err.println("control-plane-stub: --tls-cert and --tls-key go together and are needed by --tls-client-ca and --https-files");
      return 2;
    }
    Optional<ServerTls> tls = tlsCert == null ? Optional.empty()
        : Optional.of(new ServerTls(tlsCert, tlsKey, Optional.ofNullable(tlsClientCa), httpsFiles));
    ControlPlane cp;
    try {
      cp = ControlPlane.start(new ControlPlane.Options(config, host, xdsPort, httpPort, Duration.ofMillis(pollMs), tls));
    } catch (ConfigException e) {
      System.err.println("control-plane-stub: " + e.getMessage());
      return 1;
    }
    System.out.printf("control-plane-stub: xDS%s on %s:%d, modules and /status on %s://%s:%d%n",
        tls.isEmpty() ? "" : tlsClientCa == null ? " (TLS)" : " (mTLS)", host, cp.xdsPort(), httpsFiles ? "https" : "http", host,
        cp.httpPort());
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

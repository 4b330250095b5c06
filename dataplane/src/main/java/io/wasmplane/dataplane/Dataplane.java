package io.wasmplane.dataplane;

import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.wasmplane.dataplane.admin.AdminServer;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.server.DataplaneServer;
import io.wasmplane.dataplane.server.DrainStrategy;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/** A whole data plane (proxy + admin) started from a bootstrap; what Main runs and what tests embed. */
public final class Dataplane implements AutoCloseable {
  private final DataplaneServer server;
  private final AdminServer admin;
  private io.wasmplane.dataplane.xds.XdsDataplane xds;
  private final Duration drainTime;
  private final CountDownLatch stopped = new CountDownLatch(1);

  /** Startup options, mirroring Envoy's command line. */
  public record Options(int concurrency, Optional<String> serviceNode, Optional<String> serviceCluster, Duration drainTime,
      DrainStrategy drainStrategy, String configPath, String logLevel) {
    /** Envoy's defaults: one worker here (Envoy: one per CPU), a 600 s gradual drain. */
    public static Options defaults() {
      return new Options(1, Optional.empty(), Optional.empty(), Duration.ofSeconds(600), DrainStrategy.GRADUAL, "", "info");
    }

    public Options withConcurrency(int n) {
      return new Options(n, serviceNode, serviceCluster, drainTime, drainStrategy, configPath, logLevel);
    }

    public Options withDrainTime(Duration d) {
      return new Options(concurrency, serviceNode, serviceCluster, d, drainStrategy, configPath, logLevel);
    }

    public Options withDrainStrategy(DrainStrategy s) {
      return new Options(concurrency, serviceNode, serviceCluster, drainTime, s, configPath, logLevel);
    }
  }

  private Dataplane(DataplaneServer server, AdminServer admin, Duration drainTime) {
    this.server = server;
    this.admin = admin;
    this.drainTime = drainTime;
  }

  /**
   * Validates, translates and starts; throws ConfigException with a readable message on any problem. With
   * {@code dynamic_resources} it connects to the control plane and returns without waiting for it: the server is
   * INITIALIZING until the initial fetch is done (see {@link #xds()}), then LIVE.
   */
  public static Dataplane start(Bootstrap bootstrap, Options options) {
    DataplaneConfig config = BootstrapTranslator.translate(bootstrap, options.serviceNode(), options.serviceCluster());
    // With dynamic_resources the server stays INITIALIZING (/ready 503) until the initial xDS fetch is done.
    DataplaneServer server = bootstrap.hasDynamicResources()
        ? DataplaneServer.startInitializing(config, options.concurrency(), new StatsRegistry(config.stats()))
        : DataplaneServer.start(config, options.concurrency(), new StatsRegistry(config.stats()));
    server.drainStrategy(options.drainStrategy());
    Dataplane d = null;
    try {
      AdminServer admin = null;
      Dataplane[] self = new Dataplane[1];
      if (config.admin().isPresent()) {
        CommandLineOptions clo = CommandLineOptions.newBuilder()
            .setConcurrency(options.concurrency())
            .setConfigPath(options.configPath())
            .setLogLevel(options.logLevel())
            .setServiceNode(config.node().id())
            .setServiceCluster(config.node().cluster())
            .setDrainTime(com.google.protobuf.Duration.newBuilder().setSeconds(options.drainTime().toSeconds()))
            .setDrainStrategy(options.drainStrategy() == DrainStrategy.IMMEDIATE
                ? CommandLineOptions.DrainStrategy.Immediate : CommandLineOptions.DrainStrategy.Gradual)
            .build();
        admin = new AdminServer(server, config.admin().get().address(), clo, () -> self[0].close());
      }
      d = new Dataplane(server, admin, options.drainTime());
      self[0] = d;
      if (bootstrap.hasDynamicResources()) {
        d.xds = io.wasmplane.dataplane.xds.XdsDataplane.start(bootstrap, server, options.drainTime());
        if (admin != null) {
          admin.dynamicConfigDump(d.xds.configDump());
          admin.initTargets(d.xds.initTargets());
        }
      }
      return d;
    } catch (RuntimeException e) {
      if (d != null) {
        d.close();
      } else {
        server.close();
      }
      throw e;
    }
  }

  /** The xDS side, when the bootstrap has dynamic_resources. */
  public java.util.Optional<io.wasmplane.dataplane.xds.XdsDataplane> xds() {
    return java.util.Optional.ofNullable(xds);
  }

  public DataplaneServer server() {
    return server;
  }

  public int port(String listener) {
    return server.port(listener);
  }

  public int adminPort() {
    if (admin == null) {
      throw new IllegalStateException("no admin configured");
    }
    return admin.port();
  }

  /** Graceful stop: drain (up to the drain time), then close. */
  public void drainAndClose() {
    server.drain(drainTime);
    close();
  }

  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  @Override
  public synchronized void close() {
    if (stopped.getCount() == 0) {
      return;
    }
    if (xds != null) {
      xds.close();
    }
    if (admin != null) {
      admin.close();
    }
    server.close();
    stopped.countDown();
  }
}

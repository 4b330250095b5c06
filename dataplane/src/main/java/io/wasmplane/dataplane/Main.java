package io.wasmplane.dataplane;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.wasmplane.dataplane.admin.LogLevels;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.server.DrainStrategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The data plane's command line, with Envoy's flags. */
@Command(name = "wasmplane-dataplane", mixinStandardHelpOptions = true, version = "wasmplane 0.1.0",
    description = "A Java data plane configured by an Envoy v3 bootstrap.")
public final class Main implements Callable<Integer> {
  @Option(names = {"-c", "--config-path"}, description = "Envoy v3 Bootstrap file (YAML or JSON).")
  Path configPath;

  @Option(names = "--config-yaml", description = "Bootstrap YAML merged over the file (or used alone).")
  String configYaml;

  @Option(names = "--service-node", description = "Overrides node.id.")
  String serviceNode;

  @Option(names = "--service-cluster", description = "Overrides node.cluster.")
  String serviceCluster;

  @Option(names = "--concurrency", defaultValue = "0", description = "Worker event loops (default: number of CPUs).")
  int concurrency;

  @Option(names = {"-l", "--log-level"}, defaultValue = "info", description = "trace, debug, info, warning, error, critical, off.")
  String logLevel;

  @Option(names = "--drain-time-s", defaultValue = "600", description = "Seconds to let streams finish on shutdown.")
  long drainTimeSeconds;

  @Option(names = "--drain-strategy", defaultValue = "gradual",
      description = "gradual (the share of connections asked to close grows over the drain time) or immediate.")
  String drainStrategy;

  public static void main(String[] args) {
    // Netty's leak detector samples 1 in 128 buffers with a stack trace by default: measurable per request on the
    // proxy's hot path. Off unless asked for (-Dio.netty.leakDetection.level=simple|paranoid); tests keep it on.
    if (System.getProperty("io.netty.leakDetection.level") == null) {
      System.setProperty("io.netty.leakDetection.level", "disabled");
    }
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws Exception {
    Level level = LogLevels.parse(logLevel);
    if (level == null) {
      System.err.println("error: unknown log level '" + logLevel + "' (trace, debug, info, warning, error, critical, off)");
      return 1;
    }
    LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
    lc.getLogger("io.wasmplane").setLevel(level);
    if (level.toInt() < Level.INFO.toInt()) {
      lc.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(level);
    }
    DrainStrategy strategy = DrainStrategy.parse(drainStrategy);
    if (strategy == null) {
      System.err.println("error: unknown --drain-strategy '" + drainStrategy + "' (gradual, immediate)");
      return 1;
    }
    if (configPath == null && configYaml == null) {
      System.err.println("error: at least one of --config-path or --config-yaml is required");
      return 1;
    }
    Dataplane dataplane;
    try {
      Bootstrap b = configPath != null ? BootstrapLoader.fromFile(configPath) : Bootstrap.getDefaultInstance();
      if (configYaml != null) {
        b = BootstrapLoader.merge(b, BootstrapLoader.fromText(configYaml, "--config-yaml"));
      }
      int workers = concurrency > 0 ? concurrency : Runtime.getRuntime().availableProcessors();
      Dataplane.Options opts = new Dataplane.Options(workers, Optional.ofNullable(serviceNode), Optional.ofNullable(serviceCluster),
          Duration.ofSeconds(drainTimeSeconds), strategy, configPath == null ? "" : configPath.toString(), logLevel);
      dataplane = Dataplane.start(b, opts);
    } catch (ConfigException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    }
    Dataplane d = dataplane;
    Runtime.getRuntime().addShutdownHook(new Thread(d::drainAndClose, "shutdown"));
    d.awaitStopped();
    return 0;
  }
}

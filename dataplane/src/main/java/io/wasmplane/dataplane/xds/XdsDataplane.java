package io.wasmplane.dataplane.xds;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.server.DataplaneServer;
import io.wasmplane.xds.EnvoyBootstrapConfigs;
import io.wasmplane.xds.XdsClient;
import io.wasmplane.xds.XdsClientConfig;
import io.wasmplane.xds.resource.ClusterResource;
import io.wasmplane.xds.resource.ListenerResource;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The data plane's xDS side: one ADS client from the bootstrap's {@code dynamic_resources}, CDS/EDS into the cluster
 * manager, LDS/RDS into the server's listeners. Owns the client; closing it stops the updates (the data plane keeps
 * what it has).
 */
public final class XdsDataplane implements AutoCloseable {
  private static final String AGENT = "wasmplane";
  private static final String AGENT_VERSION = "0.1.0";

  private final XdsClient client;
  private final DynamicClusters clusters;
  private final DynamicListeners listeners;
  private final DataplaneServer server;
  private final CountDownLatch initialCds = new CountDownLatch(1);
  private final CountDownLatch initialLds = new CountDownLatch(1);

  private XdsDataplane(XdsClient client, DataplaneServer server, Duration drainTime) {
    this.client = client;
    this.server = server;
    DataplaneConfig config = server.config();
    this.clusters = new DynamicClusters(client, server.clusters(),
        config.clusters().stream().map(ClusterConfig::name).collect(Collectors.toSet()), initialCds::countDown);
    this.listeners = new DynamicListeners(client, server, clusters, server.stats(), drainTime, initialLds::countDown);
  }

  /**
   * Connects to the control plane the bootstrap names and subscribes to every cluster and listener. The node is the
   * bootstrap's with {@code --service-node}/{@code --service-cluster} applied.
   */
  public static XdsDataplane start(Bootstrap bootstrap, DataplaneServer server, Duration drainTime) {
    DataplaneConfig config = server.config();
    Node node = bootstrap.getNode().toBuilder().setId(config.node().id()).setCluster(config.node().cluster()).build();
    XdsClientConfig xdsConfig;
    try {
      xdsConfig = EnvoyBootstrapConfigs.fromBootstrap(bootstrap.toBuilder().setNode(node).build(), AGENT, AGENT_VERSION).build();
    } catch (IllegalArgumentException e) {
      String m = String.valueOf(e.getMessage());
      throw new ConfigException(m.startsWith("dynamic_resources") ? m : "dynamic_resources: " + m, e);
    }
    XdsClient client = XdsClient.create(xdsConfig, new XdsStatsBridge(server.stats()));
    XdsDataplane x = new XdsDataplane(client, server, drainTime);
    client.watchAll(ClusterResource.INSTANCE, x.clusters);
    client.watchAll(ListenerResource.INSTANCE, x.listeners);
    return x;
  }

  /** Waits (bounded) for the first CDS and LDS responses to be processed, or their initial_fetch_timeout. */
  public boolean awaitInitialFetch(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    return initialCds.await(timeout.toNanos(), TimeUnit.NANOSECONDS)
        && initialLds.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  public XdsClient client() {
    return client;
  }

  /** For /config_dump. */
  public io.wasmplane.dataplane.admin.DynamicConfigDump configDump() {
    return new XdsConfigDump(client.cacheView(), listeners::isWarming, clusters::isWarming, server::ecdsFilterLoadFailure);
  }


  @Override
  public void close() {
    client.close();
  }
}

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's xDS side: one xDS client from the bootstrap's {@code dynamic_resources} (ADS and/or the servers
 * of {@code lds_config}/{@code cds_config} api_config_sources), CDS/EDS into the cluster manager, LDS/RDS/ECDS into
 * the server's listeners. Initialization follows Envoy's init manager: CDS first (its first response and the
 * endpoints of the EDS clusters it brought), then LDS (its first response and the warming of its listeners), each
 * step bounded by initial_fetch_timeout; then the server goes LIVE. Owns the client; closing it stops the updates
 * (the data plane keeps what it has).
 */
public final class XdsDataplane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(XdsDataplane.class);
  private static final String AGENT = "wasmplane";
  private static final String AGENT_VERSION = "0.1.0";

  private final XdsClient client;
  private final DataplaneServer server;
  private final boolean cds;
  private final boolean lds;
  private final DynamicClusters clusters;
  private final DynamicListeners listeners;
  private final CountDownLatch initialized = new CountDownLatch(1);
  /** Init steps; only touched on the xds-client thread. */
  private boolean ldsStarted;

  private XdsDataplane(XdsClient client, DataplaneServer server, Duration drainTime, boolean cds, boolean lds) {
    this.client = client;
    this.server = server;
    this.cds = cds;
    this.lds = lds;
    DataplaneConfig config = server.config();
    DynamicSecrets secrets = new DynamicSecrets(client, server.secrets(), this::secretsArrived);
    this.clusters = new DynamicClusters(client, server.clusters(),
        config.clusters().stream().map(ClusterConfig::name).collect(Collectors.toSet()), secrets, this::initProgress);
    this.listeners = new DynamicListeners(client, server, clusters, secrets, server.stats(), drainTime, this::initProgress);
    server.stats().gauge("cluster_manager.warming_clusters", clusters::warmingCount);
  }

  /**
   * Connects to the control plane(s) the bootstrap names and subscribes to every cluster, then every listener. The
   * node is the bootstrap's with {@code --service-node}/{@code --service-cluster} applied. The server should have
   * been started INITIALIZING: it goes LIVE once the initial fetch is done.
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
    var dynamic = bootstrap.getDynamicResources();
    XdsDataplane x = new XdsDataplane(client, server, drainTime, dynamic.hasCdsConfig(), dynamic.hasLdsConfig());
    if (x.cds) {
      client.watchAll(ClusterResource.INSTANCE, x.clusters);
    }
    client.executor().execute(x::initProgress);
    return x;
  }

  /**
   * Envoy's init sequence, re-checked whenever clusters or listeners change (xds-client thread): CDS initialized ->
   * LDS subscribed; LDS initialized -> LIVE.
   */
  private void initProgress() {
    if (initialized.getCount() == 0) {
      return;
    }
    if (!ldsStarted && (!cds || clusters.initialized())) {
      ldsStarted = true;
      log.info("event=xds_init_cds_done lds={}", lds);
      if (lds) {
        client.watchAll(ListenerResource.INSTANCE, listeners);
        return; // its first response (or initial_fetch_timeout) comes back here
      }
    }
    if (ldsStarted && (!lds || listeners.initialized())) {
      initialized.countDown();
      server.initialized();
      log.info("event=xds_init_done");
    }
  }

  /** An SDS secret arrived or timed out: clusters, then listeners, waiting for it may go active. */
  private void secretsArrived() {
    clusters.activateReady();
    listeners.activateReady();
  }

  /** Waits (bounded) until the initial fetch is done (CDS + EDS, then LDS and its listeners' warming). */
  public boolean awaitInitialFetch(Duration timeout) throws InterruptedException {
    return initialized.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public XdsClient client() {
    return client;
  }

  /** For /config_dump. */
  public io.wasmplane.dataplane.admin.DynamicConfigDump configDump() {
    return new XdsConfigDump(client.cacheView(), listeners::isWarming, clusters::isWarming, server::ecdsFilterLoadFailure);
  }

  /** For /init_dump: read on the xds-client thread, where the warming state changes. */
  public io.wasmplane.dataplane.admin.InitTargets initTargets() {
    return new XdsInitTargets(client.executor(), listeners::unready, clusters::unready);
  }

  @Override
  public void close() {
    client.close();
  }
}

package io.wasmplane.dataplane.http;

import java.net.InetSocketAddress;
import java.util.EnumSet;

/** What is known about one stream, for access logs, stats and (later) Wasm properties. Single-threaded. */
public final class StreamInfo {
  public final long startEpochMillis = System.currentTimeMillis();
  public final long startNanos = System.nanoTime();
  public final String protocol;
  public final InetSocketAddress downstreamRemote;
  public final InetSocketAddress downstreamLocal;
  /** The socket's peer when a PROXY protocol header named another client (Envoy's direct remote); null: the same. */
  public InetSocketAddress downstreamDirectRemote;
  public final boolean downstreamTls;
  public final long connectionId;
  /** Set by the router when the upstream accepted an upgrade (101): takes the downstream connection over as a tunnel. */
  public java.util.function.Consumer<io.netty.channel.ChannelHandlerContext> upgradeDownstream;
  /** The downstream connection, for state a filter keeps per connection (e.g. local rate limit buckets); may be null. */
  public io.netty.util.AttributeMap downstreamConnection;
  /** The downstream connection's TLS facts; null for plaintext. */
  public io.wasmplane.dataplane.tls.ConnectionTls downstreamTlsSession;
  public long bytesReceived;
  public long bytesSent;
  public int responseCode;
  public String responseCodeDetails;
  /** Why a network filter closed the connection (%CONNECTION_TERMINATION_DETAILS%); null when none did. */
  public String connectionTerminationDetails;
  public final EnumSet<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);
  public String upstreamHost;
  /** The upstream connection that answered; its local address is read only when a log or plugin asks. */
  private io.netty.channel.Channel upstreamConnection;
  public String upstreamCluster;
  public String routeName;
  public long requestCompleteNanos;
  public long firstUpstreamByteNanos;
  public long lastDownstreamByteSentNanos;
  public long upstreamRequestStartNanos;
  /** Written by filters for later ones (JWT → RBAC); null until one writes (most streams never do). */
  private DynamicMetadata dynamicMetadata;

  public StreamInfo(String protocol, InetSocketAddress downstreamRemote, InetSocketAddress downstreamLocal,
      boolean downstreamTls, long connectionId) {
    this.protocol = protocol;
    this.downstreamRemote = downstreamRemote;
    this.downstreamLocal = downstreamLocal;
    this.downstreamTls = downstreamTls;
    this.connectionId = connectionId;
  }

  public void upstreamConnection(io.netty.channel.Channel connection) {
    upstreamConnection = connection;
  }

  /** The local address of the upstream connection that answered (%UPSTREAM_LOCAL_ADDRESS%); null before one did. */
  public InetSocketAddress upstreamLocal() {
    return upstreamConnection == null ? null : (InetSocketAddress) upstreamConnection.localAddress();
  }

  /** The stream's dynamic metadata, created on first use: call only to write (read with {@link #dynamicMetadataOrNull}). */
  public DynamicMetadata dynamicMetadata() {
    if (dynamicMetadata == null) {
      dynamicMetadata = new DynamicMetadata();
    }
    return dynamicMetadata;
  }

  /** The stream's dynamic metadata; null when no filter wrote any. */
  public DynamicMetadata dynamicMetadataOrNull() {
    return dynamicMetadata;
  }

  public void setFlag(ResponseFlag f) {
    flags.add(f);
  }

  /** Envoy's %RESPONSE_FLAGS%: comma-separated short codes, or "-". */
  public String flagsString() {
    if (flags.isEmpty()) {
      return "-";
    }
    StringBuilder sb = new StringBuilder();
    for (ResponseFlag f : flags) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(f.code());
    }
    return sb.toString();
  }

  public long durationMillis() {
    long end = lastDownstreamByteSentNanos != 0 ? lastDownstreamByteSentNanos : System.nanoTime();
    return (end - startNanos) / 1_000_000;
  }
}

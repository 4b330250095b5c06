package io.wasmplane.dataplane.network;

import io.wasmplane.wasm.PeerType;

/**
 * What the terminal filter tells the network filters in front of it about the upstream connection. Written through the
 * downstream pipeline (outbound), so each network filter sees it in order, as Envoy's onWrite(end_stream) and
 * upstream connection events; {@link DownstreamHead} turns END into a half-close of the downstream socket.
 */
public enum UpstreamSignal {
  /** The upstream half-closed: no more upstream data (end_of_stream on upstream data). */
  END(PeerType.REMOTE),
  /** The upstream connection closed because the upstream peer closed it. */
  CLOSED_REMOTE(PeerType.REMOTE),
  /** The upstream connection closed because we closed it. */
  CLOSED_LOCAL(PeerType.LOCAL);

  final PeerType peer;

  UpstreamSignal(PeerType peer) {
    this.peer = peer;
  }
}

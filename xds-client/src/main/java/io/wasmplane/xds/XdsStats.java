package io.wasmplane.xds;

/**
 * Where the client reports its stats. Names follow Envoy, without the owner prefix the data plane adds
 * (e.g. {@code listener_manager.} before {@code lds.*}, {@code cluster_manager.} before {@code cds.*}):
 * <ul>
 *   <li>{@code control_plane.connected_state} gauge: 1 while an ADS stream is established, else 0</li>
 *   <li>{@code <p>.update_attempt} counter: responses received (and failed fetches)</li>
 *   <li>{@code <p>.update_success} counter: responses ACKed</li>
 *   <li>{@code <p>.update_rejected} counter: responses NACKed</li>
 *   <li>{@code <p>.update_failure} counter: stream failures while subscribed (network errors)</li>
 *   <li>{@code <p>.init_fetch_timeout} counter: named resources that did not arrive within initial_fetch_timeout</li>
 *   <li>{@code <p>.version} gauge: 64-bit hash of the last accepted version_info (delta: system_version_info)</li>
 * </ul>
 * {@code <p>} is one of {@code lds, rds, cds, eds, ecds}. Implementations must be thread-safe and cheap.
 */
public interface XdsStats {
  void increment(String name);

  void setGauge(String name, long value);

  static XdsStats noop() {
    return new XdsStats() {
      @Override
      public void increment(String name) { }

      @Override
      public void setGauge(String name, long value) { }
    };
  }
}

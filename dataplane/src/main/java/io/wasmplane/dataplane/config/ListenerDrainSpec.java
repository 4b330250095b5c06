package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Listener;

/**
 * What the admin drains need of a listener: {@code inbound} ({@code traffic_direction: INBOUND}, the listeners
 * {@code /drain_listeners?inboundonly} stops) and {@code modifyOnly} ({@code drain_type: MODIFY_ONLY}: not drained when
 * the server is health-check failed, only when the listener itself changes).
 */
public record ListenerDrainSpec(boolean inbound, boolean modifyOnly) {
  public static final ListenerDrainSpec DEFAULT = new ListenerDrainSpec(false, false);

  static ListenerDrainSpec of(Listener l) {
    return new ListenerDrainSpec(l.getTrafficDirection() == TrafficDirection.INBOUND,
        l.getDrainType() == Listener.DrainType.MODIFY_ONLY);
  }
}

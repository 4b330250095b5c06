package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.core.v3.SocketOption;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Envoy's {@code socket_options} and {@code upstream_connection_options.tcp_keepalive} into {@link SocketOptionSpec}s. */
final class SocketOptionsTranslator {
  private SocketOptionsTranslator() {}

  static List<SocketOptionSpec> options(List<SocketOption> options, String where) {
    List<SocketOptionSpec> out = new ArrayList<>();
    for (int i = 0; i < options.size(); i++) {
      out.add(option(options.get(i), where + "[" + i + "]"));
    }
    return List.copyOf(out);
  }

  private static SocketOptionSpec option(SocketOption o, String where) {
    FieldGuard.onlySupported(o, where, Set.of("description", "level", "name", "int_value", "state"));
    SocketOptionSpec.Name name = SocketOptionSpec.Name.of(o.getLevel(), o.getName());
    if (name == null) {
      throw new ConfigException(where + ": socket option level " + o.getLevel() + " name " + o.getName()
          + (o.getDescription().isEmpty() ? "" : " (" + o.getDescription() + ")") + " is not supported (supported: "
          + "SOL_SOCKET(1) SO_REUSEADDR(2) SO_SNDBUF(7) SO_RCVBUF(8) SO_KEEPALIVE(9); IPPROTO_TCP(6) TCP_NODELAY(1) "
          + "TCP_KEEPIDLE(4) TCP_KEEPINTVL(5) TCP_KEEPCNT(6))");
    }
    if (!o.hasIntValue()) {
      throw new ConfigException(where + ".int_value: required for " + name);
    }
    long v = o.getIntValue();
    if (v < 0 || v > name.max() || (v == 0 && name.max() != Integer.MAX_VALUE)) {
      throw new ConfigException(where + ".int_value: " + v + " is out of range for " + name);
    }
    SocketOptionSpec.State state = switch (o.getState()) {
      case STATE_PREBIND -> SocketOptionSpec.State.PREBIND;
      case STATE_BOUND -> SocketOptionSpec.State.BOUND;
      case STATE_LISTENING -> SocketOptionSpec.State.LISTENING;
      default -> throw new ConfigException(where + ".state: unknown state " + o.getStateValue());
    };
    return new SocketOptionSpec(name, (int) v, state);
  }

  /** Envoy sets SO_KEEPALIVE and each keepalive parameter that is set (the others keep the OS default). */
  static List<SocketOptionSpec> keepalive(TcpKeepalive k, String where) {
    FieldGuard.onlySupported(k, where, Set.of("keepalive_probes", "keepalive_time", "keepalive_interval"));
    List<SocketOptionSpec> out = new ArrayList<>();
    out.add(new SocketOptionSpec(SocketOptionSpec.Name.SO_KEEPALIVE, 1, SocketOptionSpec.State.PREBIND));
    if (k.hasKeepaliveTime()) {
      out.add(positive(SocketOptionSpec.Name.TCP_KEEPIDLE, k.getKeepaliveTime().getValue(), where + ".keepalive_time"));
    }
    if (k.hasKeepaliveInterval()) {
      out.add(positive(SocketOptionSpec.Name.TCP_KEEPINTVL, k.getKeepaliveInterval().getValue(), where + ".keepalive_interval"));
    }
    if (k.hasKeepaliveProbes()) {
      out.add(positive(SocketOptionSpec.Name.TCP_KEEPCNT, k.getKeepaliveProbes().getValue(), where + ".keepalive_probes"));
    }
    return out;
  }

  private static SocketOptionSpec positive(SocketOptionSpec.Name name, int v, String where) {
    if (v <= 0 || v > name.max()) {
      throw new ConfigException(where + ": must be between 1 and " + name.max() + ", got " + Integer.toUnsignedString(v));
    }
    return new SocketOptionSpec(name, v, SocketOptionSpec.State.PREBIND);
  }
}

package io.wasmplane.dataplane.network;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.wasmplane.dataplane.wasm.PluginHandle;
import io.wasmplane.wasm.PluginFailureException;
import io.wasmplane.wasm.host.ContextHost;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * envoy.access_loggers.wasm on a TCP proxy: when a connection has ended, {@code proxy_on_log} on each plugin's root
 * context (on the connection's worker, queued after the close) with the connection's properties readable.
 */
final class ConnectionLog {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLog.class);

  private ConnectionLog() {}

  /** Logs to each plugin and then drops the connection's reference on it (taken when the connection was set up). */
  static void log(Channel ch, List<PluginHandle> retained) {
    EventLoop loop = ch.eventLoop();
    ContextHost view = new ContextHost() {
      @Override
      public byte[] property(List<String> path) {
        return ConnectionProperties.get(ch, path);
      }
    };
    loop.execute(() -> {
      for (PluginHandle p : retained) {
        try {
          PluginHandle.Instance vm = p.instance(loop);
          if (vm.root() != null) {
            vm.root().onLog(view);
          }
        } catch (PluginFailureException e) {
          log.warn("event=wasm_access_log_failed plugin={} error={}", p.spec().pluginName(), e.getMessage());
        } finally {
          p.release();
        }
      }
    });
  }
}

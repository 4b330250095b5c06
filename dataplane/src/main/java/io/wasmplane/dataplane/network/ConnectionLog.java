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

  static void log(Channel ch, List<PluginHandle> plugins) {
    EventLoop loop = ch.eventLoop();
    ContextHost view = new ContextHost() {
      @Override
      public byte[] property(List<String> path) {
        return ConnectionProperties.get(ch, path);
      }
    };
    loop.execute(() -> {
      for (PluginHandle p : plugins) {
        if (!p.tryRetain()) {
          continue; // the listener is gone and released its loggers
        }
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

package io.wasmplane.dataplane.server;

import io.netty.channel.Channel;
import io.wasmplane.dataplane.accesslog.AccessLogFormat;
import io.wasmplane.dataplane.accesslog.AccessLogWriter;
import io.wasmplane.dataplane.accesslog.FileAccessLogger;
import io.wasmplane.dataplane.config.AccessLogConfig;
import io.wasmplane.dataplane.http.ResponseFlag;
import io.wasmplane.dataplane.http.StreamInfo;
import io.wasmplane.dataplane.network.ConnectionInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A listener's own access_log (file loggers): as in Envoy, one line per connection the listener closed itself, before
 * any filter chain took it: no chain matched (flag NR) or a listener filter rejected it or timed out. Connections a
 * chain took are logged by that chain's HCM or TCP proxy loggers.
 */
final class ListenerAccessLog {
  private final List<FileAccessLogger> logs = new ArrayList<>();

  ListenerAccessLog(List<AccessLogConfig> configs, BiFunction<Path, String, AccessLogWriter> writers, String where) {
    for (int i = 0; i < configs.size(); i++) {
      String w = where + ".access_log[" + i + "]";
      AccessLogConfig a = configs.get(i);
      logs.add(new FileAccessLogger(a.formatter(w), a.filter(), writers.apply(Path.of(a.path()), w)));
    }
  }

  /** Logs a connection closed before it reached a filter chain; {@code flag} null when no response flag applies. */
  void log(Channel ch, ResponseFlag flag) {
    if (logs.isEmpty()) {
      return;
    }
    Long id = ch.attr(ConnectionInfo.ID).get();
    StreamInfo info = new StreamInfo(null, ConnectionInfo.remote(ch), ConnectionInfo.local(ch), false, id == null ? 0 : id);
    if (flag != null) {
      info.setFlag(flag);
    }
    AccessLogFormat.Entry entry = new AccessLogFormat.Entry(info, null, null);
    for (FileAccessLogger l : logs) {
      l.log(entry);
    }
  }
}

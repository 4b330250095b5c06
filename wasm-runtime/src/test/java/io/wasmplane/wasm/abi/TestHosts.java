package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.host.Buffer;
import io.wasmplane.wasm.host.GrpcCallRequest;
import io.wasmplane.wasm.host.GrpcCallbacks;
import io.wasmplane.wasm.host.GrpcStream;
import io.wasmplane.wasm.host.HeaderMap;
import io.wasmplane.wasm.host.HttpCallRequest;
import io.wasmplane.wasm.host.HttpCallResponse;
import io.wasmplane.wasm.host.VmHost;
import io.wasmplane.wasm.testing.RecordingContextHost;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Real, simple implementations of the host SPI for tests: a real executor thread, list maps, byte[] buffers. */
final class TestHosts {
  private TestHosts() {}

  /** A header map backed by a list; case-insensitive keys; replace keeps the first position. */
  static final class ListMap implements HeaderMap {
    final List<Map.Entry<String, String>> entries = new ArrayList<>();
    boolean writable = true;

    static ListMap of(String... kv) {
      ListMap m = new ListMap();
      for (int i = 0; i < kv.length; i += 2) {
        m.entries.add(Map.entry(kv[i], kv[i + 1]));
      }
      return m;
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
      return List.copyOf(entries);
    }

    @Override
    public String get(String key) {
      for (Map.Entry<String, String> e : entries) {
        if (e.getKey().equalsIgnoreCase(key)) {
          return e.getValue();
        }
      }
      return null;
    }

    @Override
    public void add(String key, String value) {
      entries.add(Map.entry(key, value));
    }

    @Override
    public void replace(String key, String value) {
      for (int i = 0; i < entries.size(); i++) {
        if (entries.get(i).getKey().equalsIgnoreCase(key)) {
          entries.set(i, Map.entry(key, value));
          final int keep = i;
          List<Map.Entry<String, String>> rest = new ArrayList<>();
          for (int j = 0; j < entries.size(); j++) {
            if (j == keep || !entries.get(j).getKey().equalsIgnoreCase(key)) {
              rest.add(entries.get(j));
            }
          }
          entries.clear();
          entries.addAll(rest);
          return;
        }
      }
      add(key, value);
    }

    @Override
    public void remove(String key) {
      entries.removeIf(e -> e.getKey().equalsIgnoreCase(key));
    }

    @Override
    public void setAll(List<Map.Entry<String, String>> all) {
      entries.clear();
      entries.addAll(all);
    }

    @Override
    public boolean writable() {
      return writable;
    }
  }

  /** A byte[] buffer with proxy_set_buffer_bytes semantics. */
  static final class Bytes implements Buffer {
    byte[] data;

    Bytes(String s) {
      data = s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int length() {
      return data.length;
    }

    @Override
    public byte[] read(int start, int maxSize) {
      if (start >= data.length) {
        return new byte[0];
      }
      return Arrays.copyOfRange(data, start, (int) Math.min(data.length, (long) start + maxSize));
    }

    @Override
    public boolean set(int start, int size, byte[] bytes) {
      byte[] out;
      if (start == 0 && size == 0) {
        out = concat(bytes, data);
      } else if (start >= data.length) {
        out = concat(data, bytes);
      } else {
        int end = Math.min(data.length, start + size);
        out = concat(concat(Arrays.copyOfRange(data, 0, start), bytes), Arrays.copyOfRange(data, end, data.length));
      }
      data = out;
      return true;
    }

    private static byte[] concat(byte[] a, byte[] b) {
      byte[] out = Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }

    @Override
    public String toString() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  /** One context's host: maps, buffers, properties, and a record of what the plugin asked for. */
  static class Context extends RecordingContextHost<ListMap, Bytes> {}

  /** A gRPC stream that records what the plugin did with it. */
  static final class RecordingStream implements GrpcStream {
    final List<String> sent = Collections.synchronizedList(new ArrayList<>());
    volatile boolean cancelled;
    volatile boolean closed;

    @Override
    public boolean send(byte[] message, boolean endOfStream) {
      sent.add(new String(message, StandardCharsets.UTF_8) + (endOfStream ? " eos" : ""));
      return true;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /**
   * A VM's host: its own thread, a log, and call behaviour. Upstreams named "unknown" do not exist; http calls to
   * others answer 200 "pong" from another thread; unary gRPC calls answer metadata, "reply", trailers, OK.
   */
  static final class Vm implements VmHost, AutoCloseable {
    final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "test-vm");
      t.setDaemon(true);
      return t;
    });
    final List<String> logs = Collections.synchronizedList(new ArrayList<>());
    final List<String> levels = Collections.synchronizedList(new ArrayList<>());
    final List<HttpCallRequest> httpCalls = Collections.synchronizedList(new ArrayList<>());
    final List<GrpcCallRequest> grpcCalls = Collections.synchronizedList(new ArrayList<>());
    final List<RecordingStream> grpcStreams = Collections.synchronizedList(new ArrayList<>());
    final List<io.wasmplane.wasm.PluginFailureException> failures = Collections.synchronizedList(new ArrayList<>());
    volatile LogLevel level = LogLevel.INFO;

    @Override
    public ScheduledExecutorService executor() {
      return executor;
    }

    @Override
    public Status httpCall(HttpCallRequest request, Consumer<HttpCallResponse> onResponse) {
      if (request.upstream().equals("unknown")) {
        return Status.BAD_ARGUMENT;
      }
      httpCalls.add(request);
      CompletableFuture.runAsync(() -> onResponse.accept(new HttpCallResponse(
          List.of(Map.entry(":status", "200"), Map.entry("x-up", "1")), "pong".getBytes(StandardCharsets.UTF_8),
          List.of(), false)));
      return Status.OK;
    }

    @Override
    public GrpcStream grpcCall(GrpcCallRequest request, GrpcCallbacks callbacks) {
      if (request.upstream().equals("unknown")) {
        return null;
      }
      grpcCalls.add(request);
      RecordingStream stream = new RecordingStream();
      grpcStreams.add(stream);
      if (request.message() != null) {
        CompletableFuture.runAsync(() -> {
          callbacks.onInitialMetadata(List.of(Map.entry("a", "b")));
          callbacks.onMessage("reply".getBytes(StandardCharsets.UTF_8));
          callbacks.onTrailingMetadata(List.of(Map.entry("t", "1"), Map.entry("u", "2")));
          callbacks.onClose(0, "ok");
        });
      }
      return stream;
    }

    @Override
    public void log(String pluginName, LogLevel lvl, String message) {
      logs.add(message);
      levels.add(lvl + " " + message);
    }

    @Override
    public LogLevel logLevel() {
      return level;
    }

    @Override
    public void vmFailed(io.wasmplane.wasm.PluginFailureException failure) {
      failures.add(failure);
    }

    /** Runs on the VM's thread and waits; rethrows what the task threw. */
    <T> T onVm(Callable<T> task) throws Exception {
      Future<T> f = executor.submit(task);
      try {
        return f.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof Exception ex) {
          throw ex;
        }
        throw e;
      }
    }

    void onVm(ThrowingRunnable task) throws Exception {
      onVm(() -> {
        task.run();
        return null;
      });
    }

    /** Waits (bounded) until the log satisfies the condition; returns a copy of the log. */
    List<String> awaitLogs(Predicate<List<String>> condition) throws InterruptedException, TimeoutException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        List<String> copy;
        synchronized (logs) {
          copy = List.copyOf(logs);
        }
        if (condition.test(copy)) {
          return copy;
        }
        Thread.sleep(5);
      }
      throw new TimeoutException("log condition not met; log is " + logs);
    }

    List<String> drainLogs() {
      synchronized (logs) {
        List<String> copy = List.copyOf(logs);
        logs.clear();
        levels.clear();
        return copy;
      }
    }

    @Override
    public void close() {
      executor.shutdownNow();
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}

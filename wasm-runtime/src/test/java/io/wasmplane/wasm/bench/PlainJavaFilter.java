package io.wasmplane.wasm.bench;

import io.wasmplane.wasm.LogLevel;
import java.nio.charset.StandardCharsets;

/** The baseline: c_bench's header work as an ordinary Java filter, one object per request like a stream context. */
final class PlainJavaFilter {
  private final ArrayHeaders request;
  private final ArrayHeaders response;
  private final LogLevel level;
  private String logged;

  PlainJavaFilter(ArrayHeaders request, ArrayHeaders response, LogLevel level) {
    this.request = request;
    this.response = response;
    this.level = level;
  }

  void onRequestHeaders() {
    int sum = 0;
    for (String key : BenchHeaders.READ_KEYS) {
      String value = request.get(key);
      if (value != null) {
        sum += value.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    request.add("x-bench-sum", Integer.toString(sum));
  }

  void onResponseHeaders() {
    response.get("content-type");
    response.add("x-bench-served", "c_bench");
  }

  void onLog() {
    String path = request.get(":path");
    String status = response.get(":status");
    if (level.ordinal() <= LogLevel.INFO.ordinal()) {
      logged = "c_bench " + path + " " + status;
    }
  }

  String logged() {
    return logged;
  }
}

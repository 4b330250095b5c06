package io.wasmplane.wasm.testing;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.WasmRuntime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** Base for tests that open runtimes, VMs and hosts: everything tracked is closed after each test, newest first. */
public abstract class ResourceTrackingTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  protected void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  protected <T extends AutoCloseable> T track(T resource) {
    open.add(resource);
    return resource;
  }

  protected WasmRuntime runtime(ExecutionMode mode) {
    return track(WasmRuntime.create(RuntimeOptions.defaults().withMode(mode)));
  }
}

package io.wasmplane.dataplane.server;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.wasmplane.dataplane.stats.WorkerThread;

/** Netty's daemon thread factory, making {@link WorkerThread}s: worker loops update stats in their own cells. */
final class WorkerThreadFactory extends DefaultThreadFactory {
  WorkerThreadFactory(String prefix) {
    super(prefix, true);
  }

  @Override
  protected Thread newThread(Runnable task, String name) {
    return new WorkerThread(threadGroup, task, name);
  }
}

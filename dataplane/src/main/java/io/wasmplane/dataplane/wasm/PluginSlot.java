package io.wasmplane.dataplane.wasm;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The swap point of one configured plugin (an HTTP filter, network filter, logger...): the handle new users get.
 * {@link #acquire()} is what a stream or connection calls once when it starts; {@link #swap} installs a new version
 * for everything that starts afterwards, while users of the old handle finish on it (its last release tears it down).
 */
public final class PluginSlot implements AutoCloseable {
  private final AtomicReference<PluginHandle> current;

  /** Takes over the caller's reference to {@code initial}. */
  public PluginSlot(PluginHandle initial) {
    this.current = new AtomicReference<>(initial);
  }

  /** The current handle with a reference taken for the caller, who must {@link PluginHandle#release()} it. */
  public PluginHandle acquire() {
    for (;;) {
      PluginHandle h = current.get();
      if (h == null) {
        throw new IllegalStateException("plugin slot is closed");
      }
      if (h.tryRetain()) {
        return h;
      }
      // h was swapped out and fully released between get() and tryRetain(): read the new one.
    }
  }

  /** The current handle, without a reference (config dump, tests). */
  public PluginHandle peek() {
    return current.get();
  }

  /** Installs {@code next} (taking over the caller's reference) and drops the slot's reference to the old one. */
  public void swap(PluginHandle next) {
    PluginHandle old = current.getAndSet(next);
    if (old != null) {
      old.release();
    }
  }

  @Override
  public void close() {
    PluginHandle old = current.getAndSet(null);
    if (old != null) {
      old.release();
    }
  }
}

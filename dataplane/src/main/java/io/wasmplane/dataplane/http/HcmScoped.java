package io.wasmplane.dataplane.http;

import java.util.function.Function;

/**
 * A filter's stats resolved once per connection manager it serves (a static filter serves one; an ECDS one may serve
 * several): a one-entry cache keyed by the HCM's stats, so streams never look stats up by name.
 */
public final class HcmScoped<T> {
  private record Entry<T>(HcmStats owner, T value) {}

  private final Function<HcmStats, T> resolve;
  private volatile Entry<T> last;

  public HcmScoped(Function<HcmStats, T> resolve) {
    this.resolve = resolve;
  }

  public T get(HcmStats hcm) {
    Entry<T> e = last;
    if (e == null || e.owner() != hcm) {
      e = new Entry<>(hcm, resolve.apply(hcm));
      last = e;
    }
    return e.value();
  }
}

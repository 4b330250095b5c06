package io.wasmplane.wasm.abi;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-VM handshake between the VM's thread and the watchdog, so that an interrupt can only land while the thread
 * is inside a plugin call, never in the embedder's code after it (a stray interrupt in Netty's NIO code would close
 * its channels).
 *
 * <p>State is one long: the call sequence number shifted left by 2, plus a phase (IDLE, IN_CALL, INTERRUPTING). The
 * watchdog times each sequence number from when it first sees it in a call, and interrupts only through a CAS
 * IN_CALL -> INTERRUPTING on that exact sequence, so a call that has already ended (or a later call) is never hit. On exit the thread CASes IN_CALL -> IDLE; if the watchdog is
 * mid-interrupt it waits for it, and then clears the interrupt flag the watchdog set.
 */
final class CallGuard {
  private static final long IDLE = 0;
  private static final long IN_CALL = 1;
  private static final long INTERRUPTING = 2;
  private static final long PHASE = 3;

  private final AtomicLong state = new AtomicLong();
  private volatile Thread thread;
  private volatile long timeoutNanos;
  private volatile boolean timedOut;
  // Watchdog-only: the call it saw in progress and when it first saw it. Timing is the watchdog's job, so the VM
  // thread reads no clock: a call is stopped between its timeout and its timeout plus one poll interval.
  private long watchedSeq = -1;
  private long watchedSince;

  /** Called by the VM thread before the outermost plugin call. */
  void enter(long callTimeoutNanos) {
    long seq = (state.get() >>> 2) + 1;
    Thread current = Thread.currentThread();
    if (thread != current) {
      thread = current;
    }
    if (timedOut) {
      timedOut = false;
    }
    if (timeoutNanos != callTimeoutNanos) {
      timeoutNanos = callTimeoutNanos;
    }
    // A release store, not a full fence: the watchdog only needs to see the call eventually (it times calls from
    // when it first sees them), and exit()'s CAS orders everything after.
    state.lazySet(seq << 2 | IN_CALL);
  }

  /**
   * Called by the VM thread after the outermost plugin call, however it ended. Returns whether the watchdog
   * interrupted this call; if so the thread's interrupt flag has been cleared.
   */
  boolean exit() {
    while (true) {
      long s = state.get();
      if ((s & PHASE) == IN_CALL && state.compareAndSet(s, s & ~PHASE)) {
        break;
      }
      Thread.onSpinWait(); // the watchdog is between its CAS and its interrupt; it takes microseconds
    }
    if (timedOut) {
      Thread.interrupted();
      return true;
    }
    return false;
  }

  /** Whether the watchdog interrupted the current call (read on the VM thread while unwinding). */
  boolean timedOut() {
    return timedOut;
  }

  /** Called by the watchdog thread only: interrupts the thread if its current call has run past its timeout. */
  void check(long now) {
    long s = state.get();
    if ((s & PHASE) != IN_CALL) {
      return;
    }
    long seq = s >>> 2;
    if (seq != watchedSeq) { // a call the watchdog has not seen yet: start timing it
      watchedSeq = seq;
      watchedSince = now;
      return;
    }
    if (timedOut || now - watchedSince < timeoutNanos) {
      return;
    }
    if (state.compareAndSet(s, (s & ~PHASE) | INTERRUPTING)) {
      try {
        timedOut = true;
        thread.interrupt();
      } finally {
        state.set(s); // back to IN_CALL of the same sequence; exit() waits for this
      }
    }
  }
}

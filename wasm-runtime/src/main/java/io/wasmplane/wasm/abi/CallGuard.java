package io.wasmplane.wasm.abi;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-VM handshake between the VM's thread and the watchdog, so that an interrupt can only land while the thread
 * is inside a plugin call, never in the embedder's code after it (a stray interrupt in Netty's NIO code would close
 * its channels).
 *
 * <p>State is one long: the call sequence number shifted left by 2, plus a phase (IDLE, IN_CALL, INTERRUPTING). The
 * watchdog interrupts only through a CAS IN_CALL -> INTERRUPTING on the exact sequence it saw expire, so a call that
 * has already ended (or a later call) is never hit. On exit the thread CASes IN_CALL -> IDLE; if the watchdog is
 * mid-interrupt it waits for it, and then clears the interrupt flag the watchdog set.
 */
final class CallGuard {
  private static final long IDLE = 0;
  private static final long IN_CALL = 1;
  private static final long INTERRUPTING = 2;
  private static final long PHASE = 3;

  private final AtomicLong state = new AtomicLong();
  private volatile Thread thread;
  private volatile long deadline;
  private volatile boolean timedOut;

  /** Called by the VM thread before the outermost plugin call. */
  void enter(long timeoutNanos) {
    long seq = (state.get() >>> 2) + 1;
    thread = Thread.currentThread();
    timedOut = false;
    deadline = System.nanoTime() + timeoutNanos;
    state.set(seq << 2 | IN_CALL);
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

  /** Called by the watchdog: interrupts the thread if its current call is past its deadline. */
  void check(long now) {
    long s = state.get();
    if ((s & PHASE) != IN_CALL || now - deadline < 0 || timedOut) {
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

package io.wasmplane.controlplane;

/** Entry point of the control-plane stub; filled in by the rollout work. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.err.println("wasmplane control-plane-stub: not built yet");
    System.exit(2);
  }
}

package io.wasmplane.dataplane;

/** Entry point of the data plane; filled in by the data plane work. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.err.println("wasmplane dataplane: not built yet");
    System.exit(2);
  }
}

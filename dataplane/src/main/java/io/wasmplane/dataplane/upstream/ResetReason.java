package io.wasmplane.dataplane.upstream;

/** Why an upstream stream ended early (Envoy's StreamResetReason, as shown in local reply bodies). */
public enum ResetReason {
  CONNECTION_FAILURE("connection failure"),
  CONNECTION_TERMINATION("connection termination"),
  OVERFLOW("overflow"),
  LOCAL_RESET("local reset"),
  REMOTE_RESET("remote reset"),
  PROTOCOL_ERROR("protocol error");

  private final String text;

  ResetReason(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }
}

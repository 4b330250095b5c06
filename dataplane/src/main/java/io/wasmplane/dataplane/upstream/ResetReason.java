package io.wasmplane.dataplane.upstream;

/** Why an upstream stream ended early (Envoy's StreamResetReason, as shown in local reply bodies). */
public enum ResetReason {
  CONNECTION_FAILURE("connection failure"),
  CONNECTION_TERMINATION("connection termination"),
  OVERFLOW("overflow"),
  LOCAL_RESET("local reset"),
  REMOTE_RESET("remote reset"),
  /** HTTP/2 RST_STREAM with REFUSED_STREAM: the upstream did not process the request (retry_on refused-stream). */
  REFUSED_STREAM("remote refused stream reset"),
  PROTOCOL_ERROR("protocol error");

  private final String text;

  ResetReason(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }
}

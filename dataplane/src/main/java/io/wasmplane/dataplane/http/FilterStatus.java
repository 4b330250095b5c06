package io.wasmplane.dataplane.http;

/** What a filter tells the filter manager after a callback (Envoy's Continue / StopIteration family). */
public enum FilterStatus {
  /** Pass this event on to the next filter. */
  CONTINUE,
  /** Hold this event here until the filter calls continueDecoding()/continueEncoding(); later body is buffered. */
  STOP_ITERATION,
  /** Hold and buffer body; the filter is called again with the whole buffer as more body arrives. */
  STOP_AND_BUFFER
}

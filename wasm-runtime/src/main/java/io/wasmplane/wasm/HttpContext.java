package io.wasmplane.wasm;

import io.wasmplane.wasm.abi.Callback;
import io.wasmplane.wasm.abi.ContextState;
import io.wasmplane.wasm.abi.VmState;

/**
 * One HTTP stream's context. The same context serves the request and its response. Every method may throw
 * {@link PluginFailureException}; the embedder then applies the plugin's failure policy.
 */
public final class HttpContext extends PluginContext {
  private final boolean allowStopIteration;

  HttpContext(VmState vm, ContextState state, PluginConfig plugin) {
    super(vm, state);
    this.allowStopIteration = plugin.allowOnHeadersStopIteration();
  }

  public FilterHeadersStatus onRequestHeaders(int headerCount, boolean endOfStream) {
    return FilterHeadersStatus.fromAbi(
        vm.invoke(state, Callback.ON_REQUEST_HEADERS, 0, state.id(), headerCount, endOfStream ? 1 : 0),
        allowStopIteration);
  }

  public FilterDataStatus onRequestBody(int bodySize, boolean endOfStream) {
    return FilterDataStatus.fromAbi(
        vm.invoke(state, Callback.ON_REQUEST_BODY, 0, state.id(), bodySize, endOfStream ? 1 : 0));
  }

  public FilterTrailersStatus onRequestTrailers(int trailerCount) {
    return FilterTrailersStatus.fromAbi(vm.invoke(state, Callback.ON_REQUEST_TRAILERS, 0, state.id(), trailerCount));
  }

  public FilterHeadersStatus onResponseHeaders(int headerCount, boolean endOfStream) {
    return FilterHeadersStatus.fromAbi(
        vm.invoke(state, Callback.ON_RESPONSE_HEADERS, 0, state.id(), headerCount, endOfStream ? 1 : 0),
        allowStopIteration);
  }

  public FilterDataStatus onResponseBody(int bodySize, boolean endOfStream) {
    return FilterDataStatus.fromAbi(
        vm.invoke(state, Callback.ON_RESPONSE_BODY, 0, state.id(), bodySize, endOfStream ? 1 : 0));
  }

  public FilterTrailersStatus onResponseTrailers(int trailerCount) {
    return FilterTrailersStatus.fromAbi(
        vm.invoke(state, Callback.ON_RESPONSE_TRAILERS, 0, state.id(), trailerCount));
  }

  /** {@code proxy_on_log}: the stream is complete (call before {@link #close()}). */
  public void onLog() {
    vm.invoke(state, Callback.ON_LOG, 0, state.id());
  }

  /** The end of a completed stream as Envoy runs it: {@code proxy_on_done}, {@code proxy_on_log}, {@code proxy_on_delete}. */
  public void logAndClose() {
    vm.closeWithLog(state);
  }
}

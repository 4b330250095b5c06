package io.wasmplane.dataplane.filters.rbac;

import io.netty.handler.codec.http.HttpRequest;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpStream;
import io.wasmplane.dataplane.http.StreamInfo;
import io.wasmplane.dataplane.http.TrustedClientAddress;

/**
 * Envoy's RBAC filter for one stream: on the request headers, the shadow rules are evaluated and counted, then the
 * enforced rules; a denied request is answered 403 "RBAC: access denied" with details
 * {@code rbac_access_denied_matched_policy[<policy>|none]}.
 */
final class RbacHttpFilter implements HttpFilter, HttpStream.StreamAware {
  private final RbacHttpFilterFactory factory;
  private final FilterCallbacks callbacks;
  private HttpStream stream;

  RbacHttpFilter(RbacHttpFilterFactory factory, FilterCallbacks callbacks) {
    this.factory = factory;
    this.callbacks = callbacks;
  }

  @Override
  public void attach(HttpStream stream) {
    this.stream = stream;
  }

  @Override
  public FilterStatus decodeHeaders(HttpRequest request, boolean endStream) {
    RequestFacts facts = RequestFacts.of(request);
    RbacHttpConfig config = factory.configFor(callbacks);
    if (config.rules() == null && config.shadowRules() == null) {
      return FilterStatus.CONTINUE;
    }
    StreamInfo info = stream.info();
    RbacInput in = new RbacInput(facts, info.downstreamLocal,
        TrustedClientAddress.of(request.headers(), info.downstreamRemote, stream.runtime().config().useRemoteAddress()),
        info.downstreamDirectRemote != null ? info.downstreamDirectRemote : info.downstreamRemote, info.downstreamTlsSession,
        info.dynamicMetadataOrNull());
    RbacEngine.Decision d = factory.stats(callbacks.connectionManagerStats()).evaluate(config.rules(), config.shadowRules(), in);
    if (d == null || d.allowed()) {
      return FilterStatus.CONTINUE;
    }
    callbacks.sendLocalReply(403, "RBAC: access denied", null, d.details());
    return FilterStatus.STOP_ITERATION;
  }
}

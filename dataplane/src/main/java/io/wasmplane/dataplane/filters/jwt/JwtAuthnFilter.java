package io.wasmplane.dataplane.filters.jwt;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HttpFilter;
import java.util.Optional;

/**
 * Envoy's JWT authentication filter for one stream, on the request headers: a CORS preflight passes when configured
 * to; the route's PerRouteConfig (disabled / requirement_name) or else the first matching rule picks the requirement;
 * it is verified synchronously (keys are inline). A failure is answered 401 (403 for a wrong audience) with
 * jwt_verify_lib's message and {@code www-authenticate: Bearer realm="<url>"[, error="invalid_token"]}; verified
 * payloads go to dynamic metadata under envoy.filters.http.jwt_authn for later filters (RBAC).
 */
final class JwtAuthnFilter implements HttpFilter, JwtAuthenticator.VerifyContext {
  /** Envoy cuts the realm URL's path at this length. */
  private static final int MAX_URI_PATH = 256;

  private final JwtAuthnFilterFactory factory;
  private final FilterCallbacks callbacks;
  private JwtAuthnStats stats;
  private HttpRequest request;
  private RequestFacts facts;
  private long now;
  /** What verified tokens wrote (payload_in_metadata / header_in_metadata); null until one does. */
  private Struct.Builder extracted;
  private boolean routeAffected;

  JwtAuthnFilter(JwtAuthnFilterFactory factory, FilterCallbacks callbacks) {
    this.factory = factory;
    this.callbacks = callbacks;
  }

  @Override
  public FilterStatus decodeHeaders(HttpRequest req, boolean endStream) {
    JwtAuthnConfig config = factory.config();
    stats = factory.stats(callbacks.connectionManagerStats());
    if (config.bypassCorsPreflight() && isCorsPreflight(req)) {
      stats.corsPreflightBypassed().inc();
      stats.allowed().inc();
      return FilterStatus.CONTINUE;
    }
    this.request = req;
    this.facts = RequestFacts.of(req);
    JwtRequirement requirement;
    Optional<JwtPerRoute> perRoute = factory.perRoute(callbacks);
    if (perRoute.isPresent()) {
      if (perRoute.get().disabled()) {
        requirement = null;
      } else {
        requirement = config.requirementMap().get(perRoute.get().requirementName());
        if (requirement == null) {
          String msg = JwtAuthnConfig.wrongName(perRoute.get().requirementName(), config.requirementMap().keySet());
          stats.denied().inc();
          callbacks.sendLocalReply(403, "Failed JWT authentication: " + msg, null,
              "jwt_authn_access_denied{" + msg.replace(' ', '_') + "}");
          return FilterStatus.STOP_ITERATION;
        }
      }
    } else {
      requirement = config.requirementFor(facts);
    }
    if (requirement == null) {
      stats.allowed().inc();
      return FilterStatus.CONTINUE;
    }
    sanitize(config);
    String realm = realm(req);
    now = System.currentTimeMillis() / 1000;
    JwtStatus status = requirement.verify(this);
    if (extracted != null) {
      callbacks.streamInfo().dynamicMetadata().set(EnvoyTypes.HTTP_JWT_AUTHN, extracted.build());
    }
    if (status != JwtStatus.OK) {
      stats.denied().inc();
      HttpHeaders h = new DefaultHttpHeaders();
      h.set("www-authenticate", "Bearer realm=\"" + realm + "\"" + (status == JwtStatus.MISSING ? "" : ", error=\"invalid_token\""));
      callbacks.sendLocalReply(status.httpStatus(), status.message, h, status.details());
      return FilterStatus.STOP_ITERATION;
    }
    stats.allowed().inc();
    if (routeAffected) {
      callbacks.clearRouteCache();
    }
    return FilterStatus.CONTINUE;
  }

  private static boolean isCorsPreflight(HttpRequest req) {
    return req.method().equals(HttpMethod.OPTIONS) && !req.headers().get("origin", "").isEmpty()
        && !req.headers().get("access-control-request-method", "").isEmpty();
  }

  /** Headers this filter writes are removed first, so a client cannot forge them. */
  private void sanitize(JwtAuthnConfig config) {
    for (JwtProviderSpec p : config.providers()) {
      if (!p.forwardPayloadHeader().isEmpty()) {
        request.headers().remove(p.forwardPayloadHeader());
      }
      for (JwtProviderSpec.ClaimToHeader c : p.claimToHeaders()) {
        request.headers().remove(c.header());
      }
    }
  }

  /** Envoy's original URI: scheme://host/path (query included), the path cut at 256 characters. */
  private String realm(HttpRequest req) {
    String uri = req.uri();
    String path = uri.length() > MAX_URI_PATH ? uri.substring(0, MAX_URI_PATH) : uri;
    return facts.scheme() + "://" + req.headers().get("host", "") + path;
  }

  @Override
  public RequestFacts request() {
    return facts;
  }

  @Override
  public long nowSeconds() {
    return now;
  }

  @Override
  public JwtAuthnStats stats() {
    return stats;
  }

  @Override
  public void verified(JwtProviderSpec p, JwtToken token, TokenLocations.Found found) {
    if (!p.forward() && found.header() != null) {
      request.headers().remove(found.header());
    }
    if (!p.forwardPayloadHeader().isEmpty()) {
      String v = token.payloadSegment();
      if (p.padForwardPayloadHeader()) {
        v = v + "===".substring(0, (4 - v.length() % 4) % 4);
      }
      request.headers().set(p.forwardPayloadHeader(), v);
    }
    for (JwtProviderSpec.ClaimToHeader c : p.claimToHeaders()) {
      String v = claimText(token.payload(), c.claim());
      if (v != null) {
        request.headers().set(c.header(), v);
        routeAffected |= p.clearRouteCache();
      }
    }
    if (!p.payloadInMetadata().isEmpty()) {
      extracted().putFields(p.payloadInMetadata(),
          Value.newBuilder().setStructValue(JwtAuthenticator.normalized(token.payload(), p.spaceDelimitedClaims())).build());
      routeAffected |= p.clearRouteCache();
    }
    if (!p.headerInMetadata().isEmpty()) {
      extracted().putFields(p.headerInMetadata(), Value.newBuilder().setStructValue(token.header()).build());
    }
  }

  private Struct.Builder extracted() {
    if (extracted == null) {
      extracted = Struct.newBuilder();
    }
    return extracted;
  }

  /** A claim (nested by '.') as header text: strings as is, integral numbers without a fraction, booleans; else null. */
  private static String claimText(Struct payload, String claim) {
    Value v = null;
    Struct s = payload;
    for (String key : claim.split("\\.")) {
      if (s == null) {
        return null;
      }
      v = s.getFieldsMap().get(key);
      if (v == null) {
        return null;
      }
      s = v.hasStructValue() ? v.getStructValue() : null;
    }
    if (v.hasStringValue()) {
      return v.getStringValue();
    }
    if (v.hasBoolValue()) {
      return Boolean.toString(v.getBoolValue());
    }
    if (v.hasNumberValue()) {
      double d = v.getNumberValue();
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
    return null;
  }
}

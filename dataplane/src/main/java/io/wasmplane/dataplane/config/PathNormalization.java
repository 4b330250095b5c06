package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

/**
 * The HCM's request path handling before routing: {@code normalize_path}, {@code merge_slashes} and
 * {@code path_with_escaped_slashes_action}, applied in Envoy's order (escaped slashes, canonicalization, slash merging).
 * {@link #enabled()} is false when all three leave the path alone, so the stream checks one boolean.
 */
public record PathNormalization(boolean normalizePath, boolean mergeSlashes, EscapedSlashes escapedSlashes, boolean enabled) {

  /** {@code path_with_escaped_slashes_action}; IMPLEMENTATION_SPECIFIC_DEFAULT is Envoy's default, KEEP_UNCHANGED. */
  public enum EscapedSlashes { KEEP_UNCHANGED, REJECT_REQUEST, UNESCAPE_AND_REDIRECT, UNESCAPE_AND_FORWARD }

  /** What the connection manager does with the request. */
  public enum Action { CONTINUE, REJECT, REDIRECT }

  /** The outcome for one request target: the action and the (possibly new) target. */
  public record Outcome(Action action, String uri) {}

  public static final PathNormalization OFF = new PathNormalization(false, false, EscapedSlashes.KEEP_UNCHANGED);

  public PathNormalization {
    if (enabled != (normalizePath || mergeSlashes || escapedSlashes != EscapedSlashes.KEEP_UNCHANGED)) {
      throw new IllegalArgumentException("enabled must say whether any of the three changes paths");
    }
  }

  public PathNormalization(boolean normalizePath, boolean mergeSlashes, EscapedSlashes escapedSlashes) {
    this(normalizePath, mergeSlashes, escapedSlashes, normalizePath || mergeSlashes || escapedSlashes != EscapedSlashes.KEEP_UNCHANGED);
  }

  static PathNormalization from(HttpConnectionManager h, String where) {
    EscapedSlashes escaped = switch (h.getPathWithEscapedSlashesAction()) {
      case IMPLEMENTATION_SPECIFIC_DEFAULT, KEEP_UNCHANGED -> EscapedSlashes.KEEP_UNCHANGED;
      case REJECT_REQUEST -> EscapedSlashes.REJECT_REQUEST;
      case UNESCAPE_AND_REDIRECT -> EscapedSlashes.UNESCAPE_AND_REDIRECT;
      case UNESCAPE_AND_FORWARD -> EscapedSlashes.UNESCAPE_AND_FORWARD;
      default -> throw new ConfigException(where + ".path_with_escaped_slashes_action: unknown value "
          + h.getPathWithEscapedSlashesActionValue());
    };
    // normalize_path unset: Envoy's runtime default (http_connection_manager.normalize_path) is false.
    boolean normalize = h.hasNormalizePath() && h.getNormalizePath().getValue();
    return new PathNormalization(normalize, h.getMergeSlashes(), escaped);
  }

  /**
   * Envoy's maybeNormalizePath for a request target that is a path ({@code /...}, with any query): REJECT when it
   * holds a fragment, the escaped-slashes action refuses it or the path cannot be canonicalized; REDIRECT (with the normalized target) when
   * UNESCAPE_AND_REDIRECT unescaped a slash; CONTINUE (with the normalized target) otherwise.
   */
  public Outcome normalize(String uri) {
    if (uri.indexOf('#') >= 0) {
      return new Outcome(Action.REJECT, uri); // Envoy refuses a fragment in :path (http_reject_path_with_fragment)
    }
    Action action = Action.CONTINUE;
    String out = uri;
    if (escapedSlashes != EscapedSlashes.KEEP_UNCHANGED) {
      String unescaped = UrlPaths.unescapeSlashes(out);
      if (unescaped.length() != out.length()) {
        switch (escapedSlashes) {
          case REJECT_REQUEST -> {
            return new Outcome(Action.REJECT, uri);
          }
          case UNESCAPE_AND_REDIRECT -> action = Action.REDIRECT;
          default -> { }
        }
        out = unescaped;
      }
    }
    if (normalizePath) {
      out = UrlPaths.canonicalize(out);
      if (out == null) {
        return new Outcome(Action.REJECT, uri);
      }
    }
    if (mergeSlashes) {
      out = UrlPaths.mergeSlashes(out); // after canonicalization, which may have made new "//" out of escapes
    }
    return new Outcome(action, out);
  }
}

package io.wasmplane.dataplane.config;

import java.nio.charset.StandardCharsets;

/**
 * The path transformations Envoy's {@code PathUtil} applies for the HCM's {@code normalize_path}, {@code merge_slashes}
 * and {@code path_with_escaped_slashes_action}. Each works on the path part of a request target and keeps the query
 * string as it was. Canonicalization follows the URL library Envoy uses (Chromium's path canonicalizer): dot segments
 * removed ({@code %2e} counts as a dot), {@code \} turned into {@code /}, escapes of unreserved characters decoded,
 * other escapes kept exactly as written (hex case unchanged), characters a path may not hold escaped, and an encoded
 * or raw NUL makes the path invalid.
 */
public final class UrlPaths {
  private UrlPaths() {}

  private static final byte PASS = 0;
  private static final byte SPECIAL = 1;
  private static final byte ESCAPE = 2 | SPECIAL;
  private static final byte UNESCAPE = 4;
  private static final byte INVALID = 8 | SPECIAL;
  /** What the canonical path does with each byte (escaped or not). */
  private static final byte[] LOOKUP = new byte[256];

  static {
    for (int c = 0; c < 256; c++) {
      LOOKUP[c] = c < 0x20 || c >= 0x7f ? ESCAPE : PASS;
    }
    LOOKUP[0] = INVALID;
    for (char c : " \"#<>?\\^`{|}%".toCharArray()) {
      LOOKUP[c] = ESCAPE;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      LOOKUP[c] = UNESCAPE;
      LOOKUP[Character.toUpperCase(c)] = UNESCAPE;
    }
    for (char c = '0'; c <= '9'; c++) {
      LOOKUP[c] = UNESCAPE;
    }
    LOOKUP['-'] = UNESCAPE;
    LOOKUP['_'] = UNESCAPE;
    LOOKUP['~'] = UNESCAPE;
    LOOKUP['.'] = SPECIAL;
  }

  /** The canonical form of {@code uri} (path and query), or null when the path cannot be canonicalized. */
  public static String canonicalize(String uri) {
    int q = uri.indexOf('?');
    if (isCanonical(uri, q < 0 ? uri.length() : q)) {
      return uri; // the usual request: nothing to do, nothing allocated
    }
    String path = q < 0 ? uri : uri.substring(0, q);
    // The codecs hand over each request-line byte as one char; anything wider came from elsewhere and goes as UTF-8.
    byte[] in = path.chars().allMatch(ch -> ch <= 0xff) ? path.getBytes(StandardCharsets.ISO_8859_1)
        : path.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(in.length + 8);
    if (in.length == 0 || !isSlash(in[0])) {
      out.append('/');
    }
    if (!canonicalPath(in, out)) {
      return null;
    }
    if (q >= 0) {
      out.append(uri, q, uri.length());
    }
    return out.toString();
  }

  /** True when the path (up to {@code end}) starts with '/' and holds only characters copied as they are. */
  private static boolean isCanonical(String uri, int end) {
    if (end == 0 || uri.charAt(0) != '/') {
      return false;
    }
    for (int i = 1; i < end; i++) {
      char c = uri.charAt(i);
      if (c == '.' ? uri.charAt(i - 1) == '/' : c > 0xff || (LOOKUP[c] & SPECIAL) != 0) {
        return false; // a dot starting a segment may be a dot segment; others ("app.js") are copied
      }
    }
    return true;
  }

  private static boolean canonicalPath(byte[] in, StringBuilder out) {
    boolean ok = true;
    int lastInvalidPercent = -1;
    for (int i = 0; i < in.length; i++) {
      int c = in[i] & 0xff;
      int flags = LOOKUP[c];
      if ((flags & SPECIAL) == 0) {
        out.append((char) c);
        continue;
      }
      int dot = dotLength(in, i);
      if (dot > 0) {
        if (out.charAt(out.length() - 1) == '/') {
          int after = i + dot;
          int second = after == in.length || isSlash(in[after]) ? 0 : dotLength(in, after);
          int afterSecond = after + second;
          if (after == in.length) {
            i = after - 1; // "/." at the end: the current directory
          } else if (isSlash(in[after])) {
            i = after; // "/./": the current directory, its slash consumed too
          } else if (second > 0 && (afterSecond == in.length || isSlash(in[afterSecond]))) {
            backUpToPreviousSlash(out); // "/.." or "/../": up one directory
            i = Math.min(afterSecond, in.length - 1);
          } else {
            out.append('.'); // a name that starts with a dot
            i += dot - 1;
          }
        } else {
          out.append('.');
          i += dot - 1;
        }
      } else if (c == '\\') {
        out.append('/');
      } else if (c == '%') {
        int v = i + 2 < in.length ? hex(in[i + 1], in[i + 2]) : -1;
        if (v < 0) {
          // An invalid escape passes unchanged (the permissive choice); remember it for nested escapes.
          lastInvalidPercent = out.length();
          out.append('%');
          continue;
        }
        i += 2;
        int vflags = LOOKUP[v];
        if ((vflags & UNESCAPE) != 0) {
          out.append((char) v);
          if (lastInvalidPercent >= 0 && lastInvalidPercent >= out.length() - 3) {
            escapeNestedPercent(in, i + 1, lastInvalidPercent, out);
          }
        } else {
          out.append('%').append((char) in[i - 1]).append((char) in[i]);
          if (vflags == INVALID) {
            ok = false;
          }
        }
      } else if (flags == INVALID) {
        appendEscaped(c, out);
        ok = false;
      } else {
        appendEscaped(c, out);
      }
    }
    return ok;
  }

  /**
   * Decoding may have made a new escape out of an earlier invalid one ({@code %%30%30} becomes {@code %00}): as
   * Chromium does, the earlier '%' is written as {@code %25} so that the output does not decode differently than the input.
   */
  private static void escapeNestedPercent(byte[] in, int nextIn, int percentAt, StringBuilder out) {
    int length = out.length();
    boolean appendNext = percentAt == length - 2;
    if (appendNext) {
      if (nextIn == in.length || (in[nextIn] & 0x80) != 0) {
        return;
      }
      out.append((char) in[nextIn]);
    }
    if (hexValue(out.charAt(percentAt + 1)) < 0 || hexValue(out.charAt(percentAt + 2)) < 0) {
      if (appendNext) {
        out.setLength(length);
      }
      return;
    }
    String tail = out.substring(percentAt + 1, length);
    out.setLength(percentAt);
    out.append("%25").append(tail);
  }

  /** Chromium's BackUpToPreviousSlash: drop the last segment; the output ends with '/' and never goes above the root. */
  private static void backUpToPreviousSlash(StringBuilder out) {
    int i = out.length() - 1;
    if (i == 0) {
      return;
    }
    i--;
    while (i > 0 && out.charAt(i) != '/') {
      i--;
    }
    out.setLength(i + 1);
  }

  /** 1 for '.', 3 for "%2e"/"%2E", else 0. */
  private static int dotLength(byte[] in, int i) {
    if (in[i] == '.') {
      return 1;
    }
    if (in[i] == '%' && i + 2 < in.length && in[i + 1] == '2' && (in[i + 2] == 'e' || in[i + 2] == 'E')) {
      return 3;
    }
    return 0;
  }

  private static boolean isSlash(byte b) {
    return b == '/' || b == '\\';
  }

  private static int hex(byte hi, byte lo) {
    int h = hexValue((char) hi);
    int l = hexValue((char) lo);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  }

  private static int hexValue(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }

  private static void appendEscaped(int c, StringBuilder out) {
    out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
  }

  /**
   * Envoy's mergeSlashes: runs of '/' in the path become one (a leading and a trailing slash are kept); the query is
   * untouched. As in Envoy, a path of only slashes becomes "//".
   */
  public static String mergeSlashes(String uri) {
    int q = uri.indexOf('?');
    int slashes = uri.indexOf("//");
    if (slashes < 0 || (q >= 0 && slashes > q - 2)) {
      return uri;
    }
    String path = q < 0 ? uri : uri.substring(0, q);
    StringBuilder out = new StringBuilder(uri.length());
    if (path.startsWith("/")) {
      out.append('/');
    }
    boolean first = true;
    for (String segment : path.split("/")) {
      if (!segment.isEmpty()) {
        if (!first) {
          out.append('/');
        }
        out.append(segment);
        first = false;
      }
    }
    if (path.endsWith("/")) {
      out.append('/');
    }
    if (q >= 0) {
      out.append(uri, q, uri.length());
    }
    return out.toString();
  }

  /** Envoy's unescapeSlashes: {@code %2F}/{@code %2f} become '/', {@code %5C}/{@code %5c} become '\' in the path. */
  public static String unescapeSlashes(String uri) {
    int q = uri.indexOf('?');
    int percent = uri.indexOf('%');
    if (percent < 0 || (q >= 0 && percent > q)) {
      return uri;
    }
    String path = q < 0 ? uri : uri.substring(0, q);
    String decoded = path.replace("%2F", "/").replace("%2f", "/").replace("%5C", "\\").replace("%5c", "\\");
    return q < 0 ? decoded : decoded + uri.substring(q);
  }
}

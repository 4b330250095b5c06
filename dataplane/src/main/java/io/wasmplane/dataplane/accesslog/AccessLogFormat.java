package io.wasmplane.dataplane.accesslog;

import io.wasmplane.dataplane.network.Addresses;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.http.HttpStream;
import io.wasmplane.dataplane.http.StreamInfo;
import io.wasmplane.dataplane.tls.ConnectionTls;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Envoy format string compiled once into segments; {@link #format(Entry)} renders one HTTP stream or
 * anything with a {@link StreamInfo} (a TCP proxy connection: no request or response, so their operators give "-").
 */
public final class AccessLogFormat implements LogFormatter {
  /** What one log line is about; {@code responseTrailers} may be null. */
  public record Entry(StreamInfo info, HttpRequest request, HttpResponse response, HttpHeaders responseTrailers) {
    public Entry(StreamInfo info, HttpRequest request, HttpResponse response) {
      this(info, request, response, null);
    }

    /** A finished HTTP stream. */
    public static Entry of(HttpStream stream) {
      return new Entry(stream.info(), stream.request(), stream.response(), stream.responseTrailers());
    }
  }

  private static final Pattern OPERATOR = Pattern.compile("%([A-Z_]+)(\\(([^)]*)\\))?(:([0-9]+))?%");
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final String HOSTNAME = hostname();

  /** What an operator gives when it has no value: "-" in a log line, nothing in a header value. */
  static final String NONE = new String("-");

  private final List<Function<Entry, String>> segments;
  private final boolean omitEmpty;

  private AccessLogFormat(List<Function<Entry, String>> segments, boolean omitEmpty) {
    this.segments = segments;
    this.omitEmpty = omitEmpty;
  }

  public static AccessLogFormat compile(String format, String where) {
    return compile(format, where, false);
  }

  /** {@code omitEmpty}: SubstitutionFormatString.omit_empty_values, an operator without a value gives "" not "-". */
  public static AccessLogFormat compile(String format, String where, boolean omitEmpty) {
    List<Function<Entry, String>> segs = new ArrayList<>();
    compileInto(format, where, segs);
    return new AccessLogFormat(List.copyOf(segs), omitEmpty);
  }

  /**
   * A header value as Envoy's header formatter takes it (request/response_headers_to_add): the same operators, "%%"
   * is a literal "%", any other lone "%" is an error, and an operator without a value gives nothing instead of "-".
   */
  public static AccessLogFormat compileHeaderValue(String value, String where) {
    List<Function<Entry, String>> segs = new ArrayList<>();
    String[] parts = value.split("%%", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        segs.add(s -> "%");
      }
      if (OPERATOR.matcher(parts[i]).replaceAll("").indexOf('%') >= 0) {
        throw new ConfigException(where + ": invalid header value '" + value + "': a '%' that starts no operator (write %% for a literal %)");
      }
      compileInto(parts[i], where, segs);
    }
    return new AccessLogFormat(List.copyOf(segs), true);
  }

  /** True if the format has no operator: its value is the same for every stream. */
  public boolean isConstant() {
    return segments.stream().allMatch(Literal.class::isInstance);
  }

  private record Literal(String text) implements Function<Entry, String> {
    @Override
    public String apply(Entry e) {
      return text;
    }
  }

  /** One command operator, by name: a JSON format renders a value that is only a numeric operator as a number. */
  private record Operator(String name, Function<Entry, String> value) implements Function<Entry, String> {
    @Override
    public String apply(Entry e) {
      return value.apply(e);
    }
  }

  /** Operators whose values are integers; Envoy's typed formats (json_format) write them as JSON numbers. */
  private static final java.util.Set<String> NUMERIC = java.util.Set.of("RESPONSE_CODE", "BYTES_RECEIVED", "BYTES_SENT",
      "DURATION", "REQUEST_DURATION", "RESPONSE_DURATION", "CONNECTION_ID");

  /**
   * The value of a format that is one operator and nothing else, typed as Envoy's json_format types it: null when the
   * operator has no value, a Long for a numeric operator, else the string. Any other format renders as a string.
   */
  public Object typedValue(Entry e) {
    if (segments.size() == 1 && segments.get(0) instanceof Operator op) {
      String v = op.apply(e);
      if (v == NONE) {
        return null;
      }
      if (NUMERIC.contains(op.name())) {
        try {
          return Long.parseLong(v);
        } catch (NumberFormatException notANumber) {
          return v; // truncated by a length limit, say
        }
      }
      return v;
    }
    return format(e);
  }

  private static void compileInto(String format, String where, List<Function<Entry, String>> segs) {
    Matcher m = OPERATOR.matcher(format);
    int last = 0;
    while (m.find()) {
      if (m.start() > last) {
        segs.add(new Literal(format.substring(last, m.start())));
      }
      Function<Entry, String> op = operator(m.group(1), m.group(3), where);
      if (m.group(5) != null) {
        int max = Integer.parseInt(m.group(5));
        Function<Entry, String> inner = op;
        op = s -> {
          String v = inner.apply(s);
          return v.length() > max ? v.substring(0, max) : v;
        };
      }
      segs.add(new Operator(m.group(1), op));
      last = m.end();
    }
    if (last < format.length()) {
      segs.add(new Literal(format.substring(last)));
    }
  }

  @Override
  public String format(Entry entry) {
    StringBuilder sb = new StringBuilder(256);
    for (Function<Entry, String> seg : segments) {
      String v = seg.apply(entry);
      if (v != NONE || !omitEmpty) {
        sb.append(v);
      }
    }
    return sb.toString();
  }

  private static Function<Entry, String> operator(String name, String arg, String where) {
    return switch (name) {
      case "START_TIME" -> {
        if (arg != null && !arg.isEmpty()) {
          DateTimeFormatter f = strftime(arg, where);
          yield s -> f.format(Instant.ofEpochMilli(s.info().startEpochMillis));
        }
        yield s -> ISO.format(Instant.ofEpochMilli(s.info().startEpochMillis));
      }
      case "REQ", "REQUEST_HEADER" -> header(arg, where, true);
      case "RESP", "RESPONSE_HEADER" -> header(arg, where, false);
      case "REQ_WITHOUT_QUERY" -> {
        Function<Entry, String> h = header(arg, where, true);
        yield s -> {
          String v = h.apply(s);
          int q = v.indexOf('?');
          return q < 0 ? v : v.substring(0, q);
        };
      }
      case "RESPONSE_CODE" -> s -> Integer.toString(s.info().responseCode);
      case "RESPONSE_FLAGS" -> s -> s.info().flags.isEmpty() ? NONE : s.info().flagsString();
      case "GRPC_STATUS" -> GrpcStatusOperator.compile(arg, where);
      case "RESPONSE_CODE_DETAILS" -> s -> orDash(s.info().responseCodeDetails);
      case "BYTES_RECEIVED" -> s -> Long.toString(s.info().bytesReceived);
      case "BYTES_SENT" -> s -> Long.toString(s.info().bytesSent);
      case "DURATION" -> s -> Long.toString(s.info().durationMillis());
      case "REQUEST_DURATION" -> s -> s.info().requestCompleteNanos == 0 ? NONE
          : Long.toString((s.info().requestCompleteNanos - s.info().startNanos) / 1_000_000);
      case "RESPONSE_DURATION" -> s -> s.info().firstUpstreamByteNanos == 0 ? NONE
          : Long.toString((s.info().firstUpstreamByteNanos - s.info().startNanos) / 1_000_000);
      case "UPSTREAM_HOST" -> s -> orDash(s.info().upstreamHost);
      case "UPSTREAM_CLUSTER", "UPSTREAM_CLUSTER_RAW" -> s -> orDash(s.info().upstreamCluster); // no alt_stat_name here
      case "CONNECTION_TERMINATION_DETAILS" -> s -> orDash(s.info().connectionTerminationDetails);
      // Upstream TLS failure reasons are not recorded yet: Envoy prints "-" in the common case too (Istio's default
      // format names it).
      case "UPSTREAM_TRANSPORT_FAILURE_REASON" -> s -> NONE;
      case "REQUESTED_SERVER_NAME" -> s -> s.info().downstreamTlsSession == null ? NONE
          : orDash(s.info().downstreamTlsSession.sni().orElse(null));
      case "ROUTE_NAME" -> s -> orDash(s.info().routeName);
      case "PROTOCOL" -> s -> orDash(s.info().protocol); // TCP: none
      case "CONNECTION_ID" -> s -> Long.toString(s.info().connectionId);
      case "HOSTNAME" -> s -> HOSTNAME;
      case "DOWNSTREAM_REMOTE_ADDRESS" -> s -> address(s.info().downstreamRemote, true);
      case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" -> s -> address(s.info().downstreamRemote, false);
      case "DOWNSTREAM_LOCAL_ADDRESS" -> s -> address(s.info().downstreamLocal, true);
      case "UPSTREAM_LOCAL_ADDRESS" -> s -> address(s.info().upstreamLocal(), true);
      case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" -> s -> address(s.info().downstreamLocal, false);
      case "DOWNSTREAM_TLS_VERSION" -> tls(t -> t.version());
      case "DOWNSTREAM_TLS_CIPHER" -> tls(t -> t.cipher());
      case "DOWNSTREAM_PEER_URI_SAN" -> peer(c -> String.join(",", c.uriSans()));
      case "DOWNSTREAM_PEER_DNS_SAN" -> peer(c -> String.join(",", c.dnsSans()));
      case "DOWNSTREAM_PEER_SUBJECT" -> peer(ConnectionTls.CertFacts::subject);
      case "DOWNSTREAM_PEER_ISSUER" -> peer(ConnectionTls.CertFacts::issuer);
      case "DOWNSTREAM_PEER_FINGERPRINT_256" -> peer(ConnectionTls.CertFacts::sha256Hex);
      case "DOWNSTREAM_PEER_SERIAL" -> peer(ConnectionTls.CertFacts::serialHex);
      case "DOWNSTREAM_LOCAL_URI_SAN" -> local(c -> String.join(",", c.uriSans()));
      case "DOWNSTREAM_LOCAL_DNS_SAN" -> local(c -> String.join(",", c.dnsSans()));
      case "DOWNSTREAM_LOCAL_SUBJECT" -> local(ConnectionTls.CertFacts::subject);
      default -> throw new ConfigException(where + ": unsupported access log operator %" + name + "%");
    };
  }

  /** A TLS operator: "-" on plaintext connections or when the value is empty, as Envoy prints it. */
  private static Function<Entry, String> tls(Function<ConnectionTls, String> f) {
    return s -> s.info().downstreamTlsSession == null ? "-" : orDash(f.apply(s.info().downstreamTlsSession));
  }

  private static Function<Entry, String> peer(Function<ConnectionTls.CertFacts, String> f) {
    return tls(t -> t.peer().map(f).orElse(null));
  }

  private static Function<Entry, String> local(Function<ConnectionTls.CertFacts, String> f) {
    return tls(t -> t.local().map(f).orElse(null));
  }

  private static Function<Entry, String> header(String arg, String where, boolean request) {
    if (arg == null || arg.isEmpty()) {
      throw new ConfigException(where + ": %" + (request ? "REQ" : "RESP") + "(...)% needs a header name");
    }
    String[] alts = arg.toLowerCase(Locale.ROOT).split("\\?", 2);
    String main = alts[0];
    String alt = alts.length > 1 ? alts[1] : null;
    return s -> {
      String v = request ? requestHeader(s.request(), main) : responseHeader(s.response(), main);
      if (v == null && alt != null) {
        v = request ? requestHeader(s.request(), alt) : responseHeader(s.response(), alt);
      }
      return orDash(v);
    };
  }

  private static String requestHeader(HttpRequest r, String name) {
    if (r == null) {
      return null;
    }
    return switch (name) {
      case ":method" -> r.method().name();
      case ":path" -> r.uri();
      case ":authority" -> r.headers().get("host");
      case ":scheme" -> r.headers().get("x-http2-scheme");
      default -> r.headers().get(name);
    };
  }

  private static String responseHeader(HttpResponse r, String name) {
    if (r == null) {
      return null;
    }
    if (name.equals(":status")) {
      return Integer.toString(r.status().code());
    }
    HttpHeaders h = r.headers();
    return h.get(name);
  }

  private static String address(InetSocketAddress a, boolean withPort) {
    if (a == null) {
      return NONE;
    }
    if (withPort) {
      return Addresses.hostPort(a);
    }
    return a.getAddress() == null ? a.getHostString() : Addresses.ip(a.getAddress());
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? NONE : s;
  }

  /** The strftime subset people use in START_TIME: %Y %m %d %H %M %S %z and %[1-9]f / %f. */
  private static DateTimeFormatter strftime(String f, String where) {
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < f.length(); i++) {
      char c = f.charAt(i);
      if (c != '%' || i + 1 >= f.length()) {
        p.append(c == '\'' ? "''" : (Character.isLetter(c) ? "'" + c + "'" : String.valueOf(c)));
        continue;
      }
      char d = f.charAt(++i);
      switch (d) {
        case 'Y' -> p.append("yyyy");
        case 'm' -> p.append("MM");
        case 'd' -> p.append("dd");
        case 'H' -> p.append("HH");
        case 'M' -> p.append("mm");
        case 'S' -> p.append("ss");
        case 'z' -> p.append("xx");
        case 'f' -> p.append("SSSSSSSSS");
        case 's' -> throw new ConfigException(where + ": START_TIME %s is not supported");
        default -> {
          if (Character.isDigit(d) && i + 1 < f.length() && f.charAt(i + 1) == 'f') {
            p.append("S".repeat(d - '0'));
            i++;
          } else {
            throw new ConfigException(where + ": unsupported START_TIME specifier %" + d);
          }
        }
      }
    }
    return DateTimeFormatter.ofPattern(p.toString()).withZone(ZoneOffset.UTC);
  }

  private static String hostname() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "-";
    }
  }
}

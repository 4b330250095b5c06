package io.wasmplane.dataplane.accesslog;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.wasmplane.dataplane.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Envoy's format dictionary (SubstitutionFormatString.json_format, FileAccessLog.json_format/typed_json_format): each
 * string value is a format string, nested dictionaries nest, other JSON values are written as they are. One JSON object
 * per line, keys in the configured order. Typed (the v3 json_format): a value that is one operator and nothing else is
 * written as a number for numeric operators and as null when it has no value (omitted with omit_empty_values);
 * untyped (the deprecated FileAccessLog.json_format) writes every value as a string, "-" when empty.
 */
public final class JsonLogFormat implements LogFormatter {
  private record Field(String quotedKey, Object value) {} // value: AccessLogFormat, JsonLogFormat (nested) or a literal

  private final List<Field> fields;
  private final boolean typed;
  private final boolean omitEmpty;
  private final boolean topLevel;

  private JsonLogFormat(List<Field> fields, boolean typed, boolean omitEmpty, boolean topLevel) {
    this.fields = fields;
    this.typed = typed;
    this.omitEmpty = omitEmpty;
    this.topLevel = topLevel;
  }

  /** {@code dictionary}: string keys to strings, numbers, booleans, nulls or nested dictionaries (Struct's model). */
  public static JsonLogFormat compile(Map<String, Object> dictionary, boolean typed, boolean omitEmpty, String where) {
    return compile(dictionary, typed, omitEmpty, where, true);
  }

  private static JsonLogFormat compile(Map<String, Object> dictionary, boolean typed, boolean omitEmpty, String where,
      boolean topLevel) {
    List<Field> fields = new ArrayList<>();
    for (Map.Entry<String, Object> e : dictionary.entrySet()) {
      String w = where + "." + e.getKey();
      Object v = e.getValue();
      Object compiled;
      if (v instanceof String s) {
        compiled = AccessLogFormat.compile(s, w, omitEmpty);
      } else if (v instanceof Map<?, ?> m) {
        @SuppressWarnings("unchecked")
        Map<String, Object> nested = (Map<String, Object>) m;
        compiled = compile(nested, typed, omitEmpty, w, false);
      } else if (v == null || v instanceof Number || v instanceof Boolean) {
        compiled = v;
      } else {
        throw new ConfigException(w + ": a format dictionary value must be a string, number, boolean or dictionary, not a list");
      }
      fields.add(new Field(quote(e.getKey()), compiled));
    }
    return new JsonLogFormat(List.copyOf(fields), typed, omitEmpty, topLevel);
  }

  @Override
  public String format(AccessLogFormat.Entry entry) {
    StringBuilder sb = new StringBuilder(256);
    appendTo(sb, entry);
    if (topLevel) {
      sb.append('\n');
    }
    return sb.toString();
  }

  private void appendTo(StringBuilder sb, AccessLogFormat.Entry entry) {
    sb.append('{');
    boolean first = true;
    for (Field f : fields) {
      Object v = f.value() instanceof AccessLogFormat text
          ? (typed ? text.typedValue(entry) : text.format(entry))
          : f.value();
      if (v == null && omitEmpty) {
        continue;
      }
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append(f.quotedKey()).append(':');
      if (v instanceof JsonLogFormat nested) {
        nested.appendTo(sb, entry);
      } else if (v instanceof String s) {
        sb.append(quote(s));
      } else if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
        sb.append(d.longValue()); // Struct keeps every number as a double: 200.0 is written 200, as Envoy writes it
      } else {
        sb.append(v); // null, Long, Double, Boolean
      }
    }
    sb.append('}');
  }

  private static String quote(String s) {
    StringBuilder q = new StringBuilder(s.length() + 2).append('"');
    JsonStringEncoder.getInstance().quoteAsString(s, q);
    return q.append('"').toString();
  }
}

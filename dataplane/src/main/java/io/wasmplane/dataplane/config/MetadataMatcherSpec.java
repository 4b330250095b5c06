package io.wasmplane.dataplane.config;

import com.google.protobuf.Value;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import io.wasmplane.dataplane.http.DynamicMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A compiled envoy.type.matcher.v3.MetadataMatcher on a stream's dynamic metadata: the value at {@code filter} /
 * {@code path} (unset when absent) matched by a ValueMatcher, the result flipped by {@code invert}. As Envoy: a
 * string_match needs a string, a list_match a list one of whose elements matches, present_match true anything set.
 */
public record MetadataMatcherSpec(String filter, List<String> path, ValueMatch value, boolean invert) {

  /** One compiled ValueMatcher. */
  public interface ValueMatch {
    boolean matches(Value v);
  }

  public static MetadataMatcherSpec translate(MetadataMatcher m, String where) {
    FieldGuard.onlySupported(m, where, Set.of("filter", "path", "value", "invert"));
    if (m.getFilter().isEmpty()) {
      throw new ConfigException(where + ".filter: required (the name of the filter that wrote the metadata)");
    }
    if (m.getPathCount() == 0) {
      throw new ConfigException(where + ".path: at least one segment is required");
    }
    List<String> path = new ArrayList<>();
    for (int i = 0; i < m.getPathCount(); i++) {
      String w = where + ".path[" + i + "]";
      FieldGuard.onlySupported(m.getPath(i), w, Set.of("key"));
      if (m.getPath(i).getKey().isEmpty()) {
        throw new ConfigException(w + ".key: required");
      }
      path.add(m.getPath(i).getKey());
    }
    if (!m.hasValue()) {
      throw new ConfigException(where + ".value: required");
    }
    return new MetadataMatcherSpec(m.getFilter(), List.copyOf(path), value(m.getValue(), where + ".value"), m.getInvert());
  }

  static ValueMatch value(ValueMatcher v, String where) {
    return switch (v.getMatchPatternCase()) {
      case NULL_MATCH -> x -> x.getKindCase() == Value.KindCase.NULL_VALUE;
      case DOUBLE_MATCH -> {
        var d = v.getDoubleMatch();
        yield switch (d.getMatchPatternCase()) {
          case EXACT -> x -> x.hasNumberValue() && x.getNumberValue() == d.getExact();
          case RANGE -> {
            if (d.getRange().getStart() > d.getRange().getEnd()) {
              throw new ConfigException(where + ".double_match.range: start must not exceed end");
            }
            double start = d.getRange().getStart();
            double end = d.getRange().getEnd();
            yield x -> x.hasNumberValue() && x.getNumberValue() >= start && x.getNumberValue() < end;
          }
          default -> throw new ConfigException(where + ".double_match: one of exact, range is required");
        };
      }
      case STRING_MATCH -> {
        StringMatch s = RouteFeatureTranslator.stringMatch(v.getStringMatch(), where + ".string_match");
        yield x -> x.hasStringValue() && s.matches(x.getStringValue());
      }
      case BOOL_MATCH -> {
        boolean b = v.getBoolMatch();
        yield x -> x.hasBoolValue() && x.getBoolValue() == b;
      }
      case PRESENT_MATCH -> {
        boolean p = v.getPresentMatch();
        yield x -> p && x.getKindCase() != Value.KindCase.KIND_NOT_SET;
      }
      case LIST_MATCH -> {
        if (!v.getListMatch().hasOneOf()) {
          throw new ConfigException(where + ".list_match.one_of: required");
        }
        ValueMatch element = value(v.getListMatch().getOneOf(), where + ".list_match.one_of");
        yield x -> {
          if (!x.hasListValue()) {
            return false;
          }
          for (Value e : x.getListValue().getValuesList()) {
            if (element.matches(e)) {
              return true;
            }
          }
          return false;
        };
      }
      case OR_MATCH -> {
        if (v.getOrMatch().getValueMatchersCount() < 2) {
          throw new ConfigException(where + ".or_match.value_matchers: at least two are required");
        }
        List<ValueMatch> any = new ArrayList<>();
        for (int i = 0; i < v.getOrMatch().getValueMatchersCount(); i++) {
          any.add(value(v.getOrMatch().getValueMatchers(i), where + ".or_match.value_matchers[" + i + "]"));
        }
        yield x -> {
          for (ValueMatch m : any) {
            if (m.matches(x)) {
              return true;
            }
          }
          return false;
        };
      }
      case MATCHPATTERN_NOT_SET -> throw new ConfigException(where
          + ": a match pattern is required (one of null_match, double_match, string_match, bool_match, present_match, list_match, or_match)");
    };
  }

  /** Whether the stream's metadata matches; {@code metadata} null: none was written (every value unset). */
  public boolean matches(DynamicMetadata metadata) {
    Value v = metadata == null ? Value.getDefaultInstance() : metadata.value(filter, path);
    return value.matches(v) != invert;
  }
}

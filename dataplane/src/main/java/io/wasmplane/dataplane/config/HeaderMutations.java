package io.wasmplane.dataplane.config;

import io.netty.handler.codec.http.HttpHeaders;
import io.wasmplane.dataplane.accesslog.AccessLogFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * The header edits of one direction (request or response) for one route, with every level (weighted cluster, route,
 * virtual host, route configuration) already put in the order Envoy evaluates them. Each level removes its
 * {@code *_headers_to_remove} first, then adds its {@code *_headers_to_add}.
 */
public record HeaderMutations(List<Level> levels) {
  public static final HeaderMutations NONE = new HeaderMutations(List.of());

  /** route.v3 / core.v3 HeaderValueOption.HeaderAppendAction. */
  public enum AppendAction { APPEND_IF_EXISTS_OR_ADD, ADD_IF_ABSENT, OVERWRITE_IF_EXISTS_OR_ADD, OVERWRITE_IF_EXISTS }

  /** One header to add: its name (lower case), its compiled value and how it combines with what is there. */
  public record Add(String name, AccessLogFormat value, AppendAction action, boolean keepEmptyValue) {}

  /** One level's edits. */
  public record Level(List<String> remove, List<Add> add) {
    public boolean isEmpty() {
      return remove.isEmpty() && add.isEmpty();
    }
  }

  public HeaderMutations {
    levels = List.copyOf(levels);
  }

  public boolean isEmpty() {
    return levels.isEmpty();
  }

  /** Levels from the most specific to the least; reversed when {@code mostSpecificWins} (applied last = wins). */
  public static HeaderMutations ordered(boolean mostSpecificWins, Level... mostSpecificFirst) {
    List<Level> out = new ArrayList<>();
    for (Level l : mostSpecificFirst) {
      if (l != null && !l.isEmpty()) {
        out.add(l);
      }
    }
    if (mostSpecificWins) {
      java.util.Collections.reverse(out);
    }
    return out.isEmpty() ? NONE : new HeaderMutations(out);
  }

  /** Edits {@code headers}; values are rendered against {@code entry} (the stream's request, response and info). */
  public void apply(HttpHeaders headers, AccessLogFormat.Entry entry) {
    for (Level level : levels) {
      for (String name : level.remove()) {
        headers.remove(name);
      }
      for (Add a : level.add()) {
        String v = a.value().format(entry);
        if (v.isEmpty() && !a.keepEmptyValue()) {
          continue;
        }
        switch (a.action()) {
          case APPEND_IF_EXISTS_OR_ADD -> headers.add(a.name(), v);
          case ADD_IF_ABSENT -> {
            if (!headers.contains(a.name())) {
              headers.add(a.name(), v);
            }
          }
          case OVERWRITE_IF_EXISTS_OR_ADD -> headers.set(a.name(), v);
          case OVERWRITE_IF_EXISTS -> {
            if (headers.contains(a.name())) {
              headers.set(a.name(), v);
            }
          }
        }
      }
    }
  }
}

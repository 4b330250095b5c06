package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.AbiVersion;
import io.wasmplane.wasm.HeaderPairs;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.host.HeaderMap;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The seven header-map calls. Maps of the stream come from the context's host; http-call response maps and gRPC
 * metadata are the runtime's own and exist only inside the callback that delivers them. As Envoy: an unknown map
 * type, a map that does not exist here, or a write to a read-only map is BAD_ARGUMENT, except that reading the
 * pairs of a missing map gives an empty map, and ABI 0.1.0 reads a value of a missing map as "".
 */
final class HeaderMapFunctions {
  private HeaderMapFunctions() {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_get_header_map_value", 5, HeaderMapFunctions::getValue),
        HostCall.env("proxy_add_header_map_value", 5, (vm, a) -> mutate(vm, a, true, (m, k, v) -> m.add(k, v))),
        HostCall.env("proxy_replace_header_map_value", 5, (vm, a) -> mutate(vm, a, true, REPLACE)),
        HostCall.env("proxy_remove_header_map_value", 3, (vm, a) -> mutate(vm, a, false, (m, k, v) -> m.remove(k))),
        HostCall.env("proxy_get_header_map_pairs", 3, HeaderMapFunctions::getPairs),
        HostCall.env("proxy_set_header_map_pairs", 3, HeaderMapFunctions::setPairs),
        HostCall.env("proxy_get_header_map_size", 2, HeaderMapFunctions::getSize));
  }

  /** The map of this type in the current callback, or null. */
  static HeaderMap map(VmState vm, MapType type) {
    switch (type) {
      case HTTP_CALL_RESPONSE_HEADERS:
        return vm.callout.httpHeaders;
      case HTTP_CALL_RESPONSE_TRAILERS:
        return vm.callout.httpTrailers;
      case GRPC_CALL_INITIAL_METADATA:
        return vm.callout.grpcInitialMetadata;
      case GRPC_CALL_TRAILING_METADATA:
        return vm.callout.grpcTrailingMetadata;
      default:
        ContextState ctx = vm.effective;
        return ctx == null ? null : ctx.host.headerMap(type);
    }
  }

  private static long getValue(VmState vm, long[] a) {
    MapType type = MapType.fromAbi((int) a[0]);
    String key = vm.memory.readName(a[1], a[2]);
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    HeaderMap map = map(vm, type);
    if (map == null && vm.abi() != AbiVersion.V0_1_0) {
      return vm.accessLogPhase ? Status.NOT_FOUND.code() : Status.BAD_ARGUMENT.code();
    }
    String value = map == null ? null : map.get(key);
    if (value == null) {
      if (vm.abi() != AbiVersion.V0_1_0) {
        return Status.NOT_FOUND.code();
      }
      value = ""; // ABI 0.1.0: a missing key is OK with an empty value
    }
    return vm.memory.returnString(value, a[3], a[4]).code();
  }

  @FunctionalInterface
  private interface Mutation {
    void apply(HeaderMap map, String key, String value);
  }

  private static final Mutation REPLACE = HeaderMap::replace;

  private static long mutate(VmState vm, long[] a, boolean withValue, Mutation mutation) {
    MapType type = MapType.fromAbi((int) a[0]);
    String key = vm.memory.readName(a[1], a[2]);
    String value = withValue ? vm.memory.readString(a[3], a[4]) : null;
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    HeaderMap map = writableMap(vm, type);
    if (map == null) {
      return Status.BAD_ARGUMENT.code();
    }
    if (withValue && !grow(vm.effective, type, map,
        GuestMemory.unsigned(a[2]) + GuestMemory.unsigned(a[4]) + HostLimits.HEADER_ENTRY_OVERHEAD)) {
      return Status.BAD_ARGUMENT.code();
    }
    mutation.apply(map, key, value);
    if (!withValue || mutation == REPLACE) {
      mayHaveShrunk(vm.effective, type);
    }
    return Status.OK.code();
  }

  /**
   * Whether {@code added} more bytes keep the map within {@link HostLimits#MAX_HEADER_MAP_BYTES}; if so they are
   * counted. The count is an upper bound kept per context and map, so a write stays O(1): the map is measured,
   * O(entries), only the first time, and again near the limit if the plugin removed or replaced entries since.
   */
  private static boolean grow(ContextState ctx, MapType type, HeaderMap map, long added) {
    int slot = type.ordinal();
    if (ctx == null || slot >= 4) {
      return true;
    }
    long[] bounds = headerBounds(ctx);
    long bound = bounds[slot];
    if (bound < 0 || (bound + added > HostLimits.MAX_HEADER_MAP_BYTES && bounds[slot + 4] != 0)) {
      bound = map.byteSize(HostLimits.HEADER_ENTRY_OVERHEAD);
      bounds[slot + 4] = 0;
    }
    if (bound + added > HostLimits.MAX_HEADER_MAP_BYTES) {
      bounds[slot] = bound;
      return false;
    }
    bounds[slot] = bound + added;
    return true;
  }

  /** The map may be smaller than its bound now (a remove or replace): measure again before refusing a write. */
  private static void mayHaveShrunk(ContextState ctx, MapType type) {
    if (ctx != null && type.ordinal() < 4) {
      headerBounds(ctx)[type.ordinal() + 4] = 1;
    }
  }

  /** [0..3]: the bound per writable map type, -1 before measured; [4..7]: 1 when it may have shrunk since. */
  private static long[] headerBounds(ContextState ctx) {
    if (ctx.headerBytes == null) {
      ctx.headerBytes = new long[] {-1, -1, -1, -1, 0, 0, 0, 0};
    }
    return ctx.headerBytes;
  }

  private static long measure(List<Map.Entry<String, String>> entries) {
    long bytes = 0;
    for (Map.Entry<String, String> e : entries) {
      bytes += e.getKey().length() + e.getValue().length() + HostLimits.HEADER_ENTRY_OVERHEAD;
    }
    return bytes;
  }

  /** The map when it exists here and may be changed now; null otherwise (the plugin gets BAD_ARGUMENT). */
  private static HeaderMap writableMap(VmState vm, MapType type) {
    HeaderMap map = map(vm, type);
    return map != null && map.writable() ? map : null;
  }

  private static long getPairs(VmState vm, long[] a) {
    MapType type = MapType.fromAbi((int) a[0]);
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    HeaderMap map = map(vm, type);
    List<Map.Entry<String, String>> entries = map == null ? List.of() : map.entries();
    return vm.memory.returnBytes(HeaderPairs.encode(entries), a[1], a[2]).code();
  }

  private static long setPairs(VmState vm, long[] a) {
    MapType type = MapType.fromAbi((int) a[0]);
    byte[] data = vm.memory.read(a[1], a[2]);
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    List<Map.Entry<String, String>> pairs;
    try {
      pairs = HeaderPairs.decode(data);
    } catch (IllegalArgumentException malformed) {
      return Status.BAD_ARGUMENT.code();
    }
    HeaderMap map = writableMap(vm, type);
    if (map == null) {
      return Status.BAD_ARGUMENT.code();
    }
    long bytes = measure(pairs);
    if (bytes > HostLimits.MAX_HEADER_MAP_BYTES) {
      return Status.BAD_ARGUMENT.code();
    }
    map.setAll(pairs);
    if (vm.effective != null && type.ordinal() < 4) {
      long[] bounds = headerBounds(vm.effective);
      bounds[type.ordinal()] = bytes;
      bounds[type.ordinal() + 4] = 0;
    }
    return Status.OK.code();
  }

  /** Envoy answers the map's byte size (the sum of key and value lengths), not its entry count. */
  private static long getSize(VmState vm, long[] a) {
    MapType type = MapType.fromAbi((int) a[0]);
    vm.memory.check(GuestMemory.unsigned(a[1]), 4);
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    HeaderMap map = map(vm, type);
    if (map == null) {
      return Status.BAD_ARGUMENT.code();
    }
    long bytes = 0;
    for (Map.Entry<String, String> e : map.entries()) {
      bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    vm.memory.writeU32(a[1], bytes);
    return Status.OK.code();
  }
}

// as_headers: a realistic request filter written against the AssemblyScript Proxy-Wasm SDK
// (@solo-io/proxy-runtime 0.1.8, ABI 0.2.0), used by the runtime's SDK tests.
//
// Plugin configuration: lines of key=value.
//   stamp=<text>        required; stamped on requests (x-as-stamp) and responses (x-as-stamp). Missing => rejected.
//   tick_ms=<n>         optional; tick period. Each tick bumps the gauge and the shared key "as_headers.ticks".
//   auth_cluster=<name> optional; upstream for the /auth/* path (default "auth").
// Request paths with special meaning:
//   /deny...  -> local reply 403, body "denied by as_headers", header x-denied-by: <stamp>
//   /auth...  -> proxy_http_call GET /check?user=<x-user> to auth_cluster; 200 adds x-auth-result: <body> and
//                resumes the request, anything else (or a failed call) answers 401 locally.
// Every request: counter as_headers.requests += 1, histogram as_headers.header_count records the header count,
// shared key "as_headers.seen" is incremented with CAS and echoed as x-as-seen, the plugin_name property is
// echoed as x-as-plugin and the source.address property (when the host knows it) as x-as-source.
// Responses get x-as-stamp (and x-as-user, read back from a property the plugin set) and lose x-internal.
//
// Where the 0.1.8 SDK wrappers are broken (get/set_shared_data pass the wrong pointers, onConfigure passes the size
// as a pointer) this plugin calls the SDK's raw imports itself; everything else goes through the SDK.
export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context,
  HeaderPair, Headers, Counter, Gauge, Histogram, log, LogLevelValues, send_local_response,
  continue_request, GrpcStatusValues, WasmResultValues,
} from "@solo-io/proxy-runtime";
import {
  get_buffer_bytes, BufferTypeValues, get_property, set_property, set_tick_period_milliseconds, Reference,
} from "@solo-io/proxy-runtime/runtime";
import * as abi from "@solo-io/proxy-runtime/imports";
import { free } from "@solo-io/proxy-runtime/malloc";

const SEEN_KEY = "as_headers.seen";
const TICKS_KEY = "as_headers.ticks";

function pair(key: string, value: string): HeaderPair {
  return new HeaderPair(String.UTF8.encode(key), String.UTF8.encode(value));
}

// ---- shared data through the raw ABI (the SDK's wrappers pass wrong pointers) ----
class SharedValue {
  value: string = "";
  cas: u32 = 0;
  found: bool = false;
}

let sharedPtr = new Reference<usize>();
let sharedSize = new Reference<usize>();
let sharedCas = new Reference<u32>();

function sharedGet(key: string): SharedValue {
  const k = String.UTF8.encode(key);
  const result = new SharedValue();
  const status = abi.proxy_get_shared_data(changetype<usize>(k), k.byteLength, sharedPtr.ptr(), sharedSize.ptr(), sharedCas.ptr());
  if (status != WasmResultValues.Ok) {
    return result;
  }
  result.found = true;
  result.cas = sharedCas.data;
  if (sharedSize.data > 0) {
    // the host allocated the value with our malloc (an ArrayBuffer): decode it, then release it
    result.value = String.UTF8.decodeUnsafe(sharedPtr.data, sharedSize.data);
    free(sharedPtr.data);
  }
  return result;
}

function sharedSet(key: string, value: string, cas: u32): WasmResultValues {
  const k = String.UTF8.encode(key);
  const v = String.UTF8.encode(value);
  return abi.proxy_set_shared_data(changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength, cas);
}

// Adds one to a decimal counter kept in shared data, retrying on CAS mismatch (other VMs may race us).
function sharedIncrement(key: string): u32 {
  for (let attempt = 0; attempt < 16; attempt++) {
    const current = sharedGet(key);
    const next: u32 = current.found ? <u32>parseInt(current.value) + 1 : 1;
    const status = sharedSet(key, next.toString(), current.found ? current.cas : 0);
    if (status == WasmResultValues.Ok) {
      return next;
    }
    if (status != WasmResultValues.CasMismatch) {
      log(LogLevelValues.error, "as_headers: set_shared_data(" + key + ") failed: " + status.toString());
      return 0;
    }
  }
  return 0;
}

// A property through the raw ABI, "" when the host does not know it (the SDK's get_property aborts on NOT_FOUND).
let propertyPtr = new Reference<usize>();
let propertySize = new Reference<usize>();

function propertyOrEmpty(path: string): string {
  const p = String.UTF8.encode(path);
  if (abi.proxy_get_property(changetype<usize>(p), p.byteLength, propertyPtr.ptr(), propertySize.ptr()) != WasmResultValues.Ok) {
    return "";
  }
  if (propertySize.data == 0) {
    return "";
  }
  const value = String.UTF8.decodeUnsafe(propertyPtr.data, propertySize.data);
  free(propertyPtr.data);
  return value;
}

// ---- root context ----
class AsHeadersRoot extends RootContext {
  stamp: string = "";
  authCluster: string = "auth";
  tickMs: u32 = 0;
  ticks: i64 = 0;
  requests: Counter | null = null;
  tickGauge: Gauge | null = null;
  headerCount: Histogram | null = null;

  createContext(context_id: u32): Context {
    return new AsHeadersStream(context_id, this);
  }

  onConfigure(configuration_size: u32): bool {
    const text = String.UTF8.decode(get_buffer_bytes(BufferTypeValues.PluginConfiguration, 0, configuration_size));
    const lines = text.split("\n");
    let stamp = "";
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      const eq = line.indexOf("=");
      if (eq <= 0) continue;
      const key = line.substring(0, eq);
      const value = line.substring(eq + 1);
      if (key == "stamp") stamp = value;
      else if (key == "tick_ms") this.tickMs = <u32>parseInt(value);
      else if (key == "auth_cluster") this.authCluster = value;
    }
    if (stamp.length == 0) {
      log(LogLevelValues.error, "as_headers: configuration has no stamp=");
      return false;
    }
    this.stamp = stamp;
    if (this.requests === null) {
      this.requests = new Counter("as_headers.requests");
      this.tickGauge = new Gauge("as_headers.ticks");
      this.headerCount = new Histogram("as_headers.header_count");
    }
    if (this.tickMs > 0) {
      set_tick_period_milliseconds(this.tickMs);
    }
    log(LogLevelValues.info, "as_headers: configured stamp=" + stamp + " tick_ms=" + this.tickMs.toString());
    return true;
  }

  onTick(): void {
    this.ticks++;
    (this.tickGauge as Gauge).increment(1);
    sharedSet(TICKS_KEY, this.ticks.toString(), 0);
  }
}

// ---- stream context ----
class AsHeadersStream extends Context {
  method: string = "";
  path: string = "";

  constructor(context_id: u32, root_context: AsHeadersRoot) {
    super(context_id, root_context);
  }

  root(): AsHeadersRoot {
    return changetype<AsHeadersRoot>(this.root_context);
  }

  onRequestHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const root = this.root();
    (root.requests as Counter).increment(1);
    (root.headerCount as Histogram).record((root.headerCount as Histogram).metric_id, count);

    const request = stream_context.headers.request;
    this.method = request.get(":method");
    this.path = request.get(":path");
    const user = request.get("x-user");

    if (this.path.startsWith("/deny")) {
      const headers: Headers = [pair("x-denied-by", root.stamp)];
      send_local_response(403, "as_headers_denied", String.UTF8.encode("denied by as_headers"), headers,
        GrpcStatusValues.InvalidCode);
      return FilterHeadersStatusValues.StopIteration;
    }

    const seen = sharedIncrement(SEEN_KEY);
    request.add("x-as-seen", seen.toString());
    request.add("x-as-stamp", root.stamp);
    request.add("x-as-route", this.method + " " + this.path);
    const pluginName = get_property("plugin_name");
    request.add("x-as-plugin", String.UTF8.decode(pluginName));
    const source = propertyOrEmpty("source\0address");
    if (source.length > 0) {
      request.add("x-as-source", source);
    }
    // a property the plugin sets itself is readable again later in the stream
    set_property("as_headers\0user", String.UTF8.encode(user));

    if (this.path.startsWith("/auth")) {
      const call: Headers = [
        pair(":method", "GET"), pair(":path", "/check?user=" + user), pair(":authority", "auth.local"),
      ];
      const status = root.httpCall(root.authCluster, call, new ArrayBuffer(0), [], 2000, this, onAuthResponse);
      if (status != WasmResultValues.Ok) {
        send_local_response(503, "as_headers_auth_unavailable", String.UTF8.encode("auth call failed"), [],
          GrpcStatusValues.InvalidCode);
      }
      return FilterHeadersStatusValues.StopIteration;
    }
    return FilterHeadersStatusValues.Continue;
  }

  onResponseHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const response = stream_context.headers.response;
    response.add("x-as-stamp", this.root().stamp);
    const user = String.UTF8.decode(get_property("as_headers\0user"));
    if (user.length > 0) {
      response.add("x-as-user", user);
    }
    if (response.get("x-internal").length > 0) {
      response.remove("x-internal");
    }
    // Envoy's upstream attributes: which upstream answered, and from which local address the proxy reached it
    const upstream = propertyOrEmpty("upstream\0address");
    if (upstream.length > 0) {
      response.add("x-as-upstream", upstream + " from " + propertyOrEmpty("upstream\0local_address"));
    }
    return FilterHeadersStatusValues.Continue;
  }

  onLog(): void {
    const status = stream_context.headers.response.get(":status");
    log(LogLevelValues.info, "as_headers: " + this.method + " " + this.path + " -> " + status);
  }
}

// Runs with the stream as the effective context (the SDK sets it before calling back).
function onAuthResponse(origin: Context, headers: u32, body_size: usize, trailers: u32): void {
  const status = stream_context.headers.http_callback.get(":status");
  const body = String.UTF8.decode(get_buffer_bytes(BufferTypeValues.HttpCallResponseBody, 0, <u32>body_size));
  if (status == "200") {
    stream_context.headers.request.add("x-auth-result", body);
    continue_request();
  } else {
    const code = status.length == 0 ? "none" : status;
    send_local_response(401, "as_headers_auth_denied", String.UTF8.encode("auth said " + code), [],
      GrpcStatusValues.InvalidCode);
  }
}

registerRootContext((context_id: u32): RootContext => new AsHeadersRoot(context_id), "as_headers");

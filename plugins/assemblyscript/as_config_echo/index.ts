// as_config_echo: the smallest plugin shape the AssemblyScript SDK documents: the SDK's own onConfigure stores the
// plugin configuration, and every response gets it back as x-config (or "none" when empty). It keeps the SDK
// 0.1.8 configuration path (which passes the configuration size as the return_size pointer) under test.
//
// Never pass `cond ? "literal" : managedLocal` straight as a call argument: assemblyscript 0.14.13 aliases the local
// into a temporary without __retain in that branch and then __releases both, one release too many per call. Here that
// freed the root context's configuration string after the first stream, and the second stream's getConfiguration()
// aborted in ~lib/rt/pure.ts(112:14) (retain of a freed block) -> proc_exit(255). An if/else keeps the count right.
export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context,
} from "@solo-io/proxy-runtime";

class EchoRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new EchoStream(context_id, this);
  }
}

class EchoStream extends Context {
  constructor(context_id: u32, root_context: EchoRoot) {
    super(context_id, root_context);
  }

  onResponseHeaders(count: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const configuration = this.root_context.getConfiguration();
    let value = "none";
    if (configuration.length > 0) {
      value = configuration;
    }
    stream_context.headers.response.add("x-config", value);
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32): RootContext => new EchoRoot(context_id), "as_config_echo");

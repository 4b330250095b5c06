// as_config_echo: the smallest plugin shape the AssemblyScript SDK documents: the SDK's own onConfigure stores the
// plugin configuration, and every response gets it back as x-config (or "none" when empty). It keeps the SDK
// 0.1.8 configuration path (which passes the configuration size as the return_size pointer) under test.
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
    stream_context.headers.response.add("x-config", configuration.length == 0 ? "none" : configuration);
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32): RootContext => new EchoRoot(context_id), "as_config_echo");

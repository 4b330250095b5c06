package io.wasmplane.dataplane.http;

import io.wasmplane.dataplane.accesslog.AccessLogger;
import io.wasmplane.dataplane.config.HcmConfig;
import java.util.List;

/** Everything an HTTP connection manager needs at run time, built once from its config; immutable. */
public record HcmRuntime(HcmConfig config, List<HttpFilterFactory> filterFactories, HcmStats stats, List<AccessLogger> accessLoggers) {}

package io.wasmplane.dataplane.config;

/** Identity of this data plane (Bootstrap.node, overridable by --service-node / --service-cluster). */
public record NodeInfo(String id, String cluster) {}

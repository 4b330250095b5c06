package io.wasmplane.dataplane.config;

import java.util.List;

/** A virtual host: the domains it serves and its ordered routes. */
public record VirtualHostConfig(String name, List<String> domains, List<RouteEntry> routes) {}

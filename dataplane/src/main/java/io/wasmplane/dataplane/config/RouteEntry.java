package io.wasmplane.dataplane.config;

/** One route: what it matches and what it does. */
public record RouteEntry(String name, RouteMatchSpec match, RouteAction action) {}

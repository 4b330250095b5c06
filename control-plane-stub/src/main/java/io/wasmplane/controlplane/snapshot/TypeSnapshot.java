package io.wasmplane.controlplane.snapshot;

import java.util.SortedMap;

/** All resources of one type for one node; {@code version} is a digest of their names and versions. */
public record TypeSnapshot(String version, SortedMap<String, XdsResource> resources) {}

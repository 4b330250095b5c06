package io.wasmplane.dataplane.filters.ratelimit;

/** One key/value entry of a rate limit descriptor (a descriptor is a list of them, compared whole). */
record DescriptorEntry(String key, String value) {}

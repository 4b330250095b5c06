package io.wasmplane.controlplane;

import io.wasmplane.controlplane.xds.NodeStatusRegistry.NodeStatus;
import java.util.List;

/** The JSON document served at /status. */
public record StatusReport(String config, long generation, String loadedAt, String lastError, String lastErrorAt,
    List<NodeStatus> nodes) {}

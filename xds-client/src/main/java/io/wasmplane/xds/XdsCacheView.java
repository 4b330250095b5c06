package io.wasmplane.xds;

import io.wasmplane.xds.resource.ResourceType;
import java.util.List;

/** Read-only, thread-safe view of the client's cache (for /config_dump and tests). */
public interface XdsCacheView {
  /** The resources of one type, sorted by name. */
  List<ResourceSnapshot> resources(ResourceType<?, ?> type);

  /** The last accepted version_info of a type (delta: system_version_info); empty before the first ACK. */
  String versionInfo(ResourceType<?, ?> type);

  /** True while an ADS stream is established. */
  boolean connected();
}

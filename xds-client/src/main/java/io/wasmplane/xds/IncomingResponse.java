package io.wasmplane.xds;

import com.google.protobuf.Any;
import java.util.List;

/**
 * A DiscoveryResponse or DeltaDiscoveryResponse reduced to what the client processes.
 *
 * @param versionInfo SotW version_info, or delta system_version_info
 * @param removed delta removed_resources (always empty in SotW)
 */
record IncomingResponse(String typeUrl, String versionInfo, String nonce, List<Resource> resources,
    List<String> removed, boolean delta) {

  /**
   * One resource of a response.
   *
   * @param name the delta Resource.name; null in SotW (the name comes from the payload)
   * @param version SotW: the response's version_info; delta: Resource.version
   * @param payload the resource; null when a delta Resource carries none
   */
  record Resource(String name, String version, Any payload) {}
}

package io.wasmplane.xds.resource;

import com.google.protobuf.Message;

/** A validated, immutable xDS resource as handed to watchers. */
public interface XdsResource {
  /** The resource name (listener name, route config name, cluster name, EDS cluster_name, ECDS name). */
  String name();

  /** The validated proto; protos are immutable, so sharing it is safe. */
  Message proto();
}

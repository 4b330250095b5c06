package io.wasmplane.xds.resource;

import java.util.List;
import java.util.Optional;

/** The resource types the client knows, in the order Envoy subscribes on a new ADS stream (CDS, EDS, LDS, RDS). */
public final class ResourceTypes {
  public static final List<ResourceType<?, ?>> ALL = List.of(ClusterResource.INSTANCE, EndpointResource.INSTANCE,
      ListenerResource.INSTANCE, RouteConfigurationResource.INSTANCE, ExtensionConfigResource.INSTANCE, SecretResource.INSTANCE);

  private ResourceTypes() { }

  public static Optional<ResourceType<?, ?>> byTypeUrl(String typeUrl) {
    return ALL.stream().filter(t -> t.typeUrl().equals(typeUrl)).findFirst();
  }
}

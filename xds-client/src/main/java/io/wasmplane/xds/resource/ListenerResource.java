package io.wasmplane.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** LDS: {@code envoy.config.listener.v3.Listener}. */
public final class ListenerResource extends ResourceType<Listener, ListenerUpdate> {
  public static final String TYPE_URL = "type.googleapis.com/envoy.config.listener.v3.Listener";
  public static final ListenerResource INSTANCE = new ListenerResource();

  static final String HCM_TYPE_URL = "type.googleapis.com/"
      + HttpConnectionManager.getDescriptor().getFullName();

  private ListenerResource() {
    super(TYPE_URL, "lds", Listener.class, true);
  }

  @Override
  protected String nameOf(Listener message) {
    return message.getName();
  }

  @Override
  protected ListenerUpdate validate(String name, Listener listener) throws ResourceInvalidException {
    if (!listener.hasAddress() && !listener.hasApiListener()) {
      throw new ResourceInvalidException("address is required");
    }
    if (listener.getFilterChainsCount() == 0 && !listener.hasDefaultFilterChain() && !listener.hasApiListener()) {
      throw new ResourceInvalidException("no filter chains specified");
    }
    Map<String, ConfigSource> routes = new LinkedHashMap<>();
    Map<String, ConfigSource> ecds = new LinkedHashMap<>();
    List<FilterChain> chains = new ArrayList<>(listener.getFilterChainsList());
    for (int i = 0; i < chains.size(); i++) {
      validateChain("filter_chains[" + i + "]", chains.get(i), routes, ecds);
    }
    if (listener.hasDefaultFilterChain()) {
      validateChain("default_filter_chain", listener.getDefaultFilterChain(), routes, ecds);
    }
    return new ListenerUpdate(name, listener, routes, ecds);
  }

  private static void validateChain(String where, FilterChain chain, Map<String, ConfigSource> routes,
      Map<String, ConfigSource> ecds)
      throws ResourceInvalidException {
    for (int i = 0; i < chain.getFiltersCount(); i++) {
      Filter filter = chain.getFilters(i);
      String at = where + ".filters[" + i + "]";
      if (filter.getName().isEmpty()) {
        throw new ResourceInvalidException(at + ": name is required");
      }
      if (filter.hasTypedConfig() && HCM_TYPE_URL.equals(filter.getTypedConfig().getTypeUrl())) {
        validateHcm(at + " '" + filter.getName() + "'", filter.getTypedConfig(), routes, ecds);
      }
    }
  }

  private static void validateHcm(String at, Any any, Map<String, ConfigSource> routes,
      Map<String, ConfigSource> ecds)
      throws ResourceInvalidException {
    HttpConnectionManager hcm;
    try {
      hcm = any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceInvalidException(at + ": malformed HttpConnectionManager: " + e.getMessage());
    }
    switch (hcm.getRouteSpecifierCase()) {
      case RDS -> {
        String rds = hcm.getRds().getRouteConfigName();
        if (rds.isEmpty()) {
          throw new ResourceInvalidException(at + ": rds.route_config_name is required");
        }
        if (!hcm.getRds().hasConfigSource()) {
          throw new ResourceInvalidException(at + ": rds.config_source is required");
        }
        routes.putIfAbsent(rds, hcm.getRds().getConfigSource());
      }
      case ROUTE_CONFIG -> { }
      case SCOPED_ROUTES -> throw new ResourceInvalidException(at + ": scoped_routes is not supported");
      default -> throw new ResourceInvalidException(at + ": one of rds or route_config is required");
    }
    for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
      HttpFilter f = hcm.getHttpFilters(i);
      String fat = at + ".http_filters[" + i + "]";
      if (f.getName().isEmpty()) {
        throw new ResourceInvalidException(fat + ": name is required");
      }
      if (f.hasConfigDiscovery()) {
        var cd = f.getConfigDiscovery();
        if (!cd.hasConfigSource()) {
          throw new ResourceInvalidException(fat + " '" + f.getName() + "': config_discovery.config_source is required");
        }
        if (cd.getTypeUrlsCount() == 0) {
          throw new ResourceInvalidException(fat + " '" + f.getName() + "': config_discovery.type_urls is empty");
        }
        // The ECDS resource name is the filter's name.
        ecds.putIfAbsent(f.getName(), cd.getConfigSource());
      }
    }
  }
}

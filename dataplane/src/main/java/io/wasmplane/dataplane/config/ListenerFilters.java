package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.LoggerFactory;

/** Translates a listener's {@code listener_filters} and their timeout into a {@link ListenerFiltersConfig}. */
final class ListenerFilters {
  static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
  static final String HTTP_INSPECTOR = "envoy.filters.listener.http_inspector";
  static final String PROXY_PROTOCOL = "envoy.filters.listener.proxy_protocol";
  static final String ORIGINAL_DST = "envoy.filters.listener.original_dst";

  private ListenerFilters() {}

  static ListenerFiltersConfig translate(Listener l, List<FilterChainConfig> chains, String where) {
    boolean tls = false;
    boolean http = false;
    Optional<PortPredicate> tlsDisabled = Optional.empty();
    Optional<PortPredicate> httpDisabled = Optional.empty();
    Optional<ProxyProtocolConfig> proxyProtocol = Optional.empty();
    boolean originalDst = false;
    for (int i = 0; i < l.getListenerFiltersCount(); i++) {
      ListenerFilter f = l.getListenerFilters(i);
      String w = where + ".listener_filters[" + i + "]";
      FieldGuard.onlySupported(f, w, Set.of("name", "typed_config", "filter_disabled"));
      Optional<PortPredicate> disabled = f.hasFilterDisabled()
          ? Optional.of(PortPredicate.translate(f.getFilterDisabled(), w + ".filter_disabled")) : Optional.empty();
      String typeUrl = f.getTypedConfig().getTypeUrl();
      String type = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
      if (type.equals(TlsInspector.getDescriptor().getFullName()) || (typeUrl.isEmpty() && f.getName().equals(TLS_INSPECTOR))) {
        if (!typeUrl.isEmpty()) {
          TlsInspector t = BootstrapTranslator.unpack(f.getTypedConfig(), TlsInspector.class, w + ".typed_config");
          // The read buffer size only tunes how much is peeked per read; JA3 would need a fingerprint nobody reads here.
          FieldGuard.onlySupported(t, w + ".typed_config", Set.of("initial_read_buffer_size"));
        }
        tls = true;
        tlsDisabled = disabled;
      } else if (type.equals(HttpInspector.getDescriptor().getFullName()) || (typeUrl.isEmpty() && f.getName().equals(HTTP_INSPECTOR))) {
        if (!typeUrl.isEmpty()) {
          FieldGuard.onlySupported(BootstrapTranslator.unpack(f.getTypedConfig(), HttpInspector.class, w + ".typed_config"),
              w + ".typed_config", Set.of());
        }
        http = true;
        httpDisabled = disabled;
      } else if (type.equals(ProxyProtocol.getDescriptor().getFullName()) || (typeUrl.isEmpty() && f.getName().equals(PROXY_PROTOCOL))) {
        // The header is read before every other listener filter, wherever it is listed (it must come off first).
        noFilterDisabled(f, w);
        proxyProtocol = Optional.of(ProxyProtocolFilter.translate(typeUrl.isEmpty() ? ProxyProtocol.getDefaultInstance()
            : BootstrapTranslator.unpack(f.getTypedConfig(), ProxyProtocol.class, w + ".typed_config"), w + ".typed_config"));
      } else if (type.equals(OriginalDst.getDescriptor().getFullName()) || (typeUrl.isEmpty() && f.getName().equals(ORIGINAL_DST))) {
        noFilterDisabled(f, w);
        if (!typeUrl.isEmpty()) {
          FieldGuard.onlySupported(BootstrapTranslator.unpack(f.getTypedConfig(), OriginalDst.class, w + ".typed_config"),
              w + ".typed_config", Set.of());
        }
        originalDst = true;
      } else {
        throw new ConfigException(w + ": unsupported listener filter '" + f.getName() + "'"
            + (type.isEmpty() ? "" : " (" + type + ")") + " (supported: " + TLS_INSPECTOR + ", " + HTTP_INSPECTOR + ", "
            + PROXY_PROTOCOL + ", " + ORIGINAL_DST + ")");
      }
    }
    if (!tls && chains.stream().anyMatch(c -> c.match().needsTlsInspector())) {
      // Envoy injects the TLS inspector when a chain's match needs what only the ClientHello tells.
      LoggerFactory.getLogger(ListenerFilters.class).warn("event=tls_inspector_injected listener={} reason=\"filter chain match "
          + "rules need the TLS inspector listener filter, which is not configured\"", l.getName());
      tls = true;
      tlsDisabled = Optional.empty();
    }
    Duration timeout = l.hasListenerFiltersTimeout() ? BootstrapTranslator.duration(l.getListenerFiltersTimeout())
        : ListenerFiltersConfig.DEFAULT_TIMEOUT;
    return new ListenerFiltersConfig(tls, http, timeout, l.getContinueOnListenerFiltersTimeout(), tlsDisabled, httpDisabled,
        proxyProtocol, originalDst);
  }

  private static void noFilterDisabled(ListenerFilter f, String where) {
    if (f.hasFilterDisabled()) {
      throw new ConfigException(where + ".filter_disabled: not supported for '" + f.getName() + "' (only for the TLS and HTTP "
          + "inspectors)");
    }
  }
}

package io.wasmplane.dataplane.filters.rbac;

import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.wasmplane.dataplane.config.HeaderMatcherSpec;
import io.wasmplane.dataplane.config.IpPrefix;
import io.wasmplane.dataplane.config.MetadataMatcherSpec;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.config.StringMatch;
import io.wasmplane.dataplane.tls.ConnectionTls;
import java.net.InetSocketAddress;
import java.util.List;

/** One compiled RBAC permission or principal (config.rbac.v3.Permission / Principal); immutable. */
interface RbacRule {
  boolean matches(RbacInput in);

  /** {@code any: true}. */
  record Any() implements RbacRule {
    @Override
    public boolean matches(RbacInput in) {
      return true;
    }
  }

  /** and_rules / and_ids. */
  record All(List<RbacRule> rules) implements RbacRule {
    @Override
    public boolean matches(RbacInput in) {
      for (RbacRule r : rules) {
        if (!r.matches(in)) {
          return false;
        }
      }
      return true;
    }
  }

  /** or_rules / or_ids, and a policy's permissions / principals lists. */
  record AnyOf(List<RbacRule> rules) implements RbacRule {
    @Override
    public boolean matches(RbacInput in) {
      for (RbacRule r : rules) {
        if (r.matches(in)) {
          return true;
        }
      }
      return false;
    }
  }

  /** not_rule / not_id. */
  record Not(RbacRule rule) implements RbacRule {
    @Override
    public boolean matches(RbacInput in) {
      return !rule.matches(in);
    }
  }

  /** header: a route.v3.HeaderMatcher on the request headers (the network filter has none: all missing). */
  record Header(HeaderMatcherSpec matcher) implements RbacRule {
    private static final RequestFacts NO_REQUEST = new RequestFacts(null, null, null, null, EmptyHttpHeaders.INSTANCE, null);

    @Override
    public boolean matches(RbacInput in) {
      return matcher.matches(in.request() == null ? NO_REQUEST : in.request());
    }
  }

  /** url_path: the request path without query and fragment; never matches without a request. */
  record UrlPath(StringMatch path) implements RbacRule {
    @Override
    public boolean matches(RbacInput in) {
      if (in.request() == null || in.request().path() == null) {
        return false;
      }
      String p = in.request().path();
      int hash = p.indexOf('#');
      return path.matches(hash < 0 ? p : p.substring(0, hash));
    }
  }

  /** Which address an IP rule reads. */
  enum AddressSource { DESTINATION, REMOTE, DIRECT_REMOTE }

  /** destination_ip, remote_ip, direct_remote_ip and the deprecated source_ip (= direct_remote_ip). */
  record Ip(AddressSource source, IpPrefix prefix) implements RbacRule {
    @Override
    public boolean matches(RbacInput in) {
      InetSocketAddress a = switch (source) {
        case DESTINATION -> in.local();
        case REMOTE -> in.remote();
        case DIRECT_REMOTE -> in.directRemote();
      };
      return a != null && a.getAddress() != null && prefix.contains(a.getAddress());
    }
  }

  /** destination_port (start == end - 1) and destination_port_range [start, end). */
  record DestinationPort(int start, int end) implements RbacRule {
    @Override
    public boolean matches(RbacInput in) {
      int port = in.local() == null ? -1 : in.local().getPort();
      return port >= start && port < end;
    }
  }

  /** requested_server_name: the TLS SNI ("" when none). */
  record ServerName(StringMatch name) implements RbacRule {
    @Override
    public boolean matches(RbacInput in) {
      return name.matches(in.requestedServerName());
    }
  }

  /**
   * authenticated: a TLS connection; with principal_name, Envoy's order: any URI SAN of the peer certificate, then any
   * DNS SAN, then its subject (RFC 2253).
   */
  record Authenticated(StringMatch principalName) implements RbacRule {
    @Override
    public boolean matches(RbacInput in) {
      if (in.tls() == null) {
        return false;
      }
      if (principalName == null) {
        return true;
      }
      if (in.tls().peer().isEmpty()) {
        return principalName.matches("");
      }
      ConnectionTls.CertFacts peer = in.tls().peer().get();
      for (String uri : peer.uriSans()) {
        if (principalName.matches(uri)) {
          return true;
        }
      }
      for (String dns : peer.dnsSans()) {
        if (principalName.matches(dns)) {
          return true;
        }
      }
      return principalName.matches(peer.subject());
    }
  }

  /** metadata: a MetadataMatcher on the stream's dynamic metadata (e.g. the JWT payload jwt_authn wrote). */
  record Metadata(MetadataMatcherSpec matcher) implements RbacRule {
    @Override
    public boolean matches(RbacInput in) {
      return matcher.matches(in.metadata());
    }
  }
}

package io.wasmplane.dataplane.filters.jwt;

import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement.RequiresTypeCase;
import io.wasmplane.dataplane.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A compiled jwt_authn JwtRequirement tree, evaluated as Envoy's verifiers: a provider (optionally with its own
 * audiences), requires_any (first OK wins; otherwise the most telling error, allow_missing / allow_missing_or_failed
 * children forgiving a missing token / any failure), requires_all (first failure), allow_missing,
 * allow_missing_or_failed, and "no requirement" (always OK).
 */
interface JwtRequirement {
  JwtStatus verify(JwtAuthenticator.VerifyContext ctx);

  /** Everything the leaves need besides the request: all providers, by name and by issuer, and their joint locations. */
  record Providers(Map<String, JwtProviderSpec> byName, Map<String, JwtProviderSpec> byIssuer, TokenLocations all) {}

  static JwtRequirement compile(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement r, Providers ps, String where) {
    return switch (r.getRequiresTypeCase()) {
      case PROVIDER_NAME -> new Provider(provider(r.getProviderName(), ps, where + ".provider_name"), null);
      case PROVIDER_AND_AUDIENCES -> new Provider(provider(r.getProviderAndAudiences().getProviderName(), ps,
          where + ".provider_and_audiences.provider_name"), List.copyOf(r.getProviderAndAudiences().getAudiencesList()));
      case REQUIRES_ANY -> {
        List<JwtRequirement> children = new ArrayList<>();
        boolean allowMissing = false;
        boolean allowFailed = false;
        var list = r.getRequiresAny().getRequirementsList();
        if (list.size() < 2) {
          throw new ConfigException(where + ".requires_any.requirements: at least two are required");
        }
        for (int i = 0; i < list.size(); i++) {
          var c = list.get(i);
          if (c.getRequiresTypeCase() == RequiresTypeCase.ALLOW_MISSING) {
            allowMissing = true;
          } else if (c.getRequiresTypeCase() == RequiresTypeCase.ALLOW_MISSING_OR_FAILED) {
            allowFailed = true;
          } else {
            children.add(compile(c, ps, where + ".requires_any.requirements[" + i + "]"));
          }
        }
        if (children.isEmpty()) {
          children.add(new AnyProvider(ps, allowFailed)); // only allow_missing(_or_failed) children
        }
        yield new Any(List.copyOf(children), allowMissing, allowFailed);
      }
      case REQUIRES_ALL -> {
        var list = r.getRequiresAll().getRequirementsList();
        if (list.size() < 2) {
          throw new ConfigException(where + ".requires_all.requirements: at least two are required");
        }
        List<JwtRequirement> children = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          children.add(compile(list.get(i), ps, where + ".requires_all.requirements[" + i + "]"));
        }
        yield new All(List.copyOf(children));
      }
      case ALLOW_MISSING -> new AnyProvider(ps, false);
      case ALLOW_MISSING_OR_FAILED -> new AnyProvider(ps, true);
      case REQUIRESTYPE_NOT_SET -> ctx -> JwtStatus.OK;
    };
  }

  private static JwtProviderSpec provider(String name, Providers ps, String where) {
    JwtProviderSpec p = ps.byName().get(name);
    if (p == null) {
      throw new ConfigException(where + ": required provider '" + name + "' is not configured (providers: "
          + new java.util.TreeSet<>(ps.byName().keySet()) + ")");
    }
    return p;
  }

  /** provider_name / provider_and_audiences. */
  record Provider(JwtProviderSpec provider, List<String> audiences) implements JwtRequirement {
    @Override
    public JwtStatus verify(JwtAuthenticator.VerifyContext ctx) {
      return JwtAuthenticator.verify(ctx, provider, audiences, provider.locations(), null);
    }
  }

  /** allow_missing (a missing token is OK, a bad one fails) and allow_missing_or_failed (always OK, good tokens still count). */
  record AnyProvider(Providers providers, boolean allowFailed) implements JwtRequirement {
    @Override
    public JwtStatus verify(JwtAuthenticator.VerifyContext ctx) {
      JwtStatus s = JwtAuthenticator.verify(ctx, null, null, providers.all(), providers.byIssuer());
      return s == JwtStatus.MISSING || allowFailed ? JwtStatus.OK : s;
    }
  }

  record Any(List<JwtRequirement> children, boolean allowMissing, boolean allowFailed) implements JwtRequirement {
    @Override
    public JwtStatus verify(JwtAuthenticator.VerifyContext ctx) {
      JwtStatus worst = JwtStatus.MISSING;
      for (JwtRequirement c : children) {
        JwtStatus s = c.verify(ctx);
        if (s == JwtStatus.OK) {
          return s;
        }
        // Prefer errors other than missing / unknown issuer; then unknown issuer over missing (Envoy's order).
        if ((s != JwtStatus.MISSING && s != JwtStatus.UNKNOWN_ISSUER) || worst == JwtStatus.MISSING) {
          worst = s;
        }
      }
      if (allowFailed || (allowMissing && worst == JwtStatus.MISSING)) {
        return JwtStatus.OK;
      }
      return worst;
    }
  }

  record All(List<JwtRequirement> children) implements JwtRequirement {
    @Override
    public JwtStatus verify(JwtAuthenticator.VerifyContext ctx) {
      for (JwtRequirement c : children) {
        JwtStatus s = c.verify(ctx);
        if (s != JwtStatus.OK) {
          return s;
        }
      }
      return JwtStatus.OK;
    }
  }
}

package io.wasmplane.dataplane.jwt;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** jwt_authn configs that cannot be honoured are refused at load, naming the field and the cause. */
class JwtAuthnConfigTest {
  private static final String KEYS = "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"c2VjcmV0\"}]}";

  private static String bootstrap(String jwtAuthn) {
    return Bootstraps.withRouteConfig("name: r\nvirtual_hosts: []", null, Bootstraps.staticCluster("c", 9, null),
        java.nio.file.Path.of("/dev/null"), null, """
            - name: envoy.filters.http.jwt_authn
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
            %s
            """.formatted(Bootstraps.indent(jwtAuthn, 4)));
  }

  /** {@code config} is YAML under typed_config; " ;; " separates its top-level keys (a CSV row is one line). */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "providers: {p: {issuer: i, local_jwks: {inline_string: 'not json'}}}|providers[p].local_jwks: not a JSON Web Key Set (invalid JSON",
      "providers: {p: {issuer: i, local_jwks: {inline_string: '{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\"}]}'}}}"
          + "|providers[p].local_jwks.keys[0].e: required",
      "providers: {p: {issuer: i, local_jwks: {inline_string: '{\"keys\":[{\"kty\":\"OKP\",\"x\":\"AQAB\"}]}'}}}"
          + "|providers[p].local_jwks.keys[0].kty: 'OKP' is not supported",
      "providers: {p: {issuer: i, local_jwks: {inline_string: '{\"keys\":[]}'}}}|providers[p].local_jwks: the key set has no keys",
      "providers: {p: {issuer: i}}|providers[p]: local_jwks is required",
      "providers: {p: {issuer: i, remote_jwks: {http_uri: {uri: 'https://x/jwks', cluster: c, timeout: 1s}}}}"
          + "|providers[p].remote_jwks: fetching a JWKS is not supported",
      "providers: {p: {issuer: i, subjects: {prefix: a}, local_jwks: {inline_string: 'KEYS'}}}|providers[p]: unsupported field(s) [subjects]",
      "providers: {p: {issuer: i, local_jwks: {inline_string: 'KEYS'}}} ;; rules: [{match: {prefix: /}, requires: {provider_name: nope}}]"
          + "|rules[0].requires.provider_name: required provider 'nope' is not configured (providers: [p])",
      "providers: {p: {issuer: i, local_jwks: {inline_string: 'KEYS'}}} ;; rules: [{match: {prefix: /}, requirement_name: nope}]"
          + "|rules[0].requirement_name: Wrong requirement_name: nope. It should be one of []",
      "providers: {p: {issuer: i, local_jwks: {inline_string: 'KEYS'}}} ;; rules: [{match: {prefix: /}, requires: "
          + "{requires_any: {requirements: [{provider_name: p}]}}}]|rules[0].requires.requires_any.requirements: at least two",
      "providers: {p: {issuer: i, local_jwks: {inline_string: 'KEYS'}}} ;; filter_state_rules: {name: x}|typed_config: unsupported field(s) [filter_state_rules]",
  })
  void isRefusedNamingTheField(String config, String message) {
    assertThatThrownBy(() -> Bootstraps.start(bootstrap(config.replace(" ;; ", "\n").replace("KEYS", KEYS))))
        .isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }
}

package io.wasmplane.dataplane.config;

/** route.v3.QueryParameterMatcher: the first value of a query parameter (URL-decoded) matched, or just present. */
public record QueryParameterMatch(String name, StringMatch value) {

  /** {@code firstValue} is null when the parameter is absent. */
  public boolean matches(String firstValue) {
    if (firstValue == null) {
      return false;
    }
    return value == null || value.matches(firstValue);
  }
}

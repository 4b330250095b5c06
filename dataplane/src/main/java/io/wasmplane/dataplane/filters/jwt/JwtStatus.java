package io.wasmplane.dataplane.filters.jwt;

/** The outcome of verifying a request's JWT, with jwt_verify_lib's message (Envoy's local reply body). */
enum JwtStatus {
  OK("OK"),
  MISSING("Jwt is missing"),
  EXPIRED("Jwt is expired"),
  NOT_YET_VALID("Jwt not yet valid"),
  BAD_FORMAT("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"),
  HEADER_BAD_BASE64("Jwt header is an invalid Base64url encoded"),
  HEADER_BAD_JSON("Jwt header is an invalid JSON"),
  HEADER_BAD_ALG("Jwt header [alg] field is required and must be a string"),
  HEADER_ALG_NOT_SUPPORTED("Jwt header [alg] is not supported"),
  PAYLOAD_BAD_BASE64("Jwt payload is an invalid Base64url encoded"),
  PAYLOAD_BAD_JSON("Jwt payload is an invalid JSON"),
  SIGNATURE_BAD_BASE64("Jwt signature is an invalid Base64url encoded"),
  VERIFICATION_FAILS("Jwt verification fails"),
  UNKNOWN_ISSUER("Jwt issuer is not configured"),
  AUDIENCE_NOT_ALLOWED("Audiences in Jwt are not allowed"),
  KID_ALG_MISMATCH("Jwks doesn't have key to match kid or alg from Jwt");

  final String message;

  JwtStatus(String message) {
    this.message = message;
  }

  /** Envoy answers 403 for a wrong audience, 401 for every other failure. */
  int httpStatus() {
    return this == AUDIENCE_NOT_ALLOWED ? 403 : 401;
  }

  /** The response code details: jwt_authn_access_denied{<message with spaces as '_'>}. */
  String details() {
    return "jwt_authn_access_denied{" + message.replace(' ', '_') + "}";
  }
}

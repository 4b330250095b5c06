package io.wasmplane.xds.resource;

/** Thrown by a resource type's validation; the message becomes part of the NACK's error_detail. */
public final class ResourceInvalidException extends Exception {
  public ResourceInvalidException(String message) {
    super(message, null, false, false);
  }
}

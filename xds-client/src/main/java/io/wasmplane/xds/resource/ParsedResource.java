package io.wasmplane.xds.resource;

import java.util.Objects;

/**
 * Outcome of parsing one {@code Any}: either a valid update or an error. The name is known whenever the
 * payload could be unpacked, even if validation failed (so a rejected resource is not mistaken for a removed one).
 */
public final class ParsedResource<T extends XdsResource> {
  private final String name;
  private final T update;
  private final String error;

  private ParsedResource(String name, T update, String error) {
    this.name = name;
    this.update = update;
    this.error = error;
  }

  static <T extends XdsResource> ParsedResource<T> valid(T update) {
    return new ParsedResource<>(update.name(), Objects.requireNonNull(update), null);
  }

  static <T extends XdsResource> ParsedResource<T> invalid(String nameOrNull, String error) {
    return new ParsedResource<>(nameOrNull, null, Objects.requireNonNull(error));
  }

  /** The resource name, or null when the payload could not even be unpacked. */
  public String name() {
    return name;
  }

  public boolean isValid() {
    return update != null;
  }

  /** The validated update; null when invalid. */
  public T update() {
    return update;
  }

  /** Why the resource is invalid; null when valid. */
  public String error() {
    return error;
  }
}

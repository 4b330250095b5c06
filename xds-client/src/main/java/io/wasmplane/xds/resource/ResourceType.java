package io.wasmplane.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

/**
 * One xDS resource type: its type URL, how it is subscribed, and how an {@code Any} becomes a validated update.
 * Validation covers what a client can know on its own (structure, required fields, embedded protos); anything that
 * needs the rest of the configuration (unknown clusters, plugin code) is the subscriber's verdict.
 *
 * @param <M> the proto message
 * @param <T> the validated update handed to watchers
 */
public abstract class ResourceType<M extends Message, T extends XdsResource> {
  private final String typeUrl;
  private final String statPrefix;
  private final Class<M> protoClass;
  private final boolean stateOfTheWorldIsFullState;

  protected ResourceType(String typeUrl, String statPrefix, Class<M> protoClass, boolean fullState) {
    this.typeUrl = typeUrl;
    this.statPrefix = statPrefix;
    this.protoClass = protoClass;
    this.stateOfTheWorldIsFullState = fullState;
  }

  public final String typeUrl() {
    return typeUrl;
  }

  /** Short name used as stats prefix and in logs: lds, rds, cds, eds, ecds. */
  public final String statPrefix() {
    return statPrefix;
  }

  /**
   * True for LDS and CDS: a state-of-the-world response carries every resource, so absent ones are removed, and
   * the type supports wildcard subscriptions.
   */
  public final boolean isFullStateInSotw() {
    return stateOfTheWorldIsFullState;
  }

  /** Unpacks, checks the type URL and validates. Never throws. */
  public final ParsedResource<T> parse(Any any) {
    if (!typeUrl.equals(any.getTypeUrl())) {
      return ParsedResource.invalid(null, "type URL '" + any.getTypeUrl() + "' is not " + typeUrl);
    }
    M message;
    try {
      message = any.unpack(protoClass);
    } catch (InvalidProtocolBufferException e) {
      return ParsedResource.invalid(null, "malformed " + protoClass.getSimpleName() + ": " + e.getMessage());
    }
    String name = nameOf(message);
    if (name.isEmpty()) {
      return ParsedResource.invalid(null, protoClass.getSimpleName() + " has no name");
    }
    try {
      return ParsedResource.valid(validate(name, message));
    } catch (ResourceInvalidException e) {
      return ParsedResource.invalid(name, e.getMessage());
    } catch (RuntimeException e) {
      return ParsedResource.invalid(name, "cannot validate: " + e);
    }
  }

  protected abstract String nameOf(M message);

  protected abstract T validate(String name, M message) throws ResourceInvalidException;

  @Override
  public String toString() {
    return statPrefix;
  }
}

package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;

/** ECDS: {@code envoy.config.core.v3.TypedExtensionConfig}. */
public final class ExtensionConfigResource extends ResourceType<TypedExtensionConfig, ExtensionConfigUpdate> {
  public static final String TYPE_URL = "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig";
  public static final ExtensionConfigResource INSTANCE = new ExtensionConfigResource();

  private ExtensionConfigResource() {
    super(TYPE_URL, "ecds", TypedExtensionConfig.class, false);
  }

  @Override
  protected String nameOf(TypedExtensionConfig message) {
    return message.getName();
  }

  @Override
  protected ExtensionConfigUpdate validate(String name, TypedExtensionConfig config) throws ResourceInvalidException {
    if (!config.hasTypedConfig() || config.getTypedConfig().getTypeUrl().isEmpty()) {
      throw new ResourceInvalidException("typed_config is required");
    }
    return new ExtensionConfigUpdate(name, config, config.getTypedConfig().getTypeUrl());
  }
}

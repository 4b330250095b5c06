package io.wasmplane.dataplane.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads an Envoy v3 Bootstrap from YAML or JSON: YAML becomes JSON, then protobuf JSON with our type registry. */
public final class BootstrapLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private BootstrapLoader() {}

  public static Bootstrap fromFile(Path path) {
    String text;
    try {
      text = Files.readString(path);
    } catch (NoSuchFileException e) {
      throw new ConfigException("bootstrap file " + path + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read bootstrap file " + path + ": " + e.getMessage(), e);
    }
    return fromText(text, path.toString());
  }

  /** Parses YAML (JSON is valid YAML); {@code origin} names the source in errors. */
  public static Bootstrap fromText(String text, String origin) {
    JsonNode tree;
    try {
      tree = YAML.readTree(text);
    } catch (IOException e) {
      throw new ConfigException("bootstrap " + origin + " is not valid YAML/JSON: " + firstLine(e.getMessage()), e);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return Bootstrap.getDefaultInstance();
    }
    if (!tree.isObject()) {
      throw new ConfigException("bootstrap " + origin + " must be a mapping, got " + tree.getNodeType());
    }
    Bootstrap.Builder builder = Bootstrap.newBuilder();
    try {
      EnvoyTypes.PARSER.merge(JSON.writeValueAsString(tree), builder);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("bootstrap " + origin + " is not a valid envoy.config.bootstrap.v3.Bootstrap: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ConfigException("bootstrap " + origin + ": " + e.getMessage(), e);
    }
    return builder.build();
  }

  /** Merges a second YAML document over the first, as Envoy merges --config-yaml over -c. */
  public static Bootstrap merge(Bootstrap base, Bootstrap overlay) {
    return base.toBuilder().mergeFrom(overlay).build();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

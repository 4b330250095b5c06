package io.wasmplane.wasm.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the plugins {@code plugins/build.sh} built from source (system property {@code wasmplane.plugins.dir}). */
public final class Plugins {
  private Plugins() {}

  public static Path dir() {
    String configured = System.getProperty("wasmplane.plugins.dir");
    return configured != null ? Path.of(configured) : Path.of("..", "plugins", "build").toAbsolutePath().normalize();
  }

  /** The bytes of {@code <kind>/<name>.wasm}, e.g. ("c", "c_bench"). */
  public static byte[] bytes(String kind, String name) {
    Path file = dir().resolve(kind).resolve(name + ".wasm");
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("plugin " + file + " is missing: run plugins/build.sh first");
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read plugin " + file, e);
    }
  }
}

package io.wasmplane.dataplane.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Plugin code that must never run: malformed modules (truncated, bad magic, an invalid section, 10 MB of garbage) and
 * well-formed ones the host refuses (an unknown import, a callback with the wrong signature), by case name.
 */
public final class MalformedWasm {
  private static final byte[] HEADER = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

  private MalformedWasm() {}

  public static Map<String, byte[]> cases() {
    byte[] good = wat("hostile_callbacks");
    byte[] badMagic = good.clone();
    badMagic[1] = 'x';
    byte[] garbage = new byte[10 * 1024 * 1024];
    new Random(7).nextBytes(garbage);
    Map<String, byte[]> out = new LinkedHashMap<>();
    out.put("truncated", Arrays.copyOf(good, good.length / 2));
    out.put("bad_magic", badMagic);
    out.put("invalid_section", concat(HEADER, new byte[] {0x7f, 0x01, 0x00})); // section id 0x7f does not exist
    out.put("garbage_10mb", garbage);
    out.put("unknown_import", wat("abi_unknown_import"));
    out.put("wrong_signature", wat("abi_bad_callback"));
    return out;
  }

  /** What the refusal says for each case (a part of the message). */
  public static String cause(String name) {
    return switch (name) {
      case "unknown_import" -> "unknown import env.proxy_frobnicate";
      case "wrong_signature" -> "export proxy_on_configure has signature";
      default -> "not a valid Wasm module";
    };
  }

  private static byte[] wat(String name) {
    Path p = Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "wat", name + ".wasm");
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(p + " is missing: run plugins/build.sh", e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

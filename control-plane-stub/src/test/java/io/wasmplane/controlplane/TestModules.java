package io.wasmplane.controlplane;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Valid, distinct Wasm modules: the 8-byte header plus a custom section carrying a label. */
final class TestModules {
  private TestModules() {}

  static byte[] module(String label) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    byte[] name = "wasmplane-test".getBytes(StandardCharsets.UTF_8);
    byte[] payload = label.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream section = new ByteArrayOutputStream();
    leb(section, name.length);
    section.writeBytes(name);
    section.writeBytes(payload);
    out.write(0);  // custom section id
    leb(out, section.size());
    out.writeBytes(section.toByteArray());
    return out.toByteArray();
  }

  private static void leb(ByteArrayOutputStream out, int v) {
    do {
      int b = v & 0x7f;
      v >>>= 7;
      out.write(v == 0 ? b : b | 0x80);
    } while (v != 0);
  }
}

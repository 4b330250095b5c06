package io.wasmplane.dataplane.config;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rejects messages that set fields we do not implement: silently ignoring a field that changes behaviour would make
 * the proxy do something else than the operator asked for.
 */
final class FieldGuard {
  private FieldGuard() {}

  static void onlySupported(MessageOrBuilder msg, String where, Set<String> supported) {
    Set<String> unsupported = new TreeSet<>();
    for (FieldDescriptor f : msg.getAllFields().keySet()) {
      if (!supported.contains(f.getName())) {
        unsupported.add(f.getName());
      }
    }
    if (!unsupported.isEmpty()) {
      throw new ConfigException(where + ": unsupported field(s) " + unsupported + " in "
          + msg.getDescriptorForType().getFullName() + " (supported: " + new TreeSet<>(supported) + ")");
    }
  }
}

package io.wasmplane.integration.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** Reads the control-plane-stub's /status JSON: per node, per type and per plugin. */
final class StubStatus {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final JsonNode root;

  private StubStatus(JsonNode root) {
    this.root = root;
  }

  static StubStatus of(StubProcess stub) throws IOException, InterruptedException {
    return new StubStatus(JSON.readTree(stub.status()));
  }

  private JsonNode node(String id) {
    for (JsonNode n : root.path("nodes")) {
      if (id.equals(n.path("id").asText())) {
        return n;
      }
    }
    return JSON.missingNode();
  }

  /** A field of a type's status ({@code sentVersion}, {@code ackedVersion}, {@code subscribedWith}, ...), or "". */
  String type(String node, String shortType, String field) {
    return node(node).path("types").path(shortType).path(field).asText("");
  }

  /** A field of a plugin's status ({@code running}, {@code rejected}, {@code rejectError}, ...), or "". */
  String plugin(String node, String filter, String field) {
    for (JsonNode p : node(node).path("plugins")) {
      if (filter.equals(p.path("filter").asText())) {
        JsonNode v = p.path(field);
        return v.isNull() ? "" : v.asText("");
      }
    }
    return "";
  }

  int streams(String node) {
    return node(node).path("streams").asInt();
  }

  @Override
  public String toString() {
    return root.toPrettyString();
  }
}

package io.wasmplane.controlplane.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wasmplane.controlplane.config.EnvoyJson;
import io.wasmplane.controlplane.snapshot.NodeSnapshot;
import io.wasmplane.controlplane.snapshot.TypeSnapshot;
import io.wasmplane.controlplane.snapshot.TypeUrls;
import io.wasmplane.controlplane.snapshot.XdsResource;
import java.io.IOException;

/** Renders a node's snapshot as Envoy JSON, per type: version and resources (with plugin version labels). */
public final class NodeResourcesView {
  private static final ObjectMapper JSON = new ObjectMapper();

  private NodeResourcesView() {}

  public static ObjectNode render(String nodeId, NodeSnapshot snap) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("node", nodeId);
    for (String type : TypeUrls.PUSH_ORDER) {
      TypeSnapshot ts = snap.of(type);
      ObjectNode t = root.putObject(TypeUrls.shortName(type));
      t.put("version", ts.version());
      ArrayNode list = t.putArray("resources");
      for (XdsResource r : ts.resources().values()) {
        ObjectNode o = list.addObject();
        o.put("name", r.name());
        o.put("version", r.version());
        if (r.pluginVersion() != null) {
          o.put("pluginVersion", r.pluginVersion());
        }
        String body;
        try {
          body = EnvoyJson.print(r.body());
        } catch (IllegalStateException e) {
          // A type the stub's JSON registry does not know (it came from the file as JSON, so it parsed): say so.
          o.put("error", e.getMessage());
          continue;
        }
        o.set("resource", JSON.readTree(body));
      }
    }
    return root;
  }
}

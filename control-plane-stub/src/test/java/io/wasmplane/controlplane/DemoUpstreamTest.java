package io.wasmplane.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoUpstreamTest {
  @Test
  void echoesMethodPathHeadersAndBodySize() throws Exception {
    try (DemoUpstream upstream = DemoUpstream.start("127.0.0.1", 0)) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream.port() + "/a/b?c=1"))
              .timeout(Duration.ofSeconds(5))
              .header("X-Demo", "yes")
              .POST(HttpRequest.BodyPublishers.ofString("12345"))
              .build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      JsonNode echo = new ObjectMapper().readTree(r.body());
      assertThat(echo.get("method").asText()).isEqualTo("POST");
      assertThat(echo.get("path").asText()).isEqualTo("/a/b?c=1");
      assertThat(echo.get("headers").get("x-demo").asText()).isEqualTo("yes");
      assertThat(echo.get("body_bytes").asLong()).isEqualTo(5);
    }
  }
}

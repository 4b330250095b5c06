package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsFilterChainUpdateTest.chain;
import static io.wasmplane.dataplane.xds.XdsFilterChainUpdateTest.exchange;
import static io.wasmplane.dataplane.xds.XdsFilterChainUpdateTest.h1;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A listener with a {@code filter_chain_matcher} over LDS: an update that changes only the matcher moves new
 * connections to the other chain without draining the running ones (Envoy), and a matcher naming a chain that does
 * not exist is NACKed naming the field while the last good listener keeps serving.
 */
@Timeout(60)
class XdsFilterChainMatcherTest {
  SmallAdsServer ads;
  Dataplane dp;

  @BeforeEach
  void setUp() throws Exception {
    ads = new SmallAdsServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (dp != null) {
      dp.close();
    }
    ads.close();
  }

  static Matcher.OnMatch action(String chain) {
    return Matcher.OnMatch.newBuilder().setAction(TypedExtensionConfig.newBuilder().setName(chain)
        .setTypedConfig(Any.pack(StringValue.of(chain)))).build();
  }

  /** Connections to {@code port} go to {@code chain}, the others to {@code otherwise}. */
  static Matcher byPort(int port, String chain, String otherwise) {
    return Matcher.newBuilder().setMatcherTree(Matcher.MatcherTree.newBuilder()
            .setInput(TypedExtensionConfig.newBuilder().setName("port").setTypedConfig(Any.pack(DestinationPortInput.getDefaultInstance())))
            .setExactMatchMap(Matcher.MatcherTree.MatchMap.newBuilder().putMap(Integer.toString(port), action(chain))))
        .setOnNoMatch(action(otherwise)).build();
  }

  /** Chains "a" and "b"; their filter_chain_match (http/1.1, h2c) is ignored under the matcher. */
  static Listener listener(int port, Matcher matcher) {
    return XdsFilterChainUpdateTest.listener(port, chain("a", "http/1.1", "chain-a"), chain("b", "h2c", "chain-b")).toBuilder()
        .setFilterChainMatcher(matcher).build();
  }

  @Test
  void aMatcherOnlyUpdateKeepsConnectionsAndABadMatcherIsNacked() throws Exception {
    int port = freePort();
    ads.set(XdsFilterChainUpdateTest.CDS);
    ads.set(XdsFilterChainUpdateTest.LDS, listener(port, byPort(port, "a", "b")));
    dp = Dataplane.start(BootstrapLoader.fromText(Resources.bootstrap("dp-1", "default", ads.port(), "GRPC", "2s"), "test"),
        Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofSeconds(30)));
    await("chain a serves", () -> "chain-a".equals(h1(port)));

    try (Socket kept = new Socket()) {
      kept.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      kept.setSoTimeout(5000);
      assertThat(exchange(kept)[1]).isEqualTo("chain-a");

      ads.set(XdsFilterChainUpdateTest.LDS, listener(port, byPort(port, "b", "a")));
      await("new connections get chain b (an HTTP/1.1 client, though b's ignored match says h2c)", () -> "chain-b".equals(h1(port)));
      String[] again = exchange(kept);
      assertThat(again[1]).as("the running connection keeps its chain").isEqualTo("chain-a");
      assertThat(again[0]).as("not drained: only the matcher changed").doesNotContain("connection: close");
    }

    ads.set(XdsFilterChainUpdateTest.LDS, listener(port, byPort(port, "c", "a")));
    await("NACK naming the field", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(XdsFilterChainUpdateTest.LDS)
        && n.contains("listener web.filter_chain_matcher.matcher_tree.exact_match_map.map[\"" + port + "\"].action.typed_config: "
        + "filter chain 'c' does not exist")));
    assertThat(h1(port)).as("the last good listener keeps serving").isEqualTo("chain-b");
  }
}

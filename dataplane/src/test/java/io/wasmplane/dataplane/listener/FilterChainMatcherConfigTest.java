package io.wasmplane.dataplane.listener;

import static io.wasmplane.dataplane.listener.FilterChainMatchTest.bootstrap;
import static io.wasmplane.dataplane.listener.FilterChainMatchTest.chain;
import static io.wasmplane.dataplane.listener.FilterChainMatcherTest.INPUTS;
import static io.wasmplane.dataplane.listener.FilterChainMatcherTest.action;
import static io.wasmplane.dataplane.listener.FilterChainMatcherTest.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.UnknownFieldSet;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.config.ListenerConfig;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code filter_chain_matcher} configuration: what cannot work is refused naming the listener, the field path and why. */
class FilterChainMatcherConfigTest {
  static final String TWO = chain("a", null, null, "1") + chain("b", null, null, "2");

  private static DataplaneConfig translate(String chains, String listenerExtra) {
    return BootstrapTranslator.translate(BootstrapLoader.fromText(bootstrap(0, chains, listenerExtra), "test"), Optional.empty(),
        Optional.empty());
  }

  /** A matcher_tree on {@code inputType} with one exact entry. */
  static String tree(String inputType, String key, String onMatch) {
    return "filter_chain_matcher: {matcher_tree: {input: " + input(inputType) + ", exact_match_map: {map: {\"" + key + "\": "
        + onMatch + "}}}}";
  }

  @Test
  void anActionNamingNoChainIsRefused() {
    assertThatThrownBy(() -> translate(TWO, tree("DestinationPortInput", "80", action("c"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress.filter_chain_matcher.matcher_tree.exact_match_map.map[\"80\"].action.typed_config: "
            + "filter chain 'c' does not exist (filter chain names: [a, b])");
    String notAName = "{action: {name: x, typed_config: {\"@type\": type.googleapis.com/google.protobuf.UInt32Value, value: 1}}}";
    assertThatThrownBy(() -> translate(TWO, tree("DestinationPortInput", "80", notAName)))
        .hasMessageContaining("map[\"80\"].action.typed_config: unsupported action type 'google.protobuf.UInt32Value'");
  }

  @Test
  void unknownInputsAndMisusedMatchersAreRefused() {
    String filterState = "filter_chain_matcher: {matcher_tree: {input: {name: fs, typed_config: {\"@type\": " + INPUTS
        + "FilterStateInput, key: k}}, exact_match_map: {map: {\"x\": " + action("a") + "}}}}";
    assertThatThrownBy(() -> translate(TWO, filterState))
        .hasMessageContaining("listener ingress.filter_chain_matcher.matcher_tree.input.typed_config: unsupported input type "
            + "'envoy.extensions.matching.common_inputs.network.v3.FilterStateInput'");
    String trieOnPort = "filter_chain_matcher: {matcher_tree: {input: " + input("DestinationPortInput") + ", custom_match: {name: "
        + "trie, typed_config: {\"@type\": type.googleapis.com/xds.type.matcher.v3.IPMatcher, range_matchers: [{ranges: "
        + "[{address_prefix: 10.0.0.0, prefix_len: 8}], on_match: " + action("a") + "}]}}}}";
    assertThatThrownBy(() -> translate(TWO, trieOnPort))
        .hasMessageContaining("filter_chain_matcher.matcher_tree.custom_match: the IP trie matcher needs an IP input");
    String badRange = trieOnPort.replace("DestinationPortInput", "SourceIPInput").replace("prefix_len: 8", "prefix_len: 40");
    assertThatThrownBy(() -> translate(TWO, badRange))
        .hasMessageContaining("custom_match.typed_config.range_matchers[0].ranges[0].prefix_len: 40 is out of range");
    String customPredicate = "filter_chain_matcher: {matcher_list: {matchers: [{predicate: {single_predicate: {input: "
        + input("SourceIPInput") + ", custom_match: {name: ip, typed_config: {\"@type\": "
        + "type.googleapis.com/xds.type.matcher.v3.IPMatcher}}}}, on_match: " + action("a") + "}]}}";
    assertThatThrownBy(() -> translate(TWO, customPredicate))
        .hasMessageContaining("filter_chain_matcher.matcher_list.matchers[0].predicate.single_predicate.custom_match: not supported");
    String oneOr = "filter_chain_matcher: {matcher_list: {matchers: [{predicate: {or_matcher: {predicate: [{single_predicate: "
        + "{input: " + input("SourceIPInput") + ", value_match: {exact: 127.0.0.1}}}]}}, on_match: " + action("a") + "}]}}";
    assertThatThrownBy(() -> translate(TWO, oneOr))
        .hasMessageContaining("matchers[0].predicate.or_matcher.predicate: at least two predicates are required");
  }

  @Test
  void chainNamesMustBeUniqueAndTheDefaultChainCanBeNamed() {
    String same = chain("a", null, null, "1") + chain("a", null, null, "2");
    assertThatThrownBy(() -> translate(same, tree("DestinationPortInput", "80", action("a"))))
        .hasMessageContaining("listener ingress.filter_chains[1].name: 'a' is also the name of filter_chains[0] "
            + "(filter_chain_matcher needs uniquely named filter chains)");
    String unnamed = chain("x", "{destination_port: 1}", null, "1").replace("name: x, ", "")
        + chain("y", "{destination_port: 2}", null, "2").replace("name: y, ", "");
    assertThatThrownBy(() -> translate(unnamed, tree("DestinationPortInput", "80", action("a"))))
        .hasMessageContaining("listener ingress.filter_chains[1].name: '' is also the name of filter_chains[0]");
    assertThat(translate(unnamed, null).listeners()).as("fine without a matcher").hasSize(1);
    // Without a matcher, names are free (and chains with equal matches are refused instead).
    assertThatThrownBy(() -> translate(same, null)).hasMessageContaining("have the same matching rules");

    String withDefault = tree("DestinationPortInput", "80", action("fallback"))
        + "\ndefault_filter_chain: {name: fallback, filters: [" + FilterChainMatchTest.hcm("fallback", "f") + "]}";
    ListenerConfig l = translate(TWO, withDefault).listeners().get(0);
    assertThat(l.chainMatcher()).isPresent();
    assertThat(l.chainSelection()).as("the matcher, not the per-chain selector").isSameAs(l.chainMatcher().get());
  }

  @Test
  void keepMatchingIsRefused() {
    // keep_matching (OnMatch field 3) comes from newer xDS protos than ours: an unknown field over the wire.
    Listener base = BootstrapLoader.fromText(bootstrap(0, TWO, tree("DestinationPortInput", "80", action("a"))), "test")
        .getStaticResources().getListeners(0);
    Matcher.OnMatch keep = base.getFilterChainMatcher().getMatcherTree().getExactMatchMap().getMapOrThrow("80").toBuilder()
        .setUnknownFields(UnknownFieldSet.newBuilder().addField(3, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build())
        .build();
    Matcher.Builder m = base.getFilterChainMatcher().toBuilder();
    m.getMatcherTreeBuilder().getExactMatchMapBuilder().putMap("80", keep);
    Listener l = base.toBuilder().setFilterChainMatcher(m).build();
    assertThatThrownBy(() -> BootstrapTranslator.listener(l, Set.of()))
        .hasMessageContaining("listener ingress.filter_chain_matcher.matcher_tree.exact_match_map.map[\"80\"].keep_matching: "
            + "not supported");
    assertThat(BootstrapTranslator.listener(base, Set.of()).chainMatcher()).isPresent();
  }
}

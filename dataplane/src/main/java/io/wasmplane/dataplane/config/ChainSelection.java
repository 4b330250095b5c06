package io.wasmplane.dataplane.config;

/**
 * Chooses a listener's filter chain for a new connection: by each chain's {@code filter_chain_match}
 * ({@link FilterChainSelector}) or by the listener's {@code filter_chain_matcher} ({@link FilterChainMatcher}).
 */
public interface ChainSelection {
  /** The index in {@link ListenerConfig#chains()} of the chain for this connection, or -1 for the default chain's turn. */
  int select(ConnectionFacts c);
}

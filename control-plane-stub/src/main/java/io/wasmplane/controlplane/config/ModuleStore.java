package io.wasmplane.controlplane.config;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Module bytes by hex sha256, as served by the file server. Entries are kept across config reloads so a data plane
 * still fetching an older version (or restarting on it) can finish.
 */
public final class ModuleStore {
  private final ConcurrentHashMap<String, byte[]> bySha256 = new ConcurrentHashMap<>();

  public String put(byte[] bytes) {
    String sha = Sha256.hex(bytes);
    bySha256.putIfAbsent(sha, bytes);
    return sha;
  }

  public Optional<byte[]> get(String sha256) {
    return Optional.ofNullable(bySha256.get(sha256));
  }

  public int size() {
    return bySha256.size();
  }
}

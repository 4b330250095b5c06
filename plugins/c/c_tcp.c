/*
 * c_tcp: a network (L4) filter in C on wasmplane's thin Proxy-Wasm layer (sdk/proxy_wasm.h), ABI 0.2.1.
 *
 * Downstream data (client -> upstream) is line-buffered: until the held bytes end with '\n' (or the client
 *   half-closes) it returns StopIteration, so the host holds them; then it upper-cases the whole held buffer and
 *   lets it through. The line "whoami\n" is replaced by "src=<source.address> dport=<destination.port>
 *   id=<connection.id>\n"; the line "close\n" closes the connection (proxy_close_stream).
 * Upstream data (upstream -> client) is prefixed with "up:" (or with what the plugin configuration "prefix=<text>"
 *   names); at the upstream's end of stream "[end]" is appended.
 * Counters: c_tcp.connections (new connections), c_tcp.downstream_closes, c_tcp.upstream_closes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/proxy_wasm.h"

static uint32_t connections_metric = 0;
static uint32_t downstream_closes_metric = 0;
static uint32_t upstream_closes_metric = 0;
static char prefix[32] = "up:";
static size_t prefix_size = 3;

PROXY_EXPORT(proxy_on_vm_start) uint32_t proxy_on_vm_start(uint32_t root_id, uint32_t vm_configuration_size) {
  return 1;
}

PROXY_EXPORT(proxy_on_configure) uint32_t proxy_on_configure(uint32_t root_id, uint32_t configuration_size) {
  static const char c[] = "c_tcp.connections", d[] = "c_tcp.downstream_closes", u[] = "c_tcp.upstream_closes";
  proxy_define_metric(PROXY_METRIC_COUNTER, c, sizeof c - 1, &connections_metric);
  proxy_define_metric(PROXY_METRIC_COUNTER, d, sizeof d - 1, &downstream_closes_metric);
  proxy_define_metric(PROXY_METRIC_COUNTER, u, sizeof u - 1, &upstream_closes_metric);
  size_t n = 0;
  char *config = pw_get_buffer(PROXY_BUFFER_PLUGIN_CONFIGURATION, configuration_size, &n);
  if (config != NULL && n > 7 && n - 7 < sizeof prefix && memcmp(config, "prefix=", 7) == 0) {
    prefix_size = n - 7;
    memcpy(prefix, config + 7, prefix_size);
  }
  free(config);
  return 1;
}

PROXY_EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t context_id, uint32_t parent_id) {}

PROXY_EXPORT(proxy_on_new_connection) uint32_t proxy_on_new_connection(uint32_t context_id) {
  proxy_increment_metric(connections_metric, 1);
  return FILTER_CONTINUE;
}

/* A property as text: strings as they are, 8-byte (little-endian) integers in decimal. */
static void property_text(const char *path, size_t path_size, int integer, char *out, size_t out_size) {
  char *value = NULL;
  size_t size = 0;
  if (proxy_get_property(path, path_size, &value, &size) != PROXY_OK || value == NULL) {
    snprintf(out, out_size, "?");
    return;
  }
  if (integer && size == 8) {
    int64_t n;
    memcpy(&n, value, 8);
    snprintf(out, out_size, "%lld", (long long)n);
  } else {
    snprintf(out, out_size, "%.*s", (int)size, value);
  }
  free(value);
}

PROXY_EXPORT(proxy_on_downstream_data)
uint32_t proxy_on_downstream_data(uint32_t context_id, uint32_t size, uint32_t end_of_stream) {
  size_t n = 0;
  char *data = pw_get_buffer(PROXY_BUFFER_DOWNSTREAM_DATA, size, &n);
  if (data == NULL) {
    return FILTER_CONTINUE;
  }
  if (!end_of_stream && data[n - 1] != '\n') {
    free(data);
    return FILTER_STOP_ITERATION; /* hold until the line is complete */
  }
  if (n == 6 && memcmp(data, "close\n", 6) == 0) {
    free(data);
    proxy_close_stream(PROXY_STREAM_DOWNSTREAM);
    return FILTER_STOP_ITERATION;
  }
  if (n == 7 && memcmp(data, "whoami\n", 7) == 0) {
    char src[64], port[32], id[32], line[160];
    property_text("source\0address", 14, 0, src, sizeof src);
    property_text("destination\0port", 16, 1, port, sizeof port);
    property_text("connection\0id", 13, 1, id, sizeof id);
    int len = snprintf(line, sizeof line, "src=%s dport=%s id=%s\n", src, port, id);
    proxy_set_buffer_bytes(PROXY_BUFFER_DOWNSTREAM_DATA, 0, n, line, (size_t)len);
    free(data);
    return FILTER_CONTINUE;
  }
  for (size_t i = 0; i < n; i++) {
    data[i] = (char)toupper((unsigned char)data[i]);
  }
  proxy_set_buffer_bytes(PROXY_BUFFER_DOWNSTREAM_DATA, 0, n, data, n);
  free(data);
  return FILTER_CONTINUE;
}

PROXY_EXPORT(proxy_on_upstream_data)
uint32_t proxy_on_upstream_data(uint32_t context_id, uint32_t size, uint32_t end_of_stream) {
  if (size > 0) {
    proxy_set_buffer_bytes(PROXY_BUFFER_UPSTREAM_DATA, 0, 0, prefix, prefix_size); /* start=0,size=0 prepends */
  }
  if (end_of_stream) {
    proxy_set_buffer_bytes(PROXY_BUFFER_UPSTREAM_DATA, size + (size > 0 ? prefix_size : 0), 0, "[end]", 5); /* appends */
  }
  return FILTER_CONTINUE;
}

PROXY_EXPORT(proxy_on_downstream_connection_close)
void proxy_on_downstream_connection_close(uint32_t context_id, uint32_t peer_type) {
  proxy_increment_metric(downstream_closes_metric, 1);
}

PROXY_EXPORT(proxy_on_upstream_connection_close)
void proxy_on_upstream_connection_close(uint32_t context_id, uint32_t peer_type) {
  proxy_increment_metric(upstream_closes_metric, 1);
}

/*
 * c_stats_sink: an Envoy stats sink (envoy.stat_sinks.wasm) in C, ABI 0.2.1 plus Envoy's envoy_on_stats_update.
 *
 * Plugin configuration: stat names separated by ',' to watch. On each stats update it walks the buffer as Envoy lays
 * it out (counter block, then gauge block: u32 block_size, u32 type, u32 count; per stat u32 name_len, the name,
 * padding to 8 bytes, u64 value [, u64 delta]) and records, for every watched stat, its value in the gauge
 * "c_stats_sink.<name>". It also counts updates (counter c_stats_sink.updates) and records how many counters and
 * gauges the last update had (gauges c_stats_sink.counters, c_stats_sink.gauges).
 */
#include <stdlib.h>

#include "sdk/proxy_wasm.h"

#define MAX_WATCHED 16
static char *watched[MAX_WATCHED];
static uint32_t watched_metric[MAX_WATCHED];
static size_t watched_count = 0;
static uint32_t updates_metric, counters_metric, gauges_metric;

PROXY_EXPORT(proxy_on_vm_start) uint32_t proxy_on_vm_start(uint32_t root_id, uint32_t vm_configuration_size) {
  return 1;
}

PROXY_EXPORT(proxy_on_configure) uint32_t proxy_on_configure(uint32_t root_id, uint32_t configuration_size) {
  size_t n = 0;
  char *config = pw_get_buffer(PROXY_BUFFER_PLUGIN_CONFIGURATION, configuration_size, &n);
  if (config == NULL) {
    return 0;
  }
  for (char *tok = strtok(config, ","); tok != NULL && watched_count < MAX_WATCHED; tok = strtok(NULL, ",")) {
    watched[watched_count] = strdup(tok);
    char metric[256] = "c_stats_sink.";
    strncat(metric, tok, sizeof metric - strlen(metric) - 1);
    watched_metric[watched_count] = pw_define_metric(PROXY_METRIC_GAUGE, metric);
    watched_count++;
  }
  free(config);
  updates_metric = pw_define_metric(PROXY_METRIC_COUNTER, "c_stats_sink.updates");
  counters_metric = pw_define_metric(PROXY_METRIC_GAUGE, "c_stats_sink.counters");
  gauges_metric = pw_define_metric(PROXY_METRIC_GAUGE, "c_stats_sink.gauges");
  return 1;
}

PROXY_EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t context_id, uint32_t parent_id) {}

static uint32_t u32_at(const char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static uint64_t u64_at(const char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static void watch(const char *name, uint32_t name_len, uint64_t value) {
  for (size_t i = 0; i < watched_count; i++) {
    if (strlen(watched[i]) == name_len && memcmp(watched[i], name, name_len) == 0) {
      proxy_record_metric(watched_metric[i], value);
    }
  }
}

PROXY_EXPORT(envoy_on_stats_update) void envoy_on_stats_update(uint32_t root_context_id, uint32_t size) {
  char *data = NULL;
  size_t n = 0;
  /* Envoy passes the buffer as CallData (type 8, FOREIGN_FUNCTION_ARGUMENTS in the spec's numbering). */
  if (proxy_get_buffer_bytes(PROXY_BUFFER_FOREIGN_FUNCTION_ARGUMENTS, 0, size, &data, &n) != PROXY_OK || data == NULL) {
    return;
  }
  size_t at = 0;
  while (at + 12 <= n) {
    uint32_t block_size = u32_at(data + at), type = u32_at(data + at + 4), count = u32_at(data + at + 8);
    size_t i = at + 12;
    for (uint32_t k = 0; k < count && i + 4 <= n; k++) {
      uint32_t name_len = u32_at(data + i);
      const char *name = data + i + 4;
      i = (i + 4 + name_len + 7) & ~(size_t)7;
      watch(name, name_len, u64_at(data + i));
      i += type == 1 ? 16 : 8;
    }
    proxy_record_metric(type == 1 ? counters_metric : gauges_metric, count);
    if (block_size == 0) {
      break;
    }
    at += block_size;
  }
  free(data);
  proxy_increment_metric(updates_metric, 1);
}

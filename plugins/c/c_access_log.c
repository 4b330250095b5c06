/*
 * c_access_log: an access logger (envoy.access_loggers.wasm) in C, ABI 0.2.1. On proxy_on_log (root context, after
 * each stream) it builds one line
 *   "<:method> <:path> <response.code> <request.duration in ms> <response.size> flags=<response.flags> up=<x-up response header>
 *    src=<source.address>"
 * (on a TCP proxy there are no headers and no request/response properties: "-" and -1 stand in for them)
 * and ships it (POST /log, body = the line) to the cluster named by its plugin configuration with proxy_http_call;
 * it also prints the line to stdout (WASI fd_write).
 */
#include <stdio.h>
#include <stdlib.h>

#include "sdk/proxy_wasm.h"

static char cluster[64];

PROXY_EXPORT(proxy_on_vm_start) uint32_t proxy_on_vm_start(uint32_t root_id, uint32_t vm_configuration_size) {
  return 1;
}

PROXY_EXPORT(proxy_on_configure) uint32_t proxy_on_configure(uint32_t root_id, uint32_t configuration_size) {
  size_t n = 0;
  char *config = pw_get_buffer(PROXY_BUFFER_PLUGIN_CONFIGURATION, configuration_size, &n);
  if (config == NULL || n >= sizeof cluster) {
    free(config);
    return 0;
  }
  memcpy(cluster, config, n + 1);
  free(config);
  return 1;
}

PROXY_EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t context_id, uint32_t parent_id) {}

static int64_t int_property(const char *path, size_t path_size) {
  char *value = NULL;
  size_t size = 0;
  int64_t n = -1;
  if (proxy_get_property(path, path_size, &value, &size) == PROXY_OK && value != NULL && size == 8) {
    memcpy(&n, value, 8);
  }
  free(value);
  return n;
}

PROXY_EXPORT(proxy_on_log) void proxy_on_log(uint32_t context_id) {
  char *method = pw_get_header(PROXY_MAP_REQUEST_HEADERS, ":method");
  char *path = pw_get_header(PROXY_MAP_REQUEST_HEADERS, ":path");
  char *up = pw_get_header(PROXY_MAP_RESPONSE_HEADERS, "x-up");
  int64_t code = int_property("response\0code", 13);
  int64_t duration_ns = int_property("request\0duration", 16);
  int64_t size = int_property("response\0size", 13);
  int64_t flags = int_property("response\0flags", 14);
  char *src = NULL;
  size_t src_size = 0;
  if (proxy_get_property("source\0address", 14, &src, &src_size) != PROXY_OK) {
    src = NULL;
  }
  char line[512];
  int len = snprintf(line, sizeof line, "%s %s %lld %lld %lld flags=%lld up=%s src=%.*s", method ? method : "-", path ? path : "-",
                     (long long)code, (long long)(duration_ns >= 0 ? duration_ns / 1000000 : -1), (long long)size,
                     (long long)flags, up ? up : "-", src ? (int)src_size : 1, src ? src : "-");
  free(src);
  free(method);
  free(path);
  free(up);
  printf("%s\n", line);
  fflush(stdout);
  const char *keys[] = {":method", ":path", ":authority"};
  const char *values[] = {"POST", "/log", "collector"};
  size_t pairs_size = 0;
  char *pairs = pw_pairs_encode(keys, values, 3, &pairs_size);
  uint32_t token = 0;
  proxy_http_call(cluster, strlen(cluster), pairs, pairs_size, line, (size_t)len, NULL, 0, 2000, &token);
  free(pairs);
}

PROXY_EXPORT(proxy_on_http_call_response)
void proxy_on_http_call_response(uint32_t context_id, uint32_t token, uint32_t headers, uint32_t body_size, uint32_t trailers) {}

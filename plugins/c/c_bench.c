/*
 * c_bench: the benchmark plugin (ABI 0.2.1). One request round does the same header work a plain Java filter
 * would: on_request_headers reads 10 request headers and adds one (x-bench-sum: total bytes of the values read),
 * on_response_headers reads content-type and adds x-bench-served, on_log reads :path and :status and logs them
 * only when the host's log level lets INFO through. It touches nothing beyond header maps, logging and the
 * allocator, so other Proxy-Wasm hosts can run it too.
 */
#include <stdlib.h>

#include "sdk/proxy_wasm.h"

static const char *const request_keys[10] = {
    ":method", ":path", ":authority", "user-agent", "accept",
    "accept-encoding", "x-request-id", "x-forwarded-for", "content-type", "cookie",
};
static uint32_t log_level = PROXY_LOG_INFO;

PROXY_EXPORT(proxy_on_vm_start) uint32_t proxy_on_vm_start(uint32_t root_id, uint32_t vm_configuration_size) {
  return 1;
}

PROXY_EXPORT(proxy_on_configure) uint32_t proxy_on_configure(uint32_t root_id, uint32_t configuration_size) {
  proxy_get_log_level(&log_level);
  return 1;
}

PROXY_EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t context_id, uint32_t parent_id) {}

/* Writes `value` in decimal at `out` (room for 10 digits); returns the digit count. No stdio: keep it small. */
static size_t format_u32(char *out, uint32_t value) {
  char digits[10];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (size_t i = 0; i < n; i++) out[i] = digits[n - 1 - i];
  return n;
}

/* Appends the NUL-terminated `text` (or "-") at `at`, bounded by `end`; returns the new end. */
static char *append(char *at, const char *end, const char *text) {
  if (text == NULL) text = "-";
  while (*text != '\0' && at < end) *at++ = *text++;
  return at;
}

/* Size of header `key`'s value, or 0 when absent; the host's copy is freed at once. */
static size_t header_size(uint32_t map, const char *key) {
  char *value = NULL;
  size_t size = 0;
  if (proxy_get_header_map_value(map, key, strlen(key), &value, &size) != PROXY_OK) return 0;
  free(value);
  return size;
}

PROXY_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t headers, uint32_t end_of_stream) {
  size_t sum = 0;
  for (int i = 0; i < 10; i++) sum += header_size(PROXY_MAP_REQUEST_HEADERS, request_keys[i]);
  char text[10];
  size_t n = format_u32(text, (uint32_t)sum);
  static const char key[] = "x-bench-sum";
  proxy_add_header_map_value(PROXY_MAP_REQUEST_HEADERS, key, sizeof key - 1, text, n);
  return HEADERS_CONTINUE;
}

PROXY_EXPORT(proxy_on_response_headers)
uint32_t proxy_on_response_headers(uint32_t context_id, uint32_t headers, uint32_t end_of_stream) {
  header_size(PROXY_MAP_RESPONSE_HEADERS, "content-type");
  static const char key[] = "x-bench-served";
  static const char value[] = "c_bench";
  proxy_add_header_map_value(PROXY_MAP_RESPONSE_HEADERS, key, sizeof key - 1, value, sizeof value - 1);
  return HEADERS_CONTINUE;
}

PROXY_EXPORT(proxy_on_log) void proxy_on_log(uint32_t context_id) {
  char *path = pw_get_header(PROXY_MAP_REQUEST_HEADERS, ":path");
  char *code = pw_get_header(PROXY_MAP_RESPONSE_HEADERS, ":status");
  if (log_level <= PROXY_LOG_INFO) {
    char line[256];
    const char *end = line + sizeof line;
    char *at = append(line, end, "c_bench ");
    at = append(at, end, path);
    at = append(at, end, " ");
    at = append(at, end, code);
    proxy_log(PROXY_LOG_INFO, line, (size_t)(at - line));
  }
  free(path);
  free(code);
}

PROXY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t context_id) {
  return 1;
}

PROXY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {}

/*
 * c_headers: an HTTP filter in C on wasmplane's thin Proxy-Wasm layer (sdk/proxy_wasm.h), ABI 0.2.1.
 *
 * Plugin configuration: the stamp text (required; an empty configuration is rejected).
 * Request headers: adds x-c-route: "<method> <path>" and x-c-header-count: <n>, removes x-strip-me,
 *   replaces user-agent with "c_headers"; path /c/local answers 418 locally (body "short and stout",
 *   header x-c-local: yes); path /c/call pauses the request, asks upstream "auth" GET /check?user=<x-user>
 *   (proxy_http_call) and, when the answer arrives, adds x-c-call: "<status> <body>" (and x-c-call-to-root:
 *   whether the answer came to the root context, as Envoy delivers it) and resumes the request (a refused call
 *   answers 503 locally). A request with x-c-grpc-status: <n> is answered locally with 429, body "refused by
 *   c_headers" and gRPC status n (what a gRPC request gets; any other request gets the 429).
 * Request body: buffers (StopIterationAndBuffer) until end of stream, then replaces the whole body with
 *   "<stamp>:" + the body upper-cased, and records its size in the histogram c_headers.request_body_bytes.
 * Response headers: adds x-c-stamp: <stamp> and x-c-request-body-bytes: <n>; replaces server with "wasmplane-c".
 * Response body: at end of stream appends "\n-- c_headers" (set_buffer_bytes append).
 * Log: one access line on stdout with printf (WASI fd_write) and one through proxy_log.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "sdk/proxy_wasm.h"

static char *stamp = NULL;
static uint32_t root_context_id = 0;
static uint32_t body_bytes_metric = 0;
static uint32_t requests_metric = 0;

/* Per-stream state, found by context id (a short list: streams of one VM are few and short-lived). */
typedef struct stream {
  uint32_t id;
  size_t request_body_bytes;
  uint32_t call_token; /* 0 = no http call pending */
  struct stream *next;
} stream_t;
static stream_t *streams = NULL;

static stream_t *find_stream(uint32_t id) {
  for (stream_t *s = streams; s != NULL; s = s->next) {
    if (s->id == id) return s;
  }
  return NULL;
}

static stream_t *find_call(uint32_t token) {
  for (stream_t *s = streams; s != NULL; s = s->next) {
    if (s->call_token == token) return s;
  }
  return NULL;
}

/* Starts the auth call for stream `s`; false when the host refused it. */
static int start_auth_call(stream_t *s) {
  char *user = pw_get_header(PROXY_MAP_REQUEST_HEADERS, "x-user");
  char path[256];
  snprintf(path, sizeof path, "/check?user=%s", user ? user : "anonymous");
  free(user);
  const char *keys[] = {":method", ":path", ":authority"};
  const char *values[] = {"GET", path, "auth.local"};
  size_t pairs_size = 0;
  char *pairs = pw_pairs_encode(keys, values, 3, &pairs_size);
  static const char upstream[] = "auth";
  uint32_t token = 0;
  proxy_status_t status = proxy_http_call(upstream, sizeof upstream - 1, pairs, pairs_size, NULL, 0, NULL, 0,
                                          2000, &token);
  free(pairs);
  if (status != PROXY_OK) return 0;
  s->call_token = token;
  return 1;
}

PROXY_EXPORT(proxy_on_vm_start) uint32_t proxy_on_vm_start(uint32_t root_id, uint32_t vm_configuration_size) {
  fprintf(stderr, "c_headers: vm start, %u bytes of vm configuration\n", (unsigned)vm_configuration_size);
  return 1;
}

PROXY_EXPORT(proxy_on_configure) uint32_t proxy_on_configure(uint32_t root_id, uint32_t configuration_size) {
  size_t size = 0;
  char *config = pw_get_buffer(PROXY_BUFFER_PLUGIN_CONFIGURATION, configuration_size, &size);
  if (config == NULL || size == 0) {
    pw_log(PROXY_LOG_ERROR, "c_headers: the configuration must be the stamp text, got nothing");
    free(config);
    return 0;
  }
  free(stamp);
  stamp = config;
  root_context_id = root_id;
  static const char body_metric[] = "c_headers.request_body_bytes";
  static const char requests[] = "c_headers.requests";
  proxy_define_metric(PROXY_METRIC_HISTOGRAM, body_metric, sizeof body_metric - 1, &body_bytes_metric);
  proxy_define_metric(PROXY_METRIC_COUNTER, requests, sizeof requests - 1, &requests_metric);
  return 1;
}

PROXY_EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t context_id, uint32_t parent_id) {
  if (parent_id == 0) return; /* the root context keeps no per-stream state */
  stream_t *s = calloc(1, sizeof *s);
  if (s == NULL) return;
  s->id = context_id;
  s->next = streams;
  streams = s;
}

PROXY_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t headers, uint32_t end_of_stream) {
  proxy_increment_metric(requests_metric, 1);
  char *method = pw_get_header(PROXY_MAP_REQUEST_HEADERS, ":method");
  char *path = pw_get_header(PROXY_MAP_REQUEST_HEADERS, ":path");
  uint32_t status = HEADERS_CONTINUE;
  char *grpc_status = pw_get_header(PROXY_MAP_REQUEST_HEADERS, "x-c-grpc-status");
  if (grpc_status != NULL) {
    static const char body[] = "refused by c_headers";
    static const char details[] = "c_headers_grpc_refused";
    proxy_send_local_response(429, details, sizeof details - 1, body, sizeof body - 1, NULL, 0, atoi(grpc_status));
    free(grpc_status);
    free(method);
    free(path);
    return HEADERS_STOP_ITERATION;
  }
  if (path != NULL && strcmp(path, "/c/local") == 0) {
    const char *keys[] = {"x-c-local"};
    const char *values[] = {"yes"};
    size_t pairs_size = 0;
    char *pairs = pw_pairs_encode(keys, values, 1, &pairs_size);
    static const char body[] = "short and stout";
    static const char details[] = "c_headers_teapot";
    proxy_send_local_response(418, details, sizeof details - 1, body, sizeof body - 1, pairs, pairs_size, -1);
    free(pairs);
    status = HEADERS_STOP_ITERATION;
  } else if (path != NULL && strncmp(path, "/c/call", 7) == 0) {
    stream_t *s = find_stream(context_id);
    if (s != NULL && start_auth_call(s)) {
      status = HEADERS_STOP_ITERATION; /* resumed in proxy_on_http_call_response */
    } else {
      static const char details[] = "c_headers_call_refused";
      proxy_send_local_response(503, details, sizeof details - 1, NULL, 0, NULL, 0, -1);
      status = HEADERS_STOP_ITERATION;
    }
  } else {
    char *pairs = NULL;
    size_t pairs_size = 0;
    uint32_t count = 0;
    if (proxy_get_header_map_pairs(PROXY_MAP_REQUEST_HEADERS, &pairs, &pairs_size) == PROXY_OK) {
      count = pw_pairs_count(pairs, pairs_size);
      free(pairs);
    }
    char route[512];
    snprintf(route, sizeof route, "%s %s", method ? method : "-", path ? path : "-");
    char count_text[16];
    snprintf(count_text, sizeof count_text, "%u", (unsigned)count);
    pw_add_header(PROXY_MAP_REQUEST_HEADERS, "x-c-route", route);
    pw_add_header(PROXY_MAP_REQUEST_HEADERS, "x-c-header-count", count_text);
    pw_remove_header(PROXY_MAP_REQUEST_HEADERS, "x-strip-me");
    pw_replace_header(PROXY_MAP_REQUEST_HEADERS, "user-agent", "c_headers");
  }
  free(method);
  free(path);
  return status;
}

/* The answer to a call: Envoy delivers it to the root context; the token says which stream asked. */
PROXY_EXPORT(proxy_on_http_call_response)
void proxy_on_http_call_response(uint32_t context_id, uint32_t token, uint32_t headers, uint32_t body_size,
                                 uint32_t trailers) {
  stream_t *s = find_call(token);
  if (s == NULL) {
    pw_log(PROXY_LOG_WARN, "c_headers: answer for an unknown or finished call");
    return;
  }
  s->call_token = 0;
  proxy_set_effective_context(s->id);
  char *code = pw_get_header(PROXY_MAP_HTTP_CALL_RESPONSE_HEADERS, ":status");
  size_t size = 0;
  char *body = pw_get_buffer(PROXY_BUFFER_HTTP_CALL_RESPONSE_BODY, body_size, &size);
  char value[512];
  snprintf(value, sizeof value, "%s %s", code ? code : "none", body ? body : "");
  pw_add_header(PROXY_MAP_REQUEST_HEADERS, "x-c-call", value);
  pw_add_header(PROXY_MAP_REQUEST_HEADERS, "x-c-call-to-root", context_id == root_context_id ? "yes" : "no");
  proxy_continue_stream(PROXY_STREAM_REQUEST);
  free(code);
  free(body);
}

PROXY_EXPORT(proxy_on_request_body)
uint32_t proxy_on_request_body(uint32_t context_id, uint32_t body_size, uint32_t end_of_stream) {
  if (!end_of_stream) return DATA_STOP_ITERATION_AND_BUFFER; /* wait for the whole body */
  size_t size = 0;
  char *body = pw_get_buffer(PROXY_BUFFER_REQUEST_BODY, body_size, &size);
  size_t prefix = strlen(stamp) + 1;
  char *rewritten = malloc(prefix + size + 1);
  if (rewritten == NULL) {
    free(body);
    return DATA_CONTINUE;
  }
  memcpy(rewritten, stamp, prefix - 1);
  rewritten[prefix - 1] = ':';
  for (size_t i = 0; i < size; i++) rewritten[prefix + i] = (char)toupper((unsigned char)body[i]);
  proxy_set_buffer_bytes(PROXY_BUFFER_REQUEST_BODY, 0, body_size, rewritten, prefix + size);
  proxy_record_metric(body_bytes_metric, size);
  stream_t *s = find_stream(context_id);
  if (s != NULL) s->request_body_bytes = size;
  free(rewritten);
  free(body);
  return DATA_CONTINUE;
}

PROXY_EXPORT(proxy_on_response_headers)
uint32_t proxy_on_response_headers(uint32_t context_id, uint32_t headers, uint32_t end_of_stream) {
  stream_t *s = find_stream(context_id);
  char bytes[24];
  snprintf(bytes, sizeof bytes, "%zu", s != NULL ? s->request_body_bytes : (size_t)0);
  pw_add_header(PROXY_MAP_RESPONSE_HEADERS, "x-c-stamp", stamp);
  pw_add_header(PROXY_MAP_RESPONSE_HEADERS, "x-c-request-body-bytes", bytes);
  pw_replace_header(PROXY_MAP_RESPONSE_HEADERS, "server", "wasmplane-c");
  return HEADERS_CONTINUE;
}

PROXY_EXPORT(proxy_on_response_body)
uint32_t proxy_on_response_body(uint32_t context_id, uint32_t body_size, uint32_t end_of_stream) {
  if (end_of_stream) {
    static const char trailer[] = "\n-- c_headers";
    proxy_set_buffer_bytes(PROXY_BUFFER_RESPONSE_BODY, body_size, 0, trailer, sizeof trailer - 1);
  }
  return DATA_CONTINUE;
}

PROXY_EXPORT(proxy_on_log) void proxy_on_log(uint32_t context_id) {
  char *path = pw_get_header(PROXY_MAP_REQUEST_HEADERS, ":path");
  char *code = pw_get_header(PROXY_MAP_RESPONSE_HEADERS, ":status");
  printf("c_headers access: %s %s\n", path ? path : "-", code ? code : "-");
  fflush(stdout); /* stdout is not a terminal: flush so the line reaches the host now */
  char line[256];
  snprintf(line, sizeof line, "c_headers: context %u done", (unsigned)context_id);
  pw_log(PROXY_LOG_INFO, line);
  free(path);
  free(code);
}

PROXY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t context_id) {
  return 1;
}

PROXY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  for (stream_t **at = &streams; *at != NULL; at = &(*at)->next) {
    if ((*at)->id == context_id) {
      stream_t *gone = *at;
      *at = gone->next;
      free(gone);
      return;
    }
  }
}

/*
 * proxy_wasm.h: wasmplane's thin C layer over the Proxy-Wasm ABI v0.2.1 (proxy-wasm/spec,
 * abi-versions/v0.2.1/README.md), for plugins built with clang --target=wasm32-wasi as WASI reactors.
 *
 * It declares every host function the ABI defines (module "env"; the linker imports only those a plugin
 * calls), the ABI's enums, an export macro for callbacks, and a few string helpers. Link proxy_wasm.c with
 * each plugin: it exports the ABI marker and the allocator. Every host call returns a proxy_status_t; data
 * the host returns is allocated in plugin memory with proxy_on_memory_allocate/malloc and is owned (freed)
 * by the plugin.
 */
#ifndef WASMPLANE_PROXY_WASM_H
#define WASMPLANE_PROXY_WASM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PROXY_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define PROXY_EXPORT(name) __attribute__((export_name(#name)))

/* ---- types (spec "Types") ---- */
typedef uint32_t proxy_status_t;
enum {
  PROXY_OK = 0, PROXY_NOT_FOUND = 1, PROXY_BAD_ARGUMENT = 2, PROXY_SERIALIZATION_FAILURE = 3,
  PROXY_PARSE_FAILURE = 4, PROXY_INVALID_MEMORY_ACCESS = 6, PROXY_EMPTY = 7, PROXY_CAS_MISMATCH = 8,
  PROXY_INTERNAL_FAILURE = 10, PROXY_UNIMPLEMENTED = 12,
};
enum { PROXY_LOG_TRACE = 0, PROXY_LOG_DEBUG = 1, PROXY_LOG_INFO = 2, PROXY_LOG_WARN = 3, PROXY_LOG_ERROR = 4,
       PROXY_LOG_CRITICAL = 5 };
enum { PROXY_MAP_REQUEST_HEADERS = 0, PROXY_MAP_REQUEST_TRAILERS = 1, PROXY_MAP_RESPONSE_HEADERS = 2,
       PROXY_MAP_RESPONSE_TRAILERS = 3, PROXY_MAP_GRPC_INITIAL_METADATA = 4, PROXY_MAP_GRPC_TRAILING_METADATA = 5,
       PROXY_MAP_HTTP_CALL_RESPONSE_HEADERS = 6, PROXY_MAP_HTTP_CALL_RESPONSE_TRAILERS = 7 };
enum { PROXY_BUFFER_REQUEST_BODY = 0, PROXY_BUFFER_RESPONSE_BODY = 1, PROXY_BUFFER_DOWNSTREAM_DATA = 2,
       PROXY_BUFFER_UPSTREAM_DATA = 3, PROXY_BUFFER_HTTP_CALL_RESPONSE_BODY = 4, PROXY_BUFFER_GRPC_MESSAGE = 5,
       PROXY_BUFFER_VM_CONFIGURATION = 6, PROXY_BUFFER_PLUGIN_CONFIGURATION = 7,
       PROXY_BUFFER_FOREIGN_FUNCTION_ARGUMENTS = 8 };
enum { PROXY_STREAM_REQUEST = 0, PROXY_STREAM_RESPONSE = 1, PROXY_STREAM_DOWNSTREAM = 2, PROXY_STREAM_UPSTREAM = 3 };
enum { PROXY_METRIC_COUNTER = 0, PROXY_METRIC_GAUGE = 1, PROXY_METRIC_HISTOGRAM = 2 };
enum { PROXY_PEER_UNKNOWN = 0, PROXY_PEER_LOCAL = 1, PROXY_PEER_REMOTE = 2 };
/* What header/body/trailer callbacks return (the values Envoy acts on). */
enum { HEADERS_CONTINUE = 0, HEADERS_STOP_ITERATION = 1, HEADERS_CONTINUE_AND_END_STREAM = 2,
       HEADERS_STOP_ALL_ITERATION_AND_BUFFER = 3, HEADERS_STOP_ALL_ITERATION_AND_WATERMARK = 4 };
enum { DATA_CONTINUE = 0, DATA_STOP_ITERATION_AND_BUFFER = 1, DATA_STOP_ITERATION_AND_WATERMARK = 2,
       DATA_STOP_ITERATION_NO_BUFFER = 3 };
enum { TRAILERS_CONTINUE = 0, TRAILERS_STOP_ITERATION = 1 };
enum { FILTER_CONTINUE = 0, FILTER_STOP_ITERATION = 1 };

/* ---- host functions (spec "Functions implemented in the host environment") ---- */
/* lifecycle */
PROXY_IMPORT(proxy_done) proxy_status_t proxy_done(void);
PROXY_IMPORT(proxy_set_effective_context) proxy_status_t proxy_set_effective_context(uint32_t context_id);
/* logging */
PROXY_IMPORT(proxy_log) proxy_status_t proxy_log(uint32_t level, const char *message, size_t message_size);
PROXY_IMPORT(proxy_get_log_level) proxy_status_t proxy_get_log_level(uint32_t *return_level);
/* clock and timer */
PROXY_IMPORT(proxy_get_current_time_nanoseconds) proxy_status_t proxy_get_current_time_nanoseconds(uint64_t *return_time);
PROXY_IMPORT(proxy_set_tick_period_milliseconds) proxy_status_t proxy_set_tick_period_milliseconds(uint32_t period);
/* buffers */
PROXY_IMPORT(proxy_get_buffer_bytes) proxy_status_t proxy_get_buffer_bytes(uint32_t buffer_type, size_t start,
    size_t max_size, char **return_data, size_t *return_size);
PROXY_IMPORT(proxy_set_buffer_bytes) proxy_status_t proxy_set_buffer_bytes(uint32_t buffer_type, size_t start,
    size_t size, const char *data, size_t data_size);
PROXY_IMPORT(proxy_get_buffer_status) proxy_status_t proxy_get_buffer_status(uint32_t buffer_type,
    size_t *return_size, uint32_t *return_unused_flags);
/* header maps */
PROXY_IMPORT(proxy_get_header_map_size) proxy_status_t proxy_get_header_map_size(uint32_t map_type, size_t *return_size);
PROXY_IMPORT(proxy_get_header_map_pairs) proxy_status_t proxy_get_header_map_pairs(uint32_t map_type,
    char **return_data, size_t *return_size);
PROXY_IMPORT(proxy_set_header_map_pairs) proxy_status_t proxy_set_header_map_pairs(uint32_t map_type,
    const char *data, size_t size);
PROXY_IMPORT(proxy_get_header_map_value) proxy_status_t proxy_get_header_map_value(uint32_t map_type,
    const char *key, size_t key_size, char **return_value, size_t *return_value_size);
PROXY_IMPORT(proxy_add_header_map_value) proxy_status_t proxy_add_header_map_value(uint32_t map_type,
    const char *key, size_t key_size, const char *value, size_t value_size);
PROXY_IMPORT(proxy_replace_header_map_value) proxy_status_t proxy_replace_header_map_value(uint32_t map_type,
    const char *key, size_t key_size, const char *value, size_t value_size);
PROXY_IMPORT(proxy_remove_header_map_value) proxy_status_t proxy_remove_header_map_value(uint32_t map_type,
    const char *key, size_t key_size);
/* stream control */
PROXY_IMPORT(proxy_continue_stream) proxy_status_t proxy_continue_stream(uint32_t stream_type);
PROXY_IMPORT(proxy_close_stream) proxy_status_t proxy_close_stream(uint32_t stream_type);
PROXY_IMPORT(proxy_get_status) proxy_status_t proxy_get_status(uint32_t *return_code, char **return_message,
    size_t *return_message_size);
PROXY_IMPORT(proxy_send_local_response) proxy_status_t proxy_send_local_response(uint32_t status_code,
    const char *details, size_t details_size, const char *body, size_t body_size,
    const char *header_pairs, size_t header_pairs_size, int32_t grpc_status);
/* HTTP and gRPC callouts */
PROXY_IMPORT(proxy_http_call) proxy_status_t proxy_http_call(const char *upstream, size_t upstream_size,
    const char *header_pairs, size_t header_pairs_size, const char *body, size_t body_size,
    const char *trailer_pairs, size_t trailer_pairs_size, uint32_t timeout_ms, uint32_t *return_call_id);
PROXY_IMPORT(proxy_grpc_call) proxy_status_t proxy_grpc_call(const char *upstream, size_t upstream_size,
    const char *service, size_t service_size, const char *method, size_t method_size,
    const char *metadata_pairs, size_t metadata_pairs_size, const char *message, size_t message_size,
    uint32_t timeout_ms, uint32_t *return_call_id);
PROXY_IMPORT(proxy_grpc_stream) proxy_status_t proxy_grpc_stream(const char *upstream, size_t upstream_size,
    const char *service, size_t service_size, const char *method, size_t method_size,
    const char *metadata_pairs, size_t metadata_pairs_size, uint32_t *return_stream_id);
PROXY_IMPORT(proxy_grpc_send) proxy_status_t proxy_grpc_send(uint32_t stream_id, const char *message,
    size_t message_size, uint32_t end_stream);
PROXY_IMPORT(proxy_grpc_cancel) proxy_status_t proxy_grpc_cancel(uint32_t call_or_stream_id);
PROXY_IMPORT(proxy_grpc_close) proxy_status_t proxy_grpc_close(uint32_t call_or_stream_id);
/* shared data and queues */
PROXY_IMPORT(proxy_get_shared_data) proxy_status_t proxy_get_shared_data(const char *key, size_t key_size,
    char **return_value, size_t *return_value_size, uint32_t *return_cas);
PROXY_IMPORT(proxy_set_shared_data) proxy_status_t proxy_set_shared_data(const char *key, size_t key_size,
    const char *value, size_t value_size, uint32_t cas);
PROXY_IMPORT(proxy_register_shared_queue) proxy_status_t proxy_register_shared_queue(const char *name,
    size_t name_size, uint32_t *return_queue_id);
PROXY_IMPORT(proxy_resolve_shared_queue) proxy_status_t proxy_resolve_shared_queue(const char *vm_id,
    size_t vm_id_size, const char *name, size_t name_size, uint32_t *return_queue_id);
PROXY_IMPORT(proxy_enqueue_shared_queue) proxy_status_t proxy_enqueue_shared_queue(uint32_t queue_id,
    const char *value, size_t value_size);
PROXY_IMPORT(proxy_dequeue_shared_queue) proxy_status_t proxy_dequeue_shared_queue(uint32_t queue_id,
    char **return_value, size_t *return_value_size);
/* metrics */
PROXY_IMPORT(proxy_define_metric) proxy_status_t proxy_define_metric(uint32_t metric_type, const char *name,
    size_t name_size, uint32_t *return_metric_id);
PROXY_IMPORT(proxy_increment_metric) proxy_status_t proxy_increment_metric(uint32_t metric_id, int64_t delta);
PROXY_IMPORT(proxy_record_metric) proxy_status_t proxy_record_metric(uint32_t metric_id, uint64_t value);
PROXY_IMPORT(proxy_get_metric) proxy_status_t proxy_get_metric(uint32_t metric_id, uint64_t *return_value);
/* properties: the path is NUL-separated segments, e.g. "request\0path" */
PROXY_IMPORT(proxy_get_property) proxy_status_t proxy_get_property(const char *path, size_t path_size,
    char **return_value, size_t *return_value_size);
PROXY_IMPORT(proxy_set_property) proxy_status_t proxy_set_property(const char *path, size_t path_size,
    const char *value, size_t value_size);
/* foreign functions */
PROXY_IMPORT(proxy_call_foreign_function) proxy_status_t proxy_call_foreign_function(const char *name,
    size_t name_size, const char *arguments, size_t arguments_size, char **return_results,
    size_t *return_results_size);

/* ---- helpers (header-only; plain C strings) ---- */

/* Logs a NUL-terminated message. */
static inline void pw_log(uint32_t level, const char *message) {
  proxy_log(level, message, strlen(message));
}

/* Value of header `key` in `map` as a NUL-terminated copy the caller frees, or NULL when absent. */
char *pw_get_header(uint32_t map, const char *key);

static inline proxy_status_t pw_add_header(uint32_t map, const char *key, const char *value) {
  return proxy_add_header_map_value(map, key, strlen(key), value, strlen(value));
}

static inline proxy_status_t pw_replace_header(uint32_t map, const char *key, const char *value) {
  return proxy_replace_header_map_value(map, key, strlen(key), value, strlen(value));
}

static inline proxy_status_t pw_remove_header(uint32_t map, const char *key) {
  return proxy_remove_header_map_value(map, key, strlen(key));
}

/* Defines (or finds) the metric `name` of `type`; returns its id, 0 when the host refused it. */
static inline uint32_t pw_define_metric(uint32_t type, const char *name) {
  uint32_t id = 0;
  proxy_define_metric(type, name, strlen(name), &id);
  return id;
}

/* Whole buffer (or NULL when empty/missing) as a NUL-terminated copy the caller frees; *size gets its length. */
char *pw_get_buffer(uint32_t buffer_type, size_t length, size_t *size);

/*
 * The proxy-wasm pairs encoding (spec "Serialization"): u32 count, count x (u32 key_len, u32 value_len), then
 * each key and value followed by NUL. pw_pairs_encode returns a malloc'd buffer (caller frees) of *size bytes.
 */
char *pw_pairs_encode(const char *const *keys, const char *const *values, size_t count, size_t *size);

/* Number of pairs in an encoded map (0 for an empty or malformed buffer). */
uint32_t pw_pairs_count(const char *data, size_t size);

#endif

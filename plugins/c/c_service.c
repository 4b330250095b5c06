/*
 * c_service: one module, two roles, selected by the plugin configuration, sharing a vm_id:
 *
 * "service" (envoy.bootstrap.wasm): registers the shared queue "counts"; on each proxy_on_queue_ready it dequeues
 *   every message ("<sender id>") and counts messages (counter c_service.messages) and distinct senders (gauge
 *   c_service.senders). It ticks every 50 ms (counter c_service.ticks); on its first tick it adds 1 to counter
 *   c_service.running_vms (a canary VM never ticks, so this counts running VMs) and asks the cluster "collector"
 *   GET /service-hello (proxy_http_call), recording the answer's status in gauge c_service.http_status.
 * "filter" (envoy.filters.http.wasm): on each request's headers enqueues its VM's random sender id to
 *   (vm_id "svc", "counts") and adds header x-c-service-sender: <id>.
 * "worker-service" (envoy.bootstrap.wasm, singleton: false): on its first tick adds 1 to c_service.worker_running_vms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sdk/proxy_wasm.h"

enum { ROLE_NONE, ROLE_SERVICE, ROLE_FILTER, ROLE_WORKER_SERVICE };
static int role = ROLE_NONE;
static uint32_t root_id_seen = 0;
static uint32_t queue_id = 0;
static char sender[17];
static uint32_t messages_metric, senders_metric, ticks_metric, http_status_metric;
#define MAX_SENDERS 16
static char senders[MAX_SENDERS][17];
static int sender_count = 0;
static int called = 0;
static uint32_t running_metric;

PROXY_EXPORT(proxy_on_vm_start) uint32_t proxy_on_vm_start(uint32_t root_id, uint32_t vm_configuration_size) {
  return 1;
}

PROXY_EXPORT(proxy_on_configure) uint32_t proxy_on_configure(uint32_t root_id, uint32_t configuration_size) {
  size_t n = 0;
  char *config = pw_get_buffer(PROXY_BUFFER_PLUGIN_CONFIGURATION, configuration_size, &n);
  if (config == NULL) {
    return 0;
  }
  root_id_seen = root_id;
  if (strcmp(config, "service") == 0) {
    role = ROLE_SERVICE;
    running_metric = pw_define_metric(PROXY_METRIC_COUNTER, "c_service.running_vms");
    messages_metric = pw_define_metric(PROXY_METRIC_COUNTER, "c_service.messages");
    senders_metric = pw_define_metric(PROXY_METRIC_GAUGE, "c_service.senders");
    ticks_metric = pw_define_metric(PROXY_METRIC_COUNTER, "c_service.ticks");
    http_status_metric = pw_define_metric(PROXY_METRIC_GAUGE, "c_service.http_status");
    proxy_register_shared_queue("counts", 6, &queue_id);
    proxy_set_tick_period_milliseconds(50);
  } else if (strcmp(config, "filter") == 0) {
    role = ROLE_FILTER;
    unsigned char r[8];
    getentropy(r, sizeof r); /* WASI random_get */
    for (int i = 0; i < 8; i++) {
      snprintf(sender + 2 * i, 3, "%02x", r[i]);
    }
  } else if (strcmp(config, "worker-service") == 0) {
    role = ROLE_WORKER_SERVICE;
    running_metric = pw_define_metric(PROXY_METRIC_COUNTER, "c_service.worker_running_vms");
    proxy_set_tick_period_milliseconds(50);
  }
  free(config);
  return role != ROLE_NONE;
}

PROXY_EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t context_id, uint32_t parent_id) {}

PROXY_EXPORT(proxy_on_queue_ready) void proxy_on_queue_ready(uint32_t root_context_id, uint32_t id) {
  char *value = NULL;
  size_t size = 0;
  while (proxy_dequeue_shared_queue(id, &value, &size) == PROXY_OK) {
    proxy_increment_metric(messages_metric, 1);
    int known = 0;
    for (int i = 0; i < sender_count; i++) {
      if (strlen(senders[i]) == size && memcmp(senders[i], value, size) == 0) {
        known = 1;
      }
    }
    if (!known && sender_count < MAX_SENDERS && size < sizeof senders[0]) {
      memcpy(senders[sender_count], value, size);
      senders[sender_count][size] = 0;
      sender_count++;
      proxy_record_metric(senders_metric, sender_count);
    }
    free(value);
    value = NULL;
  }
}

PROXY_EXPORT(proxy_on_tick) void proxy_on_tick(uint32_t root_context_id) {
  if (!called) {
    called = 1;
    proxy_increment_metric(running_metric, 1);
    if (role == ROLE_WORKER_SERVICE) {
      return;
    }
  }
  if (role != ROLE_SERVICE) {
    return;
  }
  proxy_increment_metric(ticks_metric, 1);
  if (called == 1) {
    called = 2;
    const char *keys[] = {":method", ":path", ":authority"};
    const char *values[] = {"GET", "/service-hello", "collector"};
    size_t pairs_size = 0;
    char *pairs = pw_pairs_encode(keys, values, 3, &pairs_size);
    uint32_t token = 0;
    proxy_http_call("collector", 9, pairs, pairs_size, NULL, 0, NULL, 0, 2000, &token);
    free(pairs);
  }
}

PROXY_EXPORT(proxy_on_http_call_response)
void proxy_on_http_call_response(uint32_t context_id, uint32_t token, uint32_t headers, uint32_t body_size, uint32_t trailers) {
  char *status = pw_get_header(PROXY_MAP_HTTP_CALL_RESPONSE_HEADERS, ":status");
  if (status != NULL) {
    proxy_record_metric(http_status_metric, (uint64_t)atoi(status));
    free(status);
  }
}

PROXY_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t headers, uint32_t end_of_stream) {
  if (role != ROLE_FILTER) {
    return HEADERS_CONTINUE;
  }
  uint32_t q = 0;
  if (proxy_resolve_shared_queue("svc", 3, "counts", 6, &q) == PROXY_OK) {
    proxy_enqueue_shared_queue(q, sender, strlen(sender));
  }
  pw_add_header(PROXY_MAP_REQUEST_HEADERS, "x-c-service-sender", sender);
  return HEADERS_CONTINUE;
}

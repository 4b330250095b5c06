/*
 * c_sandbox: an HTTP filter in C that shows what the host lets a plugin see and do (ABI 0.2.1), for the isolation
 * tests: environment variables, shared data across vm_ids, capability_restriction_config.
 *
 * Plugin configuration: a prefix P (default "sandbox"). Requests under /P/ get a local 200 reply:
 *   /P/env               body: the plugin's whole WASI environment, one NAME=value per line (environ_get)
 *   /P/shared/set/<v>    stores <v> under the shared-data key "sandbox_key"; body "set <status>"
 *   /P/shared/get        body "value=<v>" or "missing <status>"
 *   /P/caps              body "add_header=<status> random_get=<wasi errno>": a host call and a WASI call the
 *                        capability_restriction_config may stub out
 * Other paths continue untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <wasi/api.h>

#include "sdk/proxy_wasm.h"

extern char **environ;

static char prefix[64] = "/sandbox/";
static const char KEY[] = "sandbox_key";

PROXY_EXPORT(proxy_on_configure) uint32_t proxy_on_configure(uint32_t root_id, uint32_t configuration_size) {
  size_t size = 0;
  char *config = pw_get_buffer(PROXY_BUFFER_PLUGIN_CONFIGURATION, configuration_size, &size);
  if (config != NULL && size > 0 && size < sizeof prefix - 2) {
    snprintf(prefix, sizeof prefix, "/%s/", config);
  }
  free(config);
  return 1;
}

PROXY_EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t context_id, uint32_t parent_id) {}

static void reply(const char *body) {
  proxy_send_local_response(200, "c_sandbox", 9, body, strlen(body), NULL, 0, -1);
}

static void env_reply(void) {
  size_t total = 1;
  for (char **e = environ; e != NULL && *e != NULL; e++) total += strlen(*e) + 1;
  char *body = malloc(total);
  if (body == NULL) return;
  body[0] = '\0';
  for (char **e = environ; e != NULL && *e != NULL; e++) {
    strcat(body, *e);
    strcat(body, "\n");
  }
  reply(body);
  free(body);
}

static void shared_get_reply(void) {
  char *value = NULL;
  size_t size = 0;
  uint32_t cas = 0;
  proxy_status_t rc = proxy_get_shared_data(KEY, strlen(KEY), &value, &size, &cas);
  char body[160];
  if (rc == PROXY_OK && value != NULL) {
    snprintf(body, sizeof body, "value=%.*s", (int)(size > 120 ? 120 : size), value);
  } else {
    snprintf(body, sizeof body, "missing %u", rc);
  }
  free(value);
  reply(body);
}

static void caps_reply(void) {
  proxy_status_t add = pw_add_header(PROXY_MAP_REQUEST_HEADERS, "x-sandbox", "1");
  uint8_t random[8];
  __wasi_errno_t rnd = __wasi_random_get(random, sizeof random);
  char body[64];
  snprintf(body, sizeof body, "add_header=%u random_get=%u", add, (unsigned)rnd);
  reply(body);
}

PROXY_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t headers, uint32_t end_of_stream) {
  char *path = pw_get_header(PROXY_MAP_REQUEST_HEADERS, ":path");
  if (path == NULL) return HEADERS_CONTINUE;
  size_t n = strlen(prefix);
  uint32_t result = HEADERS_CONTINUE;
  if (strncmp(path, prefix, n) == 0) {
    const char *rest = path + n;
    result = HEADERS_STOP_ITERATION;
    if (strcmp(rest, "env") == 0) {
      env_reply();
    } else if (strncmp(rest, "shared/set/", 11) == 0) {
      const char *v = rest + 11;
      char body[32];
      snprintf(body, sizeof body, "set %u", proxy_set_shared_data(KEY, strlen(KEY), v, strlen(v), 0));
      reply(body);
    } else if (strcmp(rest, "shared/get") == 0) {
      shared_get_reply();
    } else if (strcmp(rest, "caps") == 0) {
      caps_reply();
    } else {
      result = HEADERS_CONTINUE;
    }
  }
  free(path);
  return result;
}

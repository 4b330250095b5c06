/* proxy_wasm.c: the exported pieces every wasmplane C plugin needs (ABI marker, allocator) and the helpers
 * declared in proxy_wasm.h. */
#include "proxy_wasm.h"

#include <stdlib.h>

/* The ABI version marker: hosts read the export's name, never call it. */
PROXY_EXPORT(proxy_abi_version_0_2_1) void proxy_abi_version_0_2_1(void) {}

/* The host allocates returned data through this (malloc is exported too, for hosts that look for it first). */
PROXY_EXPORT(proxy_on_memory_allocate) void *proxy_on_memory_allocate(size_t size) {
  return malloc(size);
}

char *pw_get_header(uint32_t map, const char *key) {
  char *value = NULL;
  size_t size = 0;
  if (proxy_get_header_map_value(map, key, strlen(key), &value, &size) != PROXY_OK) {
    return NULL;
  }
  /* the host's copy has no terminator: make one the caller can treat as a C string */
  char *copy = malloc(size + 1);
  if (copy != NULL) {
    if (size > 0) memcpy(copy, value, size);
    copy[size] = '\0';
  }
  free(value);
  return copy;
}

char *pw_get_buffer(uint32_t buffer_type, size_t length, size_t *size) {
  char *data = NULL;
  size_t got = 0;
  *size = 0;
  if (length == 0 || proxy_get_buffer_bytes(buffer_type, 0, length, &data, &got) != PROXY_OK || data == NULL) {
    return NULL;
  }
  char *copy = realloc(data, got + 1);
  if (copy == NULL) {
    free(data);
    return NULL;
  }
  copy[got] = '\0';
  *size = got;
  return copy;
}

static void put_u32(char *at, uint32_t v) {
  at[0] = (char)(v & 0xff);
  at[1] = (char)((v >> 8) & 0xff);
  at[2] = (char)((v >> 16) & 0xff);
  at[3] = (char)((v >> 24) & 0xff);
}

char *pw_pairs_encode(const char *const *keys, const char *const *values, size_t count, size_t *size) {
  size_t total = 4 + 8 * count;
  for (size_t i = 0; i < count; i++) total += strlen(keys[i]) + 1 + strlen(values[i]) + 1;
  char *out = malloc(total);
  if (out == NULL) return NULL;
  put_u32(out, (uint32_t)count);
  char *lengths = out + 4;
  char *bytes = out + 4 + 8 * count;
  for (size_t i = 0; i < count; i++) {
    size_t k = strlen(keys[i]), v = strlen(values[i]);
    put_u32(lengths + 8 * i, (uint32_t)k);
    put_u32(lengths + 8 * i + 4, (uint32_t)v);
    memcpy(bytes, keys[i], k + 1);
    bytes += k + 1;
    memcpy(bytes, values[i], v + 1);
    bytes += v + 1;
  }
  *size = total;
  return out;
}

uint32_t pw_pairs_count(const char *data, size_t size) {
  if (data == NULL || size < 4) return 0;
  const unsigned char *u = (const unsigned char *)data;
  return (uint32_t)u[0] | ((uint32_t)u[1] << 8) | ((uint32_t)u[2] << 16) | ((uint32_t)u[3] << 24);
}

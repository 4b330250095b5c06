#!/usr/bin/env bash
# Builds each plugins/c/*.c into $OUT/<name>.wasm: clang-19 for wasm32-wasi against Debian's wasi-libc, as a WASI
# reactor (exports _initialize), linked with the thin ABI layer sdk/proxy_wasm.c and exporting malloc/free next
# to proxy_on_memory_allocate. Skips a plugin whose .wasm is newer than its source and the sdk.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${OUT:=$here/../build/c}"
mkdir -p "$OUT"
CC="${CC:-clang-19}"
built=0
for src in "$here"/*.c; do
  name="$(basename "${src%.c}")"
  dst="$OUT/$name.wasm"
  if [ -f "$dst" ] && [ -z "$(find "$src" "$here/sdk" "$here/build.sh" -newer "$dst" -type f -print -quit)" ]; then
    continue
  fi
  "$CC" --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -mexec-model=reactor \
    -I "$here" -o "$dst.tmp" "$src" "$here/sdk/proxy_wasm.c" \
    -Wl,--export=malloc -Wl,--export=free -Wl,--strip-debug
  mv "$dst.tmp" "$dst"
  built=$((built + 1))
done
[ "$built" -eq 0 ] || echo "plugins: built $built C module(s)"

#!/usr/bin/env bash
# Builds the AssemblyScript plugins (one folder per plugin, entry index.ts) with the Proxy-Wasm SDK
# @solo-io/proxy-runtime 0.1.8 and assemblyscript 0.14.x, both installed locally from package-lock.json.
# Writes $OUT/<folder>.wasm; skips a plugin whose .wasm is newer than its sources and the lock file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${OUT:=$here/../build/assemblyscript}"
mkdir -p "$OUT"
cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
built=0
for entry in "$here"/*/index.ts; do
  dir="$(dirname "$entry")"
  name="$(basename "$dir")"
  [ "$name" = node_modules ] && continue
  dst="$OUT/$name.wasm"
  if [ -f "$dst" ] && [ -z "$(find "$dir" package-lock.json -newer "$dst" -type f -print -quit)" ]; then
    continue
  fi
  # --use abort=abort_proc_exit: the SDK's abort handler (logs at critical, then wasi_unstable.proc_exit).
  log="$(mktemp)"
  if ! node_modules/.bin/asc "$entry" -b "$dst.tmp" --use abort=abort_proc_exit --optimize 2> "$log"; then
    cat "$log" >&2; rm -f "$log" "$dst.tmp"; exit 1
  fi
  rm -f "$log"
  mv "$dst.tmp" "$dst"
  built=$((built + 1))
done
[ "$built" -eq 0 ] || echo "plugins: built $built AssemblyScript module(s)"

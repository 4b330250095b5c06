#!/usr/bin/env bash
# Builds every test/demo plugin from source into plugins/build/<kind>/<name>.wasm.
#   plugins/wat/**/*.wat        -> plugins/build/wat/<name>.wasm   (Debian wabt's wat2wasm)
#   plugins/<kind>/build.sh     -> each other kind builds itself into plugins/build/<kind>/
# Rebuilds only what changed, so `make test` stays fast on a warm tree.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/build"
mkdir -p "$out/wat"
count=0
while IFS= read -r -d '' src; do
  name="$(basename "${src%.wat}")"
  dst="$out/wat/$name.wasm"
  if [ ! -f "$dst" ] || [ "$src" -nt "$dst" ]; then
    wat2wasm --enable-all "$src" -o "$dst"
    count=$((count + 1))
  fi
done < <(find "$here/wat" -name '*.wat' -print0)
[ "$count" -gt 0 ] && echo "plugins: built $count WAT module(s)"
for script in "$here"/*/build.sh; do
  [ -f "$script" ] || continue
  kind="$(basename "$(dirname "$script")")"
  mkdir -p "$out/$kind"
  OUT="$out/$kind" bash "$script"
done

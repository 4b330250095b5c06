#!/usr/bin/env bash
# `make run`: the control-plane-stub (xDS + module server), a demo upstream, and one data plane bootstrapped only
# with ADS; the stub sends it a listener on :10000 whose HTTP filter is the AssemblyScript plugin as_headers
# (built from plugins/assemblyscript/as_headers), fetched by URL and verified by sha256.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/wasmplane-demo.XXXXXX)
rollout="$work/rollout.yaml"
# The rollout file you edit while it runs; module paths in it are made absolute.
sed "s|module: ../../plugins/build/|module: $(pwd)/plugins/build/|" control-plane-stub/examples/rollout.yaml > "$rollout"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

java -jar control-plane-stub/target/control-plane-stub.jar demo-upstream --port 18081 > "$work/upstream.log" 2>&1 &
pids+=("$!")
java -jar control-plane-stub/target/control-plane-stub.jar --config "$rollout" --xds-port 18000 --http-port 18080 \
  > "$work/control-plane.log" 2>&1 &
pids+=("$!")
java -jar dataplane/target/dataplane.jar -c scripts/demo/bootstrap-ads.yaml --concurrency 2 -l info \
  > "$work/dataplane.log" 2>&1 &
pids+=("$!")

echo "waiting for the data plane to receive its listener over xDS ..."
for _ in $(seq 1 150); do
  if curl -s -o /dev/null -m 1 http://127.0.0.1:10000/; then ready=1; break; fi
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "a process exited; logs in $work:"; tail -n 20 "$work"/*.log; exit 1; }; done
  sleep 0.2
done
if [ "${ready:-0}" != 1 ]; then echo "not ready after 30 s; logs in $work:"; tail -n 20 "$work"/*.log; exit 1; fi

cat <<MSG

wasmplane demo is up (logs in $work):
  control plane  xDS 127.0.0.1:18000, modules + status http://127.0.0.1:18080/status
  data plane     listener 127.0.0.1:10000, admin http://127.0.0.1:9901/
  upstream       127.0.0.1:18081 (echoes what reaches it)

Try the plugin (it stamps x-as-stamp on the request the upstream sees and on the response):

  curl -i http://127.0.0.1:10000/hello

Roll out a new version of the plugin's config: edit the rollout file (the stub watches it), e.g.

  sed -i 's/stamp=v1"/stamp=v3"/; s/^    version: v1/    version: v3/' $rollout

and curl again within a second: x-as-stamp says v3, with no request dropped in between.
A node started with metadata canary=true would get the file's canary version v2 instead. Which node runs what:
  java -jar control-plane-stub/target/control-plane-stub.jar status --http-port 18080
Plugin stats: curl -s http://127.0.0.1:9901/stats | grep as_headers

Ctrl-C stops everything.
MSG
wait -n "${pids[@]}" || true
echo "a process exited; logs in $work"
tail -n 20 "$work"/*.log

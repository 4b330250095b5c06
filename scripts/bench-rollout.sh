#!/usr/bin/env bash
# Plugin rollout benchmark (loopback only, bounded): push -> first request served by the new version for an uncached
# and a cached remote module, and fetch + verify + compile + canary of a >= 1 MB module. Needs wat2wasm (wabt).
#   ROUNDS=10 scripts/bench-rollout.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-10}
mvn -B -q -ntp -pl dataplane test-compile
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
if ! out=$(mvn -B -q -ntp -pl dataplane dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" 2>&1); then
  echo "bench-rollout: cannot build the test class path:" >&2
  echo "$out" >&2
  exit 1
fi
java -Dlogback.configurationFile=dataplane/src/test/resources/logback-test.xml -Drounds="$ROUNDS" \
  -cp "dataplane/target/test-classes:dataplane/target/classes:$(cat "$cp_file")" io.wasmplane.dataplane.wasm.RolloutBench

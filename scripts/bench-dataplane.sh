#!/usr/bin/env bash
# JMH: one request through a listener's HTTP connection manager runtime in process (no sockets, no codec): the
# stream's filter chain without a Wasm filter and with plugins/c/c_bench.c, answered by a direct_response route
# (dataplane/src/test/java/io/wasmplane/dataplane/bench/StreamPathBenchmark.java). Writes machine facts and the
# JMH table to docs/bench/dataplane-stream.txt.
#   scripts/bench-dataplane.sh                                   # 2 forks per case, about 1 minute
#   JMH_ARGS="-f 3 -wi 8 -w 2s -i 8 -r 1s" scripts/bench-dataplane.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
OUT=${OUT:-docs/bench/dataplane-stream.txt}
JMH_ARGS=${JMH_ARGS:-"-f 2 -wi 5 -w 2s -i 5 -r 1s"}
MVN=${MVN:-mvn -B -q}

work=$(mktemp -d /tmp/wasmplane-jmh.XXXXXX)
trap 'rm -rf "$work"' EXIT

plugins/build.sh
$MVN install -DskipTests -pl dataplane -am
$MVN -pl dataplane test-compile
$MVN -pl dataplane dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/deps.classpath" >/dev/null
# run from a private copy of the classes: a concurrent build of the module must not pull them away mid-run
cp -r dataplane/target/classes "$work/classes"
cp -r dataplane/target/test-classes "$work/test-classes"
classpath="$work/test-classes:$work/classes:$(cat "$work/deps.classpath")"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086 # JMH_ARGS is a list of options
java -cp "$classpath" org.openjdk.jmh.Main $JMH_ARGS -prof gc \
  -jvmArgsAppend "-Dwasmplane.plugins.dir=$root/plugins/build -Dio.netty.leakDetection.level=disabled" \
  'io\.wasmplane\.dataplane\.bench\..*' | tee "$work/jmh.log"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$(dirname "$OUT")"
{
  echo "dataplane stream-path benchmark (scripts/bench-dataplane.sh)"
  echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)"
  echo "java:    $(java -version 2>&1 | head -1)"
  echo "jmh:     $JMH_ARGS -prof gc"
  echo "load:    $load_before before the run, $load_after after it (1/5/15-min load average)"
  echo
  sed -n '/^Benchmark /,$p' "$work/jmh.log" | grep -E '^Benchmark |request +|request:gc.alloc.rate.norm'
} > "$OUT"
echo "wrote $OUT"

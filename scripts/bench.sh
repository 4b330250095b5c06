#!/usr/bin/env bash
# Proxy load benchmark (loopback only, bounded): h2load against
#   (a) the upstream directly, (b) nginx and (c) HAProxy as plain reverse proxies,
#   (d) wasmplane with no Wasm filter, (e) wasmplane with a Wasm filter that reads headers and adds one,
#   and (unless FLOOR=0) wasmplane as a plain TCP relay (tcp_proxy): the floor of Netty on this JVM under (d) and (e);
# one worker each, HTTP/1.1 and h2c, keep-alive, the same upstream, alternating rounds.
# Prints req/s, p50/p99 and the target's CPU time per request (utime+stime of its process over the run divided by the
# requests served: much less sensitive to other load on the machine than req/s) per target and protocol (medians over
# rounds) and the ratios of (d) and (e) to the best of (b) and (c), and writes the table to docs/bench/proxy.md.
# Every target first gets one unrecorded warm-up run per protocol (PREWARM seconds; the JVM needs it for its JIT).
#   ROUNDS=3 DURATION=10 PREWARM=30 CONNS=32 STREAMS=10 FLOOR=1 [JAR=other/dataplane.jar] [OUT_MD=file] scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
PREWARM=${PREWARM:-30}   # from a fresh JVM, C2 settles after ~40-50 s of load (h1 then h2c: 60 s here)
CONNS=${CONNS:-32}
STREAMS=${STREAMS:-10}   # concurrent streams per h2c connection
OUT_MD=${OUT_MD:-docs/bench/proxy.md}
JAR=${JAR:-dataplane/target/dataplane.jar}
PLUGIN=${PLUGIN:-plugins/build/c/c_bench.wasm}
FLOOR=${FLOOR:-1}

need=()
command -v h2load >/dev/null || need+=(nghttp2-client)
command -v nginx >/dev/null || need+=(nginx-light)
command -v haproxy >/dev/null || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/wasmplane-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

UP=19000 NGX=19001 HAP=19002 WPD=19003 WPE=19004 WPT=19005   # h2c peers listen on port+100
sed -e "s|@UP@|$UP|g" -e "s|@UP2@|$((UP + 100))|g" scripts/bench/upstream.conf > "$work/upstream.conf"
sed -e "s|@UP@|$UP|g" -e "s|@NGX@|$NGX|g" -e "s|@NGX2@|$((NGX + 100))|g" scripts/bench/nginx.conf > "$work/nginx.conf"
sed -e "s|@UP@|$UP|g" -e "s|@HAP@|$HAP|g" -e "s|@HAP2@|$((HAP + 100))|g" scripts/bench/haproxy.cfg > "$work/haproxy.cfg"
mkdir -p "$work/up" "$work/ngx"
nginx -p "$work/up" -c "$work/upstream.conf" -g "pid $work/up.pid;" && sleep 0.3
pids+=("$(cat "$work/up.pid")")
nginx -p "$work/ngx" -c "$work/nginx.conf" -g "pid $work/nginx.pid;" && sleep 0.3
pids+=("$(cat "$work/nginx.pid")")
haproxy -f "$work/haproxy.cfg" -D -p "$work/haproxy.pid" && sleep 0.3
pids+=("$(cat "$work/haproxy.pid")")
# The process doing the work of each target (nginx: its single worker), for CPU time per request.
worker_of() { pgrep -P "$1" | head -1; }

targets=("upstream:$UP:$((UP + 100)):$(worker_of "$(cat "$work/up.pid")")"
  "nginx:$NGX:$((NGX + 100)):$(worker_of "$(cat "$work/nginx.pid")")"
  "haproxy:$HAP:$((HAP + 100)):$(cat "$work/haproxy.pid")")
if [ -f "$JAR" ]; then
  variants=(nowasm wasm)
  [ "$FLOOR" = 1 ] && variants+=(tcp)
  for variant in "${variants[@]}"; do
    port=$WPD; admin=19013; port2=$port   # the HTTP variants serve h1 and h2c on one port
    [ $variant = wasm ] && { port=$WPE; admin=19014; port2=$port; }
    [ $variant = tcp ] && { port=$WPT; admin=19015; port2=$((WPT + 100)); }
    [ $variant = wasm ] && [ ! -f "$PLUGIN" ] && { echo "no $PLUGIN: skipping wasmplane+wasm"; continue; }
    sed -e "s|@PORT@|$port|g" -e "s|@PORT2@|$port2|g" -e "s|@ADMIN@|$admin|g" -e "s|@UP@|$UP|g" \
      -e "s|@UP2@|$((UP + 100))|g" -e "s|@PLUGIN@|$(pwd)/$PLUGIN|g" \
      "scripts/bench/wasmplane-$variant.yaml" > "$work/wasmplane-$variant.yaml"
    java -Xms512m -Xmx512m -XX:+UseParallelGC -jar "$JAR" -c "$work/wasmplane-$variant.yaml" --concurrency 1 -l warn \
      > "$work/wasmplane-$variant.log" 2>&1 &
    jpid=$!
    pids+=("$jpid")
    ready=0
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && { ready=1; break; }; sleep 0.2; done
    if [ $ready = 1 ]; then
      targets+=("wasmplane-$variant:$port:$port2:$jpid")
    else
      echo "wasmplane-$variant did not become ready; skipped (log: $(tail -3 "$work/wasmplane-$variant.log"))" >&2
    fi
  done
else
  echo "no $JAR (run make build): benchmarking the peers only"
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
user_ticks() { awk '{print $14}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# One h2load run -> "rps p50_ms p99_ms failed cpu_us_per_request user_us_per_request"
run_one() {
  local port=$1 proto=$2 pid=$3 log="$work/req.log" args=()
  if [ "$proto" = h1 ]; then args=(--h1 -c "$CONNS" -m 1); else args=(-c "$((CONNS / 4 > 0 ? CONNS / 4 : 1))" -m "$STREAMS"); fi
  rm -f "$log"
  local out c0 c1 u0 u1
  c0=$(cpu_ticks "$pid"); u0=$(user_ticks "$pid")
  out=$(h2load "${args[@]}" -t 1 -D "$DURATION" --warm-up-time "$WARMUP" --log-file "$log" "http://127.0.0.1:$port/" 2>&1) || true
  c1=$(cpu_ticks "$pid"); u1=$(user_ticks "$pid")
  local rps failed ok cpu user
  rps=$(awk '/^finished in/ {for (i=1;i<=NF;i++) if ($i ~ /req\/s/) {gsub(",","",$(i-1)); print $(i-1)}}' <<<"$out")
  failed=$(awk '/^requests:/ {for (i=1;i<=NF;i++) if ($i=="failed,") print $(i-1)}' <<<"$out")
  # CPU over warm-up + measurement, requests over the same span (h2load's "done" counts both).
  ok=$(awk '/^requests:/ {for (i=1;i<=NF;i++) if ($i=="done,") print $(i-1)}' <<<"$out")
  per_req() { awk -v c="$1" -v n="${ok:-0}" -v t="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (n > 0 ? c * 1e6 / t / n : 0)}'; }
  cpu=$(per_req $((c1 - c0))); user=$(per_req $((u1 - u0)))
  # log-file columns: start time (us since epoch), status, elapsed (us)
  local pct
  pct=$(awk '{print $3}' "$log" 2>/dev/null | sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "- -"; exit} p50=a[int(NR*0.50)>0?int(NR*0.50):1]; p99=a[int(NR*0.99)>0?int(NR*0.99):1]; printf "%.2f %.2f", p50/1000, p99/1000}')
  echo "${rps:-0} $pct ${failed:-?} $cpu $user"
}

# JIT warm-up for every target alike: one unrecorded run per protocol.
if [ "$PREWARM" -gt 0 ]; then
  for t in "${targets[@]}"; do
    IFS=: read -r name h1port h2port pid <<<"$t"
    h2load --h1 -c "$CONNS" -m 1 -t 1 -D "$PREWARM" "http://127.0.0.1:$h1port/" >/dev/null 2>&1 || true
    h2load -c "$((CONNS / 4 > 0 ? CONNS / 4 : 1))" -m "$STREAMS" -t 1 -D "$PREWARM" "http://127.0.0.1:$h2port/" >/dev/null 2>&1 || true
  done
fi

declare -A results
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  for proto in h1 h2c; do
    for t in "${targets[@]}"; do
      IFS=: read -r name h1port h2port pid <<<"$t"
      port=$h1port; [ "$proto" = h2c ] && port=$h2port
      r=$(run_one "$port" "$proto" "$pid")
      results["$name|$proto"]+="$r;"
      echo "round $round $proto $name: $r" >&2
    done
  done
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else print a[int((NR+1)/2)]}'; }
field() { tr ';' '\n' | awk -v f="$1" 'NF {print $f}' | median; }
{
  echo "# Proxy load benchmark"
  echo
  echo "$(date -u +%Y-%m-%d) · $(nproc) cores · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) · $(java -version 2>&1 | head -1)"
  echo "h2load on loopback, ${DURATION}s per run after ${WARMUP}s warm-up, ${ROUNDS} alternating rounds (medians shown),"
  echo "after one unrecorded ${PREWARM}s run per target and protocol (JIT warm-up, the same for every target);"
  echo "h1: ${CONNS} connections × 1 request in flight; h2c: $((CONNS / 4)) connections × ${STREAMS} streams. One worker each."
  echo "Upstream: its own nginx process (1 worker) returning a fixed 13-byte 200. CPU µs/req: utime+stime of the target's"
  echo "process (nginx: its worker) over the run divided by the requests it served (upstream row: the upstream itself);"
  echo "\"of which user\": its user-mode part (the rest is kernel time, mostly loopback TCP)."
  [ "$FLOOR" = 1 ] && echo "wasmplane-tcp: the same process as a TCP relay (tcp_proxy) to the upstream port of each protocol: no HTTP work at all."
  echo "Load average before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Command: \`ROUNDS=$ROUNDS DURATION=$DURATION PREWARM=$PREWARM scripts/bench.sh\`"
  echo
  echo "| target | proto | req/s | p50 ms | p99 ms | failed | CPU µs/req | of which user |"
  echo "|---|---|---|---|---|---|---|---|"
  for proto in h1 h2c; do
    for t in "${targets[@]}"; do
      name=${t%%:*}; s=${results["$name|$proto"]}
      echo "| $name | $proto | $(field 1 <<<"$s") | $(field 2 <<<"$s") | $(field 3 <<<"$s") | $(field 4 <<<"$s") | $(field 5 <<<"$s") | $(field 6 <<<"$s") |"
    done
  done
  echo
  for proto in h1 h2c; do
    best=$(for p in nginx haproxy; do field 1 <<<"${results["$p|$proto"]}"; done | sort -n | tail -1)
    bestcpu=$(for p in nginx haproxy; do field 5 <<<"${results["$p|$proto"]}"; done | sort -n | head -1)
    bestuser=$(for p in nginx haproxy; do field 6 <<<"${results["$p|$proto"]}"; done | sort -n | head -1)
    for v in wasmplane-nowasm wasmplane-wasm wasmplane-tcp; do
      s=${results["$v|$proto"]:-}
      [ -n "$s" ] || continue
      echo "- $proto: $v / best peer = $(awk -v a="$(field 1 <<<"$s")" -v b="$best" 'BEGIN {printf "%.2f", (b>0 ? a/b : 0)}') (req/s);" \
        "CPU per request $(field 5 <<<"$s") µs vs the leanest peer's $bestcpu µs (user $(field 6 <<<"$s") µs vs $bestuser µs)"
    done
  done
} | tee "$OUT_MD"

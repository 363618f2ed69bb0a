#!/usr/bin/env bash
# Recommend (k = 10) and Score (100 candidates) through gRPC against the real kgrec-ranker process,
# `kgrec load` on the same machine, one table per invocation:
#
#   Benchmarks/ranker.sh topology CHECKPOINT [FUSED_ITEMS]
#       kgrec up (encoder, graph, ranker) on the checkpoint, loads the ranker with its default flags
#       plus RANKER_ARGS, and records the graph's table to $WORK/table.kgrtable
#       (kgrec table-graph record). At 1M nodes this needs ~13 GB: run it under
#       `flock /work/wt/bigmem.lock`.
#   Benchmarks/ranker.sh table TABLE.kgrtable | synthetic USERS,ITEMS
#       the same ranker in front of `kgrec table-graph serve` (the recorded table, or a seeded random
#       one): the graph's two calls the ranker makes, from memory, so the ranker can be measured
#       over a trained 400k-item table without the topology. Each ";"-separated flag set in
#       CONFIGS (default: "" = the defaults) is one ranker start.
#
# Per configuration: Recommend at concurrency 4 and 1 and Score at 4 (`kgrec load --duration D`,
# default 10s, ids drawn from the graph's export), then the ranker's recall gauge
# (kgrec_ann_recall_at_k, probes at --recall-probe-rate, default 0.01: the ANN answer against the
# exact scan of the same catalogue) and its peak RSS. The load tool shares the machine's cores.
# Env: KGREC_BIN (default .build/release/kgrec; kgrec-ranker beside it), WORK (default /tmp/kgrec-ranker-bench),
#      DURATION, CONFIGS, RANKER_ARGS, RANKER_BINS (kgrec-ranker executables to compare, each with every
#      configuration, in this one invocation; default the one beside KGREC_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
bindir="$(dirname "$bin")"
work="${WORK:-/tmp/kgrec-ranker-bench}"
duration="${DURATION:-10s}"
mode="${1:?usage: ranker.sh topology CHECKPOINT [FUSED] | table FILE | synthetic USERS,ITEMS}"
mkdir -p "$work"
[[ -x "$bin" && -x "$bindir/kgrec-ranker" ]] || { echo "build first: make build (or set KGREC_BIN)" >&2; exit 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done; pids=(); }
trap cleanup EXIT INT TERM

# Waits for "listening on HOST:PORT" in a log; prints the port.
wait_port() {
    local log=$1 pid=$2
    for _ in $(seq 1 3000); do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
        local p; p=$(grep -o 'listening on [^ ]*:[0-9]*' "$log" | head -1 | sed 's/.*://') || true
        [[ -n "$p" ]] && { echo "$p"; return; }
        sleep 0.2
    done
    echo "timed out waiting for $log" >&2; exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# load PID ARGS...: runs kgrec load --json; prints "req/s p50 p99 errors cpu_us_per_request" (the
# ranker's utime+stime over the run, which other jobs on the machine disturb far less than req/s).
load() {
    local pid=$1; shift
    local t0 out t1; t0=$(cpu_ticks "$pid")
    out=$("$bin" load "$@" --duration "$duration" --json)
    t1=$(cpu_ticks "$pid")
    echo "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin); l=r["latency"]; t=int(sys.argv[1]); print("%.0f %.2f %.2f %d %.0f" % (r["throughput_rps"], l["p50_ms"], l["p99_ms"], r["requests"] - r["ok"], t * 1e6 / int(sys.argv[2]) / max(1, r["ok"])))' \
        "$((t1 - t0))" "$(getconf CLK_TCK)"
}

rows=()
measure() {   # measure LABEL RANKER_PORT ADMIN_PORT GRAPH RANKER_PID
    local label=$1 port=$2 admin=$3 graph=$4 pid=$5 r4 r1 s4
    local common=(--target "127.0.0.1:$port" --ids-from "$graph")
    r4=$(load "$pid" "${common[@]}" --method recommend --k 10 --concurrency 4)
    r1=$(load "$pid" "${common[@]}" --method recommend --k 10 --concurrency 1)
    s4=$(load "$pid" "${common[@]}" --method score --candidates 100 --concurrency 4)
    local recall; recall=$(metric "$admin" kgrec_ann_recall_at_k)
    rows+=("$(printf "| %s | %s | %s | %s | %.3f | %s | %s |" "$label" "$(echo "$r4" | awk '{print $1" | "$2" | "$3" | "$5}')" \
        "$(echo "$r1" | awk '{print $1" | "$3" | "$5}')" "$(echo "$s4" | awk '{print $1" | "$3" | "$5}')" "${recall:-0}" "$(rss_mb "$pid")" \
        "$(echo "$r4 $r1 $s4" | awk '{print $4+$9+$14}')")")
    echo "${rows[-1]}"
}

case "$mode" in
topology)
    ckpt=${2:?checkpoint}; fused=${3:-}
    extra=(); [[ -n "$fused" ]] && extra=(--fused-items "$fused")
    ra=(); for a in ${RANKER_ARGS:-}; do ra+=(--ranker-arg "$a"); done
    rm -rf "$work/state" "$work/endpoints.json"
    "$bin" up --checkpoint "$ckpt" --free-ports --state-dir "$work/state" --grace 5s --start-timeout 900s \
        --endpoints-file "$work/endpoints.json" "${extra[@]}" "${ra[@]}" >"$work/up.log" 2>&1 &
    pids+=($!)
    while [[ ! -f "$work/endpoints.json" ]]; do kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/up.log" >&2; exit 1; }; sleep 1; done
    field() { python3 -c "import json; s={x['name']: x for x in json.load(open('$work/endpoints.json'))['services']}; print(s['$1']['$2'])"; }
    graph=$(field graph grpc); port=$(field ranker grpc | sed 's/.*://'); admin=$(field ranker admin_port); rpid=$(field ranker pid)
    measure "topology ${RANKER_ARGS:-defaults}" "$port" "$admin" "$graph" "$rpid"
    "$bin" table-graph record --graph "$graph" --table "$work/table.kgrtable"
    ;;
table|synthetic)
    src=${2:?table file or USERS,ITEMS}
    if [[ $mode == table ]]; then gargs=(--table "$src"); else gargs=(--synthetic "$src"); fi
    "$bin" table-graph serve "${gargs[@]}" >"$work/graph.log" 2>&1 &
    gpid=$!; pids+=($gpid)
    gport=$(wait_port "$work/graph.log" "$gpid")
    IFS=';' read -ra configs <<<"${CONFIGS:-}"; [[ ${#configs[@]} -gt 0 ]] || configs=("")
    # Binaries interleaved within each configuration, so load from elsewhere hits them alike.
    for cfg in "${configs[@]}"; do
    for rbin in ${RANKER_BINS:-$bindir/kgrec-ranker}; do
        # shellcheck disable=SC2086
        port=$(free_port); admin=$(free_port)
        "$rbin" --graph "127.0.0.1:$gport" --port "$port" --admin-port "$admin" --host 127.0.0.1 \
            --admin-host 127.0.0.1 --no-reflection $cfg ${RANKER_ARGS:-} >"$work/ranker.log" 2>&1 &
        rpid=$!
        until curl -sf "http://127.0.0.1:$admin/healthz" >/dev/null; do kill -0 "$rpid" || { cat "$work/ranker.log" >&2; exit 1; }; sleep 0.5; done
        label="${cfg:-defaults}"; [[ -n "${RANKER_BINS:-}" ]] && label="$rbin $label"
        measure "$label" "$port" "$admin" "127.0.0.1:$gport" "$rpid"
        kill -TERM "$rpid"; wait "$rpid" || true
    done
    done
    ;;
*) echo "unknown mode $mode" >&2; exit 2 ;;
esac
echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(date -u +%FT%TZ), $bin"
echo "(CPU µs/req: the ranker's utime+stime per answered request; recall: kgrec_ann_recall_at_k, ANN vs the exact scan of the same precision, 0 = no ANN)"
echo "| ranker | Recommend c=4 req/s | p50 ms | p99 ms | CPU µs/req | Recommend c=1 req/s | p99 ms | CPU µs/req | Score(100) c=4 req/s | p99 ms | CPU µs/req | recall@10 | peak RSS MB | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf "%s\n" "${rows[@]}"

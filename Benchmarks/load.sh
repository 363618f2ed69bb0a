#!/usr/bin/env bash
# Load test of the three services on the synthetic default dataset: `kgrec up` (encoder → graph →
# ranker as processes on free 127.0.0.1 ports), then `kgrec load` against each service and the
# ranker end to end, one table each; everything is stopped by PID at the end (also on error).
#
# Usage: Benchmarks/load.sh [DURATION]          (default 10s per method)
# Env:   KGREC_BIN    kgrec executable (default .build/release/kgrec; the services beside it)
#        CHECKPOINT   reuse a checkpoint instead of synthesising + training a quick one
#        CONCURRENCY  workers per run (default 8)      RATE  requests/s or max (default max)
#        ENCODERS     encoder processes (default 1)     WORK  scratch dir (default runs/bench-load)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
duration="${1:-10s}"
conc="${CONCURRENCY:-8}"
rate="${RATE:-max}"
work="${WORK:-runs/bench-load}"
[[ -x "$bin" ]] || { echo "build first: swift build -c release (or set KGREC_BIN)" >&2; exit 1; }
mkdir -p "$work"

ckpt="${CHECKPOINT:-}"
if [[ -z "$ckpt" ]]; then
    ckpt="$work/run/checkpoint.safetensors"
    if [[ ! -f "$ckpt" ]]; then
        echo "== synthesising the default dataset and training a quick checkpoint (load test only)"
        "$bin" synth --out "$work/data" >/dev/null
        "$bin" train --data "$work/data" --out "$work/run" --epochs 1 --max-batches 4 --kg-batches 1 --quiet >/dev/null
    fi
fi

up_pid=""
stop_all() {
    if [[ -n "$up_pid" ]] && kill -0 "$up_pid" 2>/dev/null; then
        kill -TERM "$up_pid"      # kgrec up drains ranker, graph, encoders in that order
        wait "$up_pid" || true
    fi
}
trap stop_all EXIT INT TERM

rm -f "$work/endpoints.json"
"$bin" up --checkpoint "$ckpt" --free-ports --state-dir "$work/state" --encoders "${ENCODERS:-1}" \
    --log-level warn --grace 5s --endpoints-file "$work/endpoints.json" >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 1 600); do
    [[ -f "$work/endpoints.json" ]] && break
    kill -0 "$up_pid" 2>/dev/null || { cat "$work/up.log" >&2; exit 1; }
    sleep 0.5
done
[[ -f "$work/endpoints.json" ]] || { echo "services did not come up; see $work/up.log" >&2; exit 1; }
addr() { sed -n "/\"name\": \"$1\"/,/}/s/.*\"grpc\": \"\([^\"]*\)\".*/\1/p" "$work/endpoints.json"; }
encoder=$(addr encoder-0); graph=$(addr graph); ranker=$(addr ranker)
echo "== services: encoder $encoder, graph $graph, ranker $ranker (kgrec up pid $up_pid; logs in $work/state/logs)"
echo "== load: $duration per method, concurrency $conc, rate $rate, load average $(cut -d' ' -f1 /proc/loadavg)"

run() {
    local target=$1 method=$2; shift 2
    echo
    "$bin" load --target "$target" --method "$method" --duration "$duration" --concurrency "$conc" --rate "$rate" \
        --checkpoint "$ckpt" "$@"
}
run "$encoder" encode --batch 8
run "$encoder" encode-stream --batch 8
run "$graph" get-embeddings --batch 16
run "$ranker" score --candidates 100
run "$ranker" recommend --k 10
run "$ranker" score-stream --candidates 100 --explain

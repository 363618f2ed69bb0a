#!/usr/bin/env bash
# Time to SERVING and peak RSS of each service at several synthetic sizes, before and after the
# fused-item artifact, in one invocation on one machine:
#   per size N: kgrec synth --nodes N, kgrec train (1 epoch, 1 batch, no eval), kgrec export;
#   then kgrec up twice — "encode" (the graph sends every trained item through the encoder, the
#   path without an artifact) and "artifact" (kgrec up --fused-items) — each on free 127.0.0.1
#   ports, stopped by PID once all three are SERVING.
# kgrec up starts encoder → graph → ranker one after another, so a service's time is from the
# previous one's SERVING line to its own (the encoder's from the start of kgrec up).
# RSS is VmHWM (peak resident set) of each service process, read from /proc while it serves.
#
# Usage: Benchmarks/startup.sh [NODES...]        (default: 10000 100000)
# Env:   KGREC_BIN  kgrec executable (default .build/release/kgrec)   WORK  scratch (default runs/bench-startup)
#        MODES      which start-ups to time (default "encode artifact")
# Training uses --propagation history (the checkpoint is the same kind either way; history fits
# a 1M-node graph in ~7 GB where full propagation needs ~14 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
work="${WORK:-runs/bench-startup}"
[[ -x "$bin" ]] || { echo "build first: make build (or set KGREC_BIN)" >&2; exit 1; }
sizes=("$@"); [[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000)
mkdir -p "$work"

up_pid=""
stop_up() {
    if [[ -n "$up_pid" ]] && kill -0 "$up_pid" 2>/dev/null; then kill -TERM "$up_pid"; wait "$up_pid" || true; fi
    up_pid=""
}
trap stop_up EXIT INT TERM

now() { date +%s.%N; }
rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

rows=()
for n in "${sizes[@]}"; do
    dir="$work/n$n"
    ckpt="$dir/run/checkpoint.safetensors"
    if [[ ! -f "$ckpt" ]]; then
        echo "== $n nodes: synth + train (1 epoch, 1 batch)"
        "$bin" synth --nodes "$n" --out "$dir/data" >/dev/null
        "$bin" train --data "$dir/data" --out "$dir/run" --epochs 1 --max-batches 1 --kg-batches 1 --no-eval --propagation history --quiet >/dev/null
    fi
    t0=$(now)
    "$bin" export --checkpoint "$ckpt" --out "$dir/artifacts" >/dev/null
    export_s=$(echo "$(now) - $t0" | bc)
    echo "== $n nodes: kgrec export ${export_s}s ($(du -h "$dir/artifacts/fused-items.kgrf" | cut -f1))"
    for mode in ${MODES:-encode artifact}; do
        extra=(); [[ $mode == artifact ]] && extra=(--fused-items "$dir/artifacts/fused-items.kgrf")
        rm -rf "$dir/state-$mode" "$dir/endpoints.json"
        log="$dir/up-$mode.log"
        start=$(now)
        "$bin" up --checkpoint "$ckpt" --free-ports --state-dir "$dir/state-$mode" --log-level info --grace 5s \
            --start-timeout 900s --endpoints-file "$dir/endpoints.json" "${extra[@]}" \
            > >(while IFS= read -r line; do echo "$(now) $line"; done >"$log") 2>&1 &
        up_pid=$!
        while [[ ! -f "$dir/endpoints.json" ]]; do
            kill -0 "$up_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
            sleep 0.2
        done
        at() { awk -v s="$1 SERVING" 'index($0, s) {print $1; exit}' "$log"; }
        e=$(at encoder-0); g=$(at graph); r=$(at ranker)
        pid() { sed -n "/\"name\": \"$1\"/,/}/s/.*\"pid\": \([0-9]*\).*/\1/p" "$dir/endpoints.json"; }
        rows+=("$(printf "%9s %-8s %9.1f %9.1f %9.1f %9.1f %9s %9s %9s" "$n" "$mode" \
            "$(echo "$e - $start" | bc)" "$(echo "$g - $e" | bc)" "$(echo "$r - $g" | bc)" "$(echo "$r - $start" | bc)" \
            "$(rss_mb "$(pid encoder-0)")" "$(rss_mb "$(pid graph)")" "$(rss_mb "$(pid ranker)")")")
        echo "${rows[-1]}"
        stop_up   # kgrec up drains ranker, graph, encoder
    done
done
echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
printf "%9s %-8s %9s %9s %9s %9s %9s %9s %9s\n" nodes mode encoder_s graph_s ranker_s total_s enc_MB graph_MB rank_MB
printf "%s\n" "${rows[@]}"

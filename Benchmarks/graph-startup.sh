#!/usr/bin/env bash
# The graph service's start-up alone, with --fused-items (no item goes through an encoder, so none
# runs: --encoder points at a closed port), for one or more kgrec-graph binaries in one invocation:
# wall seconds from exec to its "table ready" log line, the process's CPU seconds (utime + stime)
# at that moment, peak RSS (VmHWM), the load average, and the service's own stage lines.
#
# Usage: Benchmarks/graph-startup.sh CHECKPOINT ARTIFACT DATA LABEL=BIN [LABEL=BIN...]
#   CHECKPOINT  from kgrec train; ARTIFACT from kgrec export; DATA the dataset directory (--data)
# Env:  WORK scratch (default runs/bench-graph-startup)   PERF=1 records perf record -g per binary
set -euo pipefail
[[ $# -ge 4 ]] || { sed -n 2,9p "$0" >&2; exit 2; }
ckpt=$1; artifact=$2; data=$3; shift 3
work="${WORK:-runs/bench-graph-startup}"
mkdir -p "$work"
tick=$(getconf CLK_TCK)
rows=()
for spec in "$@"; do
    label=${spec%%=*}; bin=${spec#*=}
    dir="$work/$label"; rm -rf "$dir"; mkdir -p "$dir"
    cmd=("$bin" --host 127.0.0.1 --port 0 --admin-host 127.0.0.1 --admin-port 0 --checkpoint "$ckpt" --data "$data"
         --fused-items "$artifact" --encoder 127.0.0.1:1 --log "$dir/interactions.log" --log-level info)
    start=$(date +%s.%N)
    if [[ -n "${PERF:-}" ]]; then
        perf record -q -F 199 -g -o "$dir/perf.data" -- "${cmd[@]}" >"$dir/graph.log" 2>&1 &
    else
        "${cmd[@]}" >"$dir/graph.log" 2>&1 &
    fi
    runner=$!
    pid=$runner
    if [[ -n "${PERF:-}" ]]; then
        until pid=$(pgrep -P "$runner" -x "$(basename "$bin" | cut -c1-15)"); do sleep 0.05; done
    fi
    until grep -q '"table ready"' "$dir/graph.log"; do
        kill -0 "$pid" 2>/dev/null || { cat "$dir/graph.log" >&2; exit 1; }
        sleep 0.2
    done
    end=$(date +%s.%N)
    cpu=$(awk -v t="$tick" '{printf "%.1f", ($14 + $15) / t}' "/proc/$pid/stat")
    mb=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
    kill -TERM "$pid"; wait "$runner" || true
    rows+=("$(printf "%-10s %8.1f %8s %9s   %s" "$label" "$(echo "$end - $start" | bc)" "$cpu" "$mb" "$(cut -d' ' -f1-3 /proc/loadavg)")")
    echo "${rows[-1]}"
    grep -o '"ts":"[^"]*","level":"info","service":"graph","msg":"\(running\|model loaded\|fused items loaded\|table ready\)"' \
        "$dir/graph.log" | sed 's/"level":"info","service":"graph",//'
done
echo
printf "%-10s %8s %8s %9s   %s\n" binary wall_s cpu_s peak_MB "load average (at ready)"
printf "%s\n" "${rows[@]}"

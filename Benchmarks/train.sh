#!/usr/bin/env bash
# Training throughput of Multi-KG4Rec: examples/s, epoch time and peak memory on ml-100k and on
# synthetic KGs of 10%, 50% and 100% of one million nodes (40% users, 40% items, 20% attributes,
# 10 interactions per user, 128-d visual / 96-d text features).
#
# Usage: Benchmarks/train.sh [SIZES...]     (default: ml100k 100000 500000 1000000)
# Env:   KGREC_BIN (default .build/release/kgrec), BATCHES (timed BPR batches per size, default 3),
#        KGREC_FLAGS (extra `kgrec train` flags, e.g. "--dim 32"), TIMEOUT (seconds per size, default 1800).
# Each run trains one epoch capped at BATCHES BPR batches + 1 KG batch without evaluation; the full
# epoch time is extrapolated from the measured per-batch time (a full epoch is every training
# pair once plus one pass over the KG triples, as `kgrec train` does by default).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
batches="${BATCHES:-3}"
work="${BENCH_DIR:-runs/bench-train}"
sizes=("$@"); [[ ${#sizes[@]} -gt 0 ]] || sizes=(ml100k 100000 500000 1000000)
[[ -x "$bin" ]] || { echo "build first: swift build -c release --product kgrec (or set KGREC_BIN)" >&2; exit 1; }
mkdir -p "$work"

printf "%-10s %9s %10s %10s %9s %10s %12s %11s %9s\n" dataset nodes edges train_pairs ex/s s/batch "epoch_s(ext)" peak_MiB synth_s
for size in "${sizes[@]}"; do
    if [[ $size == ml100k ]]; then
        scripts/fetch-ml100k.sh >/dev/null
        data=data/ml-100k
        extra=(--text-features /work/shared/data/ml100k-item-text-minilm384.npy)
        [[ -f ${extra[1]} ]] || extra=()
        synth_s=-
    else
        data="$work/synth$size"
        t0=$(date +%s.%N)
        [[ -f "$data/synth$size.inter" ]] || "$bin" synth --nodes "$size" --out "$data" >/dev/null
        synth_s=$(python3 -c "import time;print(f'{time.time()-$t0:.1f}')")
        extra=()
    fi
    out="$work/run-$size"
    rm -rf "$out"
    # Cap the address space at 90% of available memory so a size that does not fit fails alone
    # instead of waking the OOM killer on a shared machine.
    avail_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
    ( ulimit -v $((avail_kb * 9 / 10)); exec timeout "${TIMEOUT:-1800}" /usr/bin/time -v "$bin" train --data "$data" "${extra[@]}" --epochs 1 --max-batches "$batches" \
        --kg-batches 1 --no-eval --quiet --out "$out" ${KGREC_FLAGS:-} ) > "$work/$size.log" 2> "$work/$size.time" || {
        echo "$size: failed (memory cap $((avail_kb / 1024)) MiB or timeout?), see $work/$size.log and $work/$size.time" >&2; continue; }
    python3 - "$size" "$out" "$work/$size.time" "$work/$size.log" "$synth_s" <<'PY'
import json, re, sys
size, out, timef, logf, synth_s = sys.argv[1:]
rec = json.loads(open(f"{out}/metrics.jsonl").readline())
res = json.load(open(f"{out}/result.json"))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(timef).read()).group(1)) / 1024
m = re.search(r"(\d+) users, (\d+) items, (\d+) entities .*?, (\d+) KG triples, (\d+)/(\d+)/(\d+) train", res["dataset"])
users, items, ents, kg, train = (int(m.group(i)) for i in (1, 2, 3, 4, 5))
nodes = users + ents
edges = 2 * (train + kg)
nb = 1 + -(-rec["cfExamples"] // 4096)          # measured batches (BPR + 1 KG)
per_batch = rec["trainSeconds"] / nb
full = -(-train // 4096) + -(-2 * kg // 4096)    # batches in a full epoch
print(f"{size:<10} {nodes:>9} {edges:>10} {train:>10} {rec['examplesPerSecond']:>9.0f} {per_batch:>10.2f} {per_batch*full:>12.1f} {rss:>11.0f} {synth_s:>9}")
PY
done

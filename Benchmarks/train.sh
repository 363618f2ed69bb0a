#!/usr/bin/env bash
# Training throughput of Multi-KG4Rec (full model, default ModelConfig, batches of 4096): examples/s,
# seconds per batch, the extrapolated epoch time and peak memory on ml-100k (with its MiniLM text
# features) and on synthetic KGs of 10%, 50% and 100% of one million nodes (`kgrec synth --nodes N`:
# 40% users, 40% items, 20% attributes, 10 interactions per user, 128-d visual / 96-d text features).
#
# Usage: Benchmarks/train.sh [SIZES...]     (default: ml100k 100000 500000 1000000)
# Env:   KGREC_BIN (default .build/release/kgrec), BATCHES (timed BPR + KG batches per size, default 2),
#        TIMEOUT (seconds per size, default 3600), BENCH_DIR (default runs/bench-train).
#
# Each size runs `kgrec bench-tensor`: model construction, one `beginEpoch` (every item fused
# without gradient + the attention refresh, timed), then BATCHES × (BPR batch of 4096 random
# (user, item, item) triples + Adam step + TransR batch of 4096 KG triples + Adam step), the same
# model calls `kgrec train` makes. A full epoch (as `kgrec train` by default: every training pair
# once, one pass over the K directed KG edges of the collaborative KG, both directions) is extrapolated:
#   epoch_s = refresh + ⌈pairs/4096⌉·(bpr + step) + ⌈K/4096⌉·(kg + step),   ex/s = (pairs + K) / epoch_s.
# Peak RSS from /usr/bin/time -v; each size runs under an
# address-space cap of 90% of the available memory and a timeout, so a size that does not fit fails alone.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
batches="${BATCHES:-2}"
work="${BENCH_DIR:-runs/bench-train}"
sizes=("$@"); [[ ${#sizes[@]} -gt 0 ]] || sizes=(ml100k 100000 500000 1000000)
[[ -x "$bin" ]] || { echo "build first: swift build -c release --product kgrec (or set KGREC_BIN)" >&2; exit 1; }
mkdir -p "$work"

printf "%-9s %9s %10s %10s %7s %8s %8s %9s %9s %10s %9s\n" dataset nodes edges train_pairs ex/s \
    bpr_s kg_s step_s refresh_s "epoch_s" peak_MiB
for size in "${sizes[@]}"; do
    if [[ $size == ml100k ]]; then
        scripts/fetch-ml100k.sh >/dev/null
        data=data/ml-100k
        text=/work/shared/data/ml100k-item-text-minilm384
        extra=(); [[ -f $text.npy ]] && extra=(--text "$text.npy" --text-ids "$text.ids")
    else
        data="$work/synth$size"
        [[ -f "$data/synth$size.inter" ]] || "$bin" synth --nodes "$size" --out "$data" >/dev/null
        extra=()
    fi
    avail_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
    ( ulimit -v $((avail_kb * 9 / 10)); exec timeout "${TIMEOUT:-3600}" /usr/bin/time -v "$bin" bench-tensor --no-gemm \
        --data "$data" "${extra[@]}" --batches "$batches" ) > "$work/$size.log" 2> "$work/$size.time" || {
        echo "$size: failed (memory cap $((avail_kb / 1024)) MiB or timeout?), see $work/$size.log and $work/$size.time" >&2; continue; }
    python3 - "$size" "$work/$size.log" "$work/$size.time" <<'PY'
import math, re, sys
size, logf, timef = sys.argv[1:]
log = open(logf).read()
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(timef).read()).group(1)) / 1024
f = dict(re.findall(r"(\w+)=([0-9.e+-]+)", re.search(r"^summary (.*)$", log, re.M).group(1)))
n, e, pairs, kg_edges = (int(f[k]) for k in ("nodes", "edges", "pairs", "kgedges"))
refresh, bpr, kg, step, batch = (float(f[k]) for k in ("refresh", "bpr", "kg", "step", "batch"))
epoch = refresh + math.ceil(pairs / batch) * (bpr + step) + math.ceil(kg_edges / batch) * (kg + step)
print(f"{size:<9} {n:>9} {e:>10} {pairs:>10} {(pairs + kg_edges) / epoch:>7.0f} {bpr:>8.2f} {kg:>8.2f} "
      f"{step:>9.3f} {refresh:>9.1f} {epoch:>10.0f} {rss:>9.0f}")
PY
done

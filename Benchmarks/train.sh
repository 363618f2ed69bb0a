#!/usr/bin/env bash
# Training at scale (issue 8, seed 000's scale test): REAL full epochs of `kgrec train` (full model,
# default ModelConfig, batches of 4096, every training pair once + one pass over the KG per epoch),
# one run per row, all in one invocation, printing a table:
#   - synthetic KGs of 10%, 50%, 100% of one million nodes (`kgrec synth --nodes N`: 40% users,
#     40% items, 20% attributes, 10 interactions per user, 128-d visual / 96-d text features);
#   - ml-100k (with its MiniLM text features when present) subsampled to 10%, 50%, 100% of users
#     (seeded: SUBSAMPLE_SEED);
#   - at 100k nodes, exact (`--propagation full`) vs history propagation after the same epochs.
# Columns: epoch seconds (mean over the epochs), examples/s (BPR pairs + TransR triples per train
# second), peak RSS (/usr/bin/time -v), test Recall@20 / NDCG@20 after EPOCHS epochs (the epochs'
# best validation NDCG@20; evaluation is exact full propagation), `-` where not evaluated.
#
# Usage: Benchmarks/train.sh [ROWS...]   ROW = NAME:MODE[:FUSION_ITEMS] with NAME ml100k-10|ml100k-50|ml100k-100|<nodes>
#        and FUSION_ITEMS `kgrec train --fusion-items` (default: the flag's default; 0 = fuse every batch item)
#        (default: ml100k-10:history ml100k-50:history ml100k-100:history ml100k-100:full
#                  100000:full 100000:history 500000:history 1000000:history)
# Env:   KGREC_BIN (default .build/release/kgrec), EPOCHS (default 1), EVAL_MAX_NODES (evaluate rows
#        up to this many nodes, default 200000: exact evaluation scores every user × item),
#        TIMEOUT (seconds per row, default 7200), BENCH_DIR (default runs/bench-train),
#        SUBSAMPLE_SEED (default 2020), EXTRA (more `kgrec train` flags for every row).
# Each row runs under an address-space cap of 90% of the available memory and a timeout, so a row
# that does not fit fails alone. The load average is printed beside each row (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
epochs="${EPOCHS:-1}"
eval_max="${EVAL_MAX_NODES:-200000}"
work="${BENCH_DIR:-runs/bench-train}"
rows=("$@")
[[ ${#rows[@]} -gt 0 ]] || rows=(ml100k-10:history ml100k-50:history ml100k-100:history ml100k-100:full
                                  100000:full 100000:history 500000:history 1000000:history)
[[ -x "$bin" ]] || { echo "build first: swift build -c release --product kgrec (or set KGREC_BIN)" >&2; exit 1; }
mkdir -p "$work"

# ml-100k with a seeded fraction of its users: NAME.inter filtered, the other files linked.
ml100k_subsample() {
    local pct=$1 dir="$work/ml100k-$1"
    scripts/fetch-ml100k.sh >/dev/null
    [[ -f "$dir/ml-100k.inter" ]] && return 0
    mkdir -p "$dir"
    for f in item kg link; do ln -sf "$PWD/data/ml-100k/ml-100k.$f" "$dir/ml-100k.$f"; done
    python3 - "$pct" "${SUBSAMPLE_SEED:-2020}" data/ml-100k/ml-100k.inter "$dir/ml-100k.inter" <<'PY'
import random, sys
pct, seed, src, dst = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = open(src).read().splitlines()
users = sorted({l.split("\t")[0] for l in lines[1:]}, key=int)
keep = set(random.Random(seed).sample(users, round(len(users) * pct / 100)))
with open(dst, "w") as out:
    out.write(lines[0] + "\n")
    for l in lines[1:]:
        if l.split("\t")[0] in keep: out.write(l + "\n")
PY
}

printf "%-11s %-13s %9s %10s %8s %9s %8s %9s %9s %9s %6s\n" dataset mode nodes train_ex epochs epoch_s ex/s \
    peak_MiB recall@20 ndcg@20 load
for row in "${rows[@]}"; do
    IFS=: read -r name mode fusion_items <<< "$row"
    extra=()
    [[ -n $fusion_items ]] && extra+=(--fusion-items "$fusion_items")
    if [[ $name == ml100k-* ]]; then
        ml100k_subsample "${name#ml100k-}"
        data="$work/$name"
        text=/work/shared/data/ml100k-item-text-minilm384
        [[ -f $text.npy ]] && extra+=(--text-features "$text.npy" --text-ids "$text.ids")
        evaluate=1
    else
        data="$work/synth$name"
        [[ -f "$data/synth$name.inter" ]] || "$bin" synth --nodes "$name" --out "$data" >/dev/null
        evaluate=$(( name <= eval_max ? 1 : 0 ))
    fi
    [[ $evaluate == 1 ]] && extra+=(--eval-every "$epochs" --patience "$epochs") || extra+=(--no-eval)
    out="$work/$name-$mode${fusion_items:+-f$fusion_items}"
    avail_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
    ( ulimit -v $((avail_kb * 9 / 10)); exec timeout "${TIMEOUT:-7200}" /usr/bin/time -v "$bin" train --data "$data" \
        --propagation "$mode" --epochs "$epochs" "${extra[@]}" ${EXTRA:-} --out "$out" ) > "$out.log" 2> "$out.time" || {
        echo "$name $mode: failed (memory cap $((avail_kb / 1024)) MiB or timeout?), see $out.log and $out.time" >&2; continue; }
    load=$(cut -d' ' -f1 /proc/loadavg)
    python3 - "$name" "$mode${fusion_items:+/f$fusion_items}" "$out" "$load" <<'PY'
import json, re, sys
name, mode, out, load = sys.argv[1:]
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(out + ".time").read()).group(1)) / 1024
recs = [json.loads(l) for l in open(out + "/metrics.jsonl")]
res = json.load(open(out + "/result.json"))
ex = sum(r["cfExamples"] + r["kgExamples"] for r in recs) / len(recs)
secs = sum(r["trainSeconds"] for r in recs) / len(recs)
nodes = re.search(r"(\d+) entities", res["dataset"]), re.search(r"(\d+) users", res["dataset"])
n = int(nodes[0].group(1)) + int(nodes[1].group(1))
t = res.get("test") or {}
fmt = lambda k: f"{t[k]:.4f}" if k in t else "-"
print(f"{name:<11} {mode:<13} {n:>9} {ex:>10.0f} {len(recs):>8} {secs:>9.1f} {ex / secs:>8.0f} {rss:>9.0f} "
      f"{fmt('recall@20'):>9} {fmt('ndcg@20'):>9} {load:>6}")
PY
done

#!/usr/bin/env bash
# Two-phase training (seed 000, issue 12): the full model on ml-100k trained from scratch and
# initialised from an alignment pre-training checkpoint (kgrec train --init-from ALIGN), on the same
# split files, same recipe, same seeds (Benchmarks/quality.sh rows full and full-align). Not in CI.
#
# Phase 1, per seed S: the ml-100k two-KG task (KG A = the recommender's Freebase KG, A's content the
# MiniLM embedding of each title alone, KG B from ml-100k.item with the repo's item text; no
# co-watched links, so no interaction — test ones included — reaches the pre-training), then
# `kgrec align --encoder both --temperature TAU --seed S` (TAU 0.05: the τ that validation MRR chose
# for `both` in docs/model.md). Phase 2: quality.sh full full-align with ALIGN_CKPT = seed S's checkpoint.
#
# Usage: KGREC_BIN=.build/release/kgrec Benchmarks/two_phase.sh
# Env: OUT (runs/two-phase), SEEDS ("2020 1 2"), EPOCHS (recommendation epoch cap, 50), ALIGN_EPOCHS (60),
#      TAU (0.05), JOBS (1), TEXT, MINILM (data/minilm) as in align.sh / quality.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
K=${KGREC_BIN:-.build/release/kgrec}
OUT=${OUT:-runs/two-phase}
SEEDS=${SEEDS:-"2020 1 2"}
ALIGN_EPOCHS=${ALIGN_EPOCHS:-60}
TAU=${TAU:-0.05}
TEXT=${TEXT:-../shared/data/ml100k-item-text-minilm384.npy}
MINILM=${MINILM:-data/minilm}
scripts/fetch-ml100k.sh >/dev/null
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
TASK=$OUT/ml100k-align
if [[ ! -f "$TASK/alignment.pairs" ]]; then
    awk -F'\t' 'NR > 1 { print $1 "\t" $2 }' data/ml-100k/ml-100k.item > "$OUT/titles.tsv"
    "$K" embed-text --model "$MINILM" --in "$OUT/titles.tsv" --out "$OUT/titles.npy" --quiet >/dev/null
    "$K" align-data --from-ml100k "$(realpath data/ml-100k)" --text-features "$(realpath "$TEXT")" --a-text-features "$OUT/titles.npy" --out "$TASK" >/dev/null
fi
echo "phase 1: alignment pre-training (encoder both, τ $TAU, at most $ALIGN_EPOCHS epochs)"
echo
echo "| seed | best epoch | seconds | test Hits@1 | test MRR | valid MRR |"
echo "|---:|---:|---:|---:|---:|---:|"
for s in $SEEDS; do
    a=$OUT/align-seed-$s
    if [[ ! -f "$a/checkpoint.safetensors" ]]; then
        nice -n 5 "$K" align --data "$TASK" --encoder both --temperature "$TAU" --epochs "$ALIGN_EPOCHS" --seed "$s" --quiet --out "$a" >"$a.log" 2>&1 \
            || { echo "alignment seed $s failed, see $a.log" >&2; exit 1; }
    fi
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("| %s | %d | %.0f | %.4f | %.4f | %.4f |" % (sys.argv[2], d["best_epoch"], d["seconds"], d["test"]["hits@1"], d["test"]["mrr"], d["valid"]["mrr"]))' "$a/result.json" "$s"
done
echo
echo "phase 2: recommendation, from scratch (full) and from the alignment checkpoint (full-align)"
ALIGN_CKPT="$OUT/align-seed-SEED/checkpoint.safetensors" OUT="$OUT/quality" SEEDS="$SEEDS" JOBS=${JOBS:-1} \
    KGREC_BIN="$K" Benchmarks/quality.sh full full-align

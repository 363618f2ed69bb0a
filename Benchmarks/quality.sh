#!/usr/bin/env bash
# Multi-seed quality table on ml-100k (KG-linked, RecBole's 8:1:1 per-user random split, full ranking,
# test metrics at the best validation epoch). For every split seed it writes the split once with
# `kgrec split` (RecBole benchmark files, so Benchmarks/recbole.sh trains on the very same pairs) and
# trains every kgrec row on those files with one recipe; then it prints mean ± std per row and the
# paired differences full − row per seed (the bar: mean difference > 2 × std of the differences).
# Runs already finished (their result.json exists) are reused, so rows can be added later.
#
# Usage: Benchmarks/quality.sh [ROWS...]   (default: full wo-tv-wide wo-tv bpr lightgcn)
#   full        Multi-KG4Rec, MiniLM text + (no images on ml-100k) an ID visual channel: 2 × 176 wide
#   full-align  full initialised from the alignment checkpoint $ALIGN_CKPT, SEED in it replaced by the seed
#               (two-phase training; Benchmarks/two_phase.sh)
#   wo-tv-wide  w/o t&v (our KGAT) at the full model's total embedding width: d 128, layers 128,64,32
#               (352 wide, the same N × 128 ID parameters as full's two N × 64 tables)
#   wo-tv       w/o t&v at d 64 (176 wide: half the full model's width)
#   bpr         kgrec BPR-MF (d 64), same recipe
#   lightgcn    kgrec LightGCN (d 64, 2 layers), same recipe
# Env: KGREC_BIN (.build/release/kgrec), OUT (runs/quality), SEEDS ("2020 1 2"; each is the split
#      seed and the init/sampling seed), EPOCHS (50), JOBS (2 runs at a time), NICE (5),
#      TEXT (../shared/data/ml100k-item-text-minilm384.npy),
#      RECIPE (default: --lr 0.002 --hard-negatives 4 --patience 20; --kg-batches 2 is added for KG rows)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
out="${OUT:-runs/quality}"
seeds=(${SEEDS:-2020 1 2})
epochs="${EPOCHS:-50}"
jobs="${JOBS:-2}"
nice_level="${NICE:-5}"
text="${TEXT:-../shared/data/ml100k-item-text-minilm384.npy}"
recipe="${RECIPE:---lr 0.002 --hard-negatives 4 --patience 20}"
rows=("$@"); [[ ${#rows[@]} -gt 0 ]] || rows=(full wo-tv-wide wo-tv bpr lightgcn)
[[ -x "$bin" ]] || { echo "build first: swift build -c release --product kgrec (or set KGREC_BIN)" >&2; exit 1; }
[[ -f "$text" ]] || { echo "text features not found: $text (set TEXT)" >&2; exit 1; }
scripts/fetch-ml100k.sh >/dev/null

row_flags() {
    case $1 in
        full)       echo "--ablation full --text-features $text --kg-batches 2" ;;
        full-align) echo "--ablation full --text-features $text --kg-batches 2 --init-from ${ALIGN_CKPT:?full-align needs ALIGN_CKPT (Benchmarks/two_phase.sh)}" ;;
        wo-tv-wide) echo "--ablation wo-tv --dim 128 --layers 128,64,32 --kg-batches 2" ;;
        wo-tv)      echo "--ablation wo-tv --kg-batches 2" ;;
        bpr)        echo "--model bpr" ;;
        lightgcn)   echo "--model lightgcn" ;;
        *) echo "unknown row $1 (full full-align wo-tv-wide wo-tv bpr lightgcn)" >&2; return 1 ;;
    esac
}
for r in "${rows[@]}"; do row_flags "$r" >/dev/null; done

# One split per seed, shared by every row (and by Benchmarks/recbole.sh): $out/seed-S/ml-100k/.
for s in "${seeds[@]}"; do
    d="$out/seed-$s/ml-100k"
    if [[ ! -f "$d/ml-100k.test.inter" ]]; then
        mkdir -p "$d"
        "$bin" split --data data/ml-100k --split-seed "$s" --out "$d" >&2
        for f in kg link item; do ln -sfn "$(realpath data/ml-100k/ml-100k.$f)" "$d/ml-100k.$f"; done
    fi
done

run_one() {  # row seed
    local r=$1 s=$2 dir="$out/seed-$2/$1"
    local cmd=("$bin" train --data data/ml-100k --split-files "$out/seed-$s/ml-100k" --seed "$s"
               $(row_flags "$r" | sed "s/SEED/$s/g") $recipe --epochs "$epochs" --quiet --out "$dir")
    mkdir -p "$dir"
    echo "${cmd[*]}" >"$dir/command"
    echo "== $r seed $s: ${cmd[*]}" >&2
    if nice -n "$nice_level" "${cmd[@]}" >"$dir/log" 2>&1; then echo "   $r seed $s done" >&2
    else echo "   $r seed $s FAILED, see $dir/log" >&2; fi
}

running=0
for s in "${seeds[@]}"; do  # seed by seed, so a run cut short still compares rows on the same seeds
    for r in "${rows[@]}"; do
        [[ -f "$out/seed-$s/$r/result.json" ]] && continue
        if (( running >= jobs )); then wait -n || true; running=$((running - 1)); fi
        run_one "$r" "$s" &
        running=$((running + 1))
    done
done
wait

rowlist=$(IFS=,; echo "${rows[*]}")
python3 Benchmarks/quality_table.py --out "$out" --seeds "${seeds[@]}" --rows "$rowlist" --reference full

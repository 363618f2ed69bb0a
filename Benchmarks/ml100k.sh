#!/usr/bin/env bash
# Quality and time-to-quality on ml-100k (KG-linked, seeded 8:1:1 split, full ranking): trains
# kgrec's BPR-MF baseline, Multi-KG4Rec (text features from ../shared/data) and its `w/o t&v`
# ablation (our KGAT) with the same training recipe, then prints a table of test metrics at the best
# validation epoch next to RecBole 1.2.1's figures for this machine kind
# (/work/shared/data/README.md), with the training seconds each model needed to first reach
# RecBole KGAT's test NDCG@20 and that time's ratio to RecBole KGAT's 100 epochs.
#
# Usage: Benchmarks/ml100k.sh [MODELS...]      (default: bpr full wo-tv)
# Env:   KGREC_BIN (default .build/release/kgrec), OUT (default runs/ml100k-bench),
#        TEXT (text features .npy, default ../shared/data/ml100k-item-text-minilm384.npy),
#        RECIPE (kgrec train flags shared by full and wo-tv; default below), EPOCHS (default 100).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
out="${OUT:-runs/ml100k-bench}"
text="${TEXT:-../shared/data/ml100k-item-text-minilm384.npy}"
recipe="${RECIPE:---lr 0.002 --kg-batches 2 --hard-negatives 4 --patience 20}"
epochs="${EPOCHS:-100}"
models=("$@"); [[ ${#models[@]} -gt 0 ]] || models=(bpr full wo-tv)
[[ -x "$bin" ]] || { echo "build first: swift build -c release --product kgrec (or set KGREC_BIN)" >&2; exit 1; }
[[ -f "$text" ]] || { echo "text features not found: $text (set TEXT)" >&2; exit 1; }
scripts/fetch-ml100k.sh >/dev/null
mkdir -p "$out"

for m in "${models[@]}"; do
    case $m in
        bpr) flags=(--model bpr) ;;                      # RecBole's BPR settings: lr 1e-3, batch 4096
        full|wo-v|wo-t|wo-tv|t2v|v2t) flags=(--ablation "$m" --text-features "$text" $recipe) ;;
        *) echo "unknown model $m (bpr full wo-v wo-t wo-tv t2v v2t)" >&2; exit 1 ;;
    esac
    echo "== $m: $bin train --data data/ml-100k ${flags[*]} --epochs $epochs" >&2
    "$bin" train --data data/ml-100k "${flags[@]}" --epochs "$epochs" --quiet --out "$out/$m" >"$out/$m.log" 2>&1 \
        || { echo "$m failed, see $out/$m.log" >&2; exit 1; }
done

python3 - "$out" "${models[@]}" <<'PY'
import json, sys
out, models = sys.argv[1], sys.argv[2:]
# RecBole 1.2.1 on this machine kind, same data and split (/work/shared/data/README.md).
ref = {"RecBole BPR": (0.3691, 0.3072, 0.4735, 0.8770, 0.18, 100),
       "RecBole KGAT": (0.3538, 0.2935, 0.4528, 0.8696, 9.5, 100)}
kgat_ndcg, kgat_seconds = ref["RecBole KGAT"][1], ref["RecBole KGAT"][4] * ref["RecBole KGAT"][5]
print(f"{'model':<14} {'best/run':>9} {'Recall@20':>9} {'NDCG@20':>8} {'MRR@20':>7} {'Hit@20':>7} {'s/epoch':>8} "
      f"{'s to KGAT':>9} {'vs KGAT':>8}")
for name, (rc, nd, mr, ht, spe, ep) in ref.items():
    print(f"{name:<14} {'-':>9} {rc:>9.4f} {nd:>8.4f} {mr:>7.4f} {ht:>7.4f} {spe:>8.2f} {'-':>9} {'-':>8}")
for m in models:
    res = json.load(open(f"{out}/{m}/result.json"))
    t = res["test"]
    elapsed, reached = 0.0, None
    for line in open(f"{out}/{m}/metrics.jsonl"):
        r = json.loads(line)
        elapsed += r["trainSeconds"]
        if reached is None and r.get("test") and r["test"]["ndcg@20"] >= kgat_ndcg:
            reached = elapsed
    spe = res["mean_train_seconds_per_epoch"]
    to = f"{reached:.0f}" if reached is not None else "never"
    ratio = f"{kgat_seconds / reached:.1f}x" if reached else "-"
    print(f"kgrec {m:<8} {res['best_epoch']:>4}/{res['epochs_run']:<4} {t['recall@20']:>9.4f} {t['ndcg@20']:>8.4f} "
          f"{t['mrr@20']:>7.4f} {t['hit@20']:>7.4f} {spe:>8.2f} {to:>9} {ratio:>8}")
print(f"\n's to KGAT': training seconds (evaluation excluded) until the first epoch whose test NDCG@20 "
      f"(measured on improving epochs) reaches RecBole KGAT's {kgat_ndcg}; 'vs KGAT': RecBole KGAT's "
      f"{kgat_seconds:.0f} s (100 epochs x 9.5 s) divided by that.")
PY

#!/usr/bin/env bash
# Seed 000 (CrossGMMI-DUKGLR) parts of the recommender, measured: the GAT-JK aggregator against
# the KGAT-style Bi-Interaction path, graph augmentation (edge dropout, feature masking) and the
# uni-directional fusions (t2v, v2t), each on ml-100k (real, KG-linked, text features) and the
# synthetic default. Every variant of a dataset trains on the same split files (`kgrec split`,
# split seed 2020) with the same model seeds; the table has test Recall@20 / NDCG@20 at the best
# validation epoch as mean ± std over the seeds, and train seconds per epoch.
#
# Usage: Benchmarks/seed000.sh [VARIANTS...]
#   variants: bi (the base: Bi-Interaction, 3 layers) | bi-2 (Bi-Interaction, 2 layers 64,32) |
#             gat-jk (GAT-JK, 2 layers 64,32, as the seed) | edge (--edge-dropout 0.1) |
#             mask (--feature-mask 0.2) | edge+mask | t2v | v2t      (default: all)
# Env: KGREC_BIN (default .build/release/kgrec), OUT (default runs/seed000),
#      DATASETS (default "ml100k synth"), SEEDS (default "1 2"), EPOCHS (cap, default 30),
#      ABLATION (base model, default full; wo-tv = KGAT with ID embeddings only, no content),
#      TEXT (ml-100k text features, default ../shared/data/ml100k-item-text-minilm384.npy),
#      RECIPE (shared train flags, default as Benchmarks/ml100k.sh with patience 10).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
out="${OUT:-runs/seed000}"
text="${TEXT:-../shared/data/ml100k-item-text-minilm384.npy}"
recipe="${RECIPE:---lr 0.002 --kg-batches 2 --hard-negatives 4 --patience 10}"
epochs="${EPOCHS:-30}"
seeds=(${SEEDS:-1 2})
datasets=(${DATASETS:-ml100k synth})
base="${ABLATION:-full}"
variants=("$@"); [[ ${#variants[@]} -gt 0 ]] || variants=(bi bi-2 gat-jk edge mask edge+mask t2v v2t)
[[ -x "$bin" ]] || { echo "build first: swift build -c release --product kgrec (or set KGREC_BIN)" >&2; exit 1; }
mkdir -p "$out"

for ds in "${datasets[@]}"; do
    case $ds in
        ml100k)
            [[ -f "$text" ]] || { echo "text features not found: $text (set TEXT)" >&2; exit 1; }
            scripts/fetch-ml100k.sh >/dev/null
            data=data/ml-100k; extra=(--text-features "$text") ;;
        synth)
            data="$out/synth-data"; extra=()
            [[ -f "$data/synth.inter" ]] || "$bin" synth --out "$data" >/dev/null ;;
        *) echo "unknown dataset $ds (ml100k synth)" >&2; exit 1 ;;
    esac
    split="$out/$ds-split"
    [[ -d "$split" ]] || "$bin" split --data "$data" --split-seed 2020 --out "$split" >/dev/null
    for v in "${variants[@]}"; do
        case $v in
            bi) flags=(--ablation "$base") ;;
            bi-2) flags=(--ablation "$base" --layers 64,32) ;;
            gat-jk) flags=(--ablation "$base" --aggregator gat-jk --layers 64,32) ;;
            edge) flags=(--ablation "$base" --edge-dropout 0.1) ;;
            mask) flags=(--ablation "$base" --feature-mask 0.2) ;;
            edge+mask) flags=(--ablation "$base" --edge-dropout 0.1 --feature-mask 0.2) ;;
            t2v|v2t) flags=(--ablation "$v") ;;
            *) echo "unknown variant $v" >&2; exit 1 ;;
        esac
        for s in "${seeds[@]}"; do
            run="$out/$ds-$v-s$s"
            [[ -f "$run/result.json" ]] && continue  # resumable: finished runs are kept
            echo "== $ds $v seed $s: $bin train --data $data --split-files $split ${flags[*]} ${extra[*]} $recipe --epochs $epochs --seed $s" >&2
            "$bin" train --data "$data" --split-files "$split" "${flags[@]}" "${extra[@]}" $recipe \
                --epochs "$epochs" --seed "$s" --quiet --out "$run" >"$run.log" 2>&1 \
                || { echo "$ds $v seed $s failed, see $run.log" >&2; exit 1; }
        done
    done
done

python3 - "$out" "$base" "${#seeds[@]}" "${datasets[*]}" "${variants[*]}" "${seeds[*]}" <<'PY'
import json, statistics, sys
out, base, n, datasets, variants, seeds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5].split(), sys.argv[6].split()
def ms(xs):
    return f"{statistics.mean(xs):.4f} ± {statistics.stdev(xs):.4f}" if len(xs) > 1 else f"{xs[0]:.4f}"
print(f"base model --ablation {base}; seeds {' '.join(seeds)}; test metrics at the best validation epoch")
print(f"| dataset | variant | Recall@20 | NDCG@20 | best epochs | epochs run | train s/epoch |")
print(f"|---|---|---:|---:|---:|---:|---:|")
for ds in datasets:
    for v in variants:
        res = [json.load(open(f"{out}/{ds}-{v}-s{s}/result.json")) for s in seeds]
        rc = [r["test"]["recall@20"] for r in res]
        nd = [r["test"]["ndcg@20"] for r in res]
        spe = statistics.mean(r["mean_train_seconds_per_epoch"] for r in res)
        print(f"| {ds} | {v} | {ms(rc)} | {ms(nd)} | {','.join(str(r['best_epoch']) for r in res)} | "
              f"{','.join(str(r['epochs_run']) for r in res)} | {spe:.1f} |")
PY

#!/usr/bin/env bash
# Fused items per batch (issue 8, `kgrec train --fusion-items`): the same training with every batch
# item fused on the tape (0) and with a sampled subset of S, on the same data, seeds and flags, in
# one invocation; prints per-seed rows, then mean ± std of validation and test Recall@20 / NDCG@20,
# the mean train seconds per epoch, and the paired test NDCG@20 difference (S − exact) per seed.
#
# Usage: Benchmarks/fusion_sampling.sh DATA S [SEEDS...]   (default seeds 1 2 3)
# Env:   KGREC_BIN (default .build/release/kgrec), EPOCHS (default 40), WORK (default
#        runs/fusion-sampling), EXTRA (more `kgrec train` flags for both runs)
# The sampling matters only where a batch has more than S distinct items: on the synthetic default
# (2,000 items, batches of 4,096 pairs with ~1,900 distinct items) S = 512 fuses about 27% of them,
# the fraction the default 2,048 fuses at one million nodes (~8,000 items per batch).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
data=${1:?usage: Benchmarks/fusion_sampling.sh DATA S [SEEDS...]}
s=${2:?usage: Benchmarks/fusion_sampling.sh DATA S [SEEDS...]}
shift 2
seeds=("$@"); [[ ${#seeds[@]} -gt 0 ]] || seeds=(1 2 3)
work="${WORK:-runs/fusion-sampling}"
mkdir -p "$work"
for seed in "${seeds[@]}"; do
    for items in 0 "$s"; do
        out="$work/seed$seed-f$items"
        "$bin" train --data "$data" --epochs "${EPOCHS:-40}" --seed "$seed" --fusion-items "$items" ${EXTRA:-} \
            --quiet --out "$out" > "$out.log" 2>&1 || { echo "seed $seed --fusion-items $items failed, see $out.log" >&2; exit 1; }
    done
done
python3 - "$work" "$s" "${seeds[@]}" <<'PY'
import json, statistics as st, sys
work, s, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
def res(seed, items): return json.load(open(f"{work}/seed{seed}-f{items}/result.json"))
keys = [("valid", "recall@20"), ("valid", "ndcg@20"), ("test", "recall@20"), ("test", "ndcg@20")]
print(f"{'fusion-items':<13} {'seed':>4} {'best ep':>7} {'s/epoch':>8} " + " ".join(f"{a[0]}.{b:<9}" for a, b in keys))
rows = {}
for items in ["0", s]:
    rows[items] = []
    for seed in seeds:
        r = res(seed, items)
        rows[items].append(r)
        print(f"{items:<13} {seed:>4} {r['best_epoch']:>7} {r['mean_train_seconds_per_epoch']:>8.2f} "
              + " ".join(f"{r[a][b]:>11.4f}" for a, b in keys))
def ms(xs): return f"{st.mean(xs):.4f} ± {st.stdev(xs):.4f}" if len(xs) > 1 else f"{xs[0]:.4f}"
print()
print(f"{'fusion-items':<13} {'s/epoch':>8} " + " ".join(f"{a[0]}.{b:<16}" for a, b in keys))
for items, rs in rows.items():
    print(f"{items:<13} {st.mean(r['mean_train_seconds_per_epoch'] for r in rs):>8.2f} "
          + " ".join(f"{ms([r[a][b] for r in rs]):>18}" for a, b in keys))
d = [b["test"]["ndcg@20"] - a["test"]["ndcg@20"] for a, b in zip(rows["0"], rows[s])]
print(f"\npaired test NDCG@20 difference ({s} − exact) per seed: " + ", ".join(f"{x:+.4f}" for x in d)
      + f"; mean {ms(d)}")
PY

#!/usr/bin/env bash
# Alignment pre-training (kgrec align, issue 12): ml-100k two-KG task and the synthetic two-KG task.
# Prints the tables of docs/model.md ("Alignment"). Not in CI. Usage:
#   KGREC_BIN=.build/release/kgrec Benchmarks/align.sh [ml100k] [synth]
# Env: EPOCHS (default 60), TAUS (default "0.05 0.1 0.2"), NOISES (default "0 0.1 0.2 0.4"), OUT (default runs/align-bench),
#      TEXT (default ../shared/data/ml100k-item-text-minilm384.npy, the repo's kgrec embed-text --from-ml100k-item output).
set -euo pipefail
K=${KGREC_BIN:-.build/release/kgrec}
EPOCHS=${EPOCHS:-60}
TAUS=${TAUS:-"0.05 0.1 0.2"}
NOISES=${NOISES:-"0 0.1 0.2 0.4"}
OUT=${OUT:-runs/align-bench}
TEXT=${TEXT:-../shared/data/ml100k-item-text-minilm384.npy}
PARTS=${*:-ml100k synth}
mkdir -p "$OUT"
row() {  # name data flags...
  local name=$1 data=$2; shift 2
  local j
  j=$(nice -n 5 "$K" align --data "$data" --quiet --json "$@")
  python3 -c 'import json,sys; d=json.loads(sys.argv[2]); print("| %s | %.4f | %.4f | %.4f | %.4f / %.4f | %s |" % (sys.argv[1], d["hits@1"], d["hits@10"], d["mrr"], d["a2b_mrr"], d["b2a_mrr"], int(d.get("best_epoch", 0)) or ""))' "$name" "$j"
}
header() { echo; echo "$1"; echo; echo "| encoder | Hits@1 | Hits@10 | MRR | MRR A→B / B→A | best epoch |"; echo "|---|---:|---:|---:|---:|---:|"; }
for part in $PARTS; do
  case $part in
  ml100k)
    D=$OUT/ml100k-align
    "$K" align-data --from-ml100k data/ml-100k --text-features "$TEXT" --co-watched 10 --out "$D" >/dev/null
    header "ml-100k two-KG task (test pairs, full ranking over every entity of the other KG, $EPOCHS epochs max)"
    row "text-neighbour baseline" "$D" --baseline
    for tau in $TAUS; do
      for enc in structure content both; do row "$enc, τ $tau" "$D" --encoder $enc --temperature $tau --epochs "$EPOCHS"; done
    done
    ;;
  synth)
    header "synthetic two-KG task (kgrec synth --two-kgs, default size), τ 0.1, by noise ν"
    for nu in $NOISES; do
      D=$OUT/synth2-noise$nu
      "$K" synth --two-kgs --noise "$nu" --out "$D" >/dev/null
      row "ν $nu: text-neighbour baseline" "$D" --baseline
      for enc in structure content both; do row "ν $nu: $enc" "$D" --encoder $enc --epochs "$EPOCHS"; done
    done
    ;;
  *) echo "unknown part $part" >&2; exit 2 ;;
  esac
done

#!/usr/bin/env bash
# Alignment pre-training (kgrec align, issue 12): ml-100k two-KG task and the synthetic two-KG task.
# Prints the tables of docs/model.md ("Alignment"). Not in CI. Usage:
#   KGREC_BIN=.build/release/kgrec Benchmarks/align.sh [ml100k] [synth]
# Env: EPOCHS (default 60), TAUS (default "0.05 0.1 0.2"), NOISES (default "0 0.1 0.2 0.4"), OUT (default runs/align-bench),
#      TEXT (default ../shared/data/ml100k-item-text-minilm384.npy, the repo's kgrec embed-text --from-ml100k-item output:
#      B's content, "TITLE (YEAR). Genres: G1, G2."), MINILM (default data/minilm: embeds A's content, each movie's title alone),
#      COWATCHED (default "0 5 10 20": the --co-watched values tried; the one with the best structure-only
#      validation MRR builds the table), SELF (default 1: also the self-alignment rows, each KG vs a shuffled copy of itself).
# Ranking is against the other KG's alignable entities (its items), kgrec align's default --candidates.
set -euo pipefail
K=${KGREC_BIN:-.build/release/kgrec}
EPOCHS=${EPOCHS:-60}
TAUS=${TAUS:-"0.05 0.1 0.2"}
NOISES=${NOISES:-"0 0.1 0.2 0.4"}
OUT=${OUT:-runs/align-bench}
TEXT=${TEXT:-../shared/data/ml100k-item-text-minilm384.npy}
MINILM=${MINILM:-data/minilm}
COWATCHED=${COWATCHED:-"0 5 10 20"}
SELF=${SELF:-1}
PARTS=${*:-ml100k synth}
mkdir -p "$OUT"
row() {  # name data flags...
  local name=$1 data=$2; shift 2
  local j
  j=$(nice -n 5 "$K" align --data "$data" --quiet --json "$@")
  python3 -c 'import json,sys; d=json.loads(sys.argv[2]); v=d.get("valid_mrr"); print("| %s | %.4f | %.4f | %.4f | %.4f / %.4f | %s | %s |" % (sys.argv[1], d["hits@1"], d["hits@10"], d["mrr"], d["a2b_mrr"], d["b2a_mrr"], "" if v is None else "%.4f" % v, int(d.get("best_epoch", 0)) or ""))' "$name" "$j"
}
header() { echo; echo "$1"; echo; echo "| encoder | Hits@1 | Hits@10 | MRR | MRR A→B / B→A | valid MRR | best epoch |"; echo "|---|---:|---:|---:|---:|---:|---:|"; }
for part in $PARTS; do
  case $part in
  ml100k)
    # A's content: each movie's title alone (the name a Freebase entity carries), embedded once.
    TITLES=$OUT/ml100k-titles
    if [ ! -f "$TITLES.npy" ]; then
      awk -F'\t' 'NR > 1 { print $1 "\t" $2 }' data/ml-100k/ml-100k.item > "$TITLES.tsv"
      "$K" embed-text --model "$MINILM" --in "$TITLES.tsv" --out "$TITLES.npy" --quiet >/dev/null
    fi
    # --co-watched by validation MRR of structure-only (the knob only changes KG B's structure).
    echo; echo "ml-100k: --co-watched chosen by structure-only validation MRR (τ 0.1, $EPOCHS epochs max)"; echo
    echo "| --co-watched | valid MRR | valid Hits@1 | best epoch |"; echo "|---:|---:|---:|---:|"
    best_k=; best_v=-1
    for k in $COWATCHED; do
      "$K" align-data --from-ml100k data/ml-100k --text-features "$TEXT" --a-text-features "$TITLES.npy" --co-watched "$k" \
        --out "$OUT/ml100k-cw$k" >/dev/null
      j=$(nice -n 5 "$K" align --data "$OUT/ml100k-cw$k" --encoder structure --epochs "$EPOCHS" --quiet --json)
      v=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("%.6f %.4f %d" % (d["valid_mrr"], d["valid_hits@1"], d["best_epoch"]))' "$j")
      set -- $v; echo "| $k | $1 | $2 | $3 |"
      if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)' "$1" "$best_v"; then best_k=$k; best_v=$1; fi
    done
    D=$OUT/ml100k-cw$best_k
    header "ml-100k two-KG task, --co-watched $best_k (test pairs, ranked among the other KG's items, $EPOCHS epochs max)"
    row "text-neighbour baseline" "$D" --baseline
    for tau in $TAUS; do
      for enc in structure content both; do row "$enc, τ $tau" "$D" --encoder $enc --temperature $tau --epochs "$EPOCHS"; done
    done
    if [ "$SELF" = 1 ]; then
      for side in a b; do
        "$K" align-data --self-align $side --from-task "$D" --out "$OUT/ml100k-self-$side" >/dev/null
        row "KG $side vs its copy, structure, τ 0.1" "$OUT/ml100k-self-$side" --encoder structure --epochs "$EPOCHS"
      done
    fi
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

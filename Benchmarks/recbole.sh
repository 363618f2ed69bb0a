#!/usr/bin/env bash
# RecBole 1.2.1 as a peer on kgrec's own split files. Creates /work/venvs/recbole (idempotent),
# then, for every split seed, trains each RecBole model on OUT/seed-S/ml-100k/ml-100k.{train,valid,test}.inter
# (written by `kgrec split` in Benchmarks/quality.sh; made here too if missing) with RecBole's own
# defaults and with kgrec's recipe (see Benchmarks/recbole_run.py), and prints the same table as
# Benchmarks/quality.sh, with the kgrec rows found under OUT. Finished runs (result.json) are reused.
#
# Usage: Benchmarks/recbole.sh [MODEL:RECIPE ...]   (default: BPR:defaults BPR:kgrec LightGCN:defaults LightGCN:kgrec)
#        MODEL is a RecBole model name (BPR, LightGCN, CKE, KGAT, KGIN, ...), RECIPE defaults | kgrec.
# Env:   OUT (runs/quality), SEEDS ("2020 1 2"), EPOCHS (cap for the kgrec recipe, 50 as quality.sh),
#        DEFAULT_EPOCHS (cap for RecBole's defaults, 300 = RecBole's own), JOBS (2), NICE (5),
#        KGREC_BIN (.build/release/kgrec, only to write missing splits), KGREC_ROWS (kgrec rows to show,
#        default "full wo-tv-wide wo-tv bpr lightgcn"), VENV (/work/venvs/recbole).
#
# Pins (RecBole 1.2.1 on Python 3.11): torch 2.13.0 (the CPU wheel where pip finds one, e.g. a local
# wheel directory in pip's find-links; PyPI's own Linux wheel is the CUDA build and works on CPU
# too, it is just large), numpy<2 (RecBole's Config assigns np.float = np.float_, gone in NumPy 2),
# (pandas is left to pip: 3.0.6 here, which warns that RecBole's `feat[field].fillna(inplace=True)`
# has no effect under copy-on-write; the split files have no missing values, so nothing is lost),
# ray<=2.6.3 (RecBole's own pin; quick_start imports ray.tune). No dgl or torch-scatter: the runner
# shims the few calls KGAT and KGIN make (Benchmarks/recbole_run.py).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-runs/quality}"
seeds=(${SEEDS:-2020 1 2})
epochs="${EPOCHS:-50}"
default_epochs="${DEFAULT_EPOCHS:-300}"
jobs="${JOBS:-2}"
nice_level="${NICE:-5}"
venv="${VENV:-/work/venvs/recbole}"
bin="${KGREC_BIN:-.build/release/kgrec}"
kgrec_rows=(${KGREC_ROWS:-full wo-tv-wide wo-tv bpr lightgcn})
runs=("$@"); [[ ${#runs[@]} -gt 0 ]] || runs=(BPR:defaults BPR:kgrec LightGCN:defaults LightGCN:kgrec)

if ! "$venv/bin/python" -c 'import recbole, torch, numpy, pandas, ray' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'recbole==1.2.1' 'torch==2.13.0' 'numpy<2' 'ray<=2.6.3'
fi
scripts/fetch-ml100k.sh >/dev/null
for s in "${seeds[@]}"; do
    d="$out/seed-$s/ml-100k"
    if [[ ! -f "$d/ml-100k.test.inter" ]]; then
        [[ -x "$bin" ]] || { echo "no split for seed $s and no kgrec binary to write it: run Benchmarks/quality.sh first" >&2; exit 1; }
        mkdir -p "$d"
        "$bin" split --data data/ml-100k --split-seed "$s" --out "$d" >&2
    fi
    for f in kg link item; do ln -sfn "$(realpath data/ml-100k/ml-100k.$f)" "$d/ml-100k.$f"; done
done

run_one() {  # model recipe seed
    local m=$1 r=$2 s=$3 dir="$out/seed-$3/recbole-$1-$2" cap=$epochs
    [[ $r == defaults ]] && cap=$default_epochs
    local cmd=("$venv/bin/python" Benchmarks/recbole_run.py "$m" --split-dir "$out/seed-$s" --seed "$s"
               --recipe "$r" --epochs "$cap" --out "$dir")
    mkdir -p "$dir"
    echo "${cmd[*]}" >"$dir/command"
    echo "== RecBole $m ($r) seed $s: ${cmd[*]}" >&2
    if OMP_NUM_THREADS=1 nice -n "$nice_level" "${cmd[@]}" >"$dir/log" 2>&1; then echo "   $m $r seed $s done" >&2
    else echo "   $m $r seed $s FAILED, see $dir/log" >&2; fi
}

running=0
names=()
for mr in "${runs[@]}"; do
    m=${mr%%:*} r=${mr#*:}
    [[ $r == defaults || $r == kgrec ]] || { echo "recipe of $mr must be defaults or kgrec" >&2; exit 1; }
    names+=("recbole-$m-$r")
    for s in "${seeds[@]}"; do
        [[ -f "$out/seed-$s/recbole-$m-$r/result.json" ]] && continue
        if (( running >= jobs )); then wait -n || true; running=$((running - 1)); fi
        run_one "$m" "$r" "$s" &
        running=$((running + 1))
    done
done
wait

rowlist=$(IFS=,; echo "${kgrec_rows[*]} ${names[*]}" | tr ' ' ',')
python3 Benchmarks/quality_table.py --out "$out" --seeds "${seeds[@]}" --rows "$rowlist" --reference full

#!/usr/bin/env bash
# The cost of one BPR training step, two kgrec binaries one after the other in one invocation
# (issue 8): `kgrec bench-tensor --no-gemm --data DIR --batches B --propagation MODE` under
# `/usr/bin/time -v`, ROUNDS alternating rounds (before, after, before, after, ...), printing per
# run the BPR batch's wall and CPU seconds (both threads), beginEpoch, peak RSS and the load average,
# then the mean of each binary and the ratio before / after.
#
# Usage: Benchmarks/bpr_batch.sh BEFORE_BIN AFTER_BIN DATA_DIR
# Env:   BATCHES (default 2), ROUNDS (default 2), PROPAGATION (default history), LOCK (a file: each
#        run under `flock LOCK`, for the 1M-node data whose peak is ~7 GB).
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 BEFORE_BIN AFTER_BIN DATA_DIR" >&2; exit 2; }
before=$1 after=$2 data=$3
batches=${BATCHES:-2} rounds=${ROUNDS:-2} mode=${PROPAGATION:-history}
for b in "$before" "$after"; do [[ -x $b ]] || { echo "not an executable: $b" >&2; exit 1; }; done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {  # run LABEL BIN INDEX → one table line, and the figures in $out/fig.LABEL.INDEX
    local label=$1 bin=$2 i=$3 log="$out/$1.$3"
    local cmd=(/usr/bin/time -v "$bin" bench-tensor --no-gemm --data "$data" --batches "$batches" --propagation "$mode")
    if [[ -n ${LOCK:-} ]]; then cmd=(flock "$LOCK" "${cmd[@]}"); fi
    "${cmd[@]}" >"$log.out" 2>"$log.time"
    local bpr begin rss load
    bpr=$(awk '/^per BPR batch/ {print $(NF-4), $(NF-1)}' "$log.out")
    begin=$(awk '/^beginEpoch/ {print $(NF-4), $(NF-1)}' "$log.out")
    rss=$(awk '/Maximum resident set size/ {printf "%.0f", $NF / 1024}' "$log.time")
    load=$(cut -d' ' -f1 /proc/loadavg)
    echo "$bpr $begin $rss" >"$out/fig.$label.$i"
    printf "%-7s %5s %10s %10s %12s %12s %9s %6s\n" "$label" "$i" ${bpr} ${begin} "$rss" "$load"
}

printf "data %s, %s batches per run, --propagation %s\n" "$data" "$batches" "$mode"
printf "%-7s %5s %10s %10s %12s %12s %9s %6s\n" binary run bpr_wall bpr_cpu begin_wall begin_cpu peak_MiB load
for ((i = 1; i <= rounds; i++)); do
    run before "$before" "$i"
    run after "$after" "$i"
done

mean() { cat "$out/fig.$1".* 2>/dev/null | awk -v c="$2" '{s += $c; n++} END {printf "%.3f", s / n}'; }
echo
printf "%-22s %10s %10s %8s\n" "mean over $rounds runs" before after ratio
for col in "1 BPR batch wall s" "2 BPR batch CPU s" "3 beginEpoch wall s" "4 beginEpoch CPU s" "5 peak RSS MiB"; do
    c=${col%% *} name=${col#* }
    b=$(mean before "$c") a=$(mean after "$c")
    printf "%-22s %10s %10s %8s\n" "$name" "$b" "$a" "$(awk -v b="$b" -v a="$a" 'BEGIN {printf "%.2f", b / a}')"
done

#!/usr/bin/env bash
# The ranker's top-k kernels against a plain C scan and faiss-cpu, one invocation, same vectors:
#   Benchmarks/scan.sh [ITEMS] [QUERIES]      (defaults 400000 and 100; KGREC_BIN=.build/release/kgrec)
#   SCAN_TABLE=T.kgrtable Benchmarks/scan.sh - [QUERIES]   (a trained table, see below)
# 1. the vectors: a seeded Gaussian-mixture item matrix [ITEMS, 352] and queries
#    (scan/make_vectors.py), or with SCAN_TABLE a graph's served table recorded by
#    `kgrec table-graph record` (Benchmarks/ranker.sh topology writes one): its items and every
#    (users/QUERIES)-th user vector as the queries (`kgrec table-graph npy`);
# 2. the C peer (gcc -O3 -march=native -fopenmp scan/scan.c): memory read bandwidth + exact fp32 scan;
# 3. `kgrec bench-scan`: exact fp32/fp16/int8 and IVF (IVF_PRECISION rows, default int8) at several nprobe;
# 4. the C peer's read bandwidth again, then the bandwidth line: kgrec's exact fp32 scan GB/s against
#    the C read bandwidth (mean of the two runs around kgrec) and the C scan;
# 5. faiss-cpu (own venv /work/venvs/faiss): IndexFlatIP, IVFFlat, IVFPQ, HNSWFlat.
# Tables go to stdout; the work directory (default /tmp/kgrec-scan-bench) keeps the .npy files.
set -euo pipefail
cd "$(dirname "$0")/.."
items=${1:-400000}
queries=${2:-100}
bin=${KGREC_BIN:-.build/release/kgrec}
work=${SCAN_BENCH_DIR:-/tmp/kgrec-scan-bench}
venv=/work/venvs/faiss
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import faiss, numpy" 2>/dev/null || "$venv/bin/pip" install -q faiss-cpu numpy
mkdir -p "$work"
if [[ -n "${SCAN_TABLE:-}" ]]; then
    echo "== vectors: the trained table $SCAN_TABLE"
    "$bin" table-graph npy --table "$SCAN_TABLE" --out "$work" --queries "$queries"
else
    "$venv/bin/python" Benchmarks/scan/make_vectors.py "$work" "$items" --queries "$queries"
fi
gcc -O3 -march=native -fopenmp Benchmarks/scan/scan.c -o "$work/cscan"
echo "== C peer (gcc -O3 -march=native -fopenmp, $(nproc) threads), load average $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$work" && ./cscan items.npy queries.npy 10 3) | tee "$work/c1.out"
echo "== kgrec bench-scan"
"$bin" bench-scan --items "$work/items.npy" --queries "$work/queries.npy" --split 176 --repeats 1 \
    --ivf-precision "${IVF_PRECISION:-int8}" | tee "$work/kgrec.out"
echo "== C peer again (read bandwidth after kgrec), load average $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$work" && ./cscan items.npy queries.npy 10 3) | tee "$work/c2.out"
bw() { awk '/^c_read_bandwidth_gbs/ {print $2}' "$1"; }
c_scan=$(awk '/^c_scan_ms/ {print $4}' "$work/c1.out")
k_scan=$(awk -F'|' '$2 ~ /exact fp32/ {gsub(/ /, "", $7); print $7}' "$work/kgrec.out")
echo "== bandwidth: C read $(bw "$work/c1.out") and $(bw "$work/c2.out") GB/s (before / after kgrec), C exact fp32 scan $c_scan GB/s, kgrec exact fp32 scan $k_scan GB/s" \
    "→ kgrec / C read = $(echo "scale=2; 2 * $k_scan / ($(bw "$work/c1.out") + $(bw "$work/c2.out"))" | bc), kgrec / C scan = $(echo "scale=2; $k_scan / $c_scan" | bc)"
echo "== faiss-cpu"
root=$(pwd)
(cd "$work" && "$venv/bin/python" "$root/Benchmarks/scan/faiss_peer.py" items.npy queries.npy)

#!/usr/bin/env bash
# The ranker's top-k kernels against a plain C scan and faiss-cpu, one invocation, same vectors:
#   Benchmarks/scan.sh [ITEMS] [QUERIES]      (defaults 400000 and 100; KGREC_BIN=.build/release/kgrec)
# 1. a seeded Gaussian-mixture item matrix [ITEMS, 352] and queries (scan/make_vectors.py, .npy);
# 2. the C peer (gcc -O3 -march=native -fopenmp scan/scan.c): memory read bandwidth + exact fp32 scan;
# 3. `kgrec bench-scan`: exact fp32/fp16/int8 and IVF (int8 rows) at several nprobe;
# 4. faiss-cpu (own venv /work/venvs/faiss): IndexFlatIP, IVFFlat, IVFPQ, HNSWFlat.
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
"$venv/bin/python" Benchmarks/scan/make_vectors.py "$work" "$items" --queries "$queries"
gcc -O3 -march=native -fopenmp Benchmarks/scan/scan.c -o "$work/cscan"
echo "== C peer (gcc -O3 -march=native -fopenmp, $(nproc) threads)"
(cd "$work" && ./cscan items.npy queries.npy 10 3)
echo "== kgrec bench-scan"
"$bin" bench-scan --items "$work/items.npy" --queries "$work/queries.npy" --split 176 --repeats 1
echo "== faiss-cpu"
root=$(pwd)
(cd "$work" && "$venv/bin/python" "$root/Benchmarks/scan/faiss_peer.py" items.npy queries.npy)

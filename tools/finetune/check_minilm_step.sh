#!/usr/bin/env bash
# Compares a Swift-written all-MiniLM-L6-v2 gradient file (and optionally the weights after 20 AdamW steps) with
# PyTorch, tensor by tensor, on the committed batch of Tests/CLVTextTests/Resources/finetune/minilm/ (recipe in
# that folder's README). Prints the relative error of every tensor; exits 1 if one is missing or above tolerance.
#   tools/finetune/check_minilm_step.sh --gradients G.safetensors [--after W.safetensors] [--tolerance 1e-3]
# The virtualenv is $CLV_FINETUNE_VENV (default ~/.cache/clvkit/venv-finetune) with torch from /opt/wheels and
# transformers: python3 -m venv ~/.cache/clvkit/venv-finetune && ~/.cache/clvkit/venv-finetune/bin/pip install
# /opt/wheels/torch-*.whl transformers safetensors
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${CLV_FINETUNE_VENV:-$HOME/.cache/clvkit/venv-finetune}"
if [[ ! -x "$venv/bin/python" ]]; then
    echo "no virtualenv at $venv: create it (see the top of $0) or set CLV_FINETUNE_VENV" >&2
    exit 1
fi
if [[ $# -eq 0 ]]; then
    echo "usage: $0 --gradients G.safetensors [--after W.safetensors] [--tolerance 1e-3]" >&2
    exit 2
fi
exec "$venv/bin/python" "$here/tools/finetune/minilm_step.py" check "$@"

#!/usr/bin/env bash
# CLVKit's sentence encoder vs sentence-transformers (CPU torch), same texts, same run, batch 32, 2 threads.
#   bench/embed/run.sh            (from anywhere; VENV=path overrides the Python virtualenv)
# Needs `make setup` (model) and a virtualenv with the CPU torch from /opt/wheels plus sentence-transformers:
#   python3 -m venv ../venv-encoder && ../venv-encoder/bin/pip install /opt/wheels/torch-*.whl sentence-transformers
set -euo pipefail
# Built as `make` builds: language-model kernels for this machine's CPU (see Package.swift).
export CLVKIT_TARGET_CPU="${CLVKIT_TARGET_CPU-native}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${VENV:-$ROOT/../venv-encoder}"
PY="$VENV/bin/python"
THREADS="${THREADS:-2}"
BATCH="${BATCH:-32}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

[ -x "$PY" ] || { echo "bench/embed: no Python at $PY: create the virtualenv (see the top of this script) or set VENV" >&2; exit 1; }
python3 "$HERE/make_texts.py" "$WORK"
echo "building release..." >&2
(cd "$HERE" && swift build -c release --product EmbedBench 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]|^Building|^Build of|^Compiling|^Write' >&2 || true)
BIN="$HERE/.build/release/EmbedBench"

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (other builds may share the cores); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
for set in products reviews; do
    file="$WORK/$set.txt"
    swift_json="$("$BIN" "$file" --batch-size "$BATCH" --threads "$THREADS" --repeat 3 --out "$WORK/$set.f32")"
    ref_json="$(HF_HUB_OFFLINE=1 "$PY" "$HERE/reference.py" "$file" --batch-size "$BATCH" --threads "$THREADS" --repeat 3 \
        --swift-embeddings "$WORK/$set.f32" 2>/dev/null)"
    # torch's 2 OpenMP threads spin at barriers, which a loaded 2-core machine punishes: show 1 thread too.
    ref1_json="$(HF_HUB_OFFLINE=1 "$PY" "$HERE/reference.py" "$file" --batch-size "$BATCH" --threads 1 --repeat 3 2>/dev/null)"
    # If the environment pins OpenBLAS's kernels, also show OpenBLAS's own choice for this CPU.
    auto_json="{}"
    if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
        auto_json="$(env -u OPENBLAS_CORETYPE "$BIN" "$file" --batch-size "$BATCH" --threads "$THREADS" --repeat 3)"
    fi
    python3 - "$set" "$swift_json" "$ref_json" "$auto_json" "$ref1_json" <<'PYEOF'
import json, sys
name, s, r, a, r1 = sys.argv[1], *(json.loads(x) for x in sys.argv[2:])
print(f"{name}: {s['texts']} texts, {s['tokens']} tokens (with [CLS]/[SEP]); best of 3 runs each")
def line(label, d):
    print(f"  {label:<42} {d['texts_per_second']:8.1f} texts/s  {d['seconds']:6.3f} s wall  {d['cpu_seconds']:6.3f} s CPU")
line(f"CLVKit (OpenBLAS {s['kernels']} kernels)", s)
line(f"sentence-transformers (torch {r['torch']})", r)
print(f"  ratio CLVKit / reference = {s['texts_per_second'] / r['texts_per_second']:.2f} texts/s   (target >= 1.0); "
      f"CPU-time ratio reference / CLVKit = {r['cpu_seconds'] / s['cpu_seconds']:.2f}")
line("sentence-transformers, 1 thread", r1)
if a:
    line(f"CLVKit (OpenBLAS {a['kernels']}, own choice)", a)
    print(f"  ratio with OpenBLAS's own kernel choice = {a['texts_per_second'] / r['texts_per_second']:.2f} texts/s; "
          f"CPU-time ratio = {r['cpu_seconds'] / a['cpu_seconds']:.2f}")
print(f"  smallest cosine between the two sides' embeddings: {r['min_cosine_vs_swift']:.6f}")
PYEOF
done

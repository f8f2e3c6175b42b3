#!/usr/bin/env bash
# CLVKit's sentence encoder vs sentence-transformers (CPU torch), same texts, same run, batch 32, 2 threads.
#   bench/embed/run.sh            (from anywhere; VENV=path overrides the Python virtualenv)
# Needs `make setup` (model) and a virtualenv with the CPU torch from /opt/wheels plus sentence-transformers:
#   python3 -m venv ../venv-encoder && ../venv-encoder/bin/pip install /opt/wheels/torch-*.whl sentence-transformers
set -euo pipefail
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

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (other builds may share the cores)"
for set in products reviews; do
    file="$WORK/$set.txt"
    swift_json="$("$BIN" "$file" --batch-size "$BATCH" --threads "$THREADS" --repeat 3 --out "$WORK/$set.f32")"
    ref_json="$(HF_HUB_OFFLINE=1 "$PY" "$HERE/reference.py" "$file" --batch-size "$BATCH" --threads "$THREADS" --repeat 3 \
        --swift-embeddings "$WORK/$set.f32" 2>/dev/null)"
    python3 - "$set" "$swift_json" "$ref_json" <<'PYEOF'
import json, sys
name, s, r = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"{name}: {s['texts']} texts, {s['tokens']} tokens (with [CLS]/[SEP])")
print(f"  CLVKit               {s['texts_per_second']:8.1f} texts/s  ({s['seconds']:.3f} s, best of 3; load {s['load_seconds']:.2f} s)")
print(f"  sentence-transformers {r['texts_per_second']:7.1f} texts/s  ({r['seconds']:.3f} s, best of 3; torch {r['torch']}, {r['torch_threads']} threads)")
print(f"  ratio CLVKit / reference = {s['texts_per_second'] / r['texts_per_second']:.2f}   (target >= 1.0)")
print(f"  smallest cosine between the two sides' embeddings: {r['min_cosine_vs_swift']:.6f}")
PYEOF
done

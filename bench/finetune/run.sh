#!/usr/bin/env bash
# Fine-tuning throughput: `clv finetune` against PyTorch (CPU torch + transformers), same run, same examples.
#   bench/finetune/run.sh                 (from anywhere; VENV=path overrides the Python virtualenv)
# Both sides fine-tune all-MiniLM-L6-v2 + mean pooling + a 77-way softmax head for one epoch over the same 640
# BANKING77 training texts (every 15th row, file order, written as the text,label CSV `clv finetune` reads),
# batch 32, 2 threads, sequences padded to the longest in their batch, every text trained on (clv: no validation
# split), gradients clipped to norm 1 on both sides. Not alike: clv also writes the fine-tuned folder (~90 MB),
# PyTorch keeps its model in memory and steps at a constant learning rate. The whole processes are timed (loading
# the model included), best of RUNS, and so are the training steps alone where each side reports them; peak
# resident memory comes from /usr/bin/time.
# Needs `make setup` (the model), ../shared/data/banking77 (or BANKING77=DIR), and a virtualenv with the CPU torch:
#   python3 -m venv ~/.cache/clvkit/venv-finetune && ~/.cache/clvkit/venv-finetune/bin/pip install /opt/wheels/torch-*.whl transformers
set -euo pipefail
export CLVKIT_TARGET_CPU="${CLVKIT_TARGET_CPU-native}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${VENV:-$HOME/.cache/clvkit/venv-finetune}"
PY="$VENV/bin/python"
CLV="${CLV:-$ROOT/.build/release/clv}"
DATA="${BANKING77:-$ROOT/../shared/data/banking77}"
RUNS="${RUNS:-3}"
BATCH=32
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

[ -x "$PY" ] || { echo "bench/finetune: no Python at $PY: create the virtualenv (see the top of this script) or set VENV" >&2; exit 1; }
[ -f "$DATA/train.csv" ] || { echo "bench/finetune: no $DATA/train.csv: set BANKING77 to the folder with train.csv" >&2; exit 1; }
[ -x "$CLV" ] || { echo "bench/finetune: no $CLV: build it with \`swift build -c release\`" >&2; exit 1; }
python3 - "$DATA/train.csv" "$WORK/train640.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["text", "label"])
    for r in rows[::15][:640]:
        w.writerow([r["text"], r["category"]])
PYEOF

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (other builds may share the cores)"
has_finetune=1
"$CLV" finetune --help >/dev/null 2>&1 || has_finetune=0

# timed NAME COMMAND...: runs it RUNS times; keeps the best wall time; prints "seconds peak_kb" of the best run.
timed() {
    local name="$1" best="" best_mem=""
    shift
    for run in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" >"$WORK/$name.$run.out" 2>"$WORK/$name.$run.err" || {
            echo "bench/finetune: $name failed:" >&2; tail -5 "$WORK/$name.$run.err" >&2; return 1; }
        read -r seconds mem <"$WORK/$name.time"
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $seconds < $best else 1)"; then
            best="$seconds"; best_mem="$mem"; cp "$WORK/$name.$run.out" "$WORK/$name.best.out"; cp "$WORK/$name.$run.err" "$WORK/$name.best.err"
        fi
    done
    echo "$best $best_mem"
}

read -r torch_s torch_kb < <(timed torch env HF_HUB_OFFLINE=1 "$PY" "$HERE/torch_train.py" throughput --data "$WORK/train640.csv" \
    --batch-size "$BATCH" --warmup 1 --learning-rate 5e-5)
torch_json="$(tail -1 "$WORK/torch.best.out")"
if [ "$has_finetune" = 1 ]; then
    read -r swift_s swift_kb < <(timed swift "$CLV" finetune --task intent --data "$WORK/train640.csv" \
        --base all-MiniLM-L6-v2 --epochs 1 --batch-size "$BATCH" --learning-rate 5e-5 --validation-fraction 0 --out "$WORK/out")
else
    swift_s="" swift_kb=""
    echo "clv finetune does not exist in $CLV yet (it comes with the finetune branch): measuring PyTorch only." >&2
fi
python3 - "$torch_s" "$torch_kb" "$torch_json" "$swift_s" "$swift_kb" "$RUNS" <<'PYEOF'
import json, sys
torch_s, torch_kb, torch_json, swift_s, swift_kb, runs = sys.argv[1:]
t = json.loads(torch_json)
n = 640
print(f"one epoch over {n} BANKING77 texts, batch 32, 2 threads, best of {runs} runs (whole processes)")
print(f"  PyTorch {t['torch']:<20} {n / float(torch_s):7.2f} examples/s  {float(torch_s):7.1f} s wall  "
      f"peak {int(torch_kb) / 1024:6.0f} MB   (training steps alone: {t['examples_per_second']:.2f} examples/s)")
if swift_s:
    print(f"  clv finetune {'':15} {n / float(swift_s):7.2f} examples/s  {float(swift_s):7.1f} s wall  peak {int(swift_kb) / 1024:6.0f} MB")
    print(f"  ratio clv / PyTorch = {float(torch_s) / float(swift_s):.2f} (whole processes; target >= 1.0)")
PYEOF

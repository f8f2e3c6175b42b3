#!/usr/bin/env bash
# BANKING77 intent accuracy of `clv intent` on frozen embeddings: the full training set, and 10-shot (10 examples
# per intent, 5 seeded draws: mean and spread). Prints one JSON line per run and a summary per setting.
#   tools/intent/banking77.sh [minilm|e5-small] [logistic|mlp]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
clv="$here/.build/release/clv"
data="${BANKING77:-$here/../shared/data/banking77}"
embedding="${1:-minilm}"
classifier="${2:-logistic}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run() { # name, extra train options...
    local name="$1"
    shift
    "$clv" intent train --data "$data/train.csv" --label-column category --out "$work/$name.json" \
        --embedding-model "$embedding" --classifier "$classifier" "$@" 2>"$work/$name.log"
    "$clv" intent evaluate --model "$work/$name.json" --data "$data/test.csv" --label-column category --format json | tr -d ' \n'
    echo
}

echo "# $embedding $classifier, full training set"
run full
echo "# $embedding $classifier, 10-shot, seeds 1-5"
for seed in 1 2 3 4 5; do run "shot10-$seed" --per-label 10 --seed "$seed"; done | tee "$work/shots"
python3 - "$work/shots" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for key in ("closed_set_accuracy", "accuracy", "macro_f1"):
    xs = [r[key] for r in rows]
    print(f"10-shot {key}: mean {statistics.mean(xs):.4f}, sd {statistics.stdev(xs):.4f}, min {min(xs):.4f}, max {max(xs):.4f}")
PY

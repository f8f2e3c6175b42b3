#!/usr/bin/env bash
# BANKING77 10-shot fine-tuning: `clv finetune` on 10 texts per intent for each seeded draw, the head's accuracy
# on held-out texts per draw, then mean and spread. Extra arguments are `clv finetune` options (the recipe).
#   tools/finetune/banking77_shots.sh test "1 2 3 4 5" --epochs 8 --learning-rate 1e-4
#   tools/finetune/banking77_shots.sh dev "11 12 13" --epochs 8 --learning-rate 1e-4
# `test` draws from train.csv and scores on test.csv (the published setting). `dev` never reads test.csv: it
# splits train.csv once, with a fixed seed, into a pool of 70% to draw from and a development set of 30% to score
# on, so recipes are compared without choosing one on the test set.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
clv="${CLV:-$here/.build/release/clv}"
data="${BANKING77:-$here/../shared/data/banking77}"
mode="${1:?give test or dev}"
seeds="${2:?give the seeds of the draws, e.g. 1 2 3 4 5}"
shift 2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

case "$mode" in
test)
    train="$data/train.csv"
    held_out="$data/test.csv"
    ;;
dev)
    python3 - "$data/train.csv" "$work" <<'PY'
import csv, random, sys
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
random.Random(2026).shuffle(rows)
cut = round(len(rows) * 0.7)
for name, part in (("pool.csv", rows[:cut]), ("dev.csv", rows[cut:])):
    with open(f"{sys.argv[2]}/{name}", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(part)
PY
    train="$work/pool.csv"
    held_out="$work/dev.csv"
    ;;
*)
    echo "unknown mode '$mode': give test or dev" >&2
    exit 2
    ;;
esac

echo "# $mode, draws $seeds, options: $*"
for seed in $seeds; do
    start=$(date +%s)
    line=$("$clv" finetune --task intent --data "$train" --label-column category --test "$held_out" \
        --validation-fraction 0 --per-label 10 --seed "$seed" --format csv --out "$work/model-$seed" "$@" 2>"$work/log-$seed" |
        tail -1)
    echo "seed $seed accuracy ${line##*,} seconds $(($(date +%s) - start)) load $(cut -d' ' -f1 /proc/loadavg)"
    rm -rf "$work/model-$seed"
done | tee "$work/shots"
python3 - "$work/shots" <<'PY'
import statistics, sys
xs = [float(line.split()[3]) for line in open(sys.argv[1]) if line.startswith("seed ")]
spread = statistics.stdev(xs) if len(xs) > 1 else 0.0
print(f"mean {statistics.mean(xs):.4f} sd {spread:.4f} min {min(xs):.4f} max {max(xs):.4f} over {len(xs)} draws")
PY

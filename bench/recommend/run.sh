#!/usr/bin/env bash
# Whole-process recommendation benchmark from the raw UCI Online Retail file (541,909 lines), CLVKit against pandas
# + implicit 0.7.3, in the same run:
#   clv:       `clv ingest orders RAW --preset online-retail` into a new SQLite store, then
#              `clv recommend evaluate --split-date 2011-09-01 --model als --model bpr --model item-knn --model popularity`
#   reference: bench/recommend/pandas_implicit.py RAW (pandas read_csv with dates, netting, scipy CSR, implicit's
#              ALS, BPR and cosine kNN with the same settings, own popularity, the same metrics), one process.
# Both on 2 threads, OpenBLAS on one. Prints the best (fastest) of RUNS runs of each side, their ratio, and each
# model's recall@10 on both sides. clv does more than the reference: it validates, deduplicates and stores every
# line (SQLite, indexed) and fits BG/NBD + Gamma-Gamma for the per-tier metrics; its BPR runs on one thread (the
# workflow keeps it reproducible), implicit's on two.
# Usage: bench/recommend/run.sh [RUNS]   (default 3; CLV=PATH uses a built clv)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-3}"
CACHE="${CLV_CACHE:-$HOME/.cache/clvkit}"
VENV="$CACHE/venv-implicit"
RAW="${ONLINE_RETAIL:-../shared/data/online-retail/online_retail.csv}"
[ -f "$RAW" ] || { echo "bench/recommend: $RAW not found: set ONLINE_RETAIL to the UCI Online Retail CSV" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import implicit, pandas, threadpoolctl" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check implicit==0.7.3 numpy scipy pandas threadpoolctl
fi
CLV="${CLV:-}"
if [ -z "$CLV" ]; then
    export CLVKIT_TARGET_CPU=native
    swift build -c release --product clv >&2
    CLV=.build/release/clv
fi
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
SPLIT=2011-09-01
MODELS=(--model als --model bpr --model item-knn --model popularity)

now() { date +%s.%N; }
clv_once() {
    rm -f "$WORK"/store.sqlite*
    local start middle
    start=$(now)
    "$CLV" ingest orders "$RAW" --preset online-retail --db "$WORK/store.sqlite" > /dev/null 2> "$WORK/ingest.log"
    middle=$(now)
    "$CLV" recommend evaluate --split-date "$SPLIT" "${MODELS[@]}" --format json --db "$WORK/store.sqlite" 2> "$WORK/evaluate.log"
    echo "$(echo "$middle - $start" | bc -l) $(echo "$(now) - $middle" | bc -l)" >> "$WORK/clv-phases"
}
ref_once() { OPENBLAS_NUM_THREADS=1 "$VENV/bin/python" bench/recommend/pandas_implicit.py "$RAW" --split-date "$SPLIT" --threads 2 2> /dev/null; }
# best SIDE: "seconds json" of the fastest of RUNS runs.
best() {
    local best_time="" best_json=""
    for _ in $(seq "$RUNS"); do
        local start json elapsed
        start=$(now)
        json=$("$1"_once)
        elapsed=$(echo "$(now) - $start" | bc -l)
        if [ -z "$best_time" ] || [ "$(echo "$elapsed < $best_time" | bc -l)" = 1 ]; then best_time=$elapsed; best_json=$json; fi
    done
    echo "$best_time"
    echo "$best_json" > "$WORK/$1.json"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); runs per side: $RUNS; $(nproc) cores"
clv_seconds=$(best clv)
ref_seconds=$(best ref)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK/clv.json" "$WORK/ref.json" "$clv_seconds" "$ref_seconds" "$WORK/clv-phases" <<'PY'
import json, sys
clv, ref = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
c, r = float(sys.argv[3]), float(sys.argv[4])
print(f"| whole process (best of runs) | clv {c:.2f} s | pandas + implicit {r:.2f} s | ratio {r / c:.2f}x |")
print("| model | clv P@10 | clv R@10 | clv NDCG@10 | implicit P@10 | implicit R@10 | implicit NDCG@10 |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for name in ["als", "bpr", "item-knn", "popularity"]:
    a, b = clv["models"][name], ref["models"][name]
    print(f"| {name} | {a['precision']:.4f} | {a['recall']:.4f} | {a['ndcg']:.4f} | {b['precision']:.4f} | {b['recall']:.4f} | {b['ndcg']:.4f} |")
print(f"customers evaluated: clv {clv['customers']}, reference {ref['models']['als']['customers']}; reference phases (s): {ref['seconds']}")
phases = [tuple(map(float, line.split())) for line in open(sys.argv[5])]
print(f"clv phases, best of runs (s): ingest {min(p[0] for p in phases):.2f}, recommend evaluate {min(p[1] for p in phases):.2f}")
PY

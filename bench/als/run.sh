#!/usr/bin/env bash
# CLVKit's recommenders against `implicit` 0.7.3 (CPU) on the same Online Retail matrices, in the same run, both
# on 2 threads. Each side is a whole process reading the same CSV (clv-recommend-bench vs implicit_run.py:
# pandas read_csv, scipy CSR, fit, top-10 for every test customer); the table gives the best of RUNS runs of
# each, the fit's seconds per iteration, and recall@10 on the 2011-09-01 time split.
#   ALS: 64 factors, regularisation 0.01, alpha 1 (confidence 1 + alpha*quantity on both sides), 15 iterations,
#        3 conjugate-gradient steps; timed on the whole file's matrix and, for recall, on the split.
#   BPR: 64 factors, learning rate 0.01, regularisation 0.01, 100 iterations (Hogwild on 2 threads both sides).
#   item-kNN: cosine and BM25 (K1 1.2, B 0.75: implicit's BM25Recommender defaults), 20 neighbours.
# Usage: bench/als/run.sh [RUNS]   (default 3; CLV_RECOMMEND_BENCH=PATH uses a built driver)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-3}"
CACHE="${CLV_CACHE:-$HOME/.cache/clvkit}"
VENV="$CACHE/venv-implicit"
DATA="$CACHE/bench-als"
RETAIL="${ONLINE_RETAIL:-../shared/data/online-retail/online_retail.csv}"
[ -f "$RETAIL" ] || { echo "bench/als: $RETAIL not found: set ONLINE_RETAIL to the UCI Online Retail CSV" >&2; exit 1; }

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import implicit, pandas, threadpoolctl" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check implicit==0.7.3 numpy scipy pandas threadpoolctl
fi
[ -f "$DATA/train.csv" ] || python3 tools/recommend/online_retail_matrix.py "$RETAIL" "$DATA"
# CLV_RECOMMEND_BENCH: an already built clv-recommend-bench (skips the build).
CLV="${CLV_RECOMMEND_BENCH:-}"
if [ -z "$CLV" ]; then
    export CLVKIT_TARGET_CPU=native
    swift build -c release -Xswiftc -enable-testing --product clv-recommend-bench >&2
    CLV=.build/release/clv-recommend-bench
fi
REF=("$VENV/bin/python" bench/als/implicit_run.py)

now() { date +%s.%N; }
# run LABEL SIDE ARGS...: prints "seconds json" for the best (fastest whole-process) of RUNS runs.
best() {
    local side="$1"; shift
    local best_time="" best_json=""
    for _ in $(seq "$RUNS"); do
        local start end json elapsed
        start=$(now)
        if [ "$side" = clv ]; then json=$("$CLV" "$@"); else json=$(OPENBLAS_NUM_THREADS=1 "${REF[@]}" "$@" 2>/dev/null); fi
        end=$(now)
        elapsed=$(echo "$end - $start" | bc -l)
        if [ -z "$best_time" ] || [ "$(echo "$elapsed < $best_time" | bc -l)" = 1 ]; then best_time=$elapsed; best_json=$json; fi
    done
    echo "$best_time $best_json"
}
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d.get(sys.argv[2], ''))" "$1" "$2"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); OpenBLAS $(pkg-config --modversion openblas); runs per side: $RUNS"
printf '| %-34s | %-9s | %-9s | %-7s | %-11s | %-11s | %-7s | %-9s | %-9s |\n' workload "clv s" "implicit s" ratio "clv s/iter" "impl s/iter" "ratio" "clv R@10" "impl R@10"
printf '|%s|\n' "------------------------------------|-----------|-----------|---------|-------------|-------------|---------|-----------|-----------"
row() {
    local label="$1"; shift
    local c r
    c=$(best clv "$@" --columns user,item,count); r=$(best ref "$@")
    local ct=${c%% *} rt=${r%% *} cj=${c#* } rj=${r#* }
    local cs rs ratio iratio="" cr rr
    cs=$(field "$cj" seconds_per_iteration); rs=$(field "$rj" seconds_per_iteration)
    ratio=$(printf '%.2fx' "$(echo "$rt / $ct" | bc -l)")
    [ -n "$cs" ] && iratio=$(printf '%.2fx' "$(echo "$rs / $cs" | bc -l)")
    cr=$(field "$cj" recall); rr=$(field "$rj" recall)
    [ "$(field "$cj" evaluated_users)" = 0 ] && cr="-"
    printf '| %-34s | %9.3f | %9.3f | %7s | %11s | %11s | %7s | %9s | %9s |\n' "$label" "$ct" "$rt" "$ratio" "$cs" "$rs" "$iratio" "${cr:0:6}" "${rr:0:6}"
}
ALS=(--model als --factors 64 --regularization 0.01 --alpha 1 --iterations 15 --threads 2)
row "ALS, whole file (fit only)" --input "$DATA/all.csv" "${ALS[@]}"
row "ALS, split 2011-09-01" --input "$DATA/train.csv" --test "$DATA/test.csv" "${ALS[@]}"
row "BPR, split" --input "$DATA/train.csv" --test "$DATA/test.csv" --model bpr --factors 64 --learning-rate 0.01 --regularization 0.01 --iterations 100 --threads 2
row "item-kNN cosine, split" --input "$DATA/train.csv" --test "$DATA/test.csv" --model knn-cosine --neighbours 20 --threads 2
row "item-kNN BM25, split" --input "$DATA/train.csv" --test "$DATA/test.csv" --model knn-bm25 --neighbours 20 --threads 2
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Ingest and summary benchmark on all 541,909 lines of UCI Online Retail, CLVKit against the pandas + lifetimes
# path, in the same run on the same file. Run by hand (never in CI):  bench/ingest/run.sh [RUNS]
set -euo pipefail
# Built as `make` builds: language-model kernels for this machine's CPU (see Package.swift).
export CLVKIT_TARGET_CPU="${CLVKIT_TARGET_CPU-native}"
cd "$(dirname "$0")/../.."
RUNS="${1:-3}"
DATA="${ONLINE_RETAIL:-../shared/data/online-retail/online_retail.csv}"
[ -f "$DATA" ] || { echo "bench: $DATA not found; set ONLINE_RETAIL=path/to/online_retail.csv" >&2; exit 1; }
VENV="${BENCH_VENV:-bench/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "bench: creating $VENV with lifetimes 0.11.3" >&2
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q lifetimes==0.11.3
fi
# CLV_BIN=path times an existing release build of clv instead of building one (e.g. the test build).
if [ -z "${CLV_BIN:-}" ]; then swift build -c release --product clv 2>&1 | grep -E "error|warning" || true; fi
CLV="${CLV_BIN:-.build/release/clv}"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
LINES=$(($(wc -l < "$DATA") - 1))

best_ingest=999; peak_full=0
for _ in $(seq "$RUNS"); do
    rm -rf "$WORK"/bench.*
    /usr/bin/time -f "%M" -o "$WORK/rss" "$CLV" ingest orders "$DATA" --preset online-retail --db "$WORK/bench.sqlite" --format json > "$WORK/report.json"
    s=$(python3 -c "import json,sys; print(json.load(open('$WORK/report.json'))['seconds'])")
    best_ingest=$(python3 -c "print(min($best_ingest, $s))")
    peak_full=$(cat "$WORK/rss")
done
# Peak memory must not grow with the file: ingest the first quarter of the file too.
head -n $((LINES / 4 + 1)) "$DATA" > "$WORK/quarter.csv"
/usr/bin/time -f "%M" -o "$WORK/rss-quarter" "$CLV" ingest orders "$WORK/quarter.csv" --preset online-retail --db "$WORK/quarter.sqlite" --format json > /dev/null
peak_quarter=$(cat "$WORK/rss-quarter")

best_summary=999
for _ in $(seq $((RUNS + 2))); do
    s=$(python3 -c "
import subprocess, time
t = time.perf_counter()
subprocess.run(['$CLV', 'summary', '--db', '$WORK/bench.sqlite', '--end', '2011-12-09', '--format', 'csv', '--output', '$WORK/summary.csv'], check=True, stderr=subprocess.DEVNULL)
print(time.perf_counter() - t)")
    best_summary=$(python3 -c "print(min($best_summary, $s))")
done
# No store: the same summary straight from the file (the whole process: start-up, parsing, summary, CSV written).
best_orders=999
for _ in $(seq $((RUNS + 2))); do
    s=$(python3 -c "
import subprocess, time
t = time.perf_counter()
subprocess.run(['$CLV', 'summary', '--orders', '$DATA', '--preset', 'online-retail', '--end', '2011-12-09', '--format', 'csv', '--output', '$WORK/orders-summary.csv'], check=True, stderr=subprocess.DEVNULL)
print(time.perf_counter() - t)")
    best_orders=$(python3 -c "print(min($best_orders, $s))")
done
/usr/bin/time -f "%M" -o "$WORK/rss-orders" "$CLV" summary --orders "$DATA" --preset online-retail --end 2011-12-09 --format csv --output /dev/null 2> /dev/null
peak_orders=$(cat "$WORK/rss-orders")
# Row for row against the store's CSV: the same text but for the last digit of a mean spend (the same day totals
# added in another order).
same=$(python3 - "$WORK/summary.csv" "$WORK/orders-summary.csv" <<'PY'
import csv, math, sys
a, b = (list(csv.reader(open(f))) for f in sys.argv[1:3])
ok = len(a) == len(b) and all(
    len(x) == len(y) and all(p == q or math.isclose(float(p), float(q), rel_tol=1e-12) for p, q in zip(x, y)) for x, y in zip(a, b))
print(f"equal to the store's CSV row for row ({len(a) - 1} customers)" if ok else "DIFFERS from the store's CSV")
PY
)
# The pandas path as a whole process too (interpreter start and imports included), as the clv side is timed.
best_pandas_process=999
for _ in $(seq "$RUNS"); do
    s=$(python3 -c "
import subprocess, time
t = time.perf_counter()
subprocess.run(['$VENV/bin/python', 'bench/ingest/pandas_path.py', '$DATA', '1'], check=True, stdout=subprocess.DEVNULL)
print(time.perf_counter() - t)")
    best_pandas_process=$(python3 -c "print(min($best_pandas_process, $s))")
done
read -r pandas_seconds pandas_customers < <("$VENV/bin/python" bench/ingest/pandas_path.py "$DATA" "$RUNS")
clv_customers=$(($(wc -l < "$WORK/summary.csv") - 1))

python3 - <<PY
lines, ingest, summary, pandas = $LINES, $best_ingest, $best_summary, $pandas_seconds
print(f"Online Retail, {lines:,} lines, best of $RUNS runs, load average {open('/proc/loadavg').read().split()[0]}")
print(f"  clv ingest (SQLite, durable, validated): {ingest:.3f} s = {lines / ingest:,.0f} lines/s   (target >= 400,000)")
print(f"  clv ingest peak RSS: full file {$peak_full / 1024:.0f} MiB, first quarter {$peak_quarter / 1024:.0f} MiB  (must not grow with the file)")
print(f"  clv summary from the store (process start to CSV written): {summary:.3f} s, {$clv_customers} customers")
print(f"  pandas + lifetimes (read_csv, clean, summary_data_from_transaction_data): {pandas:.3f} s, {$pandas_customers} customers")
print(f"  clv summary --orders FILE, no store (process start to CSV written): {$best_orders:.3f} s, peak RSS {$peak_orders / 1024:.0f} MiB, $same")
print(f"  ratio summary: pandas path / clv summary = {pandas / summary:.1f}x   (target >= 2x)")
print(f"  ratio from the file: pandas path / clv summary --orders = {pandas / $best_orders:.2f}x   (target > 1x; pandas' imports and interpreter start not counted)")
print(f"  whole processes: pandas path {$best_pandas_process:.3f} s / clv summary --orders {$best_orders:.3f} s = {$best_pandas_process / $best_orders:.2f}x")
print(f"  ratio incl. ingest: pandas path / (clv ingest + summary) = {pandas / (ingest + summary):.2f}x")
PY

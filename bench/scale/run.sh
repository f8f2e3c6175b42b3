#!/usr/bin/env bash
# CLVKit end to end at scale, on SQLite and PostgreSQL: `clv simulate` writes an order file (BG/NBD purchases,
# Gamma-Gamma values, long-tail products), sorted by customer (as simulate prints it and CRM exports often
# are) and by time; each is ingested into a new SQLite file and a new PostgreSQL database, then the customer-sorted
# import is summarised, fitted (BG/NBD, Pareto/NBD, Gamma-Gamma), scored and served. Every step is one whole process
# under /usr/bin/time (seconds and peak RSS). In the same run: a plain `psql \copy` of the same CSV into an unindexed
# table, and the ratio of CLVKit's PostgreSQL ingest to it.
# Usage: bench/scale/run.sh [CUSTOMERS]   (default 1000000, about 10 million lines; CLV_PG_BIN=/usr/lib/postgresql/15/bin)
set -euo pipefail
cd "$(dirname "$0")/../.."
CUSTOMERS="${1:-1000000}"
source bench/lib/postgres_cluster.sh
pg_cluster_check scale
[ -x /usr/bin/time ] || { echo "bench/scale: /usr/bin/time is missing: apt-get install time" >&2; exit 1; }
export CLVKIT_TARGET_CPU=native
swift build -c release -Xswiftc -enable-testing --product clv >&2
CLV="$PWD/.build/release/clv"

pg_cluster_start scale
SERVE_PID=""
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; pg_cluster_stop' EXIT

# The order files: 78 weeks from 2010-01-01, first purchases over the first 12, times of day to the second; each
# purchase's value from Gamma-Gamma (the CDNOW estimates), 1.55 lines of 50,000 Zipf-popular products on average.
START=2010-01-01; END=2011-07-01
"$CLV" simulate --model bgnbd --params r=0.7,alpha=4.4136,a=0.7929,b=5 --customers "$CUSTOMERS" --length 78 --cohort 12 \
    --output orders --start "$START" --seed 42 --spend p=6.25,q=3.74,v=15.44 --products 50000 --lines-per-order 1.55 \
    --timestamps > "$WORK/by-customer.csv"
{ head -1 "$WORK/by-customer.csv"; tail -n +2 "$WORK/by-customer.csv" | sort -t, -k2,2 -s; } > "$WORK/by-time.csv"
LINES=$(($(wc -l < "$WORK/by-customer.csv") - 1))
echo "bench/scale: $LINES lines simulated; each step is printed here as it ends, the table at the end" >&2

# timed NAME COMMAND…: runs it under /usr/bin/time, appends "NAME seconds peak-MB" to the table.
timed() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > "$WORK/out" 2> "$WORK/err" || { echo "bench/scale: $name failed: $(tail -2 "$WORK/err")" >&2; exit 1; }
    read -r seconds kb < "$WORK/time"
    printf "%-44s %9.2f %8.0f\n" "$name" "$seconds" "$((kb / 1024))" | tee -a "$WORK/table" >&2
    LAST=$seconds
}
rate() { printf "%.0f" "$(echo "$LINES / $1" | bc -l)"; }
n=0
fresh() { n=$((n + 1)); "$PG_BIN/createdb" "scale$n"; DB="postgres://clv@127.0.0.1:$PORT/scale$n"; }
ingest=(ingest orders --customer-col customer_id --date-col date --order-col order_id --product-col product_id --amount-col amount)
: > "$WORK/table"; : > "$WORK/rates"
for order in by-customer by-time; do
    rm -f "$WORK/$order.sqlite"*
    timed "clv ingest, SQLite, $order" "$CLV" "${ingest[@]}" "$WORK/$order.csv" --db "$WORK/$order.sqlite"
    echo "clv ingest, SQLite, $order: $(rate "$LAST") lines/s" >> "$WORK/rates"
    fresh; printf -v "pg_${order//-/_}" %s "$DB"
    timed "clv ingest, PostgreSQL, $order" "$CLV" "${ingest[@]}" "$WORK/$order.csv" --db "$DB"
    echo "clv ingest, PostgreSQL, $order: $(rate "$LAST") lines/s" >> "$WORK/rates"
    [ "$order" = by-customer ] && pg_ingest=$LAST
done
fresh; "$PG_BIN/psql" -Xq -d "scale$n" -c "CREATE TABLE raw (customer_id text, date text, order_id text, product_id text, amount text)"
timed "psql \\copy into an unindexed table" "$PG_BIN/psql" -Xq -d "scale$n" -c "\\copy raw FROM '$WORK/by-customer.csv' WITH (FORMAT csv, HEADER true)"
copy=$LAST

window=(--end "$END" --unit week)
for db in "$WORK/by-customer.sqlite" "$pg_by_customer"; do
    kind=$([ "$db" = "$pg_by_customer" ] && echo PostgreSQL || echo SQLite)
    timed "clv summary, $kind" "$CLV" summary "${window[@]}" --format csv --db "$db"
    for model in bgnbd pnbd gg; do timed "clv fit --model $model, $kind" "$CLV" fit --model "$model" "${window[@]}" --db "$db"; done
    timed "clv predict (bgnbd + gg, 52 weeks), $kind" "$CLV" predict --model bgnbd --spend-model gg --horizon 52 "${window[@]}" --db "$db"
    # clv serve: seconds from start until /readyz answers 200, and its RSS then.
    serve_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    started=$(date +%s.%N)
    "$CLV" serve --db "$db" --port "$serve_port" > /dev/null 2> "$WORK/serve.log" & SERVE_PID=$!
    until curl -sf "http://127.0.0.1:$serve_port/readyz" > /dev/null; do
        kill -0 "$SERVE_PID" 2>/dev/null || { echo "bench/scale: clv serve stopped: $(tail -2 "$WORK/serve.log")" >&2; exit 1; }
        sleep 0.1
    done
    ready=$(echo "$(date +%s.%N) - $started" | bc -l)
    rss=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$SERVE_PID/status")
    kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""
    printf "%-44s %9.2f %8s\n" "clv serve until /readyz is 200, $kind" "$ready" "$rss" | tee -a "$WORK/table" >&2
done

customers=$("$PG_BIN/psql" -XAtq -d "${pg_by_customer##*/}" -c "SELECT count(*) FROM customer")
echo "$LINES order lines, $customers customers; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-44s %9s %8s\n" "step" "seconds" "peak MB"
cat "$WORK/table"
cat "$WORK/rates"
printf "clv PostgreSQL ingest (by customer) / raw copy: %.2fx of its speed\n" "$(echo "$copy / $pg_ingest" | bc -l)"

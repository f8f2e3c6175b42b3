#!/usr/bin/env bash
# CLVKit's PostgreSQL ingest against a plain `psql \copy` of the same CSV into an unindexed table of text columns,
# in the same run, on a throwaway cluster (initdb into a temporary folder, default durability settings), and the
# same file into a SQLite file for comparison. Each figure is the best of RUNS whole processes, each into a new
# database; then `clv summary` and `clv fit --model bgnbd` on both stores.
# Usage: bench/postgres/run.sh [RUNS]   (default 3; ONLINE_RETAIL=PATH, CLV_PG_BIN=/usr/lib/postgresql/15/bin)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-3}"
RETAIL="${ONLINE_RETAIL:-../shared/data/online-retail/online_retail.csv}"
[ -f "$RETAIL" ] || { echo "bench/postgres: $RETAIL not found: set ONLINE_RETAIL to the UCI Online Retail CSV" >&2; exit 1; }
RETAIL="$(cd "$(dirname "$RETAIL")" && pwd)/$(basename "$RETAIL")"
source bench/lib/postgres_cluster.sh
pg_cluster_check postgres
export CLVKIT_TARGET_CPU=native
swift build -c release -Xswiftc -enable-testing --product clv >&2
CLV="$PWD/.build/release/clv"

pg_cluster_start postgres
trap pg_cluster_stop EXIT

now() { date +%s.%N; }
n=0
# fresh: a new database, its name in DB_NAME and URL in DB.
fresh() { n=$((n + 1)); DB_NAME="bench$n"; "$PG_BIN/createdb" "$DB_NAME"; DB="postgres://clv@127.0.0.1:$PORT/$DB_NAME"; }
# best KIND: the fastest of RUNS runs into new databases, in BEST (seconds); the last database in DB.
best() {
    BEST=""
    for _ in $(seq "$RUNS"); do
        case "$1" in
            sqlite) rm -f "$WORK/clv.sqlite"*; DB="$WORK/clv.sqlite" ;;
            postgres) fresh ;;
            copy) fresh; "$PG_BIN/psql" -Xq -d "$DB_NAME" -c "CREATE TABLE raw (a text, b text, c text, d text, e text, f text, g text, h text)" ;;
        esac
        local start elapsed
        start=$(now)
        if [ "$1" = copy ]; then
            "$PG_BIN/psql" -Xq -d "$DB_NAME" -c "\\copy raw FROM '$RETAIL' WITH (FORMAT csv, HEADER true)"
        else
            (cd "$WORK" && "$CLV" ingest orders "$RETAIL" --preset online-retail --db "$DB" >/dev/null)
        fi
        elapsed=$(echo "$(now) - $start" | bc -l)
        if [ -z "$BEST" ] || [ "$(echo "$elapsed < $BEST" | bc -l)" = 1 ]; then BEST=$elapsed; fi
    done
}
LINES=$(($(wc -l < "$RETAIL") - 1))
best sqlite; sqlite=$BEST; sqlite_db=$DB
best postgres; postgres=$BEST; postgres_db=$DB
best copy; copy=$BEST
copied=$("$PG_BIN/psql" -XAtq -d "$DB_NAME" -c "SELECT count(*) FROM raw")
stored=$("$PG_BIN/psql" -XAtq -d "${postgres_db##*/}" -c "SELECT count(*) FROM order_line")
rate() { printf "%.0f" "$(echo "$LINES / $1" | bc -l)"; }
echo "Online Retail, $LINES lines ($copied copied raw, $stored stored by clv), best of $RUNS; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-34s %8s %12s\n" "import" "seconds" "lines/s"
printf "%-34s %8.2f %12s\n" "clv ingest, SQLite file" "$sqlite" "$(rate "$sqlite")"
printf "%-34s %8.2f %12s\n" "clv ingest, PostgreSQL" "$postgres" "$(rate "$postgres")"
printf "%-34s %8.2f %12s\n" "psql \\copy into an unindexed table" "$copy" "$(rate "$copy")"
printf "clv PostgreSQL ingest / raw copy: %.2fx of its speed\n" "$(echo "$copy / $postgres" | bc -l)"
for db in "$sqlite_db" "$postgres_db"; do
    kind=$([ "$db" = "$sqlite_db" ] && echo SQLite || echo PostgreSQL)
    for command in "summary --end 2011-06-30 --holdout-end 2011-12-09 --unit week --format csv" "fit --model bgnbd --end 2011-06-30 --unit week"; do
        start=$(now)
        # shellcheck disable=SC2086
        "$CLV" $command --db "$db" | md5sum | cut -c1-8 > "$WORK/out"
        printf "%-11s clv %-7s %6.2f s  output %s\n" "$kind" "${command%% *}" "$(echo "$(now) - $start" | bc -l)" "$(cat "$WORK/out")"
    done
done

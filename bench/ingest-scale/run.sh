#!/usr/bin/env bash
# SQLite ingest at scale, both file orders: `clv simulate --output orders` (the parameters of bench/scale/run.sh)
# plus a seeded lognormal amount, sorted by customer (as simulate prints it) and by time; each file ingested into a
# new SQLite database, best of 2 whole `clv ingest` processes, with lines/s, CPU seconds and peak RSS; then the
# sqlite3 floor (floor.sh: the same rows into the same B-trees, no parsing) of each order, and the load average.
# Usage: bench/ingest-scale/run.sh [CUSTOMERS] [WORK]   (default 200000 customers, about 1.3M lines; files kept in
# WORK, default ~/.cache/clvkit/ingest-scale, and reused)
set -euo pipefail
cd "$(dirname "$0")/../.."
CUSTOMERS="${1:-200000}"
WORK="${2:-$HOME/.cache/clvkit/ingest-scale}"
[ -x /usr/bin/time ] || { echo "bench/ingest-scale: /usr/bin/time is missing: apt-get install time" >&2; exit 1; }
export CLVKIT_TARGET_CPU=native
swift build -c release -Xswiftc -enable-testing --product clv >&2
CLV="$PWD/.build/release/clv"
mkdir -p "$WORK"
by_customer="$WORK/by-customer-$CUSTOMERS.csv"; by_time="$WORK/by-time-$CUSTOMERS.csv"
if [ ! -s "$by_time" ]; then
    "$CLV" simulate --model bgnbd --params r=0.7,alpha=4.4136,a=0.7929,b=5 --customers "$CUSTOMERS" --length 78 --cohort 12 \
        --output orders --start 2010-01-01 --seed 42 |
        awk -F, 'BEGIN { srand(42); OFS = "," } NR == 1 { print $0, "amount"; next }
            { u = rand(); v = rand(); z = sqrt(-2 * log(1 - u)) * cos(6.283185307 * v); printf "%s,%s,%.2f\n", $1, $2, exp(3 + 0.8 * z) }' \
        > "$by_customer"
    { head -1 "$by_customer"; tail -n +2 "$by_customer" | sort -t, -k2,2 -s; } > "$by_time"
fi
LINES=$(($(wc -l < "$by_customer") - 1))
echo "$LINES order lines, $CUSTOMERS customers; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-26s %9s %11s %9s %8s\n" "clv ingest, SQLite" seconds "lines/s" "CPU s" "peak MB"
for order in by-customer by-time; do
    best=""
    for run in 1 2; do
        db="$WORK/$order.sqlite"; rm -f "$db" "$db"-wal "$db"-shm
        /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$CLV" ingest orders --customer-col customer_id --date-col date \
            --amount-col amount "$WORK/$order-$CUSTOMERS.csv" --db "$db" > /dev/null
        read -r seconds user system kb < "$WORK/time"
        if [ -z "$best" ] || (($(echo "$seconds < ${best%% *}" | bc -l))); then best="$seconds $(echo "$user + $system" | bc -l) $kb"; fi
    done
    read -r seconds cpu kb <<< "$best"
    printf "%-26s %9.2f %11.0f %9.2f %8.0f\n" "$order (best of 2)" "$seconds" "$(echo "$LINES / $seconds" | bc -l)" "$cpu" "$((kb / 1024))"
    printf -v "cpu_${order//-/_}" %s "$cpu"
    rm -f "$WORK/$order.sqlite" "$WORK/$order.sqlite"-wal "$WORK/$order.sqlite"-shm
done
for order in by-customer by-time; do
    floor=$(bench/ingest-scale/floor.sh "$WORK/$order-$CUSTOMERS.csv" "$WORK/floor.sqlite")
    echo "$floor"
    floor_cpu=$(echo "$floor" | sed -E 's/.*\(([0-9.]+) CPU s\).*/\1/')
    clv_cpu="cpu_${order//-/_}"
    printf "clv ingest / sqlite3 floor, %s: %.2fx the CPU seconds\n" "$order" "$(echo "${!clv_cpu} / $floor_cpu" | bc -l)"
done
rm -f "$WORK/floor.sqlite" "$WORK/floor.sqlite"-wal "$WORK/floor.sqlite"-shm "$WORK/time"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

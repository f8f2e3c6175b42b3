#!/usr/bin/env bash
# The floor under CLVKit's SQLite ingest: the sqlite3 shell writes the same rows into the same three B-trees
# (order_line by a day-prefixed 64-bit key, customer_day by (customer, day), customer by id) in transactions of
# BATCH lines, each batch's rows in key order, with clv's pragmas (WAL, synchronous NORMAL, 256 MiB cache). No
# parsing, validation, hashing or Swift: only SQLite's statements and page I/O. Prints the wall and CPU seconds of
# the batched inserts alone (the CSV is first loaded into an in-memory staging table, timed apart and subtracted).
# Usage: bench/ingest-scale/floor.sh FILE.csv DB [BATCH]   (FILE has customer_id,date,amount)
set -euo pipefail
FILE=$1; DB=$2; BATCH=${3:-50000}
command -v sqlite3 > /dev/null || { echo "floor.sh: sqlite3 is missing: apt-get install sqlite3" >&2; exit 1; }
LINES=$(($(wc -l < "$FILE") - 1))
stage() {
    cat <<SQL
PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;
CREATE TABLE IF NOT EXISTS customer (id TEXT PRIMARY KEY NOT NULL, country TEXT, first_seen_day INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS order_line (line_key INTEGER PRIMARY KEY, customer_id TEXT, order_id TEXT, product_id TEXT,
    day INTEGER NOT NULL, second_of_day INTEGER, quantity REAL, unit_price REAL, amount REAL NOT NULL,
    is_return INTEGER NOT NULL, ingest_run_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS customer_day (customer_id TEXT NOT NULL, day INTEGER NOT NULL, purchase_amount REAL NOT NULL,
    purchase_lines INTEGER NOT NULL, return_amount REAL NOT NULL, return_lines INTEGER NOT NULL,
    PRIMARY KEY (customer_id, day)) WITHOUT ROWID;
ATTACH ':memory:' AS s;
CREATE TABLE s.raw (customer_id TEXT, date TEXT, amount REAL);
.import --csv --skip 1 --schema s $FILE raw
CREATE TABLE s.line (n INTEGER PRIMARY KEY, customer_id TEXT, day INTEGER, amount REAL, k INTEGER);
INSERT INTO s.line SELECT rowid, customer_id, day, amount,
    ((day & 4095) << 52) | (abs(random()) & 4503599627370495) AS k
    FROM (SELECT rowid, customer_id, CAST(julianday(date) - 2440587.5 AS INTEGER) AS day, amount FROM s.raw);
SQL
}
batches() {
    for ((lo = 0; lo < LINES; lo += BATCH)); do
        hi=$((lo + BATCH))
        cat <<SQL
BEGIN;
INSERT OR IGNORE INTO order_line (line_key, customer_id, day, amount, is_return, ingest_run_id)
    SELECT k, customer_id, day, amount, 0, 1 FROM s.line WHERE n > $lo AND n <= $hi ORDER BY k;
INSERT INTO customer_day SELECT customer_id, day, sum(amount), count(*), 0, 0 FROM s.line WHERE n > $lo AND n <= $hi
    GROUP BY customer_id, day ORDER BY customer_id, day
    ON CONFLICT (customer_id, day) DO UPDATE SET purchase_amount = purchase_amount + excluded.purchase_amount,
        purchase_lines = purchase_lines + excluded.purchase_lines;
INSERT INTO customer SELECT customer_id, NULL, min(day) FROM s.line WHERE n > $lo AND n <= $hi
    GROUP BY customer_id ORDER BY customer_id
    ON CONFLICT (id) DO UPDATE SET first_seen_day = min(first_seen_day, excluded.first_seen_day);
COMMIT;
SQL
    done
}
# timed COMMAND…: prints "wall CPU" seconds of the whole process.
timed() { /usr/bin/time -f "%e %U %S" -o "$DB.time" "$@"; awk '{ printf "%s %s", $1, $2 + $3 }' "$DB.time"; }
rm -f "$DB" "$DB"-wal "$DB"-shm
read -r stage_wall stage_cpu <<< "$(timed sh -c "$(declare -f stage); FILE='$FILE'; stage | sqlite3 '$DB' > /dev/null")"
rm -f "$DB" "$DB"-wal "$DB"-shm
batches > "$DB.batches.sql"
read -r wall cpu <<< "$(timed sh -c "{ $(declare -f stage); FILE='$FILE'; stage; cat '$DB.batches.sql'; } | sqlite3 '$DB' > /dev/null")"
rm -f "$DB.batches.sql" "$DB.time"
inserts=$(echo "$wall - $stage_wall" | bc -l); insert_cpu=$(echo "$cpu - $stage_cpu" | bc -l)
printf "sqlite3 floor, %s: %d lines, batches of %d: inserts %.2f s (%.2f CPU s) = %.0f lines/s\n" "$(basename "$FILE")" "$LINES" \
    "$BATCH" "$inserts" "$insert_cpu" "$(echo "$LINES / $inserts" | bc -l)"

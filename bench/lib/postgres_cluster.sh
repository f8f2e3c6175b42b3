# A throwaway PostgreSQL cluster for the benchmarks; sourced, not run.
#   pg_cluster_check LABEL   fail early (naming bench/LABEL) when the server binaries are missing
#   pg_cluster_start LABEL   make $WORK, start a cluster in it on a free loopback port (as the `postgres` account
#                            under root: PostgreSQL refuses root) and export PGHOST, PGPORT, PGUSER, PGPASSWORD
#   pg_cluster_stop          stop it and remove $WORK (for the caller's EXIT trap)

PG_BIN="${CLV_PG_BIN:-/usr/lib/postgresql/15/bin}"

pg_cluster_check() {
    [ -x "$PG_BIN/initdb" ] || { echo "bench/$1: no PostgreSQL server in $PG_BIN: run scripts/setup.sh --postgres" >&2; exit 1; }
}

pg_cluster_start() {
    pg_cluster_check "$1"
    WORK="$(mktemp -d "/tmp/clv-bench-$1-XXXXXX")"
    AS=(); [ "$(id -u)" -eq 0 ] && { chown postgres "$WORK"; AS=(runuser -u postgres --); }
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export PGPASSWORD="bench-$RANDOM$RANDOM" PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=clv
    echo "$PGPASSWORD" > "$WORK/password"; [ ${#AS[@]} -gt 0 ] && chown postgres "$WORK/password"
    "${AS[@]}" "$PG_BIN/initdb" -D "$WORK/data" -U clv --pwfile "$WORK/password" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
    "${AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null
}

pg_cluster_stop() {
    "${AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null
    rm -rf "$WORK"
}

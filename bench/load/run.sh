#!/usr/bin/env bash
# Load benchmark of `clv serve` on loopback with wrk (Debian's package): customer-score GETs and order POSTs.
# Bounded in time; run by hand, never in CI:  bench/load/run.sh [SECONDS]
# Targets on a 2-core machine: >= 10,000 GET/s with p99 < 10 ms; >= 2,000 order POST/s; zero errors.
set -euo pipefail
# Built as `make` builds: language-model kernels for this machine's CPU (see Package.swift).
export CLVKIT_TARGET_CPU="${CLVKIT_TARGET_CPU-native}"
cd "$(dirname "$0")/../.."
SECONDS_EACH="${1:-10}"
command -v wrk >/dev/null || { echo "bench: installing wrk" >&2; apt-get install -y -qq wrk >/dev/null; }
scripts/setup.sh
swift build -c release --product clv 2>&1 | grep -E "error|warning: " | grep -v swift-distributed-tracing || true
CLV=.build/release/clv
WORK="$(mktemp -d)"; trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
DATA="${CLV_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/clvkit/data}"
"$CLV" ingest orders "$DATA/cdnow/CDNOW_sample.txt" --preset cdnow-sample --db "$WORK/load.sqlite" > /dev/null
KEY=$("$CLV" keys create --role admin --db "$WORK/load.sqlite" 2>/dev/null)
PORT=$((20000 + RANDOM % 20000))
CLV_RATE_LIMIT=10000000 "$CLV" serve --db "$WORK/load.sqlite" --port "$PORT" --log-level error > "$WORK/serve.out" 2> "$WORK/serve.log" &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT"

run() { # name script threads connections
    wrk -t"$3" -c"$4" -d"${SECONDS_EACH}s" --latency -s "bench/load/$2" "$URL" -- "$KEY" > "$WORK/$1.txt"
    python3 - "$WORK/$1.txt" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
name = sys.argv[2]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def latency(p):
    m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
errors = sum(int(x) for x in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors: connect|read|write|timeout)\D+(\d+)", text))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errs = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in socket.groups()) if socket else 0)
print(f"  {name:<14} {rps:>9,.0f} req/s   p50 {latency(50):6.2f} ms   p99 {latency(99):6.2f} ms   errors {errs}")
PY
}
echo "clv serve on loopback, ${SECONDS_EACH}s each, load average $(cut -d' ' -f1 /proc/loadavg)"
run "GET customer" get_customer.lua 2 32
run "POST order" post_order.lua 2 32
echo "targets: GET >= 10,000 req/s with p99 < 10 ms; POST >= 2,000 req/s; zero errors"

#!/usr/bin/env bash
# bench/fit: CLVKit (CLVModels, release) vs lifetimes 0.11.3 on the same simulated customers, in the same run.
#   - BG/NBD fit on 1,000,000 customers        (issue target: ≥ 20x faster)
#   - Pareto/NBD fit on 100,000 customers      (issue target: ≥ 50x faster)
#   - expected purchases + P(alive), 1,000,000 (issue target: ≥ 5x faster)
#   - parameters agree to 1e-4 relative
# Customers are simulated by CLVModels' PurchaseSimulator (CDNOW parameters, first purchases over 26 weeks,
# observed to week 52, purchases on whole days) and written to CSV; both sides read the same CSV and time only the
# fit / the predictions. Usage: bench/fit/run.sh [N_BGNBD] [N_PNBD]; PYTHON defaults to /work/venv-models/bin/python
# (a venv with `pip install lifetimes==0.11.3`).
set -euo pipefail
# Built as `make` builds: language-model kernels for this machine's CPU (see Package.swift).
export CLVKIT_TARGET_CPU="${CLVKIT_TARGET_CPU-native}"
cd "$(dirname "$0")"
N_BG=${1:-1000000}
N_PN=${2:-100000}
PYTHON=${PYTHON:-/work/venv-models/bin/python}
WORK=${WORK:-$(mktemp -d)}
echo "building release..." >&2
swift build -c release 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
BENCH=.build/release/FitBench
"$BENCH" generate bgnbd "$N_BG" "$WORK/bgnbd.csv" 1
"$BENCH" generate pnbd "$N_PN" "$WORK/pnbd.csv" 2
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other builds share the machine)" >&2

run() { # label target swift-args... -- python-args...
    local label=$1 target=$2; shift 2
    local swift_args=() py_args=()
    while [[ $1 != -- ]]; do swift_args+=("$1"); shift; done; shift
    py_args=("$@")
    local s p
    s=$("$BENCH" "${swift_args[@]}")
    p=$("$PYTHON" lifetimes_side.py "${py_args[@]}")
    "$PYTHON" - "$label" "$target" "$s" "$p" <<'PY'
import json, sys
label, target, s, p = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
ratio = p["seconds"] / s["seconds"]
rel = max(abs(a - b) / abs(b) for a, b in zip(s["params"], p["params"]))
print(f"{label:<34} CLVKit {s['seconds']:8.3f} s   lifetimes {p['seconds']:8.3f} s   ratio {ratio:6.1f}x (target {target:.0f}x)   max param rel diff {rel:.1e}")
if "sum_expected" in s:
    de = abs(s["sum_expected"] - p["sum_expected"]) / p["sum_expected"]
    da = abs(s["sum_p_alive"] - p["sum_p_alive"]) / p["sum_p_alive"]
    print(f"{'':<34} sum E[X] rel diff {de:.1e}, sum P(alive) rel diff {da:.1e}")
PY
}

run "BG/NBD fit, $N_BG customers" 20 fit bgnbd "$WORK/bgnbd.csv" -- fit bgnbd "$WORK/bgnbd.csv"
run "Pareto/NBD fit, $N_PN customers" 50 fit pnbd "$WORK/pnbd.csv" -- fit pnbd "$WORK/pnbd.csv"
run "E[X(39)] + P(alive), $N_BG customers" 5 predict bgnbd "$WORK/bgnbd.csv" 39 -- predict bgnbd "$WORK/bgnbd.csv" 39

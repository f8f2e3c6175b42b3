#!/usr/bin/env bash
# bench/redact: CLVData's Redactor on seeded review-like texts (RedactBench generates them: English and Chinese
# reviews with prices, dates, order numbers, SKUs and quantities; about one in ten carries personal data), release
# build, best of ROUNDS rounds; against one Swift Regex pass (e-mail addresses and digit runs only) over the same texts.
# Prints JSON: texts, bytes, redacted (matches found), best_seconds, mb_per_s, texts_per_s, regex_mb_per_s,
# ratio_vs_regex; and the load average (the machine is shared: other builds slow the run).
# Usage: bench/redact/run.sh [TEXTS] [ROUNDS]   (10000, 5)
set -euo pipefail
export CLVKIT_TARGET_CPU="${CLVKIT_TARGET_CPU-native}"
cd "$(dirname "$0")"
echo "building release..." >&2
swift build -c release 2>&1 | grep -E "error|warning:" >&2 || true
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
.build/release/RedactBench "${1:-10000}" "${2:-5}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2

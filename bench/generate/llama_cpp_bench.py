"""llama.cpp (llama-cpp-python 0.3.16) side of bench/generate: the same greedy 200-token chat reply.

Usage: python llama_cpp_bench.py MODEL.gguf TOKENS THREADS PROMPT -> one JSON line.
The prompt is rendered by the GGUF's chat template (ChatML with SmolLM2's default system prompt) and tokenized
by llama.cpp; decoding is greedy (temperature 0), stop tokens ignored, as on the CLVKit side.
"""
import json
import sys
import time

from llama_cpp import Llama

path, count, threads, prompt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
llm = Llama(model_path=path, n_ctx=1024, n_threads=threads, n_threads_batch=threads, n_batch=512, verbose=False)
rendered = ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n")
ids = llm.tokenize(rendered.encode(), add_bos=False, special=True)

def run(n):
    llm.reset()
    out, times = [], []
    start = time.perf_counter()
    for token in llm.generate(ids, temp=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, reset=True):
        times.append(time.perf_counter())
        out.append(token)
        if len(out) == n:
            break
    return out, start, times

run(2)  # warm-up, as on the CLVKit side
out, start, times = run(count)
# The first token comes out of the prefill; the rate counts the tokens after it, as CLVKit's does.
generation = times[-1] - times[0]
print(json.dumps({
    "prompt_tokens": len(ids), "tokens": len(out), "prompt_seconds": times[0] - start,
    "generation_seconds": generation, "tokens_per_second": (len(out) - 1) / generation, "ids": out,
    "text": llm.detokenize(out).decode("utf-8", errors="replace"),
}))

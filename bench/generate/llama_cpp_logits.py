"""llama.cpp's next-token logits for the reference fixture's prompts, compared with transformers' (the fixture).

Usage: python llama_cpp_logits.py MODEL.gguf FIXTURE.json -> one JSON line: the largest |Δ| per prompt.
"""
import json
import sys

import numpy as np
from llama_cpp import Llama

path, fixture = sys.argv[1], json.load(open(sys.argv[2]))
llm = Llama(model_path=path, n_ctx=512, n_threads=2, logits_all=True, verbose=False)
deltas, same = [], True
for entry in fixture["logits"]:
    llm.reset()
    llm.eval(entry["ids"])
    logits = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float64)
    ids = entry["top_ids"] + entry["sample_ids"]
    values = np.array(entry["top_values"] + entry["sample_values"])
    deltas.append(float(np.max(np.abs(logits[ids] - values))))
    same = same and int(np.argmax(logits)) == entry["argmax"]
print(json.dumps({"max_abs_delta_per_prompt": deltas, "same_argmax": same}))

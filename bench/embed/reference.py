#!/usr/bin/env python3
"""sentence-transformers throughput on the same texts as EmbedBench (CPU torch, batch 32, 2 threads).

Usage: reference.py FILE [--batch-size N] [--threads N] [--repeat N] [--swift-embeddings FILE.f32]
Prints one JSON line; with --swift-embeddings also the smallest cosine between both sides' vectors.
"""
import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np
import torch
from sentence_transformers import SentenceTransformer, models

MODELS = Path(os.environ.get("CLV_MODELS") or Path(os.environ.get("CLV_CACHE") or
              Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clvkit") / "models")

parser = argparse.ArgumentParser()
parser.add_argument("file")
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--repeat", type=int, default=3)
parser.add_argument("--swift-embeddings")
args = parser.parse_args()

torch.set_num_threads(args.threads)
texts = Path(args.file).read_text(encoding="utf-8").splitlines()
transformer = models.Transformer(str(MODELS / "all-MiniLM-L6-v2"), max_seq_length=256)
pooling = models.Pooling(384, pooling_mode="mean")
model = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
model.encode(texts[:64], batch_size=args.batch_size)
best = best_cpu = float("inf")
for _ in range(args.repeat):
    start, cpu_start = time.perf_counter(), time.process_time()
    embeddings = model.encode(texts, batch_size=args.batch_size, convert_to_numpy=True)
    best = min(best, time.perf_counter() - start)
    best_cpu = min(best_cpu, time.process_time() - cpu_start)
result = {"texts": len(texts), "seconds": best, "texts_per_second": len(texts) / best, "cpu_seconds": best_cpu,
          "torch": torch.__version__, "torch_threads": torch.get_num_threads()}
if args.swift_embeddings:
    swift = np.fromfile(args.swift_embeddings, dtype=np.float32).reshape(len(texts), -1)
    result["min_cosine_vs_swift"] = float(np.min(np.sum(swift * embeddings, axis=1)))
print(json.dumps(result))

#!/usr/bin/env python3
"""Loads an encoder folder that CLVKit wrote (SentenceTransformersDirectory, `clv finetune --out DIR`) in Python and
compares its embeddings with CLVKit's.

    ~/.cache/clvkit/venv-finetune/bin/python tools/finetune/load_in_sentence_transformers.py DIR [--clv PATH]

Loads DIR twice: with `SentenceTransformer(DIR)` (modules.json: Transformer -> mean pooling -> Normalize) and the
encoder alone with transformers' `BertModel.from_pretrained(DIR)` (mean pooling and normalisation done here), embeds
the texts of Tests/CLVTextTests/Resources/minilm_reference.json (those without line breaks), runs
`clv embed --encoder DIR --input FILE` on the same texts, and prints the largest absolute component difference and
the smallest cosine of each against CLVKit. Exits 1 if a difference exceeds --tolerance (default 1e-4).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from transformers import BertModel, BertTokenizerFast

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ROOT / "Tests" / "CLVTextTests" / "Resources" / "minilm_reference.json"


def transformers_embeddings(folder: str, texts: list[str], max_length: int) -> np.ndarray:
    tokenizer = BertTokenizerFast.from_pretrained(folder)
    model = BertModel.from_pretrained(folder, add_pooling_layer=False).eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(texts), 16):
            encoded = tokenizer(texts[start:start + 16], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
            states = model(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).float()
            pooled = (states * mask).sum(1) / mask.sum(1)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--clv", default=str(ROOT / ".build" / "release" / "clv"))
    parser.add_argument("--tolerance", type=float, default=1e-4)
    arguments = parser.parse_args()
    torch.set_num_threads(2)
    texts = [t["text"] for t in json.loads(TEXTS.read_text())["texts"] if "\n" not in t["text"] and "\r" not in t["text"]]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write("\n".join(texts) + "\n")
        path = f.name
    try:
        result = subprocess.run([arguments.clv, "embed", "--encoder", arguments.folder, "--input", path],
                                capture_output=True, text=True, check=False)
    finally:
        os.unlink(path)
    if result.returncode != 0:
        print(f"clv embed failed: {result.stderr.strip()}", file=sys.stderr)
        return 1
    swift_json = json.loads(result.stdout)
    swift = np.array(swift_json["embeddings"], dtype=np.float64)
    model = SentenceTransformer(arguments.folder, device="cpu")
    sentence_transformers = model.encode(texts, batch_size=16, convert_to_numpy=True).astype(np.float64)
    plain = transformers_embeddings(arguments.folder, texts, model.max_seq_length).astype(np.float64)
    ok = True
    print(f"{arguments.folder}: {len(texts)} texts, CLVKit model name {swift_json['model']}, max_seq_length {model.max_seq_length}")
    for name, reference in (("sentence-transformers", sentence_transformers), ("transformers BertModel", plain)):
        difference = np.abs(reference - swift).max()
        cosines = (reference * swift).sum(1) / np.linalg.norm(reference, axis=1) / np.linalg.norm(swift, axis=1)
        print(f"  {name:<24} max |difference| {difference:.2e}, smallest cosine {cosines.min():.8f}")
        ok = ok and difference <= arguments.tolerance
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

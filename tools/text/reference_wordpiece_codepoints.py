#!/usr/bin/env python3
"""Every-code-point check of the BERT WordPiece tokenizer, for CLVText's tokenizer tests.

Writes Tests/CLVTextTests/Resources/minilm_wordpiece_codepoints.json: the code points U+0000..U+D7FF,
U+E000..U+31FFF and U+E0000..U+E01FF, in order, are cut into chunks of 40; chunk k becomes the text
"q<c1>q q<c2>q ... q<c40>q", and the fixture stores, per chunk, the 32-bit FNV-1a hash of the token ids that
Hugging Face's fast BertTokenizer (all-MiniLM-L6-v2, as sentence-transformers calls it: stripped, truncated at
256) gives, each id hashed as 4 little-endian bytes. The Swift test rebuilds the same texts and compares hashes,
so a mismatch names the chunk (and so the code-point range) without storing 600k ids.

Run (offline, from the project root): HF_HUB_OFFLINE=1 ../venv-encoder/bin/python tools/text/reference_wordpiece_codepoints.py
"""
import json
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import tokenizers
import transformers
from transformers import AutoTokenizer

ROOT = Path(__file__).resolve().parents[2]
MODELS = Path(os.environ.get("CLV_MODELS") or Path(os.environ.get("CLV_CACHE") or
              Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clvkit") / "models")
OUT = ROOT / "Tests" / "CLVTextTests" / "Resources" / "minilm_wordpiece_codepoints.json"
RANGES = [(0x0000, 0xD7FF), (0xE000, 0x31FFF), (0xE0000, 0xE01FF)]
CHUNK = 40


def fnv1a32(ids: list[int]) -> int:
    h = 0x811C9DC5
    for byte in b"".join(struct.pack("<I", i) for i in ids):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def main() -> None:
    tokenizer = AutoTokenizer.from_pretrained(str(MODELS / "all-MiniLM-L6-v2"))
    points = [c for lo, hi in RANGES for c in range(lo, hi + 1)]
    texts = [" ".join("q" + chr(c) + "q" for c in points[i:i + CHUNK]) for i in range(0, len(points), CHUNK)]
    ids = tokenizer([t.strip() for t in texts], truncation=True, max_length=256)["input_ids"]
    fixture = {
        "generator": "tools/text/reference_wordpiece_codepoints.py",
        "versions": {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__},
        "ranges": [list(r) for r in RANGES],
        "chunk": CHUNK,
        "hash": "FNV-1a 32-bit over the ids as little-endian uint32",
        "hashes": [f"{fnv1a32(i):08x}" for i in ids],
    }
    OUT.write_text(json.dumps(fixture, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {len(texts)} chunk hashes to {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

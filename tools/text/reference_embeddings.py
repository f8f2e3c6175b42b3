#!/usr/bin/env python3
"""Reference token ids and sentence embeddings of all-MiniLM-L6-v2, for CLVText's encoder tests.

Writes Tests/CLVTextTests/Resources/minilm_reference.json: for each text, the token ids of Hugging Face's fast
BertTokenizer as sentence-transformers calls it (max_seq_length 256) and the sentence-transformers embedding
(Transformer -> mean pooling over real tokens -> L2 normalisation), rounded to 6 decimals.

Run (offline, from the project root), in a virtualenv outside the repo with the CPU torch from /opt/wheels:
    python -m venv ../venv-encoder
    ../venv-encoder/bin/pip install /opt/wheels/torch-*.whl sentence-transformers transformers
    HF_HUB_OFFLINE=1 ../venv-encoder/bin/python tools/text/reference_embeddings.py

The model folder is $CLV_MODELS/all-MiniLM-L6-v2 (default ~/.cache/clvkit/models), fetched by `make setup`;
the product titles come from ../shared/data/online-retail/online_retail.csv.
"""
import csv
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer, models

ROOT = Path(__file__).resolve().parents[2]
MODELS = Path(os.environ.get("CLV_MODELS") or Path(os.environ.get("CLV_CACHE") or
              Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clvkit") / "models")
MODEL_DIR = MODELS / "all-MiniLM-L6-v2"
RETAIL = ROOT.parent / "shared" / "data" / "online-retail" / "online_retail.csv"
OUT = ROOT / "Tests" / "CLVTextTests" / "Resources" / "minilm_reference.json"


def load_model() -> SentenceTransformer:
    """all-MiniLM-L6-v2 as sentence-transformers configures it (the wheel has no modules.json)."""
    transformer = models.Transformer(str(MODEL_DIR), max_seq_length=256)
    pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    return SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")


def product_titles(count: int) -> list[str]:
    """Every 400th distinct description in file order: deterministic, varied."""
    seen, titles = set(), []
    with open(RETAIL, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            d = (row["Description"] or "").strip()
            if d and d not in seen:
                seen.add(d)
                if len(seen) % 400 == 1:
                    titles.append(d)
    return titles[:count]


HANDWRITTEN = [
    # Reviews with accents, punctuation and mixed case.
    "Crème brûlée mugs arrived chipped... très déçu! Would NOT order again.",
    "Señora García's café order: 3× jalapeño jars, 2 piñatas — ¡excelente servicio!",
    "Die Größe passt nicht; Rückgabe über Straße 12 in Köln. Schöne Grüße!",
    "İstanbul'dan sipariş verdim, ürün çok güzel ama kargo geç geldi.",
    "ΟΔΥΣΣΕΥΣ loved the σκάφος; ΣΊΣΥΦΟΣ did not.",
    # Emoji, including a ZWJ sequence, skin tone and a variation selector.
    "Love it!!! 😍😍 5/5 ⭐️⭐️⭐️⭐️⭐️ would buy again 👍🏽",
    "Family pack 👨‍👩‍👧‍👦 arrived on time 🚚💨 #happy @shop",
    # CJK, Japanese kana, Korean Hangul, full-width forms.
    "这个杯子很漂亮，质量也很好，推荐购买！",
    "商品が届きました。とても可愛いです（＾ｖ＾）",
    "배송이 빨라서 좋아요 정말 만족합니다",
    "ＦＵＬＬ－ＷＩＤＴＨ ｔｅｘｔ ａｎｄ　ｉｄｅｏｇｒａｐｈｉｃ　ｓｐａｃｅｓ",
    # Numbers, prices, codes, URLs, e-mail-like strings.
    "Order #536365: 6 × £2.55 = £15.30 (VAT 20%) on 2010-12-01 08:26",
    "Call +44 (0)20 7946 0958 or visit https://example.com/returns?id=85123A&lang=en",
    "3.14159 2.71828 1e-12 0x1F 1,000,000 ½ ¾ ² ³",
    # Whitespace, control characters, special tokens written in the text, an over-long word.
    "  tabs\tand\nnewlines\r\nand   spaces\u00a0and\u2003em-spaces  ",
    "zero\u200bwidth\u200cjoiners\u200d and soft\u00adhyphen and \u0007bell",
    "What is [MASK] in [SEP] and [cls]?",
    "Supercalifragilisticexpialidocious" * 4,
    "unbelievably-long-hyphenated-product-name_with_underscores.and.dots",
    "",
    "Arabic: شكرا جزيلا على الخدمة الممتازة. Hindi: बहुत अच्छा उत्पाद है। Thai: สินค้าดีมาก",
    "Math ∑∫√∞ ≠ ≤ ≥ and arrows → ← ↑ plus symbols © ® ™ € ¥ $",
    # Characters whose Unicode category changed after Unicode 8, the version of the reference's tables.
    "edge q\u166dq q\u1734q q\u1885q q\ua9bdq q\U000111c9q q\U0001171eq q\u061dq q\U0001e944q q\U0001e95eq q\U0002b820q",
]

LONG_TEXT = (
    "I bought the regency teacup and saucer set as a birthday present for my grandmother, who collects vintage "
    "china. The parcel arrived two days later than promised, and the box was dented on one corner, but every "
    "piece inside was wrapped carefully in tissue paper and bubble wrap, so nothing was broken. The colours are "
    "softer than in the photographs: the pink is closer to a dusty rose and the gold rim is a little thinner. "
    "She loved it anyway, and we used the cups the same afternoon for tea and scones. After three weeks of daily "
    "use and hand washing there is no fading at all. My only complaints are the price, which went up by almost "
    "twenty percent between the day I added it to my basket and the day I checked out, and the customer service "
    "chat, which took forty minutes to answer a simple question about gift wrapping. Still, I would recommend "
    "this shop to friends who want something pretty and a bit old-fashioned, and I will probably order the "
    "matching cake stand and the lace napkins for Christmas. Four stars out of five; it would have been five if "
    "delivery had been on time and the packaging had been sturdier. Update after six months: still perfect, "
    "still in use every weekend, and my grandmother has asked for two more cups so that the whole family can "
    "sit down together. Update after a year: one saucer cracked when it fell off the table, which is my fault, "
    "and the shop sold me a single replacement at a fair price within a week."
)


def main() -> None:
    if not MODEL_DIR.is_dir():
        sys.exit(f"missing {MODEL_DIR}: run `make setup` first")
    torch.set_num_threads(2)
    model = load_model()
    texts = product_titles(12) + HANDWRITTEN + [LONG_TEXT]
    transformer = model[0]
    ids = []
    for text in texts:
        features = transformer.tokenize([text])
        mask = features["attention_mask"][0].bool()
        ids.append(features["input_ids"][0][mask].tolist())
    assert any(len(i) == 256 for i in ids), "the long text should be truncated at 256 tokens"
    embeddings = model.encode(texts, batch_size=8, convert_to_numpy=True, normalize_embeddings=False)
    fixture = {
        "model": "all-MiniLM-L6-v2",
        "generator": "tools/text/reference_embeddings.py",
        "versions": {
            "sentence-transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
        },
        "max_seq_length": 256,
        "decimals": 6,
        "texts": [
            {"text": t, "ids": i, "embedding": [round(float(x), 6) for x in e]}
            for t, i, e in zip(texts, ids, embeddings)
        ],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(texts)} texts to {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

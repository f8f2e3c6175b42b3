#!/usr/bin/env python3
"""PyTorch reference for `clv finetune`: all-MiniLM-L6-v2 + mean pooling + a linear softmax head on BANKING77.

Two modes, both on 2 threads (torch.set_num_threads(2)), CPU, float32:

  train       fine-tune on the whole training set with a fixed recipe, then print the test accuracy, the number of
              epochs, the wall time and the training throughput. One JSON line on stdout.
  throughput  time only the training steps (forward, backward, AdamW) of --steps batches of the training set (or of
              every row of --data FILE) in file order after --warmup untimed batches: the same model, batch size
              and sequence lengths `clv finetune` sees. One JSON line on stdout with examples/s and the peak
              resident memory.

Recipe (train): AdamW (torch defaults β = (0.9, 0.999), ε 1e-8) with weight decay 0.01 on the matrices and
embeddings (not on biases and LayerNorm, the usual BERT practice), one learning rate for the encoder and the
head, linear warm-up over the first 10% of the steps then linear decay to 0, batch 32, seeded shuffling every
epoch, dropout as in the model's config.json (0.1), texts truncated at 128 tokens and padded to the longest in their
batch, gradients clipped to global norm 1 (as `clv finetune` does), no early stopping, no validation split: the last epoch's model is tested.

    ~/.cache/clvkit/venv-finetune/bin/python bench/finetune/torch_train.py train [--epochs 5] [--learning-rate 1e-4]
    ~/.cache/clvkit/venv-finetune/bin/python bench/finetune/torch_train.py throughput [--steps 20]
"""
import argparse
import csv
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch
import transformers
from transformers import BertModel, BertTokenizerFast, get_linear_schedule_with_warmup

# The global gradient norm `clv finetune` clips to: both sides do the same work per step.
CLIP_NORM = 1.0

ROOT = Path(__file__).resolve().parents[2]
MODELS = Path(os.environ.get("CLV_MODELS") or Path(os.environ.get("CLV_CACHE") or
              Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clvkit") / "models")
MODEL_DIR = MODELS / "all-MiniLM-L6-v2"
BANKING77 = Path(os.environ.get("BANKING77") or ROOT.parent / "shared" / "data" / "banking77")


def read(path: Path) -> tuple[list[str], list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["category"] if "category" in r else r["label"] for r in rows]


class Classifier(torch.nn.Module):
    """MiniLM -> mean pooling over real tokens -> linear head (sentence-transformers' pooling, no normalisation)."""

    def __init__(self, classes: int):
        super().__init__()
        self.bert = BertModel.from_pretrained(str(MODEL_DIR), add_pooling_layer=False)
        self.head = torch.nn.Linear(self.bert.config.hidden_size, classes)

    def forward(self, ids, mask):
        states = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(states.dtype)
        return self.head((states * weights).sum(1) / weights.sum(1))


def batches(tokenizer, texts, labels, order, batch_size, max_length):
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        encoded = tokenizer([texts[i] for i in chosen], padding=True, truncation=True, max_length=max_length,
                            return_tensors="pt")
        yield encoded["input_ids"], encoded["attention_mask"], torch.tensor([labels[i] for i in chosen])


def optimizer_for(model, learning_rate, weight_decay):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=learning_rate)


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def accuracy(model, tokenizer, texts, labels, arguments) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for ids, mask, target in batches(tokenizer, texts, labels, list(range(len(texts))), 128, arguments.max_length):
            correct += (model(ids, mask).argmax(-1) == target).sum().item()
    model.train()
    return correct / len(texts)


def train(arguments) -> dict:
    texts, names = read(BANKING77 / "train.csv")
    test_texts, test_names = read(BANKING77 / "test.csv")
    categories = sorted(set(names))
    index = {c: i for i, c in enumerate(categories)}
    labels = [index[n] for n in names]
    test_labels = [index[n] for n in test_names]
    tokenizer = BertTokenizerFast.from_pretrained(str(MODEL_DIR))
    model = Classifier(len(categories))
    optimizer = optimizer_for(model, arguments.learning_rate, arguments.weight_decay)
    steps_per_epoch = (len(texts) + arguments.batch_size - 1) // arguments.batch_size
    total = steps_per_epoch * arguments.epochs
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * total), total)
    rng = random.Random(arguments.seed)
    started = time.perf_counter()
    training_seconds = 0.0
    for epoch in range(arguments.epochs):
        model.train()
        order = list(range(len(texts)))
        rng.shuffle(order)
        epoch_start, loss_sum = time.perf_counter(), 0.0
        for ids, mask, target in batches(tokenizer, texts, labels, order, arguments.batch_size, arguments.max_length):
            loss = torch.nn.functional.cross_entropy(model(ids, mask), target)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
            optimizer.step()
            schedule.step()
            loss_sum += loss.item() * len(target)
        seconds = time.perf_counter() - epoch_start
        training_seconds += seconds
        print(f"epoch {epoch + 1}: training loss {loss_sum / len(texts):.4f}, {seconds:.0f} s, "
              f"{len(texts) / seconds:.1f} examples/s", file=sys.stderr, flush=True)
        if arguments.report_each_epoch and epoch + 1 < arguments.epochs:
            # Reported only (the recipe never selects on it): shows where a run that is stopped early had got to.
            print(f"epoch {epoch + 1}: test accuracy {accuracy(model, tokenizer, test_texts, test_labels, arguments):.4f}",
                  file=sys.stderr, flush=True)
    return {
        "mode": "train", "model": "all-MiniLM-L6-v2", "data": "banking77",
        "accuracy": accuracy(model, tokenizer, test_texts, test_labels, arguments),
        "test_examples": len(test_texts), "training_examples": len(texts), "epochs": arguments.epochs,
        "learning_rate": arguments.learning_rate, "batch_size": arguments.batch_size, "seed": arguments.seed,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "training_examples_per_second": round(arguments.epochs * len(texts) / training_seconds, 2),
        "peak_memory_mb": round(peak_memory_mb(), 1), "threads": torch.get_num_threads(),
        "torch": torch.__version__, "transformers": transformers.__version__,
    }


def throughput(arguments) -> dict:
    texts, names = read(Path(arguments.data) if arguments.data else BANKING77 / "train.csv")
    categories = sorted(set(read(BANKING77 / "train.csv")[1]) | set(names))
    index = {c: i for i, c in enumerate(categories)}
    labels = [index[n] for n in names]
    tokenizer = BertTokenizerFast.from_pretrained(str(MODEL_DIR))
    model = Classifier(len(categories))
    model.train()
    optimizer = optimizer_for(model, arguments.learning_rate, arguments.weight_decay)
    # File order: the first warm-up + steps batches (with --data: every row, warm-up included), the same ones
    # in every run.
    if arguments.data:
        arguments.steps = (len(texts) + arguments.batch_size - 1) // arguments.batch_size - arguments.warmup
    order = list(range(min(len(texts), (arguments.warmup + arguments.steps) * arguments.batch_size)))
    prepared = list(batches(tokenizer, texts, labels, order, arguments.batch_size, arguments.max_length))
    tokens = 0
    for step, (ids, mask, target) in enumerate(prepared):
        if step == arguments.warmup:
            started = time.perf_counter()
        if step >= arguments.warmup:
            tokens += int(mask.sum())
        loss = torch.nn.functional.cross_entropy(model(ids, mask), target)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
        optimizer.step()
    seconds = time.perf_counter() - started
    examples = len(order) - arguments.warmup * arguments.batch_size
    return {
        "mode": "throughput", "model": "all-MiniLM-L6-v2", "steps": arguments.steps, "batch_size": arguments.batch_size,
        "examples": examples, "tokens": tokens, "seconds": round(seconds, 3),
        "examples_per_second": round(examples / seconds, 2), "peak_memory_mb": round(peak_memory_mb(), 1),
        "threads": torch.get_num_threads(), "torch": torch.__version__,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["train", "throughput"])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report-each-epoch", action="store_true", help="train: print test accuracy after each epoch")
    parser.add_argument("--steps", type=int, default=20, help="throughput: timed steps")
    parser.add_argument("--data", help="throughput: a text,category CSV to step through in file order (every row)")
    parser.add_argument("--warmup", type=int, default=2, help="throughput: untimed steps first")
    arguments = parser.parse_args()
    if not (MODEL_DIR / "model.safetensors").exists():
        print(f"missing {MODEL_DIR}: run `make setup` first", file=sys.stderr)
        return 1
    if not (BANKING77 / "train.csv").exists():
        print(f"missing {BANKING77}/train.csv: set BANKING77 to the folder with train.csv and test.csv", file=sys.stderr)
        return 1
    torch.set_num_threads(2)
    torch.manual_seed(arguments.seed)
    result = train(arguments) if arguments.mode == "train" else throughput(arguments)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""One fine-tuning step of all-MiniLM-L6-v2 in PyTorch, to check a Swift-written gradient file against.

The full MiniLM gradients (22.7M floats) are too big to commit, so this script recomputes them. Two commands:

    minilm_step.py prepare
        Writes Tests/CLVTextTests/Resources/finetune/minilm/: batch.json (8 BANKING77 training texts, their token
        ids, labels, the recipe, the reference loss and per-tensor gradient and update norms) and head.safetensors
        (the initial 77-class softmax head). Run once; the files are committed.

    minilm_step.py check --gradients G.safetensors [--after W.safetensors] [--tolerance 1e-3]
        Recomputes the step in float64 and prints, per tensor, the relative error ‖swift − torch‖₂ / ‖torch‖₂ of the
        gradients (and of the updates W − W₀ after 20 AdamW steps, when --after is given). Exits 1 when a tensor is
        missing or above the tolerance.

Tensor names are BertModel's (query/key/value separate; an optional `bert.` prefix is accepted) plus `head.weight`
[77, 384] and `head.bias` [77]. The recipe is the tiny-BERT fixture's (see its README): mean pooling over real
tokens without L2 normalisation, a linear head, mean cross-entropy over the batch, dropout 0, AdamW lr 1e-3,
betas 0.9/0.999, eps 1e-8, weight decay 0.01 on every tensor, no schedule, no clipping, 20 steps on the same batch.

Use tools/finetune/check_minilm_step.sh, which finds the virtualenv, rather than calling this directly.
"""
import argparse
import csv
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import BertModel, BertTokenizerFast

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "Tests" / "CLVTextTests" / "Resources" / "finetune" / "minilm"
MODELS = Path(os.environ.get("CLV_MODELS") or Path(os.environ.get("CLV_CACHE") or
              Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clvkit") / "models")
MODEL_DIR = MODELS / "all-MiniLM-L6-v2"
BANKING77 = Path(os.environ.get("BANKING77") or ROOT.parent / "shared" / "data" / "banking77")

SEED = 18
STEPS = 20
BATCH_ROWS = [0, 1250, 2500, 3750, 5000, 6250, 7500, 8750]  # rows of train.csv: 8 intents, varied lengths
ADAMW = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01}


def load_batch() -> tuple[list[str], list[int]]:
    categories = json.loads((BANKING77 / "categories.json").read_text())
    with open(BANKING77 / "train.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    chosen = [rows[i] for i in BATCH_ROWS]
    return [r["text"] for r in chosen], [categories.index(r["category"]) for r in chosen]


class Step(torch.nn.Module):
    def __init__(self, head: dict[str, torch.Tensor]):
        super().__init__()
        self.bert = BertModel.from_pretrained(
            str(MODEL_DIR), add_pooling_layer=False, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
            attn_implementation="eager")
        self.head = torch.nn.Linear(head["head.weight"].shape[1], head["head.weight"].shape[0])
        with torch.no_grad():
            self.head.weight.copy_(head["head.weight"])
            self.head.bias.copy_(head["head.bias"])

    def forward(self, ids, mask):
        states = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(states.dtype)
        return self.head((states * weights).sum(1) / weights.sum(1))


def tensors(model: Step, gradients: bool) -> dict[str, torch.Tensor]:
    out = {}
    for name, p in model.named_parameters():
        value = p.grad if gradients else p
        if value is not None:
            out[name.removeprefix("bert.")] = value.detach().clone()
    return out


def reference(texts, labels, head, steps=STEPS):
    """(encoded batch, gradients at W₀, W₀, W after `steps` AdamW steps, losses), in float64."""
    tokenizer = BertTokenizerFast.from_pretrained(str(MODEL_DIR))
    encoded = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    model = Step(head).double()
    model.train()  # dropout is 0
    target = torch.tensor(labels)
    ids, mask = encoded["input_ids"], encoded["attention_mask"]
    initial = tensors(model, gradients=False)
    optimizer = torch.optim.AdamW(model.parameters(), **ADAMW)
    losses, gradients = [], None
    for step in range(max(steps, 1)):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(ids, mask), target)
        loss.backward()
        losses.append(loss.item())
        if step == 0:
            gradients = tensors(model, gradients=True)
        if steps > 0:
            optimizer.step()
    with torch.no_grad():
        losses.append(torch.nn.functional.cross_entropy(model(ids, mask), target).item())
    return encoded, gradients, initial, tensors(model, gradients=False), losses


def prepare() -> None:
    torch.set_num_threads(2)
    texts, labels = load_batch()
    generator = torch.Generator().manual_seed(SEED)
    head = {"head.weight": 0.05 * torch.randn((77, 384), generator=generator),
            "head.bias": 0.01 * torch.randn((77,), generator=generator)}
    encoded, gradients, initial, after, losses = reference(texts, labels, {k: v.double() for k, v in head.items()})
    FIXTURE.mkdir(parents=True, exist_ok=True)
    save_file(head, FIXTURE / "head.safetensors")
    mask = encoded["attention_mask"]
    summary = {
        "generator": "tools/finetune/minilm_step.py prepare",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "model": "all-MiniLM-L6-v2",
        "banking77_train_rows": BATCH_ROWS,
        "texts": texts,
        "labels": labels,
        "token_ids": [row[: int(m.sum())].tolist() for row, m in zip(encoded["input_ids"], mask)],
        "adamw": {"learning_rate": ADAMW["lr"], "beta1": ADAMW["betas"][0], "beta2": ADAMW["betas"][1],
                  "epsilon": ADAMW["eps"], "weight_decay": ADAMW["weight_decay"], "steps": STEPS},
        "loss": losses[0],
        "losses_before_each_step_and_after_the_last": losses,
        "gradient_norms": {k: v.norm().item() for k, v in sorted(gradients.items())},
        "update_norms": {k: (after[k] - initial[k]).norm().item() for k in sorted(after)},
    }
    with open(FIXTURE / "batch.json", "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print(f"loss {losses[0]:.6f} -> {losses[-1]:.6f} after {STEPS} steps; wrote {FIXTURE.relative_to(ROOT)}",
          file=sys.stderr)


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    denominator = b.norm().item()
    difference = (a.double() - b.double()).norm().item()
    return difference / denominator if denominator > 0 else difference


def compare(title: str, swift: dict[str, torch.Tensor], torch_values: dict[str, torch.Tensor], tolerance: float) -> bool:
    swift = {k.removeprefix("bert."): v for k, v in swift.items()}
    print(f"{title}: relative error ‖swift − torch‖₂ / ‖torch‖₂ per tensor (tolerance {tolerance:g})")
    ok, worst = True, 0.0
    for name in sorted(torch_values):
        reference_value = torch_values[name]
        if name not in swift:
            print(f"  MISSING  {name}")
            ok = False
            continue
        if tuple(swift[name].shape) != tuple(reference_value.shape):
            print(f"  SHAPE    {name}: {list(swift[name].shape)}, expected {list(reference_value.shape)}")
            ok = False
            continue
        if name.endswith("attention.self.key.bias"):
            # Exactly 0 in exact arithmetic (softmax ignores the q·b it adds to every score of a query): check the
            # Swift value is rounding noise next to the query bias of the same layer instead.
            sibling = torch_values.get(name.replace(".key.", ".query."))
            if sibling is None:  # updates: Adam turns the noise into full-size steps that change no output
                print(f"  skip  {'':9}  {name} (its gradient is 0; its update is rounding noise)")
                continue
            size = swift[name].double().norm().item() / max(sibling.norm().item(), 1e-30)
            flag = "ok  " if size <= tolerance else "FAIL"
            ok = ok and size <= tolerance
            print(f"  {flag}  {size:.3e}  {name} (exactly 0: ‖swift‖ / ‖query.bias gradient‖)")
            continue
        error = relative_error(swift[name], reference_value)
        worst = max(worst, error)
        flag = "ok  " if error <= tolerance else "FAIL"
        ok = ok and error <= tolerance
        print(f"  {flag}  {error:.3e}  {name} {list(reference_value.shape)}")
    extra = sorted(set(swift) - set(torch_values))
    if extra:
        print(f"  (ignored {len(extra)} tensors torch has no gradient for: {', '.join(extra[:4])}{' …' if len(extra) > 4 else ''})")
    print(f"{title}: worst {worst:.3e} over {len(torch_values)} tensors: {'PASS' if ok else 'FAIL'}")
    return ok


def check(arguments) -> int:
    torch.set_num_threads(2)
    batch = json.loads((FIXTURE / "batch.json").read_text())
    head = {k: v.double() for k, v in load_file(FIXTURE / "head.safetensors").items()}
    # The 20 steps only when their result is compared (they take minutes in float64 on 2 cores).
    encoded, gradients, initial, after, losses = reference(batch["texts"], batch["labels"], head, STEPS if arguments.after else 0)
    ids = [row[: int(m.sum())].tolist() for row, m in zip(encoded["input_ids"], encoded["attention_mask"])]
    if ids != batch["token_ids"]:
        print("the tokenizer no longer gives the fixture's token ids: re-run `minilm_step.py prepare`", file=sys.stderr)
        return 1
    print(f"torch loss {losses[0]:.8f} (fixture {batch['loss']:.8f})")
    ok = compare("gradients", load_file(arguments.gradients), gradients, arguments.tolerance)
    if arguments.after:
        swift_after = {k.removeprefix("bert."): v for k, v in load_file(arguments.after).items()}
        updates = {k: swift_after[k].double() - initial[k] for k in initial if k in swift_after}
        ok = compare("updates after 20 AdamW steps", updates, {k: after[k] - initial[k] for k in after},
                     arguments.tolerance) and ok
        missing = sorted(set(initial) - set(swift_after))
        if missing:
            print(f"missing from {arguments.after}: {', '.join(missing)}")
            ok = False
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare", help="write the committed fixture")
    checking = commands.add_parser("check", help="compare a Swift-written gradient file against PyTorch")
    checking.add_argument("--gradients", required=True, help="safetensors: d loss / d parameter, every tensor")
    checking.add_argument("--after", help="safetensors: every parameter after 20 AdamW steps")
    checking.add_argument("--tolerance", type=float, default=1e-3)
    arguments = parser.parse_args()
    if not (MODEL_DIR / "model.safetensors").exists():
        print(f"missing {MODEL_DIR}: run `make setup` first", file=sys.stderr)
        return 1
    if arguments.command == "prepare":
        prepare()
        return 0
    return check(arguments)


if __name__ == "__main__":
    sys.exit(main())

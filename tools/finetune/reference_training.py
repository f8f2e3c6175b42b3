#!/usr/bin/env python3
"""PyTorch reference for CLVText's fine-tuning: a tiny BERT, one fixed batch, gradients and 20 AdamW steps.

Writes Tests/CLVTextTests/Resources/finetune/ (see the README.md written there for the exact recipe):

    tiny-bert/config.json, tiny-bert/model.safetensors, tiny-bert/vocab.txt    the initial encoder (F32)
    batch.json                                                                  the batch, the recipe, the losses
    classification/head.safetensors           initial softmax head (3 classes)
    classification/gradients.safetensors      d loss / d parameter, every encoder tensor and the head
    classification/after_20_steps.safetensors every parameter after 20 AdamW steps on the batch
    regression/...                            the same for a 1-output regression head and the MSE loss

Every reference number is computed in float64 from the F32 initial weights (so it is the exact value up to
float64 rounding) and stored as F32. The same computation in float32 is also run and its distance from the float64
result is recorded in batch.json ("float32_torch_relative_error"): the noise floor a float32 implementation can
expect.

Run from the project root (offline) in a virtualenv outside the repo with the CPU torch from /opt/wheels:
    python3 -m venv ~/.cache/clvkit/venv-finetune
    ~/.cache/clvkit/venv-finetune/bin/pip install /opt/wheels/torch-*.whl transformers sentence-transformers
    ~/.cache/clvkit/venv-finetune/bin/python tools/finetune/reference_training.py
"""
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch
import transformers
from safetensors.torch import save_file
from transformers import BertConfig, BertModel

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "CLVTextTests" / "Resources" / "finetune"

SEED = 18
STEPS = 20
ADAMW = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01}

# 5 special tokens then 45 words: a real WordPiece vocabulary, so the tiny model is a complete model directory.
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = (
    "the a my card order refund is not working where when how do i get new pin top up failed transfer money "
    "account cash atm fee charged why was declined payment pending exchange rate lost stolen phone app verify "
    "identity delivery arrive still waiting help"
).split()
VOCABULARY = SPECIALS + WORDS
assert len(VOCABULARY) == 50 and len(set(VOCABULARY)) == 50

# Lengths 7, 16 (every position), 3 and 10 tokens with [CLS] and [SEP]: unsorted, so a length-bucketing
# implementation must put each result back in its row.
TEXTS = [
    "my card is not working",
    "why was my card payment declined when i do not get a new pin",
    "help",
    "where is my new card delivery still waiting",
]
CLASS_LABELS = [0, 2, 1, 2]
REGRESSION_TARGETS = [0.5, -1.25, 2.0, 0.25]

CONFIG = {
    "architectures": ["BertModel"],
    "model_type": "bert",
    "vocab_size": 50,
    "hidden_size": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 32,
    "max_position_embeddings": 16,
    "type_vocab_size": 2,
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-12,
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "initializer_range": 0.02,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
}


def token_ids(text: str) -> list[int]:
    index = {t: i for i, t in enumerate(VOCABULARY)}
    return [index["[CLS]"]] + [index[w] for w in text.split()] + [index["[SEP]"]]


def padded_batch() -> tuple[torch.Tensor, torch.Tensor]:
    ids = [token_ids(t) for t in TEXTS]
    width = max(len(i) for i in ids)
    assert width == CONFIG["max_position_embeddings"]
    input_ids = torch.tensor([i + [0] * (width - len(i)) for i in ids])
    mask = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i in ids])
    return input_ids, mask


def initial_parameters() -> tuple[dict[str, torch.Tensor], dict[str, dict[str, torch.Tensor]]]:
    """Seeded draws for every tensor (F32): N(0, 0.25²), LayerNorm γ = 1 + N(0, 0.1²); heads N(0, 0.5²), N(0, 0.1²).

    BERT's own initialisation (biases 0, γ 1, std 0.02) would leave half the tensors at trivial values, where a
    wrong gradient formula can still give the right numbers.
    """
    model = BertModel(BertConfig(**CONFIG), add_pooling_layer=False)
    generator = torch.Generator().manual_seed(SEED)
    encoder = {}
    for name, p in model.named_parameters():
        draw = torch.randn(p.shape, generator=generator, dtype=torch.float32)
        encoder[name] = 1 + 0.1 * draw if name.endswith("LayerNorm.weight") else 0.25 * draw
    heads = {}
    for task, outputs in (("classification", 3), ("regression", 1)):
        heads[task] = {
            "head.weight": 0.5 * torch.randn((outputs, CONFIG["hidden_size"]), generator=generator),
            "head.bias": 0.1 * torch.randn((outputs,), generator=generator),
        }
    return encoder, heads


class Classifier(torch.nn.Module):
    """BERT -> mean pooling over real tokens (no L2 normalisation) -> linear head."""

    def __init__(self, outputs: int):
        super().__init__()
        self.bert = BertModel(BertConfig(**CONFIG, attn_implementation="eager"), add_pooling_layer=False)
        self.head = torch.nn.Linear(CONFIG["hidden_size"], outputs)

    def forward(self, input_ids, mask):
        states = self.bert(input_ids=input_ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * weights).sum(1) / weights.sum(1)
        return states, pooled, self.head(pooled)


def loss_of(task: str, outputs: torch.Tensor) -> torch.Tensor:
    if task == "classification":
        return torch.nn.functional.cross_entropy(outputs, torch.tensor(CLASS_LABELS))  # mean over the batch
    targets = torch.tensor(REGRESSION_TARGETS, dtype=outputs.dtype)
    return torch.nn.functional.mse_loss(outputs.squeeze(-1), targets)  # mean over the batch


def build(task: str, encoder, head, dtype) -> Classifier:
    model = Classifier(3 if task == "classification" else 1)
    state = {"bert." + k: v for k, v in encoder.items()} | {k: v for k, v in head.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    # BertModel registers position_ids / token_type_ids as non-persistent buffers: nothing else may be missing.
    assert not unexpected and not [m for m in missing if "position_ids" not in m and "token_type_ids" not in m], (missing, unexpected)
    return model.to(dtype)


def named(model: Classifier, tensors) -> dict[str, torch.Tensor]:
    """Parameter name (BertModel's, no `bert.` prefix; `head.*`) -> tensor, contiguous F32."""
    return {n.removeprefix("bert."): t.detach().to(torch.float32).contiguous() for n, t in tensors}


def run(task: str, encoder, head, dtype):
    """Gradients at the initial weights, then 20 AdamW steps on the same batch; float `dtype` throughout."""
    torch.manual_seed(SEED)
    model = build(task, encoder, head, dtype)
    model.train()  # dropout is 0, so train and eval mode compute the same
    input_ids, mask = padded_batch()
    states, pooled, outputs = model(input_ids, mask)
    loss = loss_of(task, outputs)
    loss.backward()
    gradients = named(model, ((n, p.grad) for n, p in model.named_parameters()))
    forward = {"last_hidden_state": states.detach().to(torch.float32), "pooled": pooled.detach().to(torch.float32),
               "outputs": outputs.detach().to(torch.float32)}
    optimizer = torch.optim.AdamW(model.parameters(), **ADAMW)  # one group: decay on every tensor
    losses = [loss.item()]
    optimizer.step()
    for _ in range(STEPS - 1):
        optimizer.zero_grad()
        loss = loss_of(task, model(input_ids, mask)[2])
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        losses.append(loss_of(task, model(input_ids, mask)[2]).item())
    after = named(model, model.named_parameters())
    return forward, gradients, after, losses


def is_key_bias(name: str) -> bool:
    """The attention key bias adds q·b to every score of a query, which softmax ignores: its gradient is exactly 0."""
    return name.endswith("attention.self.key.bias")


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """‖a − b‖₂ / ‖b‖₂ (0 when both are zero)."""
    a, b = a.double(), b.double()
    denominator = b.norm().item()
    return (a - b).norm().item() / denominator if denominator > 0 else (a - b).norm().item()


def main() -> None:
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    encoder, heads = initial_parameters()
    model_dir = OUT / "tiny-bert"
    model_dir.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in encoder.items()}, model_dir / "model.safetensors", metadata={"format": "pt"})
    (model_dir / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    (model_dir / "vocab.txt").write_text("\n".join(VOCABULARY) + "\n")

    input_ids, mask = padded_batch()
    summary = {
        "generator": "tools/finetune/reference_training.py",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "texts": TEXTS,
        "input_ids": input_ids.tolist(),
        "attention_mask": mask.tolist(),
        "lengths": mask.sum(1).tolist(),
        "classification_labels": CLASS_LABELS,
        "regression_targets": REGRESSION_TARGETS,
        "adamw": {"learning_rate": ADAMW["lr"], "beta1": ADAMW["betas"][0], "beta2": ADAMW["betas"][1],
                  "epsilon": ADAMW["eps"], "weight_decay": ADAMW["weight_decay"], "steps": STEPS},
        "tasks": {},
    }
    for task, head in heads.items():
        forward, gradients, after, losses = run(task, encoder, head, torch.float64)
        _, gradients32, after32, _ = run(task, encoder, head, torch.float32)
        before = {k: v for k, v in encoder.items()} | head
        directory = OUT / task
        directory.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in head.items()}, directory / "head.safetensors")
        save_file(gradients, directory / "gradients.safetensors")
        save_file(after, directory / "after_20_steps.safetensors")
        save_file({k: v.contiguous() for k, v in forward.items()}, directory / "forward.safetensors")
        summary["tasks"][task] = {
            "loss": losses[0],
            "losses_before_each_step_and_after_the_last": losses,
            "outputs": forward["outputs"].tolist(),
            # The key biases are left out: their exact gradient is zero (see KEY_BIAS), so a relative error of
            # them compares rounding noise with rounding noise.
            "float32_torch_relative_error": {
                "gradient_max_over_tensors": max(
                    relative_error(gradients32[k], gradients[k]) for k in gradients if not is_key_bias(k)),
                "update_max_over_tensors": max(
                    relative_error(after32[k] - before[k], after[k] - before[k]) for k in after if not is_key_bias(k)),
                "key_bias_gradient_max_abs": max(gradients32[k].abs().max().item() for k in gradients if is_key_bias(k)),
            },
            "gradient_norms": {k: v.double().norm().item() for k, v in sorted(gradients.items())},
        }
        print(f"{task}: loss {losses[0]:.6f} -> {losses[-1]:.6f} after {STEPS} steps; float32 torch vs float64: "
              f"gradients {summary['tasks'][task]['float32_torch_relative_error']['gradient_max_over_tensors']:.2e}, "
              f"updates {summary['tasks'][task]['float32_torch_relative_error']['update_max_over_tensors']:.2e}",
              file=sys.stderr)
    with open(OUT / "batch.json", "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

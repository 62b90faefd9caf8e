"""Record ``trainer_state_cosine.json`` from a real transformers Trainer run (run by hand, not by the suite).

    /tmp/libvenv/bin/python tests/data/make_trainer_state.py      # transformers 5.23.0, torch 2.13.0

A tiny model (one ``torch.nn.Linear``) learns ``y = 3x - 1`` from 48 synthetic examples made here (no
downloads), for 40 optimizer updates: batch 4, gradient accumulation 2 (so 6 updates per epoch), the
``cosine`` scheduler with 5 warmup updates, peak LR 1e-3, and a log entry after every update
(``logging_steps=1``). ``trainer.save_state()`` then writes ``trainer_state.json``, as the
transformers example scripts do after training (a checkpoint holds the same file, without the final
``train_runtime`` entry); it is copied here byte for byte. ``trainer_state_cosine.yaml`` is the
warmupctl spec of the same schedule.

In this run (transformers >= 4.51, PR #36973) the Trainer reads the LR after ``optimizer.step()`` and
before ``lr_scheduler.step()``, then increments ``global_step``: the entry with ``"step": s`` holds
the LR of update ``s - 1`` (0-based). ``tests/cli/test_actual.py`` checks that warmupctl finds that
alignment and that every logged float equals warmupctl's value at its update exactly.
"""

import json
import os
import shutil
import sys
import tempfile

import torch
import transformers
from torch import nn
from transformers import Trainer, TrainingArguments

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "trainer_state_cosine.json")
#: Must match trainer_state_cosine.yaml.
LR, WARMUP, MAX_STEPS = 1e-3, 5, 40


class Line(nn.Module):
    """``y = a·x + b``, returning the loss the way a transformers model does (a dict with ``loss``)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        prediction = self.linear(x)
        out = {"logits": prediction}
        if labels is not None:
            out["loss"] = nn.functional.mse_loss(prediction, labels)
        return out


def examples(count: int = 48) -> list[dict[str, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(count, 1, generator=generator) * 2 - 1
    y = 3 * x - 1 + 0.01 * torch.randn(count, 1, generator=generator)
    return [{"x": x[i], "labels": y[i]} for i in range(count)]


def main() -> None:
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        args = TrainingArguments(
            output_dir=folder, max_steps=MAX_STEPS, learning_rate=LR, lr_scheduler_type="cosine",
            warmup_steps=WARMUP, per_device_train_batch_size=4, gradient_accumulation_steps=2,
            logging_steps=1, save_strategy="no", report_to="none",
            use_cpu=True, seed=0, disable_tqdm=True,
        )
        trainer = Trainer(model=Line(), args=args, train_dataset=examples())
        trainer.train()
        trainer.save_state()
        saved = os.path.join(folder, "trainer_state.json")
        with open(saved, encoding="utf-8") as handle:
            state = json.load(handle)
        shutil.copyfile(saved, OUT)
    logged = [e for e in state["log_history"] if "learning_rate" in e]
    print(f"transformers {transformers.__version__}, torch {torch.__version__}: {len(logged)} logged LRs "
          f"-> {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Record real training logs with the causes ``warmupctl explain`` finds (run by hand, not by the suite).

    PYTHONPATH=. /tmp/libvenv/bin/python tests/data/logs/make_transformers_runs.py
    # transformers 5.23.0, accelerate 1.16.0, torch 2.13.0, CPU

A tiny model (one ``torch.nn.Linear``) learns ``y = 3x - 1`` from synthetic examples made here (no
downloads). Each run writes one log next to this script; the spec it follows is ``<name>.yaml``:

* ``skipped_trainer_state.json`` — transformers' Trainer, ``linear`` schedule, 20 warmup updates of
  200, peak 1e-3, logging every update. A real ``torch.amp.GradScaler`` (CPU) is given to the
  accelerate optimizer, as ``fp16=True`` does on a GPU, and an infinite gradient is planted before
  updates 0, 1, 2, 57 and 130 (what an fp16 overflow is): the scaler skips those optimizer steps,
  accelerate reports ``step_was_skipped``, and the Trainer does not step the scheduler
  (``trainer.py``: ``if not self.accelerator.optimizer_step_was_skipped: self.lr_scheduler.step()``).
  (``optim="adamw_torch"``: the fused AdamW, the default, takes the scaler into its own step and
  accelerate then never sees a skip.)
* ``microbatch_trainer_state.json`` — the Trainer with ``gradient_accumulation_steps=4`` and a
  callback that also steps the scheduler after every micro-batch that is not an update
  (``on_substep_end``), as loops do that call ``scheduler.step()`` per batch: cosine, 10 warmup
  steps, 300 scheduler steps, 120 updates logged every 5 updates.
* ``accelerate_4proc.csv`` — a plain accelerate loop (``Accelerator.prepare`` wraps the scheduler
  in ``AcceleratedScheduler``) whose ``AcceleratorState().num_processes`` reads 4, what a 4-GPU launch
  reports: the scheduler is stepped 4 times per update (``split_batches=False``). Linear, 100 warmup
  steps, 400 in all; the loop logs ``step,lr`` after each update with the LR that update used.
* ``resume_trainer_state.json`` — the Trainer run for 60 updates (checkpoint at 30), then resumed from
  ``checkpoint-30`` with ``max_steps=90``: the scheduler is rebuilt for 90 updates and its state
  restored (cosine, 6 warmup updates, logged every 3 updates).
"""

import csv
import os
import shutil
import sys
import tempfile
import types

import accelerate
import torch
import transformers
from accelerate.optimizer import patch_optimizer_step
from torch import nn
from transformers import Trainer, TrainerCallback, TrainingArguments, get_scheduler

HERE = os.path.dirname(os.path.abspath(__file__))


class Line(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        prediction = self.linear(x)
        out = {"logits": prediction}
        if labels is not None:
            out["loss"] = nn.functional.mse_loss(prediction, labels)
        return out


def examples(count: int = 64) -> list[dict[str, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(count, 1, generator=generator) * 2 - 1
    y = 3 * x - 1 + 0.01 * torch.randn(count, 1, generator=generator)
    return [{"x": x[i], "labels": y[i]} for i in range(count)]


def args(folder: str, **kwargs) -> TrainingArguments:
    base = dict(output_dir=folder, per_device_train_batch_size=4, save_strategy="no", report_to="none",
                use_cpu=True, seed=0, disable_tqdm=True, logging_steps=1)
    base.update(kwargs)
    return TrainingArguments(**base)


def keep(folder: str, name: str) -> None:
    shutil.copyfile(os.path.join(folder, "trainer_state.json"), os.path.join(HERE, name))
    print(f"wrote {name}", file=sys.stderr)


class Overflow(TrainerCallback):
    """A real GradScaler on the accelerate optimizer, and an infinite gradient before chosen updates."""

    def __init__(self, updates: set[int]) -> None:
        self.updates = updates

    def on_train_begin(self, args, state, control, optimizer=None, **kwargs):
        optimizer.scaler = torch.amp.GradScaler("cpu", init_scale=2.0**16)
        optimizer.scaler.scale(torch.ones(()))  # its first scale() sets it up, as the loss's would
        optimizer._accelerate_step_called = False
        optimizer._optimizer_original_step_method = optimizer.optimizer.step
        optimizer._optimizer_patched_step_method = patch_optimizer_step(optimizer, optimizer.optimizer.step)

    def on_pre_optimizer_step(self, args, state, control, model=None, **kwargs):
        if state.global_step in self.updates:
            model.linear.weight.grad.fill_(float("inf"))


def skipped() -> None:
    with tempfile.TemporaryDirectory() as folder:
        trainer = Trainer(model=Line(), args=args(folder, max_steps=200, learning_rate=1e-3,
                                                  lr_scheduler_type="linear", warmup_steps=20,
                                                  max_grad_norm=0.0, optim="adamw_torch"),
                          train_dataset=examples(), callbacks=[Overflow({0, 1, 2, 57, 130})])
        trainer.train()
        trainer.save_state()
        keep(folder, "skipped_trainer_state.json")


class StepPerMicroBatch(TrainerCallback):
    def on_substep_end(self, args, state, control, lr_scheduler=None, **kwargs):
        lr_scheduler.step()


def microbatch() -> None:
    with tempfile.TemporaryDirectory() as folder:
        trainer = Trainer(model=Line(), args=args(folder, max_steps=120, learning_rate=1e-3,
                                                  lr_scheduler_type="cosine", warmup_steps=10,
                                                  gradient_accumulation_steps=4, logging_steps=5),
                          train_dataset=examples(), callbacks=[StepPerMicroBatch()])
        # The scheduler is built for 300 steps: what the loop's author meant as updates.
        trainer.create_optimizer()
        trainer.lr_scheduler = get_scheduler("cosine", trainer.optimizer, num_warmup_steps=10,
                                             num_training_steps=300)
        trainer.train()
        trainer.save_state()
        keep(folder, "microbatch_trainer_state.json")


def accelerate_processes() -> None:
    torch.manual_seed(0)
    accelerator = accelerate.Accelerator(cpu=True)
    model = Line()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    scheduler = transformers.get_linear_schedule_with_warmup(optimizer, 100, 400)
    data = examples(400)
    loader = torch.utils.data.DataLoader(data, batch_size=4)
    model, optimizer, loader, scheduler = accelerator.prepare(model, optimizer, loader, scheduler)
    # What AcceleratedScheduler.step reads on a 4-process launch (the data is not sharded here).
    accelerate.scheduler.AcceleratorState = lambda: types.SimpleNamespace(num_processes=4)
    rows = []
    for update, batch in enumerate(loader):
        if update >= 100:
            break
        loss = model(**batch)["loss"]
        accelerator.backward(loss)
        used = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        rows.append((update, used))
    with open(os.path.join(HERE, "accelerate_4proc.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "lr"])
        writer.writerows((k, repr(lr)) for k, lr in rows)
    print("wrote accelerate_4proc.csv", file=sys.stderr)


def resume() -> None:
    with tempfile.TemporaryDirectory() as folder:
        common = dict(learning_rate=1e-3, lr_scheduler_type="cosine", warmup_steps=6, logging_steps=3,
                      save_strategy="steps", save_steps=30)
        first = Trainer(model=Line(), args=args(folder, max_steps=60, **common), train_dataset=examples())
        first.train()
        second = Trainer(model=Line(), args=args(folder, max_steps=90, **common), train_dataset=examples())
        second.train(resume_from_checkpoint=os.path.join(folder, "checkpoint-30"))
        second.save_state()
        keep(folder, "resume_trainer_state.json")


if __name__ == "__main__":
    print(f"transformers {transformers.__version__}, accelerate {accelerate.__version__}, "
          f"torch {torch.__version__}", file=sys.stderr)
    for job in sys.argv[1:] or ["skipped", "microbatch", "accelerate_processes", "resume"]:
        globals()[job]()

"""litgpt's two LR schedules (Lightning-AI/litgpt 0.5.13, commit 26857050, 2026-06), update by update.

**Pretraining** (``litgpt/pretrain.py``, ``get_lr`` and ``fit``): the loop counts micro-batch
iterations ``it`` and, at the top of each one, sets every param group's LR to
``get_lr(lr, it, warmup_iters, max_iters, min_lr)``:

* ``it < warmup_iters``: ``lr × it / warmup_iters`` (0 at ``it = 0``);
* ``it > max_iters``: ``min_lr``;
* otherwise ``min_lr + (1 + cos(π·r))/2 × (lr − min_lr)``, ``r = (it − warmup_iters) / (max_iters −
  warmup_iters)`` (Python raises ZeroDivisionError when the two are equal).

The optimizer steps after the last micro-batch of each window of ``A = gradient_accumulation_iters``
(``iter_num % A == 0`` after the increment), so update ``k`` uses the LR of iteration
``(k + 1)·A − 1``; the loop stops once ``it`` reaches ``max_iters``, so a run has ``max_iters // A``
updates. ``warmup_iters`` and ``max_iters`` are micro-batch iterations (``TrainArgs.warmup_iters``
multiplies ``lr_warmup_steps`` by ``A``).

**Finetuning** (``litgpt/finetune/lora.py``, ``full.py``, ``adapter.py``, ``adapter_v2.py``,
``lora_legacy.py``: the same ``get_lr_scheduler``): ``SequentialLR(LambdaLR(lambda step: step /
warmup_steps), CosineAnnealingLR(T_max=max_steps − warmup_steps), milestones=[warmup_steps])``,
stepped after each optimizer update: update ``k < warmup_steps`` uses ``lr × (k / warmup_steps)``,
and from ``warmup_steps`` on the CosineAnnealingLR restarted at its step 0 (SequentialLR calls
``step(0)``, whose closed form is ``lr``) and stepped recursively (torch 2.13.0, replayed by
:mod:`warmupctl.frameworks.torch`): update ``k`` uses its value at ``k − warmup_steps``. The LambdaLR
divides by ``warmup_steps`` when it is built (ZeroDivisionError at 0); ``min_lr`` plays no part.
"""

from __future__ import annotations

import math

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish, floats, g, pieces
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

LIBRARY = "litgpt"
PRETRAIN = "litgpt 0.5.13 (26857050), litgpt/pretrain.py, get_lr and fit"
FINETUNE = "litgpt 0.5.13 (26857050), litgpt/finetune/lora.py (full, adapter, adapter_v2), get_lr_scheduler"


def _build_get_lr(call: LibraryCall) -> Schedule:
    a = call.args
    assert call.lr is not None  # lr="required"
    lr, floor = float(call.lr), float(a["min_lr"])
    warmup, horizon = int(a["warmup_iters"]), int(a["max_iters"])
    accum = int(a["gradient_accumulation_iters"])

    def fn(k: IntArray) -> FloatArray:
        it = floats(k) * accum + (accum - 1)
        out = np.full(it.shape, floor)
        warm = it < warmup
        out[warm] = lr * it[warm] / warmup
        mid = ~warm & (it <= horizon)
        if horizon == warmup:
            out[mid] = np.nan
        else:
            ratio = (it[mid] - warmup) / (horizon - warmup)
            coeff = 0.5 * (1.0 + np.cos(math.pi * ratio))
            out[mid] = floor + coeff * (lr - floor)
        return out

    def update_of(iteration: int) -> int:
        """The first update whose iteration ``(k + 1)·A − 1`` is at least ``iteration``."""
        return max(0, -(-(iteration + 1) // accum) - 1)

    natural = horizon // accum
    notes = [f"pretrain.py sets the LR per micro-batch: update k uses get_lr at iteration "
             f"(k + 1)·{accum} − 1, the last micro-batch of its window" if accum > 1 else
             "pretrain.py sets the LR per micro-batch; one micro-batch per update"]
    if accum > 1 and warmup > 0:
        notes.append(f"update 0 already runs at iteration {accum - 1}: {g(lr * (accum - 1) / warmup)}, not 0")
    # Only a run longer than max_iters // A reaches it == max_iters, where r divides by zero when equal.
    raise_at = (update_of(horizon), "litgpt raises ZeroDivisionError (max_iters == warmup_iters)") \
        if horizon == warmup else None
    warm_end = update_of(warmup)
    marks = [Boundary(warm_end, "warmup end"), Boundary(update_of(horizon + 1), "min_lr from here")]
    return finish(call, fn, natural=natural, warmup=warm_end, boundaries=marks, notes=notes,
                  raise_at=raise_at)


def _build_scheduler(call: LibraryCall) -> Schedule:
    a = call.args
    assert call.lr is not None
    lr, warmup, end = float(call.lr), int(a["warmup_steps"]), int(a["max_steps"])
    if call.resolve is None:
        raise SpecError("needs the library resolver", path="args")
    t_max = end - warmup
    cosine = call.resolve({"schedule": "torch.CosineAnnealingLR", "lr": lr, "args": {"T_max": t_max},
                           "total_steps": max(1, (call.total_steps or end) - warmup)}, "args")

    def warm(k: IntArray) -> FloatArray:
        return lr * (floats(k) / warmup)

    def decay(k: IntArray) -> FloatArray:
        return cosine.fn(k - warmup)

    notes: list[str] = []
    raise_at = None
    if t_max == 0:  # SequentialLR's step(0) computes cos(pi * 0 / T_max): ZeroDivisionError
        raise_at = (warmup, "torch raises ZeroDivisionError (CosineAnnealingLR with T_max = max_steps − "
                            "warmup_steps = 0)")
    elif t_max < 0:
        notes.append(f"max_steps {end} is below warmup_steps {warmup}: CosineAnnealingLR gets T_max {t_max}")
    if 0 < t_max < (call.total_steps or end) - warmup - 1:
        notes.append(f"the LR rises again after update {end}: CosineAnnealingLR is periodic past T_max = "
                     f"max_steps − warmup_steps = {t_max}")
    marks = [Boundary(warmup, "warmup end"), Boundary(end, "cosine minimum")]
    return finish(call, pieces([warmup], [warm, decay]), natural=end, warmup=warmup, boundaries=marks,
                  notes=notes, raise_at=raise_at)


register(LibrarySchedule(
    name="get_lr", library=LIBRARY, build=_build_get_lr, source=PRETRAIN,
    args=(Arg("warmup_iters", REQUIRED, kind="int", minimum=0, doc="micro-batch iterations of warmup",
              why="litgpt's TrainArgs.warmup_iters is never negative"),
          Arg("max_iters", REQUIRED, kind="int", minimum=1,
              doc="micro-batch iterations of the run (max_tokens // devices // tokens per iteration)"),
          Arg("min_lr", REQUIRED, doc="the LR the cosine decays to (train.min_lr)"),
          Arg("gradient_accumulation_iters", 1, kind="int", minimum=1,
              doc="micro-batches per update (global_batch_size // devices // micro_batch_size)",
              why="litgpt asserts gradient_accumulation_iters > 0")),
    formula="update k at it = (k+1)·A − 1: lr·it/W for it < W; cosine from lr to min_lr up to max_iters",
))

register(LibrarySchedule(
    name="get_lr_scheduler", library=LIBRARY, build=_build_scheduler, source=FINETUNE,
    args=(Arg("warmup_steps", REQUIRED, kind="int", minimum=1,
              doc="updates of linear warmup (lr_warmup_steps)",
              why="litgpt's LambdaLR divides by it (ZeroDivisionError at 0)"),
          Arg("max_steps", REQUIRED, kind="int",
              doc="min(epochs × (len(train_dataloader) // accumulation), train.max_steps)")),
    formula="lr·k/W for k < W; then torch's CosineAnnealingLR(T_max = max_steps − W) restarted at W",
))

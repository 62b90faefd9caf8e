"""nanoGPT's ``get_lr`` (karpathy/nanoGPT ``train.py``, commit 3adf61e1, 2025-11), update by update.

``train.py`` sets the LR at the top of each iteration ``it`` (0, 1, ..., ``max_iters``: the loop breaks
once ``iter_num > max_iters``, so a run has ``max_iters + 1`` updates) to ``get_lr(it)`` when
``decay_lr``, else ``learning_rate``:

* ``it < warmup_iters``: ``learning_rate × (it + 1) / (warmup_iters + 1)`` (never 0);
* ``it > lr_decay_iters``: ``min_lr``;
* otherwise ``min_lr + (1 + cos(π·r))/2 × (learning_rate − min_lr)``, ``r = (it − warmup_iters) /
  (lr_decay_iters − warmup_iters)``: Python raises ZeroDivisionError when the two are equal (NaN
  from there), and its ``assert 0 <= r <= 1`` fails when ``lr_decay_iters < warmup_iters``.
"""

from __future__ import annotations

import math

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish, floats, nan_note
from warmupctl.frameworks._registry import Arg, LibraryCall, LibrarySchedule, register

LIBRARY = "nanogpt"
SOURCE = "nanoGPT 3adf61e1, train.py, get_lr"


def _build(call: LibraryCall) -> Schedule:
    a = call.args
    lr, warmup, decay, floor = float(a["learning_rate"]), int(a["warmup_iters"]), int(a["lr_decay_iters"]), \
        float(a["min_lr"])
    total = int(a["max_iters"]) + 1  # the run; a spec's total_steps overrides it in finish()
    if int(a["max_iters"]) < 0:
        raise SpecError("must not be negative", path="args.max_iters", value=a["max_iters"])
    notes = [f"iterations 0..{int(a['max_iters'])}: train.py runs max_iters + 1 updates"]
    if not a["decay_lr"]:
        notes.append("decay_lr is False: a constant learning_rate")

        def constant(k: IntArray) -> FloatArray:
            return np.full(np.shape(k), lr)

        return _schedule(call, constant, total, 0, [], notes)
    if decay < warmup:
        raise SpecError(f"is below warmup_iters {warmup}", path="args.lr_decay_iters", value=decay,
                        hint="nanoGPT's assert 0 <= decay_ratio <= 1 fails at the first decaying iteration")

    def fn(k: IntArray) -> FloatArray:
        it = floats(k)
        out = np.full(it.shape, floor)
        warm = it < warmup
        out[warm] = lr * (it[warm] + 1) / (warmup + 1)
        mid = ~warm & (it <= decay)
        if decay == warmup:
            out[mid] = np.nan
        else:
            ratio = (it[mid] - warmup) / (decay - warmup)
            out[mid] = floor + 0.5 * (1.0 + np.cos(math.pi * ratio)) * (lr - floor)
        return out

    if decay == warmup:
        notes.append(nan_note("nanoGPT raises ZeroDivisionError (lr_decay_iters == warmup_iters)", warmup))
    return _schedule(call, fn, total, warmup,
                     [Boundary(warmup, "warmup end"), Boundary(decay + 1, "min_lr from here")], notes)


def _schedule(call: LibraryCall, fn, total: int, warmup: int, marks: list[Boundary],
              notes: list[str]) -> Schedule:
    return finish(call, fn, natural=total, warmup=warmup, boundaries=marks, notes=notes)


register(LibrarySchedule(
    name="get_lr", library=LIBRARY, build=_build, lr="unused", source=SOURCE,
    args=(Arg("learning_rate", 6e-4), Arg("warmup_iters", 2000, kind="int"),
          Arg("lr_decay_iters", 600000, kind="int"), Arg("min_lr", 6e-5),
          Arg("max_iters", 600000, kind="int"),
          Arg("decay_lr", True, kind="bool")),
    formula="lr(it+1)/(W+1) for it < W; min_lr past lr_decay_iters; cosine from lr to min_lr between",
))

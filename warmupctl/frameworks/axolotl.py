"""axolotl's own LR schedulers, reproduced update by update.

Reproduces axolotl ``src/axolotl/utils/schedulers.py`` (main at commit 067b021c, 2026-07) as
``SchedulerMixin.create_scheduler`` (``src/axolotl/core/trainers/mixins/scheduler.py``) builds them:

* ``cosine_with_min_lr`` (``get_cosine_schedule_with_min_lr``, built for ``lr_scheduler: cosine`` with
  ``cosine_min_lr_ratio``): a LambdaLR, ``t / max(1, W)`` during the warmup, then
  ``(1 - r)·(1 + cos(π·p))/2 + r`` with ``p = (t - W) / max(1, N - W)`` unclamped (past N the cosine
  rises again) and no ``num_cycles``.
* ``cosine_with_warmup_decay_constant`` (``cosine_min_lr_ratio`` and ``cosine_constant_lr_ratio``):
  the warmup, then the cosine over ``[W, C)`` with ``C = int(N × constant_lr_ratio)``; the step is
  clamped to C, so the LR holds ``min_lr_ratio`` from C on: ``max(0, (1 - r)·(1 + cos(2π·c·p))/2) + r``.
* ``cosine_with_quadratic_warmup`` (``lr_quadratic_warmup: true``): ``(t / max(1, W))²`` during the
  warmup, then ``max(0, (1 + cos(2π·c·p))/2)``.
* ``rex`` (``RexLR``, ``lr_scheduler: rex``): an LRScheduler built with ``last_epoch = 0`` whose
  constructor steps once, so update k runs at its counter ``s = k + 1``: ``max_lr·s/W`` for
  ``1 <= s <= W``; else with ``a = s - W`` and ``R = N - W``: ``min_lr`` when ``a >= R`` (or ``R <= 0``),
  else ``max_lr·(m + (1 - m)·z/(0.1 + 0.9·z))``, ``z = (R - a mod R)/R``, ``m = min_lr/max_lr``.

A LambdaLR's counter is 0 at construction and the Trainer steps it after every update: update k uses
``lr·m(k)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish, floats
from warmupctl.frameworks._registry import Arg, LibraryCall, LibrarySchedule, register

LIBRARY = "axolotl"
SOURCE = "axolotl main (067b021c), src/axolotl/utils/schedulers.py"


def _counts(call: LibraryCall) -> tuple[int, int]:
    warmup, total = int(call.args["num_warmup_steps"]), int(call.args["num_training_steps"])
    if warmup < 0:
        raise SpecError("must not be negative", path="args.num_warmup_steps", value=warmup,
                        hint="a number of optimizer updates")
    if total < 1:
        raise SpecError("must be at least 1", path="args.num_training_steps", value=total,
                        hint="the number of optimizer updates of the run")
    return warmup, total


def _ramp(t: FloatArray, warmup: int) -> FloatArray:
    return t / float(max(1, warmup))


def _schedule(call: LibraryCall, name: str, fn, warmup: int, total: int,
              marks: list[Boundary], notes: list[str] | None = None) -> Schedule:
    return finish(call, fn, natural=total, warmup=warmup, boundaries=marks, notes=notes or ())


def _progress(t: FloatArray, start: int, end: int) -> FloatArray:
    """The decay's progress ``(t - start) / max(1, end - start)``, unclamped as in axolotl."""
    return (t - start) / float(max(1, end - start))


def _lambda(call: LibraryCall, w: int, decay: Callable[[FloatArray], FloatArray],
            warm: Callable[[FloatArray, int], FloatArray] = _ramp) -> Callable[[IntArray], FloatArray]:
    """axolotl's LambdaLRs: ``lr · warm(t, W)`` for ``t < W``, else ``lr · decay(t)``."""
    lr = float(call.lr or 0.0)

    def fn(k: IntArray) -> FloatArray:
        t = floats(k)
        return np.where(t < w, warm(t, w), decay(t)) * lr

    return fn


def _build_min_lr(call: LibraryCall) -> Schedule:
    w, n = _counts(call)
    rate = float(call.args["min_lr_ratio"])

    def decay(t: FloatArray) -> FloatArray:
        return (1 - rate) * (0.5 * (1.0 + np.cos(math.pi * _progress(t, w, n)))) + rate

    fn = _lambda(call, w, decay)
    notes = [f"the cosine rises again after update {n} (axolotl does not clamp progress)"] \
        if call.total_steps is not None and call.total_steps > n + 1 else []
    return _schedule(call, "cosine_with_min_lr", fn, w, n,
                     [Boundary(w, "warmup end"), Boundary(n, "decay end")], notes)


def _build_decay_constant(call: LibraryCall) -> Schedule:
    w, n = _counts(call)
    rate, ratio = float(call.args["min_lr_ratio"]), float(call.args["constant_lr_ratio"])
    cycles = float(call.args["num_cycles"])
    constant = int(n * ratio)

    def decay(t: FloatArray) -> FloatArray:
        progress = _progress(np.minimum(t, float(constant)), w, constant)
        return np.maximum(0.0, (1 - rate) * 0.5 * (1.0 + np.cos(math.pi * cycles * 2.0 * progress))) + rate

    return _schedule(call, "cosine_with_warmup_decay_constant", _lambda(call, w, decay), w, n,
                     [Boundary(w, "warmup end"), Boundary(constant, "constant from here")],
                     [f"the LR holds min_lr_ratio {rate:g} from update {constant} = int({n} × {ratio:g})"])


def _build_quadratic(call: LibraryCall) -> Schedule:
    w, n = _counts(call)
    cycles = float(call.args["num_cycles"])

    def decay(t: FloatArray) -> FloatArray:
        return np.maximum(0.0, 0.5 * (1.0 + np.cos(math.pi * cycles * 2.0 * _progress(t, w, n))))

    def warm(t: FloatArray, warmup: int) -> FloatArray:
        return _ramp(t, warmup) ** 2

    return _schedule(call, "cosine_with_quadratic_warmup", _lambda(call, w, decay, warm), w, n,
                     [Boundary(w, "warmup end"), Boundary(n, "decay end")])


def _build_rex(call: LibraryCall) -> Schedule:
    w, n = int(call.args["num_warmup_steps"]), int(call.args["total_steps"])
    top, bottom = float(call.args["max_lr"]), float(call.args["min_lr"])
    if bottom > top:
        raise SpecError("must not exceed max_lr", path="args.min_lr", value=bottom,
                        hint='axolotl raises ValueError: Value of "min_lr" should be less than value '
                             'of "max_lr"')
    if w > n:
        raise SpecError(f"must not exceed total_steps {n}", path="args.num_warmup_steps", value=w,
                        hint="axolotl's RexLR raises ValueError")
    if n < 1:
        raise SpecError("must be at least 1", path="args.total_steps", value=n,
                        hint="the run's length in optimizer updates")
    base = float(call.lr if call.lr is not None else top)
    remaining = n - w

    def fn(k: IntArray) -> FloatArray:
        s = np.asarray(k, dtype=np.int64) + 1
        out = np.full(s.shape, bottom, dtype=np.float64)
        if w >= 1:
            warm = (s >= 1) & (s <= w)
            out[warm] = base * s[warm].astype(np.float64) / w
        else:
            warm = np.zeros(s.shape, dtype=bool)
        after = s - w
        live = ~warm & (after < remaining) & (after != -1) & (remaining > 0)
        if live.any():
            z = (remaining - np.mod(after[live], remaining)) / remaining
            ratio = bottom / top
            out[live] = base * (ratio + (1.0 - ratio) * (z / (0.1 + 0.9 * z)))
        return out

    notes = ["update k runs at RexLR's counter k + 1 (its constructor steps once from last_step 0)"]
    return _schedule(call, "rex", fn, w, n, [Boundary(w, "warmup end")], notes)


_WARMUP_ARGS = (Arg("num_warmup_steps", kind="int", doc="warmup updates"),
                Arg("num_training_steps", kind="int", doc="the run's updates"))

register(LibrarySchedule(
    name="cosine_with_min_lr", library=LIBRARY, build=_build_min_lr,
    args=(*_WARMUP_ARGS, Arg("min_lr_ratio", 0.0, doc="floor as a fraction of lr")),
    source=f"{SOURCE}, get_cosine_schedule_with_min_lr",
    formula="t/W during the warmup, then (1-r)(1+cos(π p))/2 + r, p=(t-W)/max(1,N-W) unclamped",
    aliases=("get_cosine_schedule_with_min_lr",),
))
register(LibrarySchedule(
    name="cosine_with_warmup_decay_constant", library=LIBRARY, build=_build_decay_constant,
    args=(*_WARMUP_ARGS, Arg("constant_lr_ratio", doc="the cosine ends at int(N × this)"),
          Arg("min_lr_ratio", doc="floor as a fraction of lr"), Arg("num_cycles", 0.5)),
    source=f"{SOURCE}, get_cosine_schedule_with_warmup_decay_constant",
    formula="t/W, then max(0,(1-r)(1+cos(2πc p))/2)+r with the step clamped to C=int(N·ratio)",
    aliases=("get_cosine_schedule_with_warmup_decay_constant",),
))
register(LibrarySchedule(
    name="cosine_with_quadratic_warmup", library=LIBRARY, build=_build_quadratic,
    args=(*_WARMUP_ARGS, Arg("num_cycles", 0.5)),
    source=f"{SOURCE}, get_cosine_schedule_with_quadratic_warmup",
    formula="(t/W)² during the warmup, then max(0,(1+cos(2πc p))/2)",
    aliases=("get_cosine_schedule_with_quadratic_warmup",),
))
register(LibrarySchedule(
    name="rex", library=LIBRARY, build=_build_rex,
    args=(Arg("max_lr", doc="the peak"), Arg("min_lr", doc="the floor (absolute)"),
          Arg("total_steps", 0, kind="int"), Arg("num_warmup_steps", 0, kind="int")),
    source=f"{SOURCE}, RexLR", lr="optional",
    formula="s=k+1: max_lr·s/W in the warmup; then max_lr(m+(1-m)z/(0.1+0.9z)), z=(R-a mod R)/R",
    aliases=("RexLR",),
))

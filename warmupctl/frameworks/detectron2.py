"""detectron2's LR schedule: ``WarmupParamScheduler`` and ``LRMultiplier`` over fvcore's schedulers.

detectron2 ``detectron2/solver/lr_scheduler.py``: ``WarmupParamScheduler`` prepends a linear (or
constant) warmup from ``warmup_factor × s(0)`` to ``s(warmup_length)`` (to ``s(0)`` with
``rescale_interval``) as an fvcore ``CompositeParamScheduler``; ``LRMultiplier`` gives iteration ``k``
``base_lr × multiplier(k / max_iter)``. The fvcore parts are :mod:`warmupctl.frameworks.fvcore`.
detectron2 is not on PyPI: its two classes are restated here and its goldens composed from fvcore's
own classes as detectron2 composes them (tests/goldens/record.py).
"""

from __future__ import annotations

from warmupctl.engine import Schedule
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register
from warmupctl.frameworks.fvcore import (
    DETECTRON2,
    FVCORE,
    MAX_ITER,
    WARMUP_ARGS,
    finish_multiplier,
    max_iter_of,
    multiplier_of,
)


def _build_warmup(call: LibraryCall) -> Schedule:
    max_iter = max_iter_of(call, "detectron2.WarmupParamScheduler")
    mult = multiplier_of({"schedule": "detectron2.WarmupParamScheduler", "args": dict(call.args)}, "spec")
    return finish_multiplier(call, mult, max_iter, f"{DETECTRON2}, WarmupParamScheduler + {FVCORE}")


register(LibrarySchedule(
    name="WarmupParamScheduler", library="detectron2", args=WARMUP_ARGS, build=_build_warmup,
    source=f"{DETECTRON2}, WarmupParamScheduler",
    formula="where < warmup_length: linear from factor × s(0) to s(warmup_length); then s(where)",
    lr="optional", extra=(MAX_ITER,)))


def _build_multiplier(call: LibraryCall) -> Schedule:
    mult = multiplier_of(call.args["multiplier"], "args.multiplier")
    return finish_multiplier(call, mult, call.args["max_iter"], f"{DETECTRON2}, LRMultiplier + {FVCORE}")


register(LibrarySchedule(
    name="LRMultiplier", library="detectron2",
    args=(Arg("multiplier", REQUIRED, kind="spec", doc="an fvcore.* or detectron2.WarmupParamScheduler spec"),
          Arg("max_iter", REQUIRED, kind="int", doc="SOLVER.MAX_ITER")),
    build=_build_multiplier, source=f"{DETECTRON2}, LRMultiplier",
    formula="lr × multiplier(k / max_iter)", lr="required"))

"""A schedule rebuilt with another warmup, run length or peak, and a schedule inferred from a log alone.

:func:`rebuilder` turns a resolved spec (``Schedule.spec``) into ``rebuild(warmup=, total=, peak=)``:
the same spec with those values replaced, resolved again. A native spec holds them in
``warmup_steps``, ``total_steps`` and ``lr``; a library spec in ``lr`` and one ``args`` key each,
found by name (:data:`WARMUP_ARGS`, :data:`TOTAL_ARGS`); a spec with none of them cannot be refitted.

:func:`infer` fits the families logs really show, the simplest first (:data:`FAMILIES`): transformers'
``constant_with_warmup``, ``linear`` and ``cosine`` (the schedules most logs come from), then the
native kinds ``linear`` and ``cosine`` to a floor (``min_lr``), ``inverse_sqrt``, ``step`` and
``multistep`` decays (milestones and ``gamma`` from the drops), ``polynomial`` (``power``) and ``wsd``
(warmup, stable, then a decay of ``decay_steps`` in a ``decay_shape``). Each family is fitted in
:mod:`warmupctl.calc.infer_fit` on a subsample of the log (a few thousand values, whatever its length):

1. the peak from the largest value, or, when the peak itself is not logged, from the warmup's slope
   times a whole warmup length (the one whose peak is the shortest decimal);
2. the warmup from the slope of the ramp — slopes between neighbouring values do not move when skipped
   steps shift the ramp;
3. the decay by turning each value back into its progress through the decay (``arccos`` for a cosine,
   ``1 − r`` for a linear decay, ...), which grows by ``1/L`` per update: the decay length ``L`` is the
   median of the progress gained per update between neighbours, its start the median intercept; the
   floor and the power are the ones that make the progress straightest;
4. every candidate with whole-number lengths around the estimates and shortest-decimal floats is then
   *checked*: each logged value must be the schedule's value at its update, or at its update minus a
   lag that never decreases (skipped steps), within the log's rounding. The first family that
   explains the log without a lag ends the search (the simplest first); one that needs a lag is kept
   for :func:`warmupctl.calc.explain.explain` to measure on every value.

The inferred family is returned as a spec mapping (native keys, or ``schedule: transformers.X``) that
warmupctl reads back: the round trip gives the log's values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from warmupctl.engine import Schedule

#: ``args`` keys of a library spec that hold the warmup length, most common first.
WARMUP_ARGS = ("num_warmup_steps", "warmup_steps", "warmup_iters", "warmup_updates", "warmup_t",
               "warmup_num_steps", "lr_warmup_iters")
#: ``args`` keys that hold the run length.
TOTAL_ARGS = ("num_training_steps", "total_steps", "total_num_steps", "total_num_update", "max_steps",
              "train_iters", "lr_decay_iters", "t_initial", "T_max", "total_iters", "max_update")


def _resolve(mapping: Mapping[str, Any]) -> Schedule | None:
    from warmupctl.core.errors import WarmupctlError
    from warmupctl.spec.resolve import resolve

    try:
        return resolve(mapping)
    except (WarmupctlError, ValueError, ArithmeticError):
        return None


def planned(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec's warmup, run length and peak, where it states them."""
    out: dict[str, Any] = {}
    if "schedule" in spec:
        args = spec.get("args") or {}
        warm = next((k for k in WARMUP_ARGS if k in args), None)
        total = next((k for k in TOTAL_ARGS if k in args), None)
        if warm is not None:
            out["warmup"] = args[warm]
        if total is not None:
            out["total"] = args[total]
        elif spec.get("total_steps") is not None:
            out["total"] = spec["total_steps"]
    else:
        if spec.get("warmup_steps") is not None:
            out["warmup"] = spec["warmup_steps"]
        if spec.get("total_steps") is not None:
            out["total"] = spec["total_steps"]
    if isinstance(spec.get("lr"), (int, float)):
        out["peak"] = float(spec["lr"])
    return out


def rebuilder(spec: Mapping[str, Any]) -> Callable[..., Schedule | None] | None:
    """``rebuild(warmup=None, total=None, peak=None) -> Schedule | None`` for a resolved spec, or None
    when the spec states neither a warmup nor a run length."""
    spec = dict(spec)
    if not spec:
        return None
    library = "schedule" in spec
    args = dict(spec.get("args") or {}) if library else {}
    warm_key = next((k for k in WARMUP_ARGS if k in args), None) if library else "warmup_steps"
    total_key = next((k for k in TOTAL_ARGS if k in args), None) if library else "total_steps"
    if warm_key is None and total_key is None:
        return None

    def rebuild(warmup: int | None = None, total: int | None = None,
                peak: float | None = None) -> Schedule | None:
        mapping = dict(spec)
        target = dict(args) if library else mapping
        for key, value in ((warm_key, warmup), (total_key, total)):
            if value is not None:
                if key is None:
                    return None
                target[key] = int(value)
        if peak is not None:
            mapping["lr"] = float(peak)
        if library:
            mapping["args"] = target
        return _resolve(mapping)

    return rebuild


@dataclass(frozen=True)
class Family:
    """A schedule family to infer: its name (the spec's ``schedule`` or native ``kind``), how many
    parameters it fits (ranking: the simplest first), and what it is in words."""

    name: str
    complexity: int
    words: str


FAMILIES: tuple[Family, ...] = (
    Family("transformers.constant_with_warmup", 2, "a warmup, then constant"),
    Family("transformers.linear", 3, "a warmup, then linear to 0"),
    Family("transformers.cosine", 3, "a warmup, then a cosine to 0"),
    Family("linear", 4, "a warmup, then linear to min_lr"),
    Family("cosine", 4, "a warmup, then a cosine to min_lr"),
    Family("inverse_sqrt", 4, "a warmup, then lr / sqrt((k + timescale) / timescale)"),
    Family("step", 4, "a warmup, then lr × gamma every step_size updates"),
    Family("multistep", 5, "a warmup, then lr × gamma at each milestone"),
    Family("polynomial", 5, "a warmup, then (1 − progress)^power to min_lr"),
    Family("wsd", 5, "a warmup, stable at lr, then a decay of decay_steps to min_lr"),
)
COMPLEXITY = {f.name: f.complexity for f in FAMILIES}


@dataclass(frozen=True)
class Inferred:
    """A family fitted to the log: the spec to reuse, its schedule, offset and subsample residual.

    Attributes:
        explained: every logged value is the schedule's at its update, within the log's rounding.
        lagged: it explains the log only with skipped steps (a lag that never decreases, found by
            :func:`warmupctl.calc.explain.explain`); ``residual`` is then 0.
    """

    spec: dict[str, Any]
    schedule: Schedule
    offset: int
    residual: float
    family: str
    lagged: bool = False
    explained: bool = False


def infer(steps: Any, lrs: Any, *, rounding: float = 0.0, convention: int | None = None,
          facts: Mapping[str, int] | None = None) -> list[Inferred]:
    """Every family fitted to the log, best first: those that explain it as it is (the simplest, then
    the log's convention), then those that explain it with skipped steps, then the closest."""
    from warmupctl.calc.explain import _Log, offsets_for
    from warmupctl.calc.infer_fit import fit_families

    log = _Log(np.asarray(steps), np.asarray(lrs), rounding)
    hint = (facts or {}).get("max_steps")
    found: list[tuple[tuple[Any, ...], Inferred]] = []
    simplest, plain = 99, False
    for rank, offset in enumerate(offsets_for(log.steps, convention)):
        for fit in fit_families(log, offset, hint, simplest, lags=not plain):
            if fit.explained and not fit.lagged:
                # Under a later offset only a simpler family can rank first, and without a lag.
                simplest, plain = min(simplest, COMPLEXITY.get(fit.family, 9) - 1), True
            elif fit.lagged:
                simplest = min(simplest, COMPLEXITY.get(fit.family, 9))
            complexity = COMPLEXITY.get(fit.family, 9)
            if fit.lagged:
                key: tuple[Any, ...] = (1, fit.lag, complexity, rank)
            elif fit.explained:
                key = (0, complexity, rank, fit.residual)
            else:
                key = (2, fit.residual, complexity, rank)
            found.append((key, Inferred(fit.spec, fit.schedule, offset,
                                        0.0 if fit.lagged else fit.residual, fit.family, fit.lagged,
                                        fit.explained)))
    found.sort(key=lambda item: item[0])
    return [item[1] for item in found]

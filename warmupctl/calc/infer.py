"""A schedule rebuilt with another warmup, run length or peak, and a schedule inferred from a log alone.

:func:`rebuilder` turns a resolved spec (``Schedule.spec``) into ``rebuild(warmup=, total=, peak=)``:
the same spec with those values replaced, resolved again. A native spec holds them in
``warmup_steps``, ``total_steps`` and ``lr``; a library spec in ``lr`` and one ``args`` key each,
found by name (:data:`WARMUP_ARGS`, :data:`TOTAL_ARGS`); a spec with none of them cannot be refitted.

:func:`infer` fits each family of :data:`FAMILIES` — the transformers schedules most logs come
from, and the native cosine and linear with a floor — with
:func:`warmupctl.calc.explain.fit_lengths` (peak from the largest value, warmup from the ramp, length
from a value of the decay), keeps the family that explains the log (the simplest first: a constant
before a decay), and returns it as a spec mapping to save and reuse.
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
    """A schedule family to infer: its name and ``build(warmup, total, peak) -> spec mapping``."""

    name: str
    build: Callable[[int, int, float], dict[str, Any]]
    complexity: int


def _transformers(name: str, total: bool = True) -> Callable[[int, int, float], dict[str, Any]]:
    def build(warmup: int, length: int, peak: float) -> dict[str, Any]:
        args: dict[str, Any] = {"num_warmup_steps": int(warmup)}
        if total:
            args["num_training_steps"] = int(length)
            return {"schedule": f"transformers.{name}", "lr": float(peak), "args": args}
        # No natural end: the length tabulated is the run's (the log's max_steps, else its last update).
        return {"schedule": f"transformers.{name}", "lr": float(peak), "args": args,
                "total_steps": int(length)}

    return build


FAMILIES: tuple[Family, ...] = (
    Family("transformers.constant_with_warmup", _transformers("constant_with_warmup", total=False), 2),
    Family("transformers.linear", _transformers("linear"), 3),
    Family("transformers.cosine", _transformers("cosine"), 3),
)


@dataclass(frozen=True)
class Inferred:
    """A family fitted to the log: the spec to reuse, its schedule, offset and subsample residual."""

    spec: dict[str, Any]
    schedule: Schedule
    offset: int
    residual: float
    family: str


def infer(steps: Any, lrs: Any, *, rounding: float = 0.0, convention: int | None = None,
          facts: Mapping[str, int] | None = None) -> list[Inferred]:
    """Every family fitted to the log, best first (explained, then simplest, then closest)."""
    from warmupctl.calc.explain import _Log, fit_lengths, offsets_for

    log = _Log(np.asarray(steps), np.asarray(lrs), rounding)
    hint = (facts or {}).get("max_steps")
    found: list[tuple[tuple[bool, float, float, int], Inferred]] = []
    for rank, offset in enumerate(offsets_for(log.steps, convention)):
        for family in FAMILIES:
            def build(warmup: int | None = None, total: int | None = None, peak: float | None = None,
                      family: Family = family) -> Schedule | None:
                return _resolve(family.build(warmup or 0, total or 1, peak or 1.0))

            fit = fit_lengths(build, log, offset, hint)
            if fit is None:
                continue
            params, schedule, residual = fit
            spec = family.build(params["warmup"], params["total"], params["peak"])
            explained = residual <= log.tol
            key = (False, family.complexity, residual) if explained else (True, residual,
                                                                           family.complexity)
            found.append(((*key, rank),
                          Inferred(spec, schedule, offset, residual, family.name)))
    found.sort(key=lambda item: item[0])
    fits = [item[1] for item in found]
    if fits and found[0][0][0]:  # no family explains the log as it is: perhaps with a lag
        decaying = [f for f in fits if "num_training_steps" in f.spec.get("args", {})]
        for candidate in decaying[:2]:
            lagged = _with_lag(candidate, log)
            if lagged is not None:
                return [lagged, *fits]
    return fits


def _position(schedule: Schedule, y: float, low: int, high: int) -> int:
    """The first step in ``low..high`` where a decaying schedule is at or below ``y``."""
    while low < high:
        mid = (low + high) // 2
        if float(schedule(np.array([mid]))[0]) <= y:
            high = mid
        else:
            low = mid + 1
    return low


def _with_lag(fit: Inferred, log: Any) -> Inferred | None:
    """A fit that a lag (skipped steps) turns into an explanation: the run length is found from two
    values of the decay — the number of updates between them does not change when skipped steps
    shift both —, then the lag model of :mod:`warmupctl.calc.explain` is checked on the subsample."""
    from warmupctl.calc.explain import _finish, _Log, _skipped

    family = next((f for f in FAMILIES if f.name == fit.family), None)
    args = fit.spec.get("args", {})
    if family is None or "num_training_steps" not in args:
        return None
    warmup, peak = int(args["num_warmup_steps"]), float(fit.spec["lr"])
    k = log.steps - fit.offset
    decay = np.flatnonzero((k > warmup) & (log.lrs < peak * 0.95) & (log.lrs > peak * 0.05))
    if len(decay) < 2:
        return None
    j1, j2 = int(decay[len(decay) // 4]), int(decay[-1])
    span = int(k[j2] - k[j1])

    def gap(total: int) -> int | None:
        schedule = _resolve(family.build(warmup, total, peak))
        if schedule is None:
            return None
        return (_position(schedule, float(log.lrs[j2]), warmup, total)
                - _position(schedule, float(log.lrs[j1]), warmup, total))

    low, high = int(k[j2]) + 1, max(int(k[j2]) + 2, 2 * int(args["num_training_steps"]))
    while low < high:  # the gap between the two values' positions grows with the run length
        mid = (low + high) // 2
        g = gap(mid)
        if g is None:
            return None
        if g >= span:
            high = mid
        else:
            low = mid + 1
    sub = _Log(log.steps[log.sub], log.lrs[log.sub], 0.0)
    sub.tol = log.tol
    for total in (low, low - 1, low + 1):
        spec = family.build(warmup, total, peak)
        schedule = _resolve(spec)
        if schedule is None:
            continue
        candidate = _skipped(schedule, sub, fit.offset)
        if candidate is not None and _finish(sub, candidate).explained:
            return Inferred(spec, schedule, fit.offset, 0.0, family.name)
    return None

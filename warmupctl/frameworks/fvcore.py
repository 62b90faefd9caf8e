"""fvcore's param schedulers and detectron2's warmup and LR multiplier, as detectron2 composes them.

Restated from fvcore 0.1.5.post20221221, ``fvcore/common/param_scheduler.py`` (every
``*ParamScheduler.__call__``: a function of ``where`` in [0, 1], the fraction of training done, with
``WHERE_EPSILON = 1e-6`` added before flooring in MultiStep, Step and Composite) and detectron2
``detectron2/solver/lr_scheduler.py`` (``WarmupParamScheduler``, ``LRMultiplier``: the LR of iteration
``k`` is ``base_lr × multiplier(k / max_iter)``; the scheduler hook steps it after every iteration).

Entries:

* ``fvcore.<Class>``: the multiplier alone, evaluated at ``where = k / max_iter`` (a top-level key)
  and multiplied by ``lr`` (as ``LRMultiplier`` does);
* ``detectron2.WarmupParamScheduler``: ``scheduler`` (a nested ``fvcore.*`` spec) with detectron2's
  warmup: a linear (or constant) stage from ``warmup_factor × scheduler(0)`` to ``scheduler(warmup_length)``
  over the first ``warmup_length`` of training (``rescale_interval``: to ``scheduler(0)``, the rest
  rescaled), then the scheduler at the unscaled ``where``;
* ``detectron2.LRMultiplier``: ``multiplier`` (a nested spec of the above) and ``max_iter``.

Past the end: MultiStep raises for ``where > 1`` and Constant for ``where >= 1`` (NaN from there, with a
note); the cosine rises again. Values are Python floats in fvcore's operation order.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.engine import Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

FVCORE = "fvcore 0.1.5.post20221221, fvcore/common/param_scheduler.py"
DETECTRON2 = "detectron2 (main), detectron2/solver/lr_scheduler.py"
EPS = 1e-6  # ParamScheduler.WHERE_EPSILON

Multiplier = Callable[[float], float]


class _Raise(Exception):
    pass


def _raised(exc: Exception) -> str:
    """What fvcore does, in our words: a ``_Raise`` carries them; Python's own errors are named."""
    if isinstance(exc, _Raise):
        return str(exc)
    return f"raises {type(exc).__name__}"


def _constant(value: float) -> Multiplier:
    def f(where: float) -> float:
        if where >= 1.0:
            raise _Raise("ConstantParamScheduler raises RuntimeError for where >= 1")
        return value
    return f


def _cosine(start: float, end: float) -> Multiplier:
    return lambda where: end + 0.5 * (start - end) * (1 + math.cos(math.pi * where))


def _exponential(start: float, decay: float) -> Multiplier:
    return lambda where: start * (decay ** where)


def _linear(start: float, end: float) -> Multiplier:
    return lambda where: end * where + start * (1 - where)


def _polynomial(base: float, power: float) -> Multiplier:
    return lambda where: base * (1 - where) ** power


def _multistep(values: list[float], num_updates: int | None, milestones: list[int] | None,
               path: str) -> Multiplier:
    if num_updates is None and milestones is None:
        raise SpecError("num_updates and milestones cannot both be None", path=f"{path}num_updates",
                        hint="fvcore raises ValueError")
    if milestones is None:
        assert num_updates is not None
        width = math.ceil(num_updates / float(len(values)))
        milestones = [width * (i + 1) for i in range(len(values) - 1)]
    elif len(milestones) != len(values) - int(num_updates is not None):
        raise SpecError(f"MultiStep scheduler requires a list of "
                        f"{len(values) - int(num_updates is not None)} milestones",
                        path=f"{path}milestones", value=milestones, hint="fvcore raises ValueError")
    if num_updates is None:
        num_updates, milestones = milestones[-1], milestones[:-1]
    if num_updates < len(values):
        raise SpecError("Total num_updates must be greater than length of param schedule",
                        path=f"{path}num_updates", value=num_updates, hint="fvcore raises ValueError")
    start = 0
    for m in milestones:
        if m >= num_updates or start >= m:
            raise SpecError("milestones must increase and stay below num_updates",
                            path=f"{path}milestones", value=milestones, hint="fvcore raises ValueError")
        start = m
    total, marks = num_updates, list(milestones)

    def f(where: float) -> float:
        if where > 1.0:
            raise _Raise("MultiStepParamScheduler raises RuntimeError for where > 1")
        return values[bisect.bisect_right(marks, int((where + EPS) * total))]
    return f


def _step(num_updates: float, values: list[float], path: str) -> Multiplier:
    if num_updates <= 0:
        raise SpecError("Number of updates must be larger than 0", path=f"{path}num_updates",
                        value=num_updates, hint="fvcore raises ValueError")
    if not values:
        raise SpecError("Step scheduler requires a list of at least one param value",
                        path=f"{path}values", value=values, hint="fvcore raises ValueError")

    def f(where: float) -> float:
        index = int((where + EPS) * len(values))
        if index >= len(values):
            raise _Raise("StepParamScheduler raises IndexError past the end")
        return values[index]
    return f


def _step_gamma(base: float, num_decays: int, gamma: float, num_updates: int, path: str) -> Multiplier:
    if base <= 0 or gamma <= 0:
        raise SpecError("base_value and gamma must be positive numbers", path=f"{path}gamma",
                        value=gamma, hint="fvcore raises ValueError")
    if num_decays <= 0 or num_updates <= 0:
        raise SpecError("num_decays and num_updates must be positive integers",
                        path=f"{path}num_decays", value=num_decays, hint="fvcore raises ValueError")
    values = [base]
    for _ in range(num_decays):
        values.append(values[-1] * gamma)
    return _step(num_updates, values, path)


def _composite(parts: list[Multiplier], lengths: list[float], scaling: list[str], path: str) -> Multiplier:
    if len(parts) != len(lengths) or not parts:
        raise SpecError("schedulers and lengths must be the same (non-zero) length",
                        path=f"{path}lengths", value=lengths, hint="fvcore raises ValueError")
    if abs(sum(lengths) - 1.0) >= 1e-3:
        raise SpecError("The sum of all values in lengths must be 1", path=f"{path}lengths",
                        value=lengths, hint="fvcore raises ValueError")
    lengths = list(lengths)
    if sum(lengths) != 1.0:
        lengths[-1] = 1.0 - sum(lengths[:-1])
    for s in scaling:
        if s not in ("rescaled", "fixed"):
            raise SpecError("Unsupported interval_scaling", path=f"{path}interval_scaling", value=s,
                            hint="rescaled or fixed")

    def f(where: float) -> float:
        i = 0
        running = lengths[i]
        while (where + EPS) > running and i < len(parts) - 1:
            i += 1
            running += lengths[i]
        inner = where
        if scaling[i] == "rescaled":
            start = running - lengths[i]
            inner = (where - start) / lengths[i]
        return parts[i](inner)
    return f


def _warmup(scheduler: Multiplier, factor: float, length: float, method: str, rescale: bool,
            path: str) -> Multiplier:
    try:  # WarmupParamScheduler.__init__ evaluates the scheduler: what raises there is a refusal
        end = scheduler(0.0) if rescale else scheduler(length)
        start = factor * scheduler(0.0)
    except (_Raise, ZeroDivisionError, OverflowError) as exc:
        raise SpecError(f"detectron2's WarmupParamScheduler raises when it is built: the scheduler at "
                        f"where = {length:g}: {_raised(exc)}", path=f"{path}warmup_length", value=length,
                        hint="it evaluates the scheduler at warmup_length, a fraction of training "
                             "(WARMUP_ITERS / MAX_ITER, at most 1)") from exc
    warm = _constant(start) if method == "constant" else _linear(start, end)
    return _composite([warm, scheduler], [length, 1 - length],
                      ["rescaled", "rescaled" if rescale else "fixed"], path)


# --------------------------------------------------------------------------- specs -> multipliers


def _floats(value: Any) -> list[float]:
    """A ``floats`` argument as a list (one number is accepted where fvcore takes a list)."""
    return [float(x) for x in value] if isinstance(value, (list, tuple)) else [float(value)]

#: fvcore class -> (its arguments, builder from validated arguments).
FVCORE_CLASSES: dict[str, tuple[tuple[Arg, ...], Callable[[Mapping[str, Any], str], Multiplier]]] = {
    "ConstantParamScheduler": ((Arg("value", REQUIRED),), lambda a, p: _constant(a["value"])),
    "CosineParamScheduler": ((Arg("start_value", REQUIRED), Arg("end_value", REQUIRED)),
                             lambda a, p: _cosine(a["start_value"], a["end_value"])),
    "ExponentialParamScheduler": ((Arg("start_value", REQUIRED), Arg("decay", REQUIRED)),
                                  lambda a, p: _exponential(a["start_value"], a["decay"])),
    "LinearParamScheduler": ((Arg("start_value", REQUIRED), Arg("end_value", REQUIRED)),
                             lambda a, p: _linear(a["start_value"], a["end_value"])),
    "MultiStepParamScheduler": ((Arg("values", REQUIRED, kind="floats"),
                                 Arg("num_updates", None, kind="int", nullable=True),
                                 Arg("milestones", None, kind="ints", nullable=True)),
                                lambda a, p: _multistep(_floats(a["values"]), a["num_updates"],
                                                        a["milestones"], p)),
    "PolynomialDecayParamScheduler": ((Arg("base_value", REQUIRED), Arg("power", REQUIRED)),
                                      lambda a, p: _polynomial(a["base_value"], a["power"])),
    "StepParamScheduler": ((Arg("num_updates", REQUIRED), Arg("values", REQUIRED, kind="floats")),
                           lambda a, p: _step(a["num_updates"], _floats(a["values"]), p)),
    "StepWithFixedGammaParamScheduler": ((Arg("base_value", REQUIRED),
                                          Arg("num_decays", REQUIRED, kind="int"),
                                          Arg("gamma", REQUIRED), Arg("num_updates", REQUIRED, kind="int")),
                                         lambda a, p: _step_gamma(a["base_value"], a["num_decays"],
                                                                  a["gamma"], a["num_updates"], p)),
}
WARMUP_ARGS = (
    Arg("scheduler", REQUIRED, kind="spec", doc="the fvcore scheduler (a nested fvcore.* spec)"),
    Arg("warmup_factor", REQUIRED, doc="the warmup starts at warmup_factor × scheduler(0)"),
    Arg("warmup_length", REQUIRED, doc="fraction of training (WARMUP_ITERS / MAX_ITER)"),
    Arg("warmup_method", "linear", kind="str", choices=("linear", "constant")),
    Arg("rescale_interval", False, kind="bool", doc="newer detectron2: warm up to scheduler(0) and rescale"),
)


def _validated(args: tuple[Arg, ...], given: Any, path: str) -> dict[str, Any]:
    if not isinstance(given, Mapping):
        raise SpecError("must be a mapping of arguments", path=path.rstrip("."), value=given)
    names = {a.name for a in args}
    for key in given:
        if key not in names:
            raise SpecError("is not an argument of this scheduler", path=f"{path}{key}",
                            value=given[key], hint="arguments: " + ", ".join(a.name for a in args))
    out = {}
    for arg in args:
        if arg.name not in given or given[arg.name] is None:
            if arg.required:
                raise SpecError("is required", path=f"{path}{arg.name}", hint=arg.doc or "")
            out[arg.name] = arg.default
            continue
        value = given[arg.name]
        if arg.kind == "float":
            out[arg.name] = v.as_float(value, f"{path}{arg.name}")
        elif arg.kind == "int":
            out[arg.name] = v.as_int(value, f"{path}{arg.name}")
        elif arg.kind == "floats":
            out[arg.name] = v.as_floats(value, f"{path}{arg.name}")
        elif arg.kind == "ints":
            out[arg.name] = v.as_ints(value, f"{path}{arg.name}")
        elif arg.kind == "bool":
            out[arg.name] = v.as_bool(value, f"{path}{arg.name}")
        elif arg.kind == "str":
            out[arg.name] = v.as_choice(value, f"{path}{arg.name}", arg.choices or ())
        else:
            out[arg.name] = value
    return out


def multiplier_of(mapping: Any, path: str) -> Multiplier:
    """A nested ``{schedule: fvcore.X | detectron2.WarmupParamScheduler, args: {...}}`` as a function."""
    if not isinstance(mapping, Mapping) or "schedule" not in mapping:
        raise SpecError("must be a nested spec (schedule: fvcore.Name, args: ...)", path=path, value=mapping)
    name = str(mapping["schedule"])
    args = mapping.get("args") or {}
    if name == "detectron2.WarmupParamScheduler":
        a = _validated(WARMUP_ARGS, args, f"{path}.args.")
        inner = multiplier_of(a["scheduler"], f"{path}.args.scheduler")
        return _warmup(inner, a["warmup_factor"], a["warmup_length"], a["warmup_method"],
                       a["rescale_interval"], f"{path}.args.")
    library, _, cls = name.partition(".")
    if library != "fvcore" or cls not in FVCORE_CLASSES:
        raise SpecError("is not an fvcore param scheduler", path=f"{path}.schedule", value=name,
                        hint="one of " + ", ".join(f"fvcore.{c}" for c in FVCORE_CLASSES))
    declared, build = FVCORE_CLASSES[cls]
    return build(_validated(declared, args, f"{path}.args."), f"{path}.args.")


@dataclass(frozen=True)
class _Evaluated:
    """``lr × multiplier(k / max_iter)`` for the updates asked, NaN from where fvcore raises."""

    lr: float
    multiplier: Multiplier
    max_iter: int

    def value(self, step: int) -> float:
        """The multiplier at update ``step``; :class:`_Raise` where fvcore raises or goes complex."""
        try:
            result = self.multiplier(step / self.max_iter)
        except (ZeroDivisionError, OverflowError) as exc:  # 0.0 ** -p at where = 1; a float overflow
            raise _Raise(f"the scheduler {_raised(exc)}") from exc
        if isinstance(result, complex):  # (1 - where) ** power for where > 1
            raise _Raise("PolynomialDecayParamScheduler returns a complex number for where > 1")
        return result

    def __call__(self, k: IntArray) -> FloatArray:
        out = np.empty(len(k), dtype=np.float64)
        for i, step in enumerate(np.asarray(k, dtype=np.int64).tolist()):
            try:
                out[i] = self.lr * self.value(step)
            except (_Raise, ZeroDivisionError, OverflowError, ValueError):
                out[i] = math.nan
        return out

    def first_raise(self, total: int) -> tuple[int, str] | None:
        """The first update (below ``total``) at which fvcore raises, by bisection over the tail."""
        for step in (total - 1, self.max_iter, self.max_iter + 1):
            if 0 <= step < total:
                try:
                    self.value(step)
                except _Raise as exc:
                    first = step
                    while first > 0:
                        try:
                            self.value(first - 1)
                            break
                        except _Raise:
                            first -= 1
                    return first, str(exc)
        return None


def finish_multiplier(call: LibraryCall, mult: Multiplier, max_iter: int, source: str) -> Schedule:
    if max_iter < 1:
        raise SpecError("must be positive", path="max_iter", value=max_iter,
                        hint="the iterations of training (where = k / max_iter)")
    lr = call.lr if call.lr is not None else 1.0
    fn = _Evaluated(lr, mult, max_iter)
    total = call.total_steps or max_iter
    raised = fn.first_raise(total)
    notes = [] if call.lr is not None else ["no lr: the values are the multiplier itself"]
    return finish(call, fn, natural=max_iter, notes=notes,
                  raise_at=None if raised is None else (raised[0], f"fvcore: {raised[1]}"),
                  source=source)


#: The top-level key that turns the update index into fvcore's ``where`` (SOLVER.MAX_ITER).
MAX_ITER = Arg("max_iter", None, kind="int", nullable=True,
               doc="iterations of training: update k is at where = k / max_iter (SOLVER.MAX_ITER)")


def max_iter_of(call: LibraryCall, name: str) -> int:
    value = call.extra.get("max_iter")
    if value is None:
        raise SpecError(f"{name} is a function of the fraction of training", path="max_iter",
                        hint="add max_iter: the iterations of training (SOLVER.MAX_ITER); update k is "
                             "at where = k / max_iter")
    return int(value)


def _fvcore_entry(cls: str) -> None:
    declared, build = FVCORE_CLASSES[cls]

    def entry_build(call: LibraryCall) -> Schedule:
        return finish_multiplier(call, build(dict(call.args), "args."), max_iter_of(call, f"fvcore.{cls}"),
                       f"{FVCORE}, {cls}")

    register(LibrarySchedule(name=cls, library="fvcore", args=declared, build=entry_build,
                             source=f"{FVCORE}, {cls}", formula="lr × scheduler(k / max_iter)",
                             lr="optional", extra=(MAX_ITER,)))


for _cls in FVCORE_CLASSES:
    _fvcore_entry(_cls)

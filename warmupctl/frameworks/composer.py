"""Composer's LR schedulers (``composer.<Scheduler>``), as Composer's Trainer steps them.

Restated from mosaicml 0.32.1 (``composer/optim/scheduler.py``, unchanged since May 2024 and the same at
the repository's 0.33.0.dev0): ``_convert_time``, ``compile_composer_scheduler`` and the thirteen
``*Scheduler`` classes; ``composer/core/time.py`` (``Time.from_timestring``, ``Time`` arithmetic,
``Timestamp.get``); ``composer/trainer/trainer.py`` (``_compile_schedulers``,
``_scale_max_duration_by_ssr``, ``Trainer._train_loop``).

A Composer scheduler is a function of the Trainer's state: its multiplier ``m`` is computed from the
timestamp (batches, samples, tokens trained so far) and ``max_duration``. The Trainer wraps it in a
torch ``LambdaLR`` whose lambda ignores its counter and reads the state, so the LR is ``lr × m``:

* the LambdaLR's constructor evaluates ``m`` once, at batch 0 and before the Trainer scales
  ``max_duration`` by ``scale_schedule_ratio``: update 0 uses that value;
* after each batch the Trainer steps the schedulers *before* it advances the timestamp, so the
  step after update ``k`` evaluates ``m`` at batch ``k``: update ``k ≥ 1`` uses ``m(batch k − 1)``
  (updates 0 and 1 both run at batch 0's multiplier).

Time strings (``"100ba"``, ``"2ep"``, ``"0.1dur"``, ``"50sp"``, ``"1000tok"``) are converted each call
(``_convert_time``): a fraction ``dur`` is ``int(f × max_duration)`` in max_duration's unit (with
max_duration in epochs: ``int(f × dataloader_len × epochs)`` batches) and is never scaled again;
epochs become ``value × dataloader_len`` batches; then every other time is ``int(value × ssr)``, where
``ssr`` is the scale-schedule ratio the Trainer passes, except that the warmup schedulers convert
``t_warmup`` without it (a warmup is not scaled) and pass it to their warmup ramp only with
``scale_warmup``. The timestamp is compared in each time's own unit: batch ``j`` has trained
``j × samples_per_batch`` samples and ``j × tokens_per_batch`` tokens.

The formulas, with ``c`` the timestamp in the unit of the time it is compared with:

* Step: ``gamma ** int(c / step_size)``; MultiStep: ``gamma`` multiplied in once per milestone
  reached; Constant: ``alpha`` while ``c < t_max``, then 1; Exponential:
  ``gamma ** (c / decay_period)``;
* Linear: ``alpha_i + min(1, c / t_max) × (alpha_f − alpha_i)``; Cosine:
  ``alpha_f + (1 − alpha_f) × (1 + cos(π x)) / 2`` with ``x = c / t_max`` clamped to ``[0, 1]``;
  Polynomial: ``alpha_f + (1 − min(1, c / t_max)) ** power × (1 − alpha_f)``;
* WarmRestarts: the cosine over intervals of length ``t_0``, each ``int(t_mult × previous)`` long
  (Composer raises ValueError once an interval's length has decayed to 0);
* the ``*WithWarmup`` forms: the linear ramp ``0 → alpha`` (``alpha_i`` for the linear one, 1 for the
  others) over ``t_warmup`` while ``c < t_warmup``, then their decay over
  ``f = min(1, (c − t_warmup) / (t_max − t_warmup))`` (0 when ``t_max ≤ t_warmup``); Composer raises
  ValueError when ``t_warmup`` and ``t_max`` are in different units or when ``t_max`` ends before
  ``max_duration``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import MAX_BOUNDARIES, FloatArray, IntArray, finish, floats
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register
from warmupctl.frameworks.torch._ops import _cos, _pow

LIBRARY = "composer"
VERSION = "mosaicml 0.32.1"
FILE = "composer/optim/scheduler.py"

#: Composer's time units (``TimeUnit``), by the suffix a time string ends with.
UNITS = {"ba": "batches", "ep": "epochs", "sp": "samples", "tok": "tokens", "dur": "of max_duration",
         "iter": "iterations", "sec": "seconds"}
_TIME = re.compile(r"^(.+)(iter|ep|ba|sp|tok|dur|sec)$", re.IGNORECASE)
_WALL = re.compile(r"^(\d+h)?(\d+m)?(\d+s)?$", re.IGNORECASE)
_TIME_HINT = "a Composer time string: '100ba', '2ep', '0.1dur', '5000sp' or '1e6tok'"


@dataclass(frozen=True)
class Time:
    """One of Composer's ``Time`` values: an int count (a float fraction for ``dur``) and a unit."""

    value: int | float
    unit: str

    def __str__(self) -> str:
        return f"{self.value}{self.unit}"


def parse_time(value: Any, path: str, *, units: Sequence[str] = ("ba", "ep", "sp", "tok", "dur")) -> Time:
    """A Composer time string as ``Time.from_timestring`` reads it, limited to ``units``.

    >>> parse_time("1e3BA", "t_max"), parse_time("0.1dur", "t_warmup")
    (Time(value=1000, unit='ba'), Time(value=0.1, unit='dur'))
    >>> parse_time(100, "t_warmup")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    warmupctl.core.errors.SpecError: t_warmup: is not a time string (got 100); ... '100ba' (batches)
    """
    if not isinstance(value, str):
        raise SpecError("is not a time string", path=path, value=value,
                        hint="Composer reads a Time or a string; write e.g. '100ba' (batches)")
    text = value.strip()
    match = _TIME.match(text)
    if match is None and text and _WALL.match(text):
        match = None
        unit = "sec"
    elif match is None:
        raise SpecError("is not a Composer time string", path=path, value=value, hint=_TIME_HINT)
    else:
        unit = match.group(2).lower()
    if unit not in units:
        why = {"sec": "Composer raises ValueError: wall clock time is not an allowed unit for a schedule",
               "iter": "warmupctl does not model Composer's iterations"}.get(
            unit, f"here Composer takes {', '.join(units)}")
        raise SpecError("is a fraction of the run" if unit == "dur" else f"is in {UNITS[unit]}", path=path,
                        value=value, hint=why)
    assert match is not None
    try:
        number = float(match.group(1))
    except ValueError:
        raise SpecError("is not a Composer time string", path=path, value=value, hint=_TIME_HINT) from None
    if not math.isfinite(number) or number < 0:
        raise SpecError("must be a finite count, not negative", path=path, value=value, hint=_TIME_HINT)
    if unit == "dur":
        return Time(number, unit)
    if int(number) != number:
        raise SpecError(f"is not a whole number of {UNITS[unit]}", path=path, value=value,
                        hint="Composer raises TypeError: only dur takes a fraction")
    return Time(int(number), unit)


class _Raises(Exception):
    """Composer raises here, whatever the batch (the message names what, ``path`` the argument)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class _State:
    """What a scheduler reads from Composer's State besides the timestamp."""

    max_duration: Time | None  # None: not given (dur strings are refused)
    dataloader_len: int | None
    samples: int | None  # per batch, over all ranks
    tokens: int | None
    label: str  # where max_duration came from, for errors

    def convert(self, time: Time, path: str, ssr: float = 1.0) -> Time:
        """``_convert_time``: a fraction of ``max_duration``, epochs as batches, then ``× ssr``."""
        if time.unit == "dur":
            top = self.max_duration
            if top is None:
                raise SpecError("is a fraction of the run: Composer multiplies it by max_duration",
                                path=path, value=str(time),
                                hint="add max_duration: (e.g. '1000ba') or total_steps: N")
            if top.unit == "ep":
                return Time(int(time.value * self.epoch_length(self.label) * top.value), "ba")
            return Time(int(time.value * top.value), top.unit)
        if time.unit == "ep":
            time = Time(time.value * self.epoch_length(path), "ba")
        return Time(int(time.value * ssr), time.unit)

    def epoch_length(self, path: str) -> int:
        if self.dataloader_len is None:
            raise SpecError("is in epochs: Composer converts epochs with the dataloader's length", path=path,
                            hint="add updates_per_epoch: N (batches per epoch, one update each)")
        return self.dataloader_len

    def per_batch(self, unit: str, path: str) -> int:
        """Units of ``unit`` one batch adds to the timestamp."""
        if unit == "ba":
            return 1
        count = self.samples if unit == "sp" else self.tokens
        if count is None:
            key = "samples_per_batch" if unit == "sp" else "tokens_per_batch"
            raise SpecError(f"counts {UNITS[unit]}: Composer compares it with the {UNITS[unit]} trained so "
                            "far", path=path, hint=f"add {key}: N (per batch, over all devices)")
        return count

    def now(self, unit: str, j: IntArray, path: str) -> IntArray:
        """The timestamp of batches ``j`` in ``unit``."""
        return j * self.per_batch(unit, path)

    def first_batch(self, time: Time, path: str) -> int:
        """The first batch whose timestamp has reached ``time`` (already converted)."""
        step = self.per_batch(time.unit, path)
        return max(0, -(-int(time.value) // step))


# --------------------------------------------------------------------------------------------------
# The schedulers, composed as Composer composes them
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mark:
    time: Time  # converted
    label: str
    path: str


@dataclass(frozen=True)
class _Sched:
    """One Composer scheduler: ``value(j, state, ssr)`` is its multiplier at batches ``j``."""

    kind: str
    args: dict[str, Any]
    times: dict[str, Time]  # each time argument, parsed (milestones as milestones[i])

    def t(self, state: _State, name: str, ssr: float) -> Time:
        return state.convert(self.times[name], f"args.{name}", ssr)

    def value(self, j: IntArray, st: _State, ssr: float) -> FloatArray:
        return _FORMULAS[self.kind](self, j, st, ssr)


def _divide(c: IntArray, by: Time, name: str) -> FloatArray:
    if by.value == 0:
        raise _Raises(f"ZeroDivisionError ({name} is 0 {UNITS[by.unit]})", f"args.{name}")
    return floats(c) / float(by.value)


def _linear(s: _Sched, j: IntArray, st: _State, ssr: float, name: str = "t_max",
            alpha_i: float | None = None, alpha_f: float | None = None) -> FloatArray:
    t_max = s.t(st, name, ssr)
    a_i = float(s.args["alpha_i"] if alpha_i is None else alpha_i)
    a_f = float(s.args["alpha_f"] if alpha_f is None else alpha_f)
    frac = np.minimum(1.0, _divide(st.now(t_max.unit, j, f"args.{name}"), t_max, name))
    return a_i + frac * (a_f - a_i)


def _anneal(x: FloatArray, min_y: float) -> FloatArray:
    """``_cosine_anneal``: ``x`` clamped to [0, 1], from 1 down to ``min_y``."""
    x = np.minimum(np.maximum(x, 0.0), 1.0)
    return min_y + (1.0 - min_y) * (1 + _cos(x * math.pi)) / 2


def _poly(frac: FloatArray, power: float, alpha_f: float) -> FloatArray:
    coeff, _, _ = _pow((1 - frac).tolist(), repeat(power), frac.size)
    return alpha_f + coeff.reshape(frac.shape) * (1.0 - alpha_f)


def _step(s: _Sched, j: IntArray, st: _State, ssr: float) -> FloatArray:
    size = s.t(st, "step_size", ssr)
    steps = np.floor(_divide(st.now(size.unit, j, "args.step_size"), size, "step_size")).astype(np.int64)
    levels, where = np.unique(steps, return_inverse=True)
    gamma = float(s.args["gamma"])
    return np.array([gamma ** int(n) for n in levels.tolist()])[where.reshape(steps.shape)]


def _multistep(s: _Sched, j: IntArray, st: _State, ssr: float) -> FloatArray:
    factor = np.ones(j.shape)
    for name in s.times:
        if name.startswith("milestones"):
            stone = s.t(st, name, ssr)
            reached = st.now(stone.unit, j, f"args.{name}") >= stone.value
            factor[reached] *= float(s.args["gamma"])
    return factor


def _constant(s: _Sched, j: IntArray, st: _State, ssr: float) -> FloatArray:
    t_max = s.t(st, "t_max", ssr)
    before = st.now(t_max.unit, j, "args.t_max") < t_max.value
    return np.where(before, float(s.args["alpha"]), 1.0)


def _exponential(s: _Sched, j: IntArray, st: _State, ssr: float) -> FloatArray:
    period = s.t(st, "decay_period", ssr)
    exponent = _divide(st.now(period.unit, j, "args.decay_period"), period, "decay_period")
    out, _, _ = _pow(repeat(float(s.args["gamma"])), exponent.ravel().tolist(), exponent.size)
    return out.reshape(exponent.shape)


def _cosine(s: _Sched, j: IntArray, st: _State, ssr: float) -> FloatArray:
    t_max = s.t(st, "t_max", ssr)
    return _anneal(_divide(st.now(t_max.unit, j, "args.t_max"), t_max, "t_max"), float(s.args["alpha_f"]))


def _polynomial(s: _Sched, j: IntArray, st: _State, ssr: float) -> FloatArray:
    t_max = s.t(st, "t_max", ssr)
    frac = np.minimum(1.0, _divide(st.now(t_max.unit, j, "args.t_max"), t_max, "t_max"))
    return _poly(frac, float(s.args["power"]), float(s.args["alpha_f"]))


#: Restart intervals replayed at most this many times before their lengths settle.
MAX_RESTART_REPLAY = 1_000_000


def restart_intervals(t_0: int, t_mult: float, limit: int) -> tuple[list[int], int | None, int | None]:
    """The interval ends of CosineAnnealingWarmRestarts up to the first end past ``limit``.

    Returns the ends, the counter from which the lengths repeat (the last end, with its length, then
    repeats) or None, and the counter from which Composer raises (an interval decayed to 0) or None.

    >>> restart_intervals(10, 2.0, 50)
    ([10, 30, 70], None, None)
    >>> restart_intervals(4, 0.5, 100)
    ([4, 6, 7, 7], None, 7)
    >>> restart_intervals(5, 1.0, 100)
    ([5], 5, None)
    """
    length, end, ends = t_0, t_0, [t_0]
    for _ in range(MAX_RESTART_REPLAY):
        if length == 0:
            return ends, None, end
        if end > limit:
            return ends, None, None
        following = int(t_mult * length)
        if following == length:
            return ends, end, None
        length = following
        end += length
        ends.append(end)
    raise SpecError("restarts too many times to replay", path="args.t_mult", value=t_mult,
                    hint=f"more than {MAX_RESTART_REPLAY} intervals of changing length")


def _restarts(s: _Sched, j: IntArray, st: _State, ssr: float) -> FloatArray:
    t_0 = s.t(st, "t_0", ssr)
    c = st.now(t_0.unit, j, "args.t_0")
    if t_0.value == 0:
        raise _Raises("ValueError (the interval between restarts has decayed to 0: t_0 is 0)", "args.t_0")
    ends, settled, _ = restart_intervals(int(t_0.value), float(s.args["t_mult"]), int(c.max(initial=0)))
    table = np.asarray(ends, dtype=np.int64)
    lengths = np.diff(table, prepend=0)
    # the interval a counter is in: the first whose end is past it (Composer's while end <= now)
    index = np.minimum(np.searchsorted(table, c, side="right"), table.size - 1)
    end, length = table[index], lengths[index]
    if settled is not None:  # from the last end on, every interval has the last length
        past = c >= settled
        end = np.where(past, settled + ((c - settled) // lengths[-1] + 1) * lengths[-1], end)
        length = np.where(past, lengths[-1], length)
    with np.errstate(all="ignore"):  # a length decayed to 0: NaN from there (the builder's raise_at)
        frac = floats(c - (end - length)) / length.astype(np.float64)
    return _anneal(frac, float(s.args["alpha_f"]))


def _check_units(t_warmup: Time, t_max: Time) -> None:
    if t_warmup.unit != t_max.unit:
        raise _Raises(f"ValueError (t_warmup {t_warmup} and t_max {t_max} are in different units)",
                      "args.t_max")


def _check_max(t_max: Time, st: _State) -> None:
    """``_raise_if_max_duration_exceeds_t_max``: t_max may not end before max_duration."""
    top = st.max_duration
    if top is None:
        return
    if t_max.unit == top.unit:
        short = t_max.value < top.value
    elif t_max.unit == "ba" and top.unit == "ep" and st.dataloader_len is not None:
        short = t_max.value < top.value * st.dataloader_len
    else:
        return
    if short:
        raise _Raises(f"ValueError (t_max {t_max} must be at least max_duration {top})", "args.t_max")


def _with_warmup(decay: Callable[[FloatArray, _Sched], FloatArray], peak: str | None
                 ) -> Callable[[_Sched, IntArray, _State, float], FloatArray]:
    """The Linear/Cosine/Polynomial/Constant ``*WithWarmupScheduler``: ramp, checks, then ``decay``."""

    def value(s: _Sched, j: IntArray, st: _State, ssr: float) -> FloatArray:
        t_warmup = s.t(st, "t_warmup", 1.0)
        t_max = s.t(st, "t_max", ssr)
        _check_units(t_warmup, t_max)
        _check_max(t_max, st)
        c = st.now(t_warmup.unit, j, "args.t_warmup")
        warm = c < t_warmup.value
        out = np.empty(j.shape)
        if warm.any():
            top = 1.0 if peak is None else float(s.args[peak])
            out[warm] = _linear(s, j[warm], st, ssr if s.args["scale_warmup"] else 1.0, "t_warmup", 0.0, top)
        if (~warm).any():
            span = int(t_max.value) - int(t_warmup.value)
            frac = floats(c[~warm] - int(t_warmup.value)) / float(span) if span > 0 else \
                np.zeros(int((~warm).sum()))
            out[~warm] = decay(np.minimum(1.0, frac), s)
        return out

    return value


def _multistep_warmup(s: _Sched, j: IntArray, st: _State, ssr: float) -> FloatArray:
    t_warmup = s.t(st, "t_warmup", 1.0)
    warm = st.now(t_warmup.unit, j, "args.t_warmup") < t_warmup.value
    out = np.empty(j.shape)
    if warm.any():
        out[warm] = _linear(s, j[warm], st, ssr if s.args["scale_warmup"] else 1.0, "t_warmup", 0.0, 1.0)
    if (~warm).any():
        out[~warm] = _multistep(s, j[~warm], st, ssr)
    return out


_FORMULAS: dict[str, Callable[[_Sched, IntArray, _State, float], FloatArray]] = {
    "StepScheduler": _step,
    "MultiStepScheduler": _multistep,
    "ConstantScheduler": _constant,
    "LinearScheduler": _linear,
    "ExponentialScheduler": _exponential,
    "CosineAnnealingScheduler": _cosine,
    "CosineAnnealingWarmRestartsScheduler": _restarts,
    "PolynomialScheduler": _polynomial,
    "MultiStepWithWarmupScheduler": _multistep_warmup,
    "ConstantWithWarmupScheduler": _with_warmup(lambda f, s: float(s.args["alpha"]) + f * 0.0, "alpha"),
    "LinearWithWarmupScheduler": _with_warmup(
        lambda f, s: float(s.args["alpha_i"]) + f * (float(s.args["alpha_f"]) - float(s.args["alpha_i"])),
        "alpha_i"),
    "CosineAnnealingWithWarmupScheduler": _with_warmup(
        lambda f, s: _anneal(f, float(s.args["alpha_f"])), None),
    "PolynomialWithWarmupScheduler": _with_warmup(
        lambda f, s: _poly(f, float(s.args["power"]), float(s.args["alpha_f"])), None),
}


# --------------------------------------------------------------------------------------------------
# The Trainer's loop
# --------------------------------------------------------------------------------------------------

#: Each scheduler's time arguments, in Composer's order (``milestones`` is a list of times).
_TIME_ARGS = ("step_size", "decay_period", "t_0", "t_warmup", "t_max", "milestones")
_WARMUP = ("MultiStepWithWarmupScheduler", "ConstantWithWarmupScheduler", "LinearWithWarmupScheduler",
           "CosineAnnealingWithWarmupScheduler", "PolynomialWithWarmupScheduler")
_DECAYS = ("LinearScheduler", "CosineAnnealingScheduler", "PolynomialScheduler", "LinearWithWarmupScheduler",
           "CosineAnnealingWithWarmupScheduler", "PolynomialWithWarmupScheduler")


def _times(args: dict[str, Any]) -> dict[str, Time]:
    out: dict[str, Time] = {}
    for name in _TIME_ARGS:
        if name not in args:
            continue
        if name == "milestones":
            stones = args[name]
            if not isinstance(stones, (list, tuple)):
                raise SpecError("is not a list of time strings", path="args.milestones", value=stones,
                                hint="e.g. ['30ep', '60ep']")
            for i, stone in enumerate(stones):
                out[f"milestones[{i}]"] = parse_time(stone, f"args.milestones[{i}]")
        else:
            out[name] = parse_time(args[name], f"args.{name}")
    return out


def updates_of(duration: Time, state: _State, path: str = "max_duration") -> int:
    """The optimizer updates of a run of ``duration``: the Trainer stops after the batch whose
    timestamp reaches it (one update per batch)."""
    if duration.unit == "ep":
        return int(duration.value) * state.epoch_length(path)
    return -(-int(duration.value) // state.per_batch(duration.unit, path))


def _states(call: LibraryCall) -> tuple[_State, _State, float, list[str]]:
    """The State when the Trainer builds the scheduler and while it trains (max_duration scaled)."""
    extra = call.extra
    ssr = float(extra["scale_schedule_ratio"])
    facts = (extra["updates_per_epoch"], extra["samples_per_batch"], extra["tokens_per_batch"])
    notes: list[str] = []
    if extra["max_duration"] is not None:
        top: Time | None = parse_time(extra["max_duration"], "max_duration", units=("ba", "ep", "sp", "tok"))
        label = "max_duration"
    elif call.total_steps is not None:
        top, label = Time(call.total_steps, "ba"), "total_steps"
    else:
        top, label = None, "max_duration"
    if ssr == 1.0 or top is None:
        if ssr != 1.0:
            raise SpecError("scales max_duration, which the spec does not give", path="scale_schedule_ratio",
                            value=ssr, hint="add max_duration: as the Trainer gets it (e.g. '1000ba')")
        state = _State(top, *facts, label)
        return state, state, ssr, notes
    if extra["max_duration"] is None:
        raise SpecError("scales max_duration, which the spec does not give", path="scale_schedule_ratio",
                        value=ssr, hint="add max_duration: as the Trainer gets it (total_steps is the run "
                                        "after scaling)")
    scaled = Time(int(top.value * ssr), top.unit)
    if scaled.value == 0:
        raise SpecError(f"reduces max_duration {top} to 0", path="scale_schedule_ratio", value=ssr,
                        hint="Composer raises ValueError")
    notes.append(f"scale_schedule_ratio {ssr:g}: the Trainer runs max_duration {top} as {scaled}")
    return _State(top, *facts, label), _State(scaled, *facts, label), ssr, notes


def _marks(s: _Sched, st: _State, ssr: float, total: int) -> tuple[int, list[Boundary]]:
    """The warmup's end and the boundaries, as updates (a threshold reached at batch j acts from
    update j + 1)."""
    marks: list[tuple[Time, str, str]] = []
    warmup = 0
    if s.kind in _WARMUP:
        t_warmup = st.convert(s.times["t_warmup"], "args.t_warmup")
        if t_warmup.value > 0:
            warmup = st.first_batch(t_warmup, "args.t_warmup") + 1
            marks.append((t_warmup, "warmup end", "args.t_warmup"))
    if s.kind in _DECAYS:
        marks.append((s.t(st, "t_max", ssr), "decay end", "args.t_max"))
    if s.kind == "ConstantScheduler":
        marks.append((s.t(st, "t_max", ssr), "alpha ends", "args.t_max"))
    for name in s.times:
        if name.startswith("milestones"):
            marks.append((s.t(st, name, ssr), "milestone", f"args.{name}"))
    if s.kind in ("StepScheduler", "CosineAnnealingWarmRestartsScheduler"):
        name = "step_size" if s.kind == "StepScheduler" else "t_0"
        size = s.t(st, name, ssr)
        limit = total * st.per_batch(size.unit, f"args.{name}")
        ends: list[int] = []
        if size.value > 0 and s.kind == "StepScheduler":
            ends = [int(size.value) * n for n in range(1, MAX_BOUNDARIES + 1) if size.value * n < limit]
        elif size.value > 0:
            ends = restart_intervals(int(size.value), float(s.args["t_mult"]), limit)[0][:MAX_BOUNDARIES]
        label = "decay" if s.kind == "StepScheduler" else "restart"
        marks.extend((Time(int(end), size.unit), label, f"args.{name}") for end in ends)
    out = [Boundary(st.first_batch(time, path) + 1, label) for time, label, path in marks if time.value > 0]
    return warmup, out


def _fails(s: _Sched, st: _State, ssr: float, total: int) -> tuple[int, str] | None:
    """Where Composer raises at a later batch: a restart interval decayed to 0, ``0.0 ** power < 0``."""
    if s.kind == "CosineAnnealingWarmRestartsScheduler":
        t_0 = s.t(st, "t_0", ssr)
        limit = total * st.per_batch(t_0.unit, "args.t_0")
        _, _, fail = restart_intervals(int(t_0.value), float(s.args["t_mult"]), limit)
        if fail is not None:
            return (st.first_batch(Time(fail, t_0.unit), "args.t_0") + 1,
                    "Composer raises ValueError (the interval between restarts has decayed to 0)")
    if s.kind in ("PolynomialScheduler", "PolynomialWithWarmupScheduler") and float(s.args["power"]) < 0:
        t_max = s.t(st, "t_max", ssr)
        return (st.first_batch(t_max, "args.t_max") + 1,
                "Composer raises ZeroDivisionError (0.0 ** a negative power at the end of t_max)")
    return None


def _conversions(s: _Sched, st: _State, ssr: float) -> list[str]:
    """Notes on the time strings that are not plain batches."""
    notes = []
    for name, time in s.times.items():
        scaled = 1.0 if name == "t_warmup" else ssr
        done = st.convert(time, f"args.{name}", scaled)
        if done != time:
            top = st.max_duration
            per = f" × {st.dataloader_len} batches" if top is not None and top.unit == "ep" else ""
            how = f"int({time.value:g}{per} × {top})" if time.unit == "dur" else \
                f"{time.value} × updates_per_epoch {st.dataloader_len}" if time.unit == "ep" else ""
            scaling = f", × scale_schedule_ratio {ssr:g}" if scaled != 1.0 and time.unit != "dur" else ""
            notes.append(f"{name} '{s.args.get(name, time)}' is {done}"
                         f"{f' ({how}{scaling})' if how or scaling else ''}")
    if ssr != 1.0 and "t_warmup" in s.times:
        notes.append("t_warmup is not scaled by scale_schedule_ratio (Composer converts it without the "
                     "ratio); " + ("the warmup ramp is (scale_warmup: true)" if s.args["scale_warmup"]
                                   else "nor is its ramp (scale_warmup: false)"))
    return notes


def _build(call: LibraryCall) -> Schedule:
    assert call.entry is not None
    s = _Sched(call.entry.name, dict(call.args), _times(dict(call.args)))
    built, running, ssr, notes = _states(call)
    for name, time in s.times.items():  # every unit the run needs, checked before any batch
        done = running.convert(time, f"args.{name}", ssr)
        running.per_batch(done.unit, f"args.{name}")
    natural = updates_of(running.max_duration, running) if running.max_duration is not None else None
    zero = np.zeros(1, dtype=np.int64)
    try:
        first = float(s.value(zero, built, ssr)[0])
    except _Raises as exc:
        raise SpecError(f"Composer raises {exc} when the Trainer builds {call.entry.name}", path=exc.path,
                        hint="Composer evaluates the scheduler once when the Trainer wraps it in a "
                             "LambdaLR") from None
    raise_at: tuple[int, str] | None = None
    try:
        after = float(s.value(zero, running, ssr)[0])
    except _Raises as exc:
        after, raise_at = math.nan, (1, f"Composer raises {exc}")
    total = natural if call.total_steps is None and natural is not None else \
        call.total_steps or (call.bound.updates if call.bound is not None else 1)
    raise_at = raise_at or _fails(s, running, ssr, total)
    warmup, marks = _marks(s, running, ssr, total)
    notes += _conversions(s, running, ssr)
    notes.append("Composer steps the scheduler before it advances the timestamp: update k ≥ 1 runs on the "
                 "multiplier of batch k − 1 (updates 0 and 1 both on batch 0's)")
    if ssr != 1.0 and first != after and not math.isnan(after):
        notes.append(f"update 0 runs on {first:.6g}, the multiplier computed when the Trainer builds the "
                     "scheduler, before it scales max_duration")
    lr = float(call.lr or 0.0)

    def fn(k: IntArray) -> FloatArray:
        k = np.asarray(k, dtype=np.int64)
        try:
            values = s.value(np.maximum(k - 1, 0), running, ssr)
        except _Raises:
            values = np.full(k.shape, np.nan)
        return lr * np.where(k == 0, first, values)

    return finish(call, fn, natural=natural, warmup=warmup, boundaries=marks, notes=notes, raise_at=raise_at)


def _time_arg(name: str, default: Any = REQUIRED, doc: str = "") -> Arg:
    return Arg(name, default, kind="any",
               doc=doc or "a time string: '100ba', '2ep', '0.1dur', '50sp', '1e6tok'")


_SCALE_WARMUP = Arg("scale_warmup", False, kind="bool",
                    doc="scale the warmup ramp by scale_schedule_ratio too")
_T_WARMUP = _time_arg("t_warmup", doc="the warmup (never scaled by scale_schedule_ratio)")
_T_MAX = _time_arg("t_max", "1dur", doc="the decay's end (default '1dur': the run)")
_ALPHA_F = Arg("alpha_f", 0.0, doc="the final multiplier")
_GAMMA = Arg("gamma", 0.1, doc="the factor per decay")
_MILESTONES = Arg("milestones", REQUIRED, kind="any", doc="a list of time strings")

#: The top-level keys of a composer spec: the Trainer's facts the time strings are converted with.
EXTRA = (
    Arg("max_duration", None, kind="any", nullable=True,
        doc="the Trainer's max_duration ('1000ba', '3ep', '1e6sp', '1e9tok'); default: total_steps batches"),
    Arg("updates_per_epoch", None, kind="int", nullable=True, minimum=1,
        doc="batches per epoch (the dataloader's length; one update per batch)"),
    Arg("samples_per_batch", None, kind="int", nullable=True, minimum=1,
        doc="samples per batch over all devices (the global batch size)"),
    Arg("tokens_per_batch", None, kind="int", nullable=True, minimum=1,
        doc="tokens per batch over all devices"),
    Arg("scale_schedule_ratio", 1.0, minimum=0.0, above=True,
        doc="the Trainer's scale_schedule_ratio: max_duration and every time but t_warmup are scaled"),
)

_ENTRIES: tuple[tuple[str, tuple[Arg, ...], str], ...] = (
    ("StepScheduler", (_time_arg("step_size"), _GAMMA), "gamma ** int(t / step_size)"),
    ("MultiStepScheduler", (_MILESTONES, _GAMMA), "gamma multiplied in at each milestone reached"),
    ("ConstantScheduler", (Arg("alpha", 1.0), _T_MAX), "alpha while t < t_max, then 1"),
    ("LinearScheduler", (Arg("alpha_i", 1.0), _ALPHA_F, _T_MAX),
     "alpha_i + min(1, t/t_max) (alpha_f - alpha_i)"),
    ("ExponentialScheduler", (Arg("gamma", REQUIRED, minimum=0.0, why="a negative gamma ** a fraction is "
                                                                        "complex"),
                              _time_arg("decay_period", "1ep")), "gamma ** (t / decay_period)"),
    ("CosineAnnealingScheduler", (_T_MAX, _ALPHA_F), "alpha_f + (1 - alpha_f)(1 + cos(π min(1, t/t_max)))/2"),
    ("CosineAnnealingWarmRestartsScheduler",
     (_time_arg("t_0"), Arg("t_mult", 1.0, minimum=0.0, why="a negative t_mult gives negative intervals"),
      _ALPHA_F), "the cosine over intervals t_0, int(t_mult × previous), ..."),
    ("PolynomialScheduler", (Arg("power", REQUIRED), _T_MAX, _ALPHA_F),
     "alpha_f + (1 - min(1, t/t_max)) ** power (1 - alpha_f)"),
    ("MultiStepWithWarmupScheduler", (_T_WARMUP, _MILESTONES, _GAMMA, _SCALE_WARMUP),
     "linear 0 -> 1 over t_warmup, then MultiStepScheduler"),
    ("ConstantWithWarmupScheduler", (_T_WARMUP, Arg("alpha", 1.0), _T_MAX, _SCALE_WARMUP),
     "linear 0 -> alpha over t_warmup, then alpha"),
    ("LinearWithWarmupScheduler", (_T_WARMUP, Arg("alpha_i", 1.0), _ALPHA_F, _T_MAX, _SCALE_WARMUP),
     "linear 0 -> alpha_i over t_warmup, then linear to alpha_f at t_max"),
    ("CosineAnnealingWithWarmupScheduler", (_T_WARMUP, _T_MAX, _ALPHA_F, _SCALE_WARMUP),
     "linear 0 -> 1 over t_warmup, then the cosine to alpha_f at t_max"),
    ("PolynomialWithWarmupScheduler", (_T_WARMUP, Arg("power", 2.0), _T_MAX, _ALPHA_F, _SCALE_WARMUP),
     "linear 0 -> 1 over t_warmup, then the polynomial to alpha_f at t_max"),
)

for _name, _args, _formula in _ENTRIES:
    register(LibrarySchedule(
        name=_name, library=LIBRARY, args=_args, build=_build, extra=EXTRA,
        source=f"{VERSION}, {FILE}, {_name} (stepped as composer/trainer/trainer.py's Trainer does)",
        formula=f"lr × m, m = {_formula}; update k ≥ 1 uses m at batch k - 1",
    ))

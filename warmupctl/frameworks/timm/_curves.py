"""timm's scheduler formulas (timm 1.0.31, ``timm/scheduler/``): the shared warmup, the cycle
bookkeeping of the cosine, tanh and polynomial schedulers, the step schedulers, WSD, and the notes
every scheduler shares. :mod:`warmupctl.frameworks.timm` turns them into Schedules and registers them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import SpecError
from warmupctl.frameworks._kit import pieces

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Curve = Callable[[Ints], Floats]
PathOf = Callable[[str], str]

VERSION = "timm 1.0.31"

#: A cycle boundary is checked with ``math.log`` when numpy's quotient is this close to an integer.
_NEAR_INTEGER = 1e-9
#: Restarts (and step decays) marked on plots at most.
_MAX_MARKS = 100
#: The "lr_min only after the end" note fires when the last update is this far above lr_min.
_FLOOR_GAP = 0.01

_STABLE_FNS = ("constant", "rsqrt", "power")
_DECAY_FNS = ("linear", "1-sqrt", "cosine", "power", "exp")


def _class_path(name: str) -> str:
    return f"args.{name}"


@dataclass(frozen=True)
class _Clock:
    """How timm's counter advances: once per update, or once per epoch of ``per`` updates."""

    per: int
    epochs: bool

    def say(self, count: int) -> str:
        """Where count ``count`` first applies, in updates (and epochs)."""
        first = count * self.per
        return f"update {first} (epoch {count})" if self.epochs else f"update {first}"


@dataclass(frozen=True)
class _Curve:
    """One timm scheduler as a function of its own counter.

    Attributes:
        at: timm's ``_get_lr(t)`` over an int64 array of counts.
        initial: the LR the constructor writes (used until the first step call).
        length: ``get_cycle_length()`` in counts, or None when the scheduler has no natural end.
        warmup_t: warmup length in counts.
        marks: ``(count, label)`` phase starts.
        notes: remarks about this instance (already in updates).
    """

    at: Curve
    initial: float
    length: int | None
    warmup_t: int
    marks: tuple[tuple[int, str], ...] = ()
    notes: tuple[str, ...] = ()


def _fail(message: str, path: str, value: Any, hint: str) -> SpecError:
    return SpecError(message, path=path, value=value, hint=hint)


def _refuse_noise(value: Any, path: str) -> None:
    if value is not None:
        raise _fail(
            "LR noise cannot be reproduced without torch", path, value,
            "timm draws the noise from torch.Generator().manual_seed(noise_seed + t) and "
            "torch.randn; remove it (null) to see the noise-free schedule",
        )


def _check_warmup(kw: Mapping[str, Any], path: PathOf) -> None:
    if kw["warmup_t"] < 0:
        raise _fail("must not be negative", path("warmup_t"), kw["warmup_t"],
                    "timm would shift the whole schedule by it; use 0 for no warmup")


def _with_warmup(warmup_t: int, init: float, target: float, prefix: bool, after: Curve) -> Curve:
    """timm's shared warmup: ``init + t*(target - init)/warmup_t`` for t < warmup_t, then ``after``.

    ``after`` sees ``t - warmup_t`` with ``warmup_prefix``, else ``t`` itself (the decay overlaps
    the warmup).
    """
    slope = (target - init) / warmup_t if warmup_t else 1.0

    def warm(t: Ints) -> Floats:
        return cast(Floats, init + t * slope)

    def rest(t: Ints) -> Floats:
        return after(t - warmup_t if prefix and warmup_t else t)

    return pieces([warmup_t], [warm, rest])


def _initial(kw: Mapping[str, Any], base: float) -> float:
    """The constructor's write: ``warmup_lr_init`` when ``warmup_t`` is set, else the base LR."""
    return float(kw["warmup_lr_init"]) if kw["warmup_t"] else base


# --- cycles (Cosine, Tanh, Poly) ---------------------------------------------------------------


def _cycle_index(t: Ints, t_initial: float, mul: float) -> Floats:
    """timm's float cycle index ``floor(log(1 - t/t_initial*(1 - mul), mul))``; NaN where timm raises.

    Near an integer quotient numpy's log may differ from libm's by an ulp, and the floor would then
    differ from timm's: those few entries are recomputed with ``math.log`` (what timm calls).
    """
    x = 1 - t / t_initial * (1 - mul)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.log(x) / np.log(mul)
        near = np.isfinite(q) & (np.abs(q - np.rint(q)) < _NEAR_INTEGER)
    index = np.floor(q)
    for j in np.flatnonzero(near):
        index[j] = math.floor(math.log(float(x[j]), mul))
    index[~(x > 0)] = np.nan  # math.log raises ValueError (math domain error) there
    return index


def _floor_div(t: Ints, d: int) -> Ints:
    """``t // d`` for int64 ``t`` and a positive int ``d``: a float estimate corrected to the exact
    floor (numpy's integer division is several times slower)."""
    if t.size and t.max() >= 2**52:  # the float estimate could be off by more than one
        return np.floor_divide(t, d)
    q = np.floor(t / d).astype(np.int64)
    q -= q * d > t
    q += (q + 1) * d <= t
    return q


def _cycle_position(t: Ints, t_initial: int, mul: float) -> tuple[Floats, Floats, Floats]:
    """``(i, t_i, t_curr)``: cycle index, cycle length and position inside it, as timm computes them."""
    if mul == 1:
        i = _floor_div(t, t_initial)
        return (i.astype(np.float64), cast(Floats, np.float64(t_initial)),
                (t - t_initial * i).astype(np.float64))
    index = _cycle_index(t, t_initial, mul)
    with np.errstate(over="ignore", invalid="ignore"):
        grown = mul**index
        return index, grown * t_initial, t - (1 - grown) / (1 - mul) * t_initial


Shape = Callable[[Floats, Floats, Floats, Mapping[str, Any]], Floats]


def _pow(x: Floats, k: float) -> Floats:
    # x ** 1.0 is x exactly, in Python as in numpy: skip the pass over the array
    return x if k == 1 else x**k


def _cosine_shape(t_curr: Floats, t_i: Floats, lr_max: Floats, kw: Mapping[str, Any]) -> Floats:
    k, lr_min = kw["k_decay"], kw["lr_min"]
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * _pow(t_curr, k) / _pow(t_i, k)))


def _tanh_shape(t_curr: Floats, t_i: Floats, lr_max: Floats, kw: Mapping[str, Any]) -> Floats:
    lb, ub, lr_min = kw["lb"], kw["ub"], kw["lr_min"]
    tr = t_curr / t_i
    return lr_min + 0.5 * (lr_max - lr_min) * (1 - np.tanh(lb * (1.0 - tr) + ub * tr))


def _poly_shape(t_curr: Floats, t_i: Floats, lr_max: Floats, kw: Mapping[str, Any]) -> Floats:
    k, lr_min = kw["k_decay"], kw["lr_min"]
    return lr_min + (lr_max - lr_min) * (1 - _pow(t_curr, k) / _pow(t_i, k)) ** kw["power"]


def _cyclic_decay(base: float, kw: Mapping[str, Any], shape: Shape) -> Curve:
    """The decay after warmup: ``shape`` inside cycle i < cycle_limit with peak base*cycle_decay^i."""
    t_initial, mul = kw["t_initial"], kw["cycle_mul"]

    def after(t: Ints) -> Floats:
        i, t_i, t_curr = _cycle_position(t, t_initial, mul)
        with np.errstate(over="ignore", invalid="ignore"):
            decay = kw["cycle_decay"]
            lr_max = base * decay**i if decay != 1 else np.float64(base * 1.0)
            out = np.where(i < kw["cycle_limit"], shape(t_curr, t_i, cast(Floats, lr_max), kw),
                           kw["lr_min"])
        if mul != 1:
            out[np.isnan(i)] = np.nan
        return out

    return after


#: Past 2**53 updates an update index is no longer exact as a float: no run is that long, and numpy
#: cannot hold the last index of a longer one as int64 (cycle_mul 3, cycle_limit 100: ~5e47).
_LONGEST = 2**53


def _cycle_length(t_initial: int, mul: float, limit: int) -> int | None:
    """timm's ``get_cycle_length()`` without the warmup; None when its float arithmetic overflows or
    the length is past :data:`_LONGEST` (treated as no natural end: ``--steps`` bounds the run)."""
    cycles = max(1, limit)
    if mul == 1.0:
        length = t_initial * cycles
    else:
        try:
            length = int(math.floor(-t_initial * (mul**cycles - 1) / (1 - mul)))
        except OverflowError:
            return None
    return length if length <= _LONGEST else None


def _restarts(kw: Mapping[str, Any], offset: int, clock: _Clock, curve: Curve
              ) -> tuple[list[tuple[int, str]], list[str]]:
    """Restart marks and notes on restarts that timm's float index puts into the previous cycle."""
    t_initial, mul, limit = kw["t_initial"], kw["cycle_mul"], kw["cycle_limit"]
    marks: list[tuple[int, str]] = []
    notes: list[str] = []
    for j in range(1, min(limit, _MAX_MARKS) + 1):
        exact = t_initial * j if mul == 1 else t_initial * (mul**j - 1) / (mul - 1)
        if not math.isfinite(exact) or exact > 2**53:
            break
        start = math.ceil(exact - _NEAR_INTEGER * max(1.0, exact))
        index = _cycle_position(np.array([start, start + 1], dtype=np.int64), t_initial, mul)[0]
        if np.isnan(index).any():
            break
        label = "lr_min (cycle_limit reached)" if j == limit else f"restart {j}"
        if index[0] >= j:
            marks.append((start + offset, label))
            continue
        marks.append((start + offset + 1, label))
        value = float(curve(np.array([start + offset], dtype=np.int64))[0])
        if j == limit and math.isclose(value, kw["lr_min"], rel_tol=1e-9, abs_tol=1e-300):
            continue  # the tail is at lr_min either way
        notes.append(
            f"timm's float cycle index puts t={start} into cycle {j - 1} (log rounding): "
            f"{clock.say(start + offset)} gets the end of that cycle ({value:.6g}) and "
            f"cycle {j} starts one step late"
        )
    return marks, notes


def _domain_note(kw: Mapping[str, Any], prefix: bool, clock: _Clock, curve: Curve) -> list[str]:
    """cycle_mul < 1: the log's argument reaches 0 and timm raises from that count on."""
    mul, t_initial, warmup_t = kw["cycle_mul"], kw["t_initial"], kw["warmup_t"]
    if not 0 < mul < 1:
        return []
    guess = max(0, math.floor(t_initial / (1 - mul)) - 2)
    probe = np.arange(guess, guess + 6, dtype=np.int64)
    first = int(probe[np.isnan(_cycle_index(probe, t_initial, mul))][0])
    count = max(first + warmup_t if prefix else first, warmup_t, 1)
    return [
        f"timm raises ValueError (math domain error) from {clock.say(count)} on "
        f"(cycle_mul {mul:g} < 1: the cycles add up to t_initial/(1 - cycle_mul)); "
        "warmupctl shows NaN there"
    ]


def _cyclic(shape: Shape, family: str) -> Callable[..., _Curve]:
    """Builder for CosineLRScheduler, TanhLRScheduler and PolyLRScheduler."""

    def build(kw: Mapping[str, Any], base: float, path: PathOf, clock: _Clock) -> _Curve:
        if kw["t_initial"] <= 0:
            raise _fail("must be positive", path("t_initial"), kw["t_initial"],
                        f"timm asserts t_initial > 0 ({family} cycle length)")
        if kw["lr_min"] < 0:
            raise _fail("must not be negative", path("lr_min"), kw["lr_min"],
                        "timm asserts lr_min >= 0")
        if family == "tanh":
            if not kw["lb"] < kw["ub"]:
                raise _fail("lb must be below ub", path("lb"), kw["lb"], f"timm asserts lb < ub "
                            f"(ub is {kw['ub']!r})")
            if kw["cycle_limit"] < 0:
                raise _fail("must not be negative", path("cycle_limit"), kw["cycle_limit"],
                            "timm asserts cycle_limit >= 0")
            if kw["warmup_lr_init"] < 0:
                raise _fail("must not be negative", path("warmup_lr_init"),
                            kw["warmup_lr_init"], "timm asserts warmup_lr_init >= 0")
        if kw["cycle_mul"] <= 0:
            raise _fail("must be positive", path("cycle_mul"), kw["cycle_mul"],
                        "timm takes math.log(..., cycle_mul), which raises ValueError once "
                        "the decay starts; 1 means no growth")
        _check_warmup(kw, path)
        warmup_t, prefix = kw["warmup_t"], kw["warmup_prefix"]
        after = _cyclic_decay(base, kw, shape)
        target = base
        if warmup_t and family == "tanh" and not prefix:
            # TanhLRScheduler ramps to its own value at t = warmup_t, not to the base LR
            target = float(after(np.array([warmup_t], dtype=np.int64))[0])
            if math.isnan(target):
                raise _fail("timm raises ValueError in the constructor", path("cycle_mul"),
                            kw["cycle_mul"], "the cycles end before warmup_t")
        curve = _with_warmup(warmup_t, float(kw["warmup_lr_init"]), target, prefix, after)
        offset = warmup_t if prefix else 0
        length = _cycle_length(kw["t_initial"], kw["cycle_mul"], kw["cycle_limit"])
        marks, notes = _restarts(kw, offset, clock, curve)
        notes += _domain_note(kw, prefix, clock, curve)
        if warmup_t:
            marks.insert(0, (warmup_t, "warmup end"))
        return _Curve(
            at=curve,
            initial=_initial(kw, base),
            length=None if length is None else length + offset,
            warmup_t=warmup_t,
            marks=tuple(marks),
            notes=tuple(notes),
        )

    return build


# --- Step, MultiStep ---------------------------------------------------------------------------


def _bisect_right(sorted_or_not: list[float], x: Ints) -> Ints:
    """``bisect.bisect_right`` on each entry of ``x``, including on an unsorted list (timm assumes
    sorted milestones but does not check; bisect then gives its own answer, reproduced here)."""
    table = np.asarray(sorted_or_not, dtype=np.float64)
    if len(table) == 0:
        return np.zeros(x.shape, dtype=np.int64)
    if np.all(table[1:] >= table[:-1]):
        return np.searchsorted(table, x, side="right").astype(np.int64)
    lo = np.zeros(x.shape, dtype=np.int64)
    hi = np.full(x.shape, len(table), dtype=np.int64)
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        left = active & (x < table[np.minimum(mid, len(table) - 1)])
        hi = np.where(left, mid, hi)
        lo = np.where(active & ~left, mid + 1, lo)


def _stepwise(family: str) -> Callable[..., _Curve]:
    """Builder for StepLRScheduler (``t // decay_t`` decays) and MultiStepLRScheduler (milestones)."""

    def build(kw: Mapping[str, Any], base: float, path: PathOf, clock: _Clock) -> _Curve:
        _check_warmup(kw, path)
        warmup_t, prefix, rate = kw["warmup_t"], kw["warmup_prefix"], kw["decay_rate"]
        offset = warmup_t if prefix else 0
        notes: list[str] = []
        if family == "step":
            decay_t = kw["decay_t"]

            def decays(t: Ints) -> Floats:
                if decay_t == 0:  # ZeroDivisionError in timm; NaN (1.0 ** nan would give 1)
                    return np.full(t.shape, np.nan)
                return np.floor_divide(t, decay_t) * 1.0

            starts = [] if decay_t <= 0 or rate == 1 else [
                offset + math.ceil(decay_t * j) for j in range(1, _MAX_MARKS + 1)
            ]
            marks = [(s, f"decay {j}") for j, s in enumerate(starts, 1)]
            if decay_t == 0:
                notes.append(f"timm raises ZeroDivisionError (decay_t 0) from "
                             f"{clock.say(max(warmup_t, 1))} on; warmupctl shows NaN there")
        else:
            milestones = list(kw["decay_t"])

            def decays(t: Ints) -> Floats:
                # timm compares milestones with t + 1: milestone m applies at t = m - 1
                return cast(Floats, _bisect_right(milestones, t + 1) * 1.0)

            effective = sorted({max(offset + m - 1, 1) for m in milestones})
            marks = [(s, "milestone") for s in effective[:_MAX_MARKS]]
            if milestones:
                first = min(milestones)
                notes.append(
                    f"timm applies each milestone one step early (bisect on t + 1): milestone "
                    f"{first} takes effect at {clock.say(max(offset + first - 1, 1))}, "
                    f"where torch.MultiStepLR would wait for t = {first}"
                )
            if milestones != sorted(milestones):
                notes.append("decay_t is not sorted: timm's bisect assumes sorted milestones, "
                             "so the decays land where bisect_right puts them (reproduced)")

        def after(t: Ints) -> Floats:
            exponent = decays(t)
            with np.errstate(over="ignore", invalid="ignore"):
                return np.where(np.isnan(exponent), np.nan, base * rate**exponent)

        curve = _with_warmup(warmup_t, float(kw["warmup_lr_init"]), base, prefix, after)
        if warmup_t:
            marks.insert(0, (warmup_t, "warmup end"))
        return _Curve(curve, _initial(kw, base), None, warmup_t, tuple(marks), tuple(notes))

    return build


# --- WSD ---------------------------------------------------------------------------------------


def _wsd_decay(name: str, frac: Floats, kw: Mapping[str, Any]) -> Floats:
    """WSDLRScheduler's decay factor, 1 at frac 0 to 0 at frac 1."""
    if name == "linear":
        return 1.0 - frac
    if name == "1-sqrt":
        return 1.0 - np.sqrt(frac)
    if name == "cosine":
        return 0.5 * (1.0 + np.cos(np.pi * frac))
    if name == "power":
        return 1.0 - frac ** kw["decay_power"]
    r = kw["decay_ratio"]
    return (r**frac - r) / (1.0 - r)


def _wsd(kw: Mapping[str, Any], base: float, path: PathOf, clock: _Clock) -> _Curve:
    """WSDLRScheduler: warmup (always a prefix), stable ``base*g(t_s)`` (floored at lr_min), then a
    decay over the last ``decay_t`` counts of ``t_initial``."""
    t_initial, decay_t, lr_min = kw["t_initial"], kw["decay_t"], kw["lr_min"]
    checks = (
        (t_initial <= 0, "t_initial", "must be > 0"),
        (not 0 < decay_t <= t_initial, "decay_t", f"must be in (0, t_initial] (t_initial is "
                                                  f"{t_initial}: the stable + decay length)"),
        (lr_min < 0, "lr_min", "must be >= 0"),
        (not 0.0 < kw["decay_ratio"] < 1.0, "decay_ratio", "must be in (0, 1)"),
        (kw["decay_power"] <= 0, "decay_power", "must be > 0"),
        (kw["stable_power"] <= 0, "stable_power", "must be > 0"),
    )
    for bad, name, rule in checks:
        if bad:
            raise _fail("timm raises ValueError", path(name), kw[name], rule)
    _check_warmup(kw, path)
    warmup_t, stable_fn, decay_fn = kw["warmup_t"], kw["stable_fn"], kw["decay_fn"]
    timescale = kw["stable_timescale"]
    if stable_fn != "constant":
        timescale = warmup_t if timescale is None else timescale
        if timescale <= 0:
            raise _fail("timm raises ValueError", path("stable_timescale"), timescale,
                        f"stable_fn {stable_fn!r} needs a positive stable_timescale; it defaults "
                        "to warmup_t, so set it when there is no warmup")
    power = 0.5 if stable_fn == "rsqrt" else kw["stable_power"]

    def after(t_s: Ints) -> Floats:
        if stable_fn == "constant":
            stable = np.full(t_s.shape, base * 1.0)
        else:
            stable = base * (1.0 + t_s / timescale) ** -power
        stable = np.maximum(stable, lr_min)
        t_decay = t_s - (t_initial - decay_t)
        decaying = t_decay > 0
        frac = np.minimum(t_decay[decaying] / decay_t, 1.0)
        stable[decaying] = lr_min + (stable[decaying] - lr_min) * _wsd_decay(decay_fn, frac, kw)
        return stable

    curve = _with_warmup(warmup_t, float(kw["warmup_lr_init"]), base, True, after)
    marks = [(warmup_t + t_initial - decay_t, "decay start"), (warmup_t + t_initial, "lr_min")]
    if warmup_t:
        marks.insert(0, (warmup_t, "warmup end"))
    return _Curve(curve, _initial(kw, base), warmup_t + t_initial, warmup_t, tuple(marks))


# --- notes shared by every scheduler -----------------------------------------------------------


def _common_notes(curve: _Curve, base: float, lr_min: float | None, clock: _Clock,
                  prefix: bool, peak_candidates: tuple[int, ...]) -> list[str]:
    """The constructor's first value, a peak that is never reached, a floor reached after the end."""
    notes: list[str] = []
    at = curve.at
    first = float(at(np.zeros(1, dtype=np.int64))[0])
    if math.isfinite(first) and not math.isclose(first, curve.initial, rel_tol=1e-12):
        span = f"updates 0-{clock.per - 1} run" if clock.per > 1 else "update 0 runs"
        notes.append(
            f"{span} at {curve.initial:.7g}, the value the constructor writes; timm's formula "
            f"gives {first:.7g} at t=0, which no update receives"
        )
    points = np.array(sorted({c for c in peak_candidates if c >= 1}), dtype=np.int64)
    if base > 0 and points.size and curve.warmup_t and curve.initial < base:
        values = at(points)
        best = int(np.argmax(values))
        highest = max(float(values[best]), curve.initial)
        if np.isfinite(values).all() and highest < base * (1 - 1e-9):
            why = ("warmup_prefix=False overlaps the warmup with the decay" if not prefix
                   else "the decay starts below lr")
            notes.append(
                f"the peak {base:g} is never reached: {why}; the highest LR is {highest:.7g} "
                f"at {clock.say(int(points[best]))}"
            )
    if lr_min is not None and curve.length and base > lr_min:
        last = curve.initial if curve.length == 1 else float(at(np.array([curve.length - 1]))[0])
        if last - lr_min > _FLOOR_GAP * (base - lr_min):
            notes.append(
                f"lr_min {lr_min:g} is first used at {clock.say(curve.length)}, one past the "
                f"schedule's {curve.length * clock.per} updates: the last one runs at {last:.6g}"
            )
    return notes


def _peak_candidates(curve: _Curve) -> tuple[int, ...]:
    """Counts where a warmup-then-decay schedule can peak: the warmup top, the hand-over, restarts."""
    restarts = tuple(c for c, label in curve.marks if label.startswith("restart"))
    return (curve.warmup_t - 1, curve.warmup_t, *restarts)

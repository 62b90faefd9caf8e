"""timm's LR schedulers (timm 1.0.31, ``timm/scheduler/``), update by update.

timm's schedulers are stateless: the LR is a pure function ``_get_lr(t)`` of a counter ``t`` that the
training loop passes in. ``train.py`` calls ``step_update(num_updates)`` after each optimizer update
with the post-increment count (used when ``t_in_epochs=False``) and ``step(epoch + 1)`` after each
epoch (used when ``t_in_epochs=True``, timm's default). The constructor writes the LR in force before
the first call: ``warmup_lr_init`` when there is a warmup, else the optimizer's LR. So, with
``per`` = 1 (per update) or ``updates_per_epoch`` (per epoch) and ``t = k // per``:

    lr[k] = constructor value          if t == 0
            _get_lr(t)                 otherwise

Every scheduler shares the linear warmup ``warmup_lr_init + t * (target - warmup_lr_init) / warmup_t``
for ``t < warmup_t``; with ``warmup_prefix`` the decay then sees ``t - warmup_t``, without it the warmup
overlaps the first ``warmup_t`` counts of the decay (so the peak is never reached exactly).

The cosine, tanh and polynomial schedulers share timm's cycle bookkeeping: with ``cycle_mul != 1``
the cycle index is ``floor(log(1 - t/t_initial*(1 - cycle_mul), cycle_mul))`` in float64, which can
round just below an integer at an exact restart and put that count into the previous cycle. The
index is evaluated vectorized and, wherever the logarithm lands within 1e-9 of an integer, again with
Python's ``math.log`` (what timm calls), so those misplaced restarts are reproduced exactly.

Every form here is closed (no recursion is replayed). Noise (``noise_range_t``) is refused: it draws
from torch's CPU generator, which warmupctl does not reproduce.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import finish
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

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

    def curve(t: Ints) -> Floats:
        if not t.size or t.min() >= warmup_t:
            return after(t - warmup_t if prefix and warmup_t else t)
        out = np.empty(t.shape, dtype=np.float64)
        warm = t < warmup_t
        out[warm] = init + t[warm] * slope
        rest = t[~warm]
        out[~warm] = after(rest - warmup_t if prefix else rest)
        return out

    return curve


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
        return i.astype(np.float64), np.float64(t_initial), (t - t_initial * i).astype(np.float64)
    i = _cycle_index(t, t_initial, mul)
    with np.errstate(over="ignore", invalid="ignore"):
        grown = mul**i
        return i, grown * t_initial, t - (1 - grown) / (1 - mul) * t_initial


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
            out = np.where(i < kw["cycle_limit"], shape(t_curr, t_i, lr_max, kw), kw["lr_min"])
        if mul != 1:
            out[np.isnan(i)] = np.nan
        return out

    return after


def _cycle_length(t_initial: int, mul: float, limit: int) -> int | None:
    """timm's ``get_cycle_length()`` without the warmup; None when its float arithmetic overflows."""
    cycles = max(1, limit)
    if mul == 1.0:
        return t_initial * cycles
    try:
        return int(math.floor(-t_initial * (mul**cycles - 1) / (1 - mul)))
    except OverflowError:
        return None


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
                return _bisect_right(milestones, t + 1) * 1.0

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


# --- schedules ---------------------------------------------------------------------------------


def _per_count(at: Curve, t: Ints) -> Floats:
    """Evaluate ``at`` once per distinct count (per-epoch stepping repeats each count)."""
    if t.size < 2:
        return at(t)
    if np.all(t[1:] >= t[:-1]):
        starts = np.flatnonzero(np.concatenate(([True], t[1:] != t[:-1])))
        return np.repeat(at(t[starts]), np.diff(np.append(starts, t.size)))
    unique, inverse = np.unique(t, return_inverse=True)
    return at(unique)[inverse]


def _updates_fn(curve: _Curve, per: int) -> Callable[[Ints], Floats]:
    def fn(k: Ints) -> Floats:
        t = k if per == 1 else k // per
        out = curve.at(t) if per == 1 else _per_count(curve.at, t)
        out[t == 0] = curve.initial
        return out

    return fn


def _updates_per_epoch(call: LibraryCall, per_epoch: bool, flag: str) -> int | None:
    upe = call.extra.get("updates_per_epoch")
    if upe is not None and upe < 1:
        raise _fail("must be positive", "updates_per_epoch", upe,
                    "the number of optimizer updates in one epoch")
    if per_epoch and upe is None:
        raise SpecError(
            f"{flag}=True steps timm's scheduler once per epoch: warmupctl needs updates_per_epoch",
            path="updates_per_epoch",
            hint=f"add 'updates_per_epoch: N' (optimizer updates per epoch), or set "
                 f"args.{flag}: false if the counts are updates",
        )
    return upe


def _finish(curve: _Curve, call: LibraryCall, clock: _Clock, natural: int | None,
            notes: list[str], detail: str) -> Schedule:
    return finish(call, _updates_fn(curve, clock.per), natural=natural,
                  warmup=curve.warmup_t * clock.per, notes=notes, detail=detail,
                  boundaries=[Boundary(c * clock.per, label) for c, label in curve.marks])


def _source(name: str) -> str:
    return f"{VERSION}, {_SOURCES['timm.' + name]}"


def _epoch_note(clock: _Clock, flag: str) -> list[str]:
    if not clock.epochs or clock.per == 1:
        return []
    return [f"{flag}=True (timm's default): the counts are epochs and the LR changes once every "
            f"{clock.per} updates; set {flag}: false to step per update"]


_BUILDERS: dict[str, Callable[..., _Curve]] = {
    "CosineLRScheduler": _cyclic(_cosine_shape, "cosine"),
    "TanhLRScheduler": _cyclic(_tanh_shape, "tanh"),
    "PolyLRScheduler": _cyclic(_poly_shape, "poly"),
    "StepLRScheduler": _stepwise("step"),
    "MultiStepLRScheduler": _stepwise("multistep"),
    "WSDLRScheduler": _wsd,
}

_SOURCES = {
    "timm.CosineLRScheduler": "timm/scheduler/cosine_lr.py, CosineLRScheduler",
    "timm.TanhLRScheduler": "timm/scheduler/tanh_lr.py, TanhLRScheduler",
    "timm.PolyLRScheduler": "timm/scheduler/poly_lr.py, PolyLRScheduler",
    "timm.StepLRScheduler": "timm/scheduler/step_lr.py, StepLRScheduler",
    "timm.MultiStepLRScheduler": "timm/scheduler/multistep_lr.py, MultiStepLRScheduler",
    "timm.WSDLRScheduler": "timm/scheduler/wsd_lr.py, WSDLRScheduler",
    "timm.create_scheduler_v2": "timm/scheduler/scheduler_factory.py, create_scheduler_v2",
}


def _curve_notes(name: str, curve: _Curve, kw: Mapping[str, Any], base: float,
                 clock: _Clock) -> list[str]:
    decays = name in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler", "WSDLRScheduler")
    prefix = bool(kw.get("warmup_prefix", True))
    return [*curve.notes, *_common_notes(curve, base, kw["lr_min"] if decays else None, clock,
                                         prefix, _peak_candidates(curve))]


def _class_build(name: str) -> Callable[[LibraryCall], Schedule]:
    def build(call: LibraryCall) -> Schedule:
        kw = call.args
        assert call.lr is not None  # lr="required": the spec layer guarantees it
        _refuse_noise(kw["noise_range_t"], "args.noise_range_t")
        per_epoch = kw["t_in_epochs"]
        upe = _updates_per_epoch(call, per_epoch, "t_in_epochs")
        clock = _Clock(per=upe if per_epoch and upe else 1, epochs=per_epoch)
        curve = _BUILDERS[name](kw, call.lr, _class_path, clock)
        notes = [*_epoch_note(clock, "t_in_epochs"), *_curve_notes(name, curve, kw, call.lr, clock)]
        natural = None if curve.length is None else curve.length * clock.per
        detail = ("" if curve.length is None
                  else "timm's get_cycle_length() overflows for these cycles")
        return _finish(curve, call, clock, natural, notes, detail)

    return build


# --- create_scheduler_v2 -----------------------------------------------------------------------

_FACTORY_PATHS = {
    "t_initial": "num_epochs",
    "lr_min": "min_lr",
    "warmup_t": "warmup_epochs",
    "warmup_lr_init": "warmup_lr",
    "t_in_epochs": "step_on_epochs",
    "power": "decay_rate",
    "decay_t": "decay_epochs",
}


def _factory_upe(call: LibraryCall) -> int:
    a = call.args
    in_args, top = a["updates_per_epoch"], call.extra.get("updates_per_epoch")
    if in_args and top is not None and in_args != top:
        raise _fail("conflicts with args.updates_per_epoch", "updates_per_epoch", top,
                    "give the updates per epoch once, under args")
    upe = in_args or top or 0
    if upe < 0:
        raise _fail("must not be negative", "args.updates_per_epoch", upe,
                    "the number of optimizer updates in one epoch")
    if upe == 0:
        why = ("timm asserts updates_per_epoch > 0 when step_on_epochs is false" if not
               a["step_on_epochs"] else "warmupctl needs it to place each epoch's LR on updates")
        raise SpecError("create_scheduler_v2 needs updates_per_epoch", path="args.updates_per_epoch",
                        hint=f"{why}: add updates_per_epoch: N (optimizer updates per epoch)")
    return upe


def _factory_build(call: LibraryCall) -> Schedule:
    """Replay ``create_scheduler_v2``: convert epochs (to updates when not step_on_epochs), build the
    scheduler it would build, and train for the ``num_epochs`` it returns."""
    a = call.args
    assert call.lr is not None
    sched, on_epochs = a["sched"], a["step_on_epochs"]
    if sched == "plateau":
        raise _fail("the plateau scheduler follows the validation metric", "args.sched", sched,
                    "its LR depends on the metrics of the run, which warmupctl cannot know")
    _refuse_noise(a["noise"], "args.noise")
    upe = _factory_upe(call)
    decay_epochs = a["decay_epochs"]
    if decay_epochs is None:
        decay_epochs = 0.2 if sched in ("wsd", "rsqrt") else 90
    scale = 1 if on_epochs else upe
    t_initial, warmup_t = a["num_epochs"] * scale, a["warmup_epochs"] * scale
    decay_t, cooldown_t = decay_epochs * scale, a["cooldown_epochs"] * scale
    timescale = None if a["stable_timescale"] is None else a["stable_timescale"] * scale
    warmup = {"warmup_t": warmup_t, "warmup_lr_init": a["warmup_lr"],
              "warmup_prefix": a["warmup_prefix"]}
    cycles = {"cycle_mul": a["cycle_mul"], "cycle_decay": a["cycle_decay"],
              "cycle_limit": a["cycle_limit"]}
    paths = dict(_FACTORY_PATHS)
    kw: dict[str, Any]
    if sched in ("cosine", "tanh", "poly"):
        name = {"cosine": "CosineLRScheduler", "tanh": "TanhLRScheduler",
                "poly": "PolyLRScheduler"}[sched]
        kw = {"t_initial": t_initial, "lr_min": a["min_lr"], **cycles, **warmup,
              "k_decay": a["k_decay"], "lb": -7.0, "ub": 3.0, "power": a["decay_rate"]}
    elif sched in ("step", "constant"):
        name = "StepLRScheduler"
        kw = {"decay_t": decay_t, "decay_rate": a["decay_rate"], **warmup}
        if sched == "constant":
            kw.update(decay_t=1, decay_rate=1.0)
    elif sched == "multistep":
        name = "MultiStepLRScheduler"
        paths["decay_t"] = "decay_milestones"
        kw = {"decay_t": [m * scale for m in a["decay_milestones"]],
              "decay_rate": a["decay_rate"], **warmup}
    elif sched in ("wsd", "rsqrt"):
        name = "WSDLRScheduler"
        t_sched = t_initial if a["warmup_prefix"] else t_initial - warmup_t
        if 0 < decay_epochs < 1:
            decay_t = decay_epochs * t_sched
        decay_t = int(round(decay_t))
        if not 0 < decay_t <= t_sched:
            bound = "epochs" if a["warmup_prefix"] else "epochs - warmup_epochs"
            raise _fail("timm raises ValueError", "args.decay_epochs", a["decay_epochs"],
                        f"{sched} needs 0 < decay_epochs <= {bound}: got a decay of {decay_t} "
                        f"and a stable + decay length of {t_sched}")
        kw = {"t_initial": t_sched, "decay_t": decay_t, "lr_min": a["min_lr"],
              "stable_fn": "rsqrt" if sched == "rsqrt" else "constant",
              "stable_timescale": timescale, "stable_power": 0.5,
              "decay_fn": a["decay_fn"] or ("linear" if sched == "rsqrt" else "1-sqrt"),
              "decay_power": 0.5, "decay_ratio": 0.1,
              "warmup_t": warmup_t, "warmup_lr_init": a["warmup_lr"]}
    else:  # 'none': no scheduler, the optimizer's LR throughout
        name = ""
        kw = {"lr_min": a["min_lr"]}

    clock = _Clock(per=upe if on_epochs else 1, epochs=on_epochs)
    notes = _epoch_note(clock, "step_on_epochs") if name else []
    if name:
        curve = _BUILDERS[name](kw, call.lr, lambda n: f"args.{paths.get(n, n)}", clock)
        notes += _curve_notes(name, curve, kw, call.lr, clock)
    else:
        base = call.lr
        curve = _Curve(lambda t: np.full(t.shape, base), base, None, 0)
    if name in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler", "WSDLRScheduler"):
        if curve.length is None:
            raise _fail("timm raises OverflowError", "args.cycle_limit", a["cycle_limit"],
                        "get_cycle_length() computes cycle_mul ** cycle_limit in floats")
        counted = curve.length + cooldown_t
        epochs = counted if on_epochs else counted // upe
        if not on_epochs and counted % upe:
            notes.append(
                f"create_scheduler_v2 returns num_epochs = {counted} // {upe} = {epochs}: training "
                f"stops at update {epochs * upe}, before the schedule's {counted} updates end"
            )
    else:
        epochs = a["num_epochs"] + (a["warmup_epochs"] if a["warmup_prefix"] else 0)
    if a["warmup_epochs"] and a["warmup_lr"] == 1e-5 and sched != "none":
        notes.append("the warmup starts at warmup_lr 1e-05, create_scheduler_v2's default "
                     "(the scheduler classes default to warmup_lr_init 0)")
    if sched in ("cosine", "tanh", "poly") and a["cycle_limit"] > 1 and a["cycle_decay"] == 0.1:
        notes.append("each restart peaks at 0.1x the previous one: create_scheduler_v2's "
                     "cycle_decay defaults to 0.1 (the classes default to 1.0)")
    return _finish(curve, call, clock, epochs * upe, notes,
                   "the num_epochs timm returns gives no update")


# --- registration ------------------------------------------------------------------------------

_NOISE_ARGS = (
    Arg("noise_range_t", None, "any", nullable=True,
        doc="LR noise range (refused: needs torch's RNG)"),
    Arg("noise_pct", 0.67, doc="noise limit"),
    Arg("noise_std", 1.0, doc="noise std-dev"),
    Arg("noise_seed", 42, "int", doc="noise seed"),
)
_CYCLE_ARGS = (
    Arg("cycle_mul", 1.0, doc="cycle length multiplier"),
    Arg("cycle_decay", 1.0, doc="peak factor per cycle"),
    Arg("cycle_limit", 1, "int", doc="number of cycles (then lr_min)"),
)


def _warmup_args(prefix: bool) -> tuple[Arg, ...]:
    return (
        Arg("warmup_t", 0, "int", doc="warmup length in counts"),
        Arg("warmup_lr_init", 0.0, doc="LR at the start of warmup"),
        Arg("warmup_prefix", prefix, "bool", doc="warmup comes before t_initial"),
    )


_T_IN_EPOCHS = Arg("t_in_epochs", True, "bool", doc="counts are epochs (step) or updates")
_UPDATES_PER_EPOCH = Arg("updates_per_epoch", None, "int", nullable=True,
                         doc="optimizer updates per epoch; needed when timm steps per epoch")

_WARMUP_TEXT = ("warmup (t < warmup_t): warmup_lr_init + t*(lr - warmup_lr_init)/warmup_t; "
                "update k uses t = k (t_in_epochs false) or k // updates_per_epoch, and t = 0 "
                "is the constructor's value")
_CYCLE_TEXT = ("cycle i = floor(log_{cycle_mul}(1 - t/t_initial*(1 - cycle_mul))) (t // t_initial "
               "if cycle_mul == 1), lr_max = lr*cycle_decay^i, lr_min once i >= cycle_limit")

register(LibrarySchedule(
    name="CosineLRScheduler", library="timm",
    args=(Arg("t_initial", REQUIRED, "int", doc="cycle length"), Arg("lr_min", 0.0), *_CYCLE_ARGS,
          *_warmup_args(False), _T_IN_EPOCHS, *_NOISE_ARGS, Arg("k_decay", 1.0)),
    build=_class_build("CosineLRScheduler"),
    source=_source("CosineLRScheduler"),
    formula=f"{_WARMUP_TEXT}; then lr_min + (lr_max - lr_min)/2*(1 + cos(pi*t_curr^k/t_i^k)); "
            f"{_CYCLE_TEXT}",
    extra=(_UPDATES_PER_EPOCH,),
))

register(LibrarySchedule(
    name="TanhLRScheduler", library="timm",
    args=(Arg("t_initial", REQUIRED, "int", doc="cycle length"), Arg("lb", -7.0), Arg("ub", 3.0),
          Arg("lr_min", 0.0), *_CYCLE_ARGS, *_warmup_args(False), _T_IN_EPOCHS, *_NOISE_ARGS),
    build=_class_build("TanhLRScheduler"),
    source=_source("TanhLRScheduler"),
    formula=f"{_WARMUP_TEXT} (without prefix it ramps to the tanh value at warmup_t); then "
            f"lr_min + (lr_max - lr_min)/2*(1 - tanh(lb*(1 - r) + ub*r)), r = t_curr/t_i; {_CYCLE_TEXT}",
    extra=(_UPDATES_PER_EPOCH,),
))

register(LibrarySchedule(
    name="PolyLRScheduler", library="timm",
    args=(Arg("t_initial", REQUIRED, "int", doc="cycle length"), Arg("power", 0.5),
          Arg("lr_min", 0.0), *_CYCLE_ARGS, *_warmup_args(False), _T_IN_EPOCHS, *_NOISE_ARGS,
          Arg("k_decay", 1.0)),
    build=_class_build("PolyLRScheduler"),
    source=_source("PolyLRScheduler"),
    formula=f"{_WARMUP_TEXT}; then lr_min + (lr_max - lr_min)*(1 - t_curr^k/t_i^k)^power; {_CYCLE_TEXT}",
    extra=(_UPDATES_PER_EPOCH,),
))

register(LibrarySchedule(
    name="StepLRScheduler", library="timm",
    args=(Arg("decay_t", REQUIRED, doc="decay interval"), Arg("decay_rate", 1.0),
          *_warmup_args(True), _T_IN_EPOCHS, *_NOISE_ARGS),
    build=_class_build("StepLRScheduler"),
    source=_source("StepLRScheduler"),
    formula=f"{_WARMUP_TEXT}; then lr*decay_rate^(t // decay_t) (t counted after warmup when prefixed)",
    extra=(_UPDATES_PER_EPOCH,),
))

register(LibrarySchedule(
    name="MultiStepLRScheduler", library="timm",
    args=(Arg("decay_t", REQUIRED, "ints", doc="milestones"), Arg("decay_rate", 1.0),
          *_warmup_args(True), _T_IN_EPOCHS, *_NOISE_ARGS),
    build=_class_build("MultiStepLRScheduler"),
    source=_source("MultiStepLRScheduler"),
    formula=f"{_WARMUP_TEXT}; then lr*decay_rate^bisect_right(decay_t, t + 1): milestone m applies "
            "at t = m - 1",
    extra=(_UPDATES_PER_EPOCH,),
))

register(LibrarySchedule(
    name="WSDLRScheduler", library="timm",
    args=(Arg("t_initial", REQUIRED, "int", doc="stable + decay length"),
          Arg("decay_t", REQUIRED, "int", doc="decay length"), Arg("lr_min", 0.0),
          Arg("stable_fn", "constant", "str", choices=_STABLE_FNS),
          Arg("stable_timescale", None, nullable=True), Arg("stable_power", 0.5),
          Arg("decay_fn", "1-sqrt", "str", choices=_DECAY_FNS), Arg("decay_power", 0.5),
          Arg("decay_ratio", 0.1), Arg("warmup_t", 0, "int"), Arg("warmup_lr_init", 0.0),
          _T_IN_EPOCHS, *_NOISE_ARGS),
    build=_class_build("WSDLRScheduler"),
    source=_source("WSDLRScheduler"),
    formula=f"{_WARMUP_TEXT} (always a prefix); s = t - warmup_t; stable = max(lr*g(s), lr_min) with g "
            "1, (1 + s/timescale)^-0.5 or ^-stable_power; in the last decay_t counts of t_initial "
            "lr_min + (stable - lr_min)*d(f), f = min((s - t_initial + decay_t)/decay_t, 1)",
    extra=(_UPDATES_PER_EPOCH,),
))

register(LibrarySchedule(
    name="create_scheduler_v2",
    library="timm",
    args=(
        Arg("sched", "cosine", "str", choices=("cosine", "tanh", "step", "multistep", "poly",
                                              "wsd", "rsqrt", "constant", "plateau", "none")),
        Arg("num_epochs", 300, "int"),
        Arg("decay_epochs", None, nullable=True, doc="None: 90 (step) or 0.2 (wsd, rsqrt)"),
        Arg("decay_milestones", (90, 180, 270), "ints"),
        Arg("cooldown_epochs", 0, "int"),
        Arg("patience_epochs", 10, "int"),
        Arg("decay_rate", 0.1),
        Arg("min_lr", 0.0),
        Arg("warmup_lr", 1e-5),
        Arg("warmup_epochs", 0, "int"),
        Arg("warmup_prefix", False, "bool"),
        Arg("noise", None, "any", nullable=True, doc="refused: needs torch's RNG"),
        Arg("noise_pct", 0.67),
        Arg("noise_std", 1.0),
        Arg("noise_seed", 42, "int"),
        Arg("cycle_mul", 1.0),
        Arg("cycle_decay", 0.1),
        Arg("cycle_limit", 1, "int"),
        Arg("k_decay", 1.0),
        Arg("decay_fn", None, "str", choices=_DECAY_FNS, nullable=True),
        Arg("stable_timescale", None, nullable=True),
        Arg("plateau_mode", "max", "str", choices=("max", "min")),
        Arg("step_on_epochs", True, "bool"),
        Arg("updates_per_epoch", 0, "int"),
    ),
    build=_factory_build,
    source=_source("create_scheduler_v2"),
    formula=("the scheduler named by sched, with epochs multiplied by updates_per_epoch when "
             "step_on_epochs is false; runs for the num_epochs it returns (cycle length + "
             "cooldown, floored to whole epochs)"),
    extra=(_UPDATES_PER_EPOCH,),
))

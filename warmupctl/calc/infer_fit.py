"""Fitting the families of :mod:`warmupctl.calc.infer` to a log: estimates, then exact checks.

Estimates are made on the log's subsample (:class:`warmupctl.calc.explain._Log`: a few thousand
values, and those around the peak), never by a Python loop over a log's values:

* **peak** ``P``: the largest value as its shortest decimal within the log's rounding; when the peak
  is not logged (a log every n updates), the ramp's slope times the whole warmup length whose product
  is the shortest decimal;
* **warmup** ``W``: ``P`` over the median slope between neighbouring values of the ramp;
* **decay**: each value ``y`` after the peak is turned back into its progress ``x`` through the decay
  (``r = (y − floor) / (P − floor)``; ``x = 1 − r`` linear, ``arccos(2r − 1) / π`` cosine,
  ``1 − r^(1/power)`` polynomial, ``(1 − r)²`` for WSD's ``1-sqrt``; ``(P / y)² − 1`` grows by
  ``1 / timescale`` for an inverse square root). ``x`` grows by ``1 / L`` per update: ``L`` is the
  median of the progress gained per update between neighbours (a skipped step shifts both and leaves
  it), the decay's start the median of ``k − x·L``. The floor (and the power) are those that make the
  progress straightest (the smallest median spread of the starts), searched on a grid then refined;
* **steps**: the drops of a piecewise constant decay, found on every value (a comparison of
  neighbours): ``gamma`` is their ratio, the milestones where they happen.

Every candidate (whole lengths around the estimates, floats as their shortest decimals) is then
checked: first as it is on the subsample, then on every value; when no family explains the log as it
is, each candidate is checked again with a lag (skipped steps): the value at update ``k`` must be the
schedule's at ``k − d`` for a ``d`` that never decreases (:data:`MAX_LAG` at most), decided greedily on
the subsample, ``d`` by ``d``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.calc.explain import _Log, _safe, relative
from warmupctl.calc.explain_refit import shortest
from warmupctl.engine import Schedule

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The largest lag (skipped steps) a candidate is checked with when inferring.
MAX_LAG = 64
#: Candidates checked per family and offset.
BUDGET = 120
#: Values after the peak the decay is estimated on.
DECAY_POINTS = 600
#: Candidates checked with a lag per offset (the closest first).
LAG_CHECKS = 200
#: Relative tolerances of the shortest decimals tried for a fitted float (floor, power, timescale).
DECIMALS = (1e-9, 1e-7, 1e-5, 1e-3)


@dataclass(frozen=True)
class Fit:
    """One candidate checked: the family, its spec, and how it explains the log."""

    family: str
    spec: dict[str, Any]
    schedule: Schedule
    residual: float
    explained: bool
    lagged: bool = False
    lag: int = 0


# ------------------------------------------------------------------------------------------------
# The estimates
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What the values show under one offset: the peak, the warmup, the points after the peak."""

    k: IntArray
    y: FloatArray
    tol: float
    peaks: tuple[tuple[float, tuple[int, ...]], ...]  # (P, warmup candidates), most likely first
    top: int  # index of the first value at the peak
    lag: int  # the lag seen in the ramp (skipped steps before it)
    end: int  # the run length to tabulate a schedule without an end
    stated: bool = False  # ``end`` is the log's own max_steps


def _median_slope(k: IntArray, y: FloatArray) -> float | None:
    dk = np.diff(k).astype(np.float64)
    dy = np.diff(y)
    ok = (dk > 0) & (dy > 0)
    if not ok.any():
        return None
    return float(np.median(dy[ok] / dk[ok]))


def digits(value: float) -> int:
    """Significant digits of a float's shortest repr (``0.0003`` -> 1)."""
    mantissa = repr(float(value)).split("e")[0].replace("-", "").replace(".", "").lstrip("0")
    return len(mantissa.rstrip("0")) or 1


def analyse(k: IntArray, y: FloatArray, tol: float, end: int, stated: bool = False) -> Shape | None:
    """The peak and warmup candidates of the values ``y`` at updates ``k`` (sorted)."""
    if not len(y) or not np.isfinite(y).all() or float(y.max()) <= 0:
        return None
    eq = max(tol, 1e-12)
    ymax = float(y.max())
    top = int(np.argmax(y >= ymax * (1 - eq)))
    peak = shortest(ymax, tol)
    rising = np.arange(top)
    slope = _median_slope(k[rising], y[rising]) if top >= 2 else None
    peaks: list[tuple[float, tuple[int, ...]]] = []
    lag = 0
    if top == 0:
        peaks.append((peak, (0,)))
    elif slope is None:
        # One value before the peak (0 at update 0): the ramp ends somewhere before the peak's update.
        first = int(k[top - 1]) + 1
        peaks.append((peak, tuple(range(first, min(int(k[top]), first + 63) + 1))))
    else:
        w0 = peak / slope
        base = int(round(w0))
        peaks.append((peak, tuple(w for w in (base, base - 1, base + 1) if w >= 1)))
        positive = rising[y[rising] > 0]
        if len(positive):
            lag = max(0, int(round(float(np.median(k[positive] - y[positive] / slope)))))
        # The peak itself may not be logged: slope × W for the W whose product is a short decimal.
        low, high = int(k[top - 1]) + 1, int(k[top]) + 1 + lag
        if high - low <= 4096:
            # The slope of rounded values (float32, printed digits) is off by about the rounding times
            # the peak over one logged rise: the product's shortest decimal is taken within that.
            rises = np.diff(y[rising])
            rise = float(np.median(rises[rises > 0])) if (rises > 0).any() else ymax
            ptol = max(1e-9, 4.0 * tol * ymax / rise)
            options = [(digits(shortest(slope * w, ptol)), w) for w in range(max(1, low - lag), high + 1)]
            options.sort()
            for _, w in options[:3]:
                p = shortest(slope * w, ptol)
                if p > ymax * (1 + eq) and all(p != q for q, _ in peaks):
                    peaks.append((p, (w,)))
    # A peak that is a short decimal first (a spec says 3e-4, not 0.0002999990992461381).
    peaks.sort(key=lambda item: digits(item[0]))
    return Shape(k, y, tol, tuple(peaks), top, lag, end, stated)


def _line(k: IntArray, x: FloatArray) -> tuple[float, float, float] | None:
    """``x = (k − s) · b``: the median slope ``b`` between neighbours, the median start ``s`` and the
    median spread of the starts (0 for a perfect line, whatever few lags shift it)."""
    if len(k) < 2:
        return None
    dk = np.diff(k).astype(np.float64)
    dx = np.diff(x)
    ok = dk > 0
    if not ok.any():
        return None
    b = float(np.median(dx[ok] / dk[ok]))
    if not b > 0 or not math.isfinite(b):
        return None
    starts = k - x / b
    s = float(np.median(starts))
    return b, s, float(np.median(np.abs(starts - s)))


def _progress(shape: str, r: FloatArray, power: float = 1.0) -> FloatArray:
    r = np.clip(r, 0.0, 1.0)
    if shape == "linear":
        return 1.0 - r
    if shape == "cosine":
        return np.arccos(2.0 * r - 1.0) / np.pi
    if shape == "1-sqrt":
        return (1.0 - r) ** 2
    return 1.0 - r ** (1.0 / power)


def _decay_points(s: Shape, peak: float) -> tuple[IntArray, FloatArray]:
    """The values below the peak after it (at most :data:`DECAY_POINTS`, evenly spread, with their
    neighbours: the slopes are taken between neighbours)."""
    eq = max(s.tol, 1e-12)
    after = np.arange(s.top, len(s.y))
    after = after[s.y[after] < peak * (1 - eq)]
    if len(after) > DECAY_POINTS:
        picked = np.linspace(0, len(after) - 2, DECAY_POINTS // 2).astype(np.int64)
        after = after[np.unique(np.concatenate([picked, picked + 1]))]
    return s.k[after], s.y[after]


def _fit_decay(k: IntArray, y: FloatArray, peak: float, shape: str, floor: float,
               power: float = 1.0) -> tuple[float, float, float] | None:
    r = (y - floor) / (peak - floor)
    keep = (r > 0.01) & (r < 0.99)
    if keep.sum() < 3:
        keep = (r > 0) & (r < 1)
    return _line(k[keep], _progress(shape, r[keep], power))


def _minimize(score: Callable[[float], float], low: float, high: float, grid: int = 24,
              rounds: int = 26) -> float:
    """A grid, then golden-section refinement around the best point."""
    xs = np.linspace(low, high, grid)
    scores = [score(float(x)) for x in xs]
    i = int(np.argmin(scores))
    a, b = float(xs[max(0, i - 1)]), float(xs[min(grid - 1, i + 1)])
    ratio = (math.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = score(c), score(d)
    for _ in range(rounds):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = score(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = score(d)
    best = (a + b) / 2
    return best if score(best) <= scores[i] else float(xs[i])


def _floats(value: float, zero_below: float = 0.0) -> list[float]:
    if value <= zero_below:
        return [0.0]
    out: list[float] = []
    for tol in DECIMALS:
        candidate = shortest(value, tol)
        if candidate not in out:
            out.append(candidate)
    return sorted(out, key=digits)  # a spec's value is a short decimal: the shortest first


def _around(value: float, spread: int = 1) -> list[int]:
    base = int(round(value))
    return [base + d for d in sorted(range(-spread, spread + 1), key=abs) if base + d >= 1]


# ------------------------------------------------------------------------------------------------
# Candidates of each family (specs, most likely first)
# ------------------------------------------------------------------------------------------------


def _transformers(name: str, peak: float, warmup: int, total: int, end: int | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {"num_warmup_steps": int(warmup)}
    if end is not None:
        return {"schedule": f"transformers.{name}", "lr": float(peak), "args": args, "total_steps": int(end)}
    args["num_training_steps"] = int(total)
    return {"schedule": f"transformers.{name}", "lr": float(peak), "args": args}


def _native(kind: str, peak: float, warmup: int, total: int, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"kind": kind, "lr": float(peak)}
    if extra.get("min_lr"):
        spec["min_lr"] = float(extra.pop("min_lr"))
    extra.pop("min_lr", None)
    spec.update(warmup_steps=int(warmup), total_steps=int(total), **extra)
    return spec


def _constant(s: Shape, full: tuple[IntArray, FloatArray]) -> Iterator[dict[str, Any]]:
    for peak, warmups in s.peaks:
        if len(_decay_points(s, peak)[0]) == 0:
            for w in warmups:
                yield _transformers("constant_with_warmup", peak, w, 0, end=max(s.end, w + 1))


def _smooth(shape: str, transformers: bool) -> Callable[[Shape, Any], Iterator[dict[str, Any]]]:
    def propose(s: Shape, full: Any) -> Iterator[dict[str, Any]]:
        for peak, warmups in s.peaks:
            k, y = _decay_points(s, peak)
            if len(k) < 2:
                continue
            floors = [0.0] if transformers else _floors(s, k, y, peak, shape, warmups)
            for floor in floors:
                line = _fit_decay(k, y, peak, shape, floor)
                if line is None:
                    continue
                # Neighbours give the length whatever lags shift the log; a fit over the whole decay
                # gives it through the rounding of a printed log.
                lengths = [1.0 / line[0]] + ([1.0 / b for b in [_ls_slope(k, y, peak, shape, floor)]
                                              if b > 0] if s.tol > 1e-12 else [])
                for w in warmups:
                    for d in dict.fromkeys(d for length in lengths for d in _around(length, 1)):
                        if transformers:
                            yield _transformers(shape, peak, w, w + d)
                        else:
                            yield _native(shape, peak, w, w + d, min_lr=floor)

    return propose


def _floors(s: Shape, k: IntArray, y: FloatArray, peak: float, shape: str, warmups: tuple[int, ...],
            power: float = 1.0) -> list[float]:
    """Floors worth trying (> 0): the value a log holds after the decay ends, the floor that makes
    the decay end at the log's stated run length, the floor that makes the progress straightest (a
    linear decay is straight for any floor: its floor shows only where it ends)."""
    out: list[float] = []
    if len(s.y) >= 2 and s.y[-1] == s.y[-2] and s.y[-1] < peak:
        out.append(shortest(float(s.y[-1]), s.tol))
    for end in _ends(s) if warmups else []:
        length = end - warmups[0]
        if length > 0:
            m = _minimize(partial(_length_miss, k, y, peak, shape, power, length), 0.0,
                          float(y.min()) * (1 - 1e-9))
            out.extend(_floats(m, peak * 1e-9)[:2])
    if shape != "linear":
        out.extend(_floats(_best_floor(k, y, peak, shape, power), peak * 1e-9))
    return [m for m in dict.fromkeys(out) if m > 0]


def _ends(s: Shape) -> list[int]:
    """Where the run ends: the log's max_steps; else after its last update, within one logging
    period (a finished run logged every n updates ends up to n − 1 updates after its last value)."""
    if s.stated:
        return [s.end]
    period = int(np.median(np.diff(s.k))) if len(s.k) > 1 else 1
    return [s.end + d for d in range(min(max(period, 1), 16))]


def _length_miss(k: IntArray, y: FloatArray, peak: float, shape: str, power: float, length: int,
                 floor: float) -> float:
    return abs(_length(k, y, peak, shape, floor, power) - length)


def _length(k: IntArray, y: FloatArray, peak: float, shape: str, floor: float, power: float) -> float:
    """The decay length with ``floor``, by least squares over the whole decay (through the rounding
    of a printed log)."""
    b = _ls_slope(k, y, peak, shape, floor, power)
    return 1.0 / b if b > 0 else math.inf


def _best_floor(k: IntArray, y: FloatArray, peak: float, shape: str, power: float = 1.0,
                grid: int = 24, rounds: int = 26) -> float:
    """The floor (below the smallest value) that makes the progress straightest."""
    return _minimize(lambda m: _spread(k, y, peak, shape, m, power), 0.0, float(y.min()) * (1 - 1e-9),
                     grid, rounds)


def _ls_slope(k: IntArray, y: FloatArray, peak: float, shape: str, floor: float,
              power: float = 1.0) -> float:
    """The progress gained per update, by least squares over the whole decay (0: no fit)."""
    r = (y - floor) / (peak - floor)
    keep = (r > 0.01) & (r < 0.99)
    if keep.sum() < 3:
        return 0.0
    kc = k[keep] - k[keep].mean()
    x = _progress(shape, r[keep], power)
    var = float(np.dot(kc, kc))
    return float(np.dot(kc, x - x.mean())) / var if var > 0 else 0.0


def _spread(k: IntArray, y: FloatArray, peak: float, shape: str, floor: float, power: float = 1.0) -> float:
    """How far the progress is from a line, in updates: a least-squares fit (a few vector operations;
    the searches call it thousands of times), 0 for the right floor and power."""
    r = (y - floor) / (peak - floor)
    keep = (r > 0.01) & (r < 0.99)
    if keep.sum() < 3:
        return math.inf
    kk = k[keep].astype(np.float64)
    x = _progress(shape, r[keep], power)
    kc = kk - kk.mean()
    xc = x - x.mean()
    var = float(np.dot(kc, kc))
    b = float(np.dot(kc, xc)) / var if var > 0 else 0.0
    if not b > 0:
        return math.inf
    return float(np.sqrt(np.mean((xc - b * kc) ** 2))) / b


def _polynomial(s: Shape, full: Any) -> Iterator[dict[str, Any]]:
    for peak, warmups in s.peaks:
        k, y = _decay_points(s, peak)
        if len(k) < 4:
            continue
        power = math.exp(_minimize(partial(_log_power_score, k, y, peak), math.log(0.1),
                                   math.log(10.0), grid=20))
        for p in _floats(power):
            if abs(p - 1.0) < 1e-9:
                continue
            floors = [0.0, *_floors(s, k, y, peak, "polynomial", warmups, p)]
            for m in floors:
                line = _fit_decay(k, y, peak, "polynomial", m, p)
                if line is None:
                    continue
                for w in warmups:
                    for d in _around(1.0 / line[0], 1):
                        yield _native("polynomial", peak, w, w + d, min_lr=m, power=p)


def _log_power_score(k: IntArray, y: FloatArray, peak: float, log_power: float) -> float:
    return _power_score(k, y, peak, math.exp(log_power))


def _power_score(k: IntArray, y: FloatArray, peak: float, power: float) -> float:
    return min(_spread(k, y, peak, "polynomial", 0.0, power),
               _spread(k, y, peak, "polynomial", _best_floor(k, y, peak, "polynomial", power, 8, 16),
                       power))


def _wsd(s: Shape, full: Any) -> Iterator[dict[str, Any]]:
    eq = max(s.tol, 1e-12)
    for peak, warmups in s.peaks:
        k, y = _decay_points(s, peak)
        held = np.flatnonzero(s.y[s.top:] >= peak * (1 - eq))
        if len(k) < 2 or len(held) < 2:
            continue
        fits = []
        for shape in ("cosine", "linear", "1-sqrt"):
            best = _robust_floor(k, y, peak, shape)
            # The decay ends at the run's end (the log's max_steps, else its last update + 1): the
            # floor that makes it so (a linear decay is straight for any floor).
            ends = [_minimize(partial(_end_miss, k, y, peak, shape, end + s.lag), 0.0,
                              float(y.min()) * (1 - 1e-9)) for end in _ends(s)]
            floors = [0.0, *_floats(best, peak * 1e-9)] + [f for e in ends for f in _floats(e, peak * 1e-9)]
            for floor in sorted(dict.fromkeys(floors), key=digits)[:6]:
                line = _fit_decay(k, y, peak, shape, floor)
                if line is not None and line[2] <= MAX_LAG:
                    fits.append((line[2], shape, floor, line))
        fits.sort(key=lambda f: (f[0] > 1e-6, f[0]))  # the straightest progress first
        for _, shape, floor, (b, start, _) in fits:
            begins = _around(start - s.lag, 1)
            for w in warmups:
                for d in _around(1.0 / b, 1):
                    # The log's own run length fixes where the decay begins (skipped steps while
                    # the LR is held leave no trace in the values).
                    for begin in dict.fromkeys(([s.end - d] if s.stated else []) + begins):
                        if begin > w:
                            yield _native("wsd", peak, w, begin + d, min_lr=floor,
                                          decay_steps=d, decay_shape=shape)


def _end_miss(k: IntArray, y: FloatArray, peak: float, shape: str, end: float, floor: float) -> float:
    """How far the decay fitted with ``floor`` ends from ``end``, in updates."""
    line = _fit_decay(k, y, peak, shape, floor)
    return math.inf if line is None else abs(line[1] + 1.0 / line[0] - end)


def _robust_floor(k: IntArray, y: FloatArray, peak: float, shape: str) -> float:
    """The least-squares floor, refined by the median spread (which a few lags do not move)."""
    rough = _best_floor(k, y, peak, shape)
    low = float(y.min()) * (1 - 1e-9)
    if rough <= 0:
        return rough

    def robust(m: float) -> float:
        line = _fit_decay(k, y, peak, shape, m)
        return math.inf if line is None else line[2]

    return _minimize(robust, max(0.0, rough * 0.9), min(low, rough * 1.1), grid=9, rounds=30)


def _inverse_sqrt(s: Shape, full: Any) -> Iterator[dict[str, Any]]:
    for peak, warmups in s.peaks:
        k, y = _decay_points(s, peak)
        k, y = k[y > 0], y[y > 0]
        if len(k) < 2:
            continue
        line = _line(k, (peak / y) ** 2 - 1.0)
        if line is None:
            continue
        timescale = 1.0 / line[0]
        for w in warmups:
            if w and abs(timescale - w) <= 0.5:
                yield _native("inverse_sqrt", peak, w, max(s.end, w + 1))
            for ts in _floats(timescale):
                yield _native("inverse_sqrt", peak, w, max(s.end, w + 1), timescale=ts)


def roundest(low: int, high: int) -> int:
    """The whole number in ``low..high`` with the most trailing zeros (the smallest of equals).

    >>> roundest(991, 1000), roundest(7, 7), roundest(12, 19)
    (1000, 7, 15)
    """
    best, score = low, -1
    for base in (10, 5, 2):
        for power in range(18, 0, -1):
            unit = base ** power if base == 10 else base * 10 ** (power - 1)
            first = -(-low // unit) * unit
            if first <= high:
                value = (power * 3 + (2 if base == 10 else 1 if base == 5 else 0))
                if value > score:
                    best, score = first, value
                break
    return best


def _drops(s: Shape, full: tuple[IntArray, FloatArray], peak: float) -> tuple[float, list[int]] | None:
    """``gamma`` and the milestones of a piecewise constant decay (on every value), or None."""
    k, y = full
    eq = max(s.tol, 1e-12)
    start = int(np.searchsorted(k, s.k[s.top]))
    k, y = k[start:], y[start:]
    if len(y) < 2:
        return None
    change = np.flatnonzero(relative(y[1:], y[:-1]) > eq)
    if not len(change) or len(change) > 64 or bool(np.any(y[change + 1] >= y[change])):
        return None
    levels = np.concatenate([[peak], y[change + 1]])
    ratios = levels[1:] / levels[:-1]
    gamma = shortest(float(np.median(ratios)), 1e-6)
    expected = peak * gamma ** np.arange(len(levels), dtype=np.float64)
    if not (relative(levels, expected) <= max(eq * 8, 1e-12)).all():
        return None
    milestones = [roundest(int(k[i]) + 1, int(k[i + 1])) for i in change]
    return gamma, milestones


def _steps(multi: bool) -> Callable[[Shape, Any], Iterator[dict[str, Any]]]:
    def propose(s: Shape, full: Any) -> Iterator[dict[str, Any]]:
        for peak, warmups in s.peaks:
            found = _drops(s, full, peak)
            if found is None:
                continue
            gamma, milestones = found
            for w in warmups:
                end = max(s.end, w + 1)
                if multi:
                    yield _native("multistep", peak, w, end, milestones=milestones, gamma=gamma)
                    continue
                gaps = np.diff([w, *milestones])
                if len(set(gaps.tolist())) == 1:
                    yield _native("step", peak, w, end, step_size=int(gaps[0]), gamma=gamma)

    return propose


PROPOSERS: dict[str, Callable[[Shape, Any], Iterator[dict[str, Any]]]] = {
    "transformers.constant_with_warmup": _constant,
    "transformers.linear": _smooth("linear", True),
    "transformers.cosine": _smooth("cosine", True),
    "linear": _smooth("linear", False),
    "cosine": _smooth("cosine", False),
    "inverse_sqrt": _inverse_sqrt,
    "step": _steps(False),
    "multistep": _steps(True),
    "polynomial": _polynomial,
    "wsd": _wsd,
}


# ------------------------------------------------------------------------------------------------
# Checking candidates
# ------------------------------------------------------------------------------------------------


def lag_fits(schedule: Schedule, k: IntArray, y: FloatArray, tol: float,
             max_lag: int = MAX_LAG) -> int | None:
    """The final lag of the smallest non-decreasing lag ``d`` (0..max_lag) under which each value is
    the schedule's at ``k − d``, or None. Greedy: the values are checked under ``d`` up to the first
    that differs, where ``d`` rises by the least that fits it (one evaluation per rise, no loop over
    the values).

    >>> from warmupctl import schedule
    >>> s = schedule(kind="linear", warmup_steps=0, total_steps=10, lr=1.0)
    >>> k = np.arange(10)
    >>> lag_fits(s, k, s(np.where(k < 4, k, k - 2)), 0.0), lag_fits(s, k, s(k)[::-1], 0.0)
    (2, None)
    """
    d, at = 0, 0
    while at < len(k):
        bad = np.flatnonzero(relative(y[at:], _safe(schedule, k[at:] - d)) > tol)
        if not len(bad):
            return d
        at += int(bad[0])
        rises = np.arange(d + 1, max_lag + 1)
        if not len(rises):
            return None
        fits = np.flatnonzero(relative(np.full(len(rises), y[at]), _safe(schedule, k[at] - rises)) <= tol)
        if not len(fits):
            return None
        d = int(rises[fits[0]])
    return d


def closest_residual(schedule: Schedule, k: IntArray, y: FloatArray) -> float:
    """The median relative deviation (a lag leaves most values close)."""
    return float(np.median(relative(y, _safe(schedule, k))))


def fit_families(log: _Log, offset: int, hint: int | None, up_to: int = 99,
                 lags: bool = True) -> list[Fit]:
    """The families fitted under one offset: the first that explains the log as it is ends the search
    (families are tried the simplest first); else those that explain it with a lag, else the closest
    of each family. ``up_to``: the most complex family worth trying (a simpler one already explains the
    log under another offset); ``lags``: also try them with a lag (not when another offset explains
    the log without one: that ranks first)."""
    from warmupctl.calc.infer import FAMILIES, _resolve

    k_all = log.steps - offset
    if not len(k_all) or k_all[0] < 0:
        return []
    top_all = int(np.argmax(log.lrs))
    around = np.arange(max(0, top_all - 256), min(len(log.lrs), top_all + 257))
    at = np.union1d(log.sub, around)
    end = hint or int(k_all[-1]) + 1
    shape = analyse(k_all[at], log.lrs[at], log.tol, end, hint is not None)
    if shape is None:
        return []
    full = (k_all, log.lrs)
    ksub, ysub = k_all[log.sub], log.lrs[log.sub]
    closest: dict[str, Fit] = {}
    tried: list[tuple[str, dict[str, Any], Schedule]] = []
    seen: set[str] = set()
    for family in FAMILIES:
        if family.complexity > up_to:
            break
        for n, spec in enumerate(PROPOSERS[family.name](shape, full)):
            if n >= BUDGET:
                break
            key = repr(spec)
            if key in seen:
                continue
            seen.add(key)
            schedule = _resolve(spec)
            if schedule is None:
                continue
            residual = float(np.max(relative(ysub, _safe(schedule, ksub))))
            if residual <= log.tol:
                whole = float(np.max(relative(log.lrs, _safe(schedule, k_all))))
                if whole <= log.tol:
                    return [Fit(family.name, spec, schedule, whole, True)]
                residual = whole
            tried.append((family.name, spec, schedule))
            if family.name not in closest or residual < closest[family.name].residual:
                closest[family.name] = Fit(family.name, spec, schedule, residual, False)
    # Nothing explains the log as it is: perhaps with a lag. The closest candidates first (a lag of a
    # few updates moves a value little), the simplest of equals.
    order = {f.name: i for i, f in enumerate(FAMILIES)}
    tried.sort(key=lambda t: (closest_residual(t[2], ksub, ysub), order[t[0]]))
    if not lags:
        return sorted(closest.values(), key=lambda f: f.residual)
    for name, spec, schedule in tried[:LAG_CHECKS]:
        lag = lag_fits(schedule, ksub, ysub, log.tol)
        if lag is not None:
            return [Fit(name, spec, schedule, 0.0, True, True, lag)]
    return sorted(closest.values(), key=lambda f: f.residual)

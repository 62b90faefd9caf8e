"""The shape registry: how a phase travels from its ``start`` LR to its ``end`` LR.

A phase of ``n`` updates is evaluated at local update indices ``k`` (0 <= k <= n; k = n is the value the
phase hands over, or holds after the schedule ends). Each shape gives two fraction functions:

* ``rise(k, n)``: the fraction of ``end - start`` travelled when the phase rises (a warmup):
  ``value = start + (end - start) * rise``. These are the usual warmup formulas.
* ``fall(k, n)``: the fraction of ``start - end`` still left when the phase falls (a decay):
  ``value = end + (start - end) * fall``. Computing what is *left* (rather than ``1 - travelled``)
  keeps the values near the floor exact, as transformers computes them (``lr * m(t)``).

For a smooth shape ``fall(k, n) == rise(n - k, n)``: a decay is the warmup played backwards, which is
how transformers' WSD pairs its ``1-sqrt`` warmup with its ``1-sqrt`` decay. ``step`` (stairs) is the
exception: it drops at the start of each stair in both directions.

Two further kinds of shape do not interpolate between start and end:

* ``geometric`` shapes move in log space: ``value = start * (end / start) ** (k / n)``.
* ``law`` shapes multiply the phase's start LR by a factor that never reaches the end on its own
  (inverse square root, per-update exponential decay, step decay): ``value = max(end, start * law)``.

Every formula below is written in the docstring of its function with the library it mirrors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import EngineError
from warmupctl.core.registry import add_once

FloatArray = NDArray[np.float64]
FractionFn = Callable[[FloatArray, int, Mapping[str, Any]], FloatArray]


@dataclass(frozen=True)
class Shape:
    """One entry of :data:`SHAPES`.

    Attributes:
        name: the word used in specs (``warmup_shape: cosine``, ``phases[i].shape``).
        formula: the rising formula in one line, for listings and help.
        rise: fraction travelled at local update k of n when rising.
        fall: fraction left at local update k of n when falling.
        params: the parameters the shape accepts, with their defaults.
        geometric: interpolate in log space (needs start and end > 0).
        law: multiplicative factor on ``start`` (the phase ignores ``rise``/``fall``).
    """

    name: str
    formula: str
    rise: FractionFn | None = None
    fall: FractionFn | None = None
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    geometric: bool = False
    law: FractionFn | None = None


SHAPES: dict[str, Shape] = {}


def register_shape(shape: Shape) -> Shape:
    """Add ``shape`` to :data:`SHAPES`; names are unique."""
    return add_once(SHAPES, shape.name, shape, "shape")


def _linear_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """k / n — transformers' warmup ``float(t) / float(max(1, W))``."""
    return np.divide(k, float(n), out=k)


def _linear_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(n - k) / n — transformers' linear decay ``float(T - t) / float(max(1, T - W))``."""
    np.subtract(float(n), k, out=k)
    return np.divide(k, float(n), out=k)


def _cosine_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(1 - cos(pi k / n)) / 2 — the cosine warmup."""
    np.divide(k, float(n), out=k)
    np.multiply(k, np.pi, out=k)
    np.cos(k, out=k)
    np.subtract(1.0, k, out=k)
    return np.multiply(k, 0.5, out=k)


def _cosine_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(1 + cos(2 pi c k / n)) / 2 with c = num_cycles — transformers ``get_cosine_schedule_with_warmup``.

    The operation order is transformers' (``math.pi * num_cycles * 2.0 * progress``) so that values agree
    to the last bit where they can. c = 0.5 is one half-wave down to the floor; c = 2 ends back at the top.
    """
    np.divide(k, float(n), out=k)  # progress
    np.multiply(k, np.pi * float(p["num_cycles"]) * 2.0, out=k)
    np.cos(k, out=k)
    np.add(k, 1.0, out=k)
    return np.multiply(k, 0.5, out=k)


def _restarts_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(1 + cos(pi ((c k / n) mod 1))) / 2, and 0 from k = n — transformers' hard restarts."""
    np.divide(k, float(n), out=k)  # progress
    done = k >= 1.0
    np.multiply(k, float(p["num_cycles"]), out=k)
    np.remainder(k, 1.0, out=k)
    np.multiply(k, np.pi, out=k)
    np.cos(k, out=k)
    np.add(k, 1.0, out=k)
    np.multiply(k, 0.5, out=k)
    np.copyto(k, 0.0, where=done)
    return k


def _restarts_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 - the hard-restarts fraction left: the restarts played as a rise."""
    return np.subtract(1.0, _restarts_fall(k, n, p), out=k)


def _stairs(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    stairs = int(p["stairs"])
    # floor(S k / n) on whole floats: S k is exact below 2^53, so the stair edges do not wobble.
    np.multiply(k, float(stairs), out=k)
    np.floor_divide(k, float(n), out=k)
    return np.divide(k, float(stairs), out=k)


def _step_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """floor(S k / n) / S with S = stairs — the stair ("step") warmup."""
    return _stairs(k, n, p)


def _step_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 - floor(S k / n) / S: a staircase down, one drop at the start of each stair."""
    return np.subtract(1.0, _stairs(k, n, p), out=k)


def _smooth(u: FloatArray) -> FloatArray:
    """u^2 (3 - 2u), in place on ``u`` (one temporary for u^2)."""
    square = np.multiply(u, u)
    np.multiply(u, 2.0, out=u)
    np.subtract(3.0, u, out=u)
    return np.multiply(square, u, out=u)


def _smooth_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """3u^2 - 2u^3, u = k / n — the cubic with zero slope at both ends (the smooth warmup)."""
    return _smooth(np.divide(k, float(n), out=k))


def _smooth_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """3v^2 - 2v^3, v = (n - k) / n: the smooth warmup played backwards."""
    return _smooth(_linear_fall(k, n, p))


def _log_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """log(k + 1) / log(n), capped at 1 — DeepSpeed WarmupLR's default ``log`` warmup.

    It reaches the peak one update early (k = n - 1). With n = 1 the single warmup update gets the
    start value.
    """
    if n <= 1:
        return _constant_rise(k, n, p)
    np.add(k, 1.0, out=k)
    np.log(k, out=k)
    np.divide(k, np.log(float(n)), out=k)
    return np.minimum(k, 1.0, out=k)


def _log_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 - log(k + 1) / log(n): the log curve, falling."""
    return np.subtract(1.0, _log_rise(k, n, p), out=k)


def _one_minus_sqrt_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 - sqrt(1 - k / n) — transformers ``get_wsd_schedule(warmup_type='1-sqrt')``."""
    np.divide(k, float(n), out=k)
    np.subtract(1.0, k, out=k)
    np.sqrt(k, out=k)
    return np.subtract(1.0, k, out=k)


def _one_minus_sqrt_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 - sqrt(k / n) — transformers ``get_wsd_schedule(decay_type='1-sqrt')`` (MiniCPM's WSD)."""
    np.divide(k, float(n), out=k)
    np.sqrt(k, out=k)
    return np.subtract(1.0, k, out=k)


def _constant_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """0 for k < n, then 1: hold the start LR for the whole phase, then jump (ResNet's warmup)."""
    np.copyto(k, np.greater_equal(k, float(n)))
    return k


def _constant_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 for k < n, then 0: hold the start LR, then drop to the end LR."""
    np.copyto(k, np.less(k, float(n)))
    return k


def _poly_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(k / n) ** power: the polynomial decay played backwards."""
    np.divide(k, float(n), out=k)
    # ``**=`` keeps numpy's fast paths of ``**`` (power 2 is a square, 0.5 a square root).
    k **= float(p["power"])
    return k


def _poly_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(1 - k / n) ** power — transformers ``get_polynomial_decay_schedule_with_warmup``."""
    np.divide(k, float(n), out=k)
    np.subtract(1.0, k, out=k)
    k **= float(p["power"])
    return k


def _inverse_sqrt_law(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 / sqrt((k + ts) / ts), ts = timescale — transformers ``get_inverse_sqrt_schedule``."""
    timescale = float(p["timescale"])
    np.add(k, timescale, out=k)
    np.divide(k, timescale, out=k)
    np.sqrt(k, out=k)
    return np.divide(1.0, k, out=k)


def _exponential_law(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """gamma ** k — torch ``ExponentialLR`` in closed form (one factor per update)."""
    return np.power(float(p["gamma"]), k, out=k)


def _step_decay_law(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """gamma ** floor(k / step_size) — torch ``StepLR`` in closed form."""
    np.floor_divide(k, float(p["step_size"]), out=k)
    return np.power(float(p["gamma"]), k, out=k)


def _multistep_law(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """gamma ** (number of milestones <= k) — torch ``MultiStepLR`` (decays *at* each milestone)."""
    milestones = np.asarray(p["milestones"], dtype=np.float64)
    np.copyto(k, np.searchsorted(milestones, k, side="right"), casting="unsafe")
    return np.power(float(p["gamma"]), k, out=k)


def _noam_law(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """min(s ** -0.5, s * W ** -1.5), s = k + 1 — Vaswani et al. 2017 §5.3 (``step_num`` from 1).

    The phase's start LR is ``scale * d_model ** -0.5``; the peak, ``scale * (d_model W) ** -0.5``,
    lands at update W - 1 (s = W).
    """
    np.add(k, 1.0, out=k)  # s
    falling = k**-0.5
    np.multiply(k, float(p["warmup_steps"]) ** -1.5, out=k)
    return np.minimum(falling, k, out=k)


def _frozen(**params: Any) -> Mapping[str, Any]:
    return MappingProxyType(params)


for _shape in (
    Shape("linear", "start + (end - start) * k/n", _linear_rise, _linear_fall),
    Shape(
        "cosine",
        "start + (end - start) * (1 - cos(pi k/n))/2",
        _cosine_rise,
        _cosine_fall,
        _frozen(num_cycles=0.5),
    ),
    Shape(
        "cosine_with_restarts",
        "hard restarts: end + (start - end) * (1 + cos(pi ((c k/n) mod 1)))/2",
        _restarts_rise,
        _restarts_fall,
        _frozen(num_cycles=1.0),
    ),
    Shape("exponential", "start * (end/start) ** (k/n)", geometric=True),
    Shape("step", "start + (end - start) * floor(S k/n)/S", _step_rise, _step_fall, _frozen(stairs=4)),
    Shape("smooth", "start + (end - start) * (3u^2 - 2u^3), u = k/n", _smooth_rise, _smooth_fall),
    Shape("log", "start + (end - start) * log(k+1)/log(n)", _log_rise, _log_fall),
    Shape("1-sqrt", "start + (end - start) * (1 - sqrt(1 - k/n))", _one_minus_sqrt_rise,
          _one_minus_sqrt_fall),
    Shape("constant", "start for n updates, then end", _constant_rise, _constant_fall),
    Shape("polynomial", "end + (start - end) * (1 - k/n) ** power", _poly_rise, _poly_fall,
          _frozen(power=1.0)),
    Shape("inverse_sqrt", "max(end, start / sqrt((k + timescale) / timescale))",
          params=_frozen(timescale=10000.0), law=_inverse_sqrt_law),
    Shape("exponential_decay", "max(end, start * gamma ** k)", params=_frozen(gamma=0.999),
          law=_exponential_law),
    Shape("step_decay", "max(end, start * gamma ** floor(k / step_size))",
          params=_frozen(step_size=1000, gamma=0.1), law=_step_decay_law),
    Shape("multistep_decay", "max(end, start * gamma ** #(milestones <= k))",
          params=_frozen(milestones=(), gamma=0.1), law=_multistep_law),
    Shape("noam", "start * min((k+1) ** -0.5, (k+1) * W ** -1.5)",
          params=_frozen(warmup_steps=4000), law=_noam_law),
):
    register_shape(_shape)

def interpolate(
    shape: Shape, k: FloatArray, n: int, start: float, end: float, params: Mapping[str, Any]
) -> FloatArray:
    """Evaluate one phase of ``n`` updates at local indices ``k`` (0 <= k <= n), in place.

    ``k`` (float64) is the work buffer: every shape computes on it with ``out=`` ufuncs and the LRs
    are returned in it, so evaluating a chunk of updates allocates no array of its size (at most one
    temporary, and a boolean mask). Pass a copy to keep ``k``.

    Examples:
        >>> import numpy as np
        >>> interpolate(SHAPES["linear"], np.arange(5.0), 4, 0.0, 1.0, {}).tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
        >>> interpolate(SHAPES["step"], np.arange(5.0), 4, 0.0, 1.0, {"stairs": 2}).tolist()
        [0.0, 0.0, 0.5, 0.5, 1.0]
    """
    merged = {**shape.params, **params}
    if shape.law is not None:
        values = np.multiply(shape.law(k, n, merged), start, out=k)
        return np.maximum(values, end, out=k) if end < start else values
    if shape.geometric:
        if start <= 0.0 or end <= 0.0:
            raise EngineError("a geometric phase needs start and end > 0")
        np.divide(k, float(n), out=k)
        np.power(end / start, k, out=k)
        return np.multiply(k, start, out=k)
    # The ends are pinned (a whole fraction gives the endpoint itself, not start + (end - start)),
    # so the peak lands exactly on lr however the arithmetic rounds.
    if start <= end:
        assert shape.rise is not None
        fraction, low, span, whole = shape.rise(k, n, merged), start, end - start, end
    else:
        assert shape.fall is not None
        fraction, low, span, whole = shape.fall(k, n, merged), end, start - end, start
    pinned = fraction == 1.0
    np.multiply(fraction, span, out=k)
    np.add(k, low, out=k)
    np.copyto(k, whole, where=pinned)
    return k

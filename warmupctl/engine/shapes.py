"""The shape registry: how a phase travels from its ``start`` LR to its ``end`` LR.

A phase of ``n`` updates is evaluated at local update indices ``k`` (0 <= k <= n; k = n is the value the
phase hands over, or holds after the schedule ends). Each shape gives two fraction functions:

* ``rise(k, n)``: the fraction of ``end - start`` travelled when the phase rises (a warmup):
  ``value = start + (end - start) * rise``. These are the warmup formulas of the seeds.
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

from warmupctl.errors import EngineError

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
    if shape.name in SHAPES:
        raise EngineError(f"shape {shape.name!r} registered twice")
    SHAPES[shape.name] = shape
    return shape


def _linear_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """k / n — transformers' warmup ``float(t) / float(max(1, W))``."""
    return k / float(n)


def _linear_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(n - k) / n — transformers' linear decay ``float(T - t) / float(max(1, T - W))``."""
    return (float(n) - k) / float(n)


def _cosine_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(1 - cos(pi k / n)) / 2 — the seeds' cosine warmup."""
    return 0.5 * (1.0 - np.cos(np.pi * (k / float(n))))


def _cosine_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(1 + cos(2 pi c k / n)) / 2 with c = num_cycles — transformers ``get_cosine_schedule_with_warmup``.

    The operation order is transformers' (``math.pi * num_cycles * 2.0 * progress``) so that values agree
    to the last bit where they can. c = 0.5 is one half-wave down to the floor; c = 2 ends back at the top.
    """
    progress = k / float(n)
    return 0.5 * (1.0 + np.cos(np.pi * float(p["num_cycles"]) * 2.0 * progress))


def _restarts_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(1 + cos(pi ((c k / n) mod 1))) / 2, and 0 from k = n — transformers' hard restarts."""
    progress = k / float(n)
    left = 0.5 * (1.0 + np.cos(np.pi * ((float(p["num_cycles"]) * progress) % 1.0)))
    return np.where(progress >= 1.0, 0.0, left)


def _stairs(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    stairs = int(p["stairs"])
    # Integer arithmetic: floor(S k / n) without float rounding at the stair edges.
    return np.floor_divide(stairs * k, float(n)) / stairs


def _step_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """floor(S k / n) / S with S = stairs — the seeds' stair ("step") warmup."""
    return _stairs(k, n, p)


def _step_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 - floor(S k / n) / S: a staircase down, one drop at the start of each stair."""
    return 1.0 - _stairs(k, n, p)


def _smooth(u: FloatArray) -> FloatArray:
    return u * u * (3.0 - 2.0 * u)


def _smooth_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """3u^2 - 2u^3, u = k / n — the cubic with zero slope at both ends (the seeds' smooth warmup)."""
    return _smooth(k / float(n))


def _smooth_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """3v^2 - 2v^3, v = (n - k) / n: the smooth warmup played backwards."""
    return _smooth((float(n) - k) / float(n))


def _log_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """log(k + 1) / log(n), capped at 1 — DeepSpeed WarmupLR's default ``log`` warmup.

    It reaches the peak one update early (k = n - 1). With n = 1 the single warmup update gets the
    start value.
    """
    if n <= 1:
        return np.where(k >= n, 1.0, 0.0)
    return np.minimum(1.0, np.log(k + 1.0) / np.log(float(n)))


def _log_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 - log(k + 1) / log(n): the log curve, falling."""
    return 1.0 - _log_rise(k, n, p)


def _one_minus_sqrt_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 - sqrt(1 - k / n) — transformers ``get_wsd_schedule(warmup_type='1-sqrt')``."""
    return 1.0 - np.sqrt(1.0 - k / float(n))


def _one_minus_sqrt_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 - sqrt(k / n) — transformers ``get_wsd_schedule(decay_type='1-sqrt')`` (MiniCPM's WSD)."""
    return 1.0 - np.sqrt(k / float(n))


def _constant_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """0 for k < n, then 1: hold the start LR for the whole phase, then jump (ResNet's warmup)."""
    return np.where(k >= n, 1.0, 0.0)


def _constant_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 for k < n, then 0: hold the start LR, then drop to the end LR."""
    return np.where(k >= n, 0.0, 1.0)


def _poly_rise(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(k / n) ** power: the polynomial decay played backwards."""
    return (k / float(n)) ** float(p["power"])


def _poly_fall(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """(1 - k / n) ** power — transformers ``get_polynomial_decay_schedule_with_warmup``."""
    return (1.0 - k / float(n)) ** float(p["power"])


def _inverse_sqrt_law(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """1 / sqrt((k + ts) / ts), ts = timescale — transformers ``get_inverse_sqrt_schedule``."""
    timescale = float(p["timescale"])
    return 1.0 / np.sqrt((k + timescale) / timescale)


def _exponential_law(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """gamma ** k — torch ``ExponentialLR`` in closed form (one factor per update)."""
    return float(p["gamma"]) ** k


def _step_decay_law(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """gamma ** floor(k / step_size) — torch ``StepLR`` in closed form."""
    return float(p["gamma"]) ** np.floor_divide(k, float(p["step_size"]))


def _multistep_law(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """gamma ** (number of milestones <= k) — torch ``MultiStepLR`` (decays *at* each milestone)."""
    milestones = np.asarray(p["milestones"], dtype=np.float64)
    return float(p["gamma"]) ** np.searchsorted(milestones, k, side="right").astype(np.float64)


def _noam_law(k: FloatArray, n: int, p: Mapping[str, Any]) -> FloatArray:
    """min(s ** -0.5, s * W ** -1.5), s = k + 1 — Vaswani et al. 2017 §5.3 (``step_num`` from 1).

    The phase's start LR is ``scale * d_model ** -0.5``; the peak, ``scale * (d_model W) ** -0.5``,
    lands at update W - 1 (s = W).
    """
    s = k + 1.0
    warmup = float(p["warmup_steps"])
    return np.minimum(s**-0.5, s * warmup**-1.5)


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
        lambda k, n, p: 1.0 - _restarts_fall(k, n, p),
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
    """Evaluate one phase of ``n`` updates at local indices ``k`` (0 <= k <= n).

    Examples:
        >>> import numpy as np
        >>> interpolate(SHAPES["linear"], np.arange(5.0), 4, 0.0, 1.0, {}).tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
        >>> interpolate(SHAPES["step"], np.arange(5.0), 4, 0.0, 1.0, {"stairs": 2}).tolist()
        [0.0, 0.0, 0.5, 0.5, 1.0]
    """
    merged = {**shape.params, **params}
    if shape.law is not None:
        values = start * shape.law(k, n, merged)
        return np.maximum(values, end) if end < start else values
    if shape.geometric:
        if start <= 0.0 or end <= 0.0:
            raise EngineError("a geometric phase needs start and end > 0")
        return start * (end / start) ** (k / float(n))
    # The ends are pinned (a whole fraction gives the endpoint itself, not start + (end - start)),
    # so the peak lands exactly on lr however the arithmetic rounds.
    if start <= end:
        assert shape.rise is not None
        rise = shape.rise(k, n, merged)
        return np.where(rise == 1.0, end, start + (end - start) * rise)
    assert shape.fall is not None
    fall = shape.fall(k, n, merged)
    return np.where(fall == 1.0, start, end + (start - end) * fall)

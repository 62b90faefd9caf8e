"""optax schedules (optax 0.2.8, ``optax/schedules/_schedule.py`` and ``_join.py``), in float32.

An optax schedule is a pure function of the optimizer's ``count``. ``scale_by_schedule`` and
``inject_hyperparams`` read ``schedule(count)`` before incrementing a count that starts at 0, so
**update k uses schedule(k)**. The count is an int32 that saturates at 2**31 - 1
(``safe_increment``); every function here clamps the update index the same way.

optax computes in float32 (JAX without ``jax_enable_x64``), and so does this module: numpy float32
arithmetic in optax's operation order, with constants rounded where JAX rounds them. JAX's weak
typing decides where that is: arithmetic between Python numbers happens in float64 *before* JAX
sees it (``1 - alpha``, ``init_value - end_value``, ``end_value / peak_value``,
``peak_value / div_factor``), and the result is rounded to float32 when it meets an array. Integer
arithmetic on counts is exact; a count meets floats as ``float32(count)``.

Transcendentals are the one place numpy cannot copy XLA bit for bit: ``cos``, ``log`` and
non-integer ``pow`` are evaluated in float64 and rounded once to float32 (correct rounding). XLA's
CPU kernels agree with that in about 99 % of arguments and are one ulp off otherwise (measured with
jax 0.10.2: cos 1.3 %, log 3 %, pow 0.1 % of random arguments). Integer powers (``frac ** 2`` with
a Python int) are XLA's ``integer_pow``, which is repeated multiplication; it is replayed exactly.
XLA also flushes float32 subnormals (< 1.2e-38) to zero; numpy does not. Every function here is a
closed form, vectorized over the update indices: nothing is replayed step by step.

The values are those of optax evaluated op by op, as JAX runs it eagerly (and as the goldens are
recorded). Inside ``jax.jit`` XLA fuses the schedule: it replaces a division by a constant with a
multiplication by the constant's float32 reciprocal and contracts ``a * b + c`` into one FMA, so
a jitted train step may see values a few ulp away (measured: up to 2.6e-7 of the peak). One
consequence is more than an ulp and gets a note: see :func:`jit_overshoots`.

The float32 arithmetic, :class:`~warmupctl.frameworks._float32.Curve` and the Schedule wrapper are
in :mod:`warmupctl.frameworks._float32`, shared with :mod:`warmupctl.frameworks.keras`, whose JAX
backend computes the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._float32 import (
    F32,
    ONE32,
    PI32,
    Counts,
    Curve,
    F32Array,
    Fn32,
    cos32,
    curve_build,
    f32,
    jit_overshoots,
    pow32,
    power32,
)
from warmupctl.frameworks._kit import coerce_arg
from warmupctl.frameworks._registry import Arg, LibraryCall, LibrarySchedule, register

VERSION = "0.2.8"


def _source(name: str, file: str = "_schedule.py") -> str:
    return f"optax {VERSION}, optax/schedules/{file}, {name}"


def _build(make: Callable[[LibraryCall], Curve]) -> Callable[[LibraryCall], Schedule]:
    return curve_build(make, computed_by="optax")


# --------------------------------------------------------------------------------------------------
# Formula families
# --------------------------------------------------------------------------------------------------


def _constant(value: float) -> Fn32:
    # optax returns the Python number itself; the optimizer casts it to the parameters' float32.
    level = F32(value)
    return lambda count: np.full(count.shape, level, dtype=np.float32)


def _polynomial(
    init_value: float, end_value: float, power: float, transition_steps: int, transition_begin: int,
) -> tuple[Fn32, int | None, tuple[str, ...]]:
    """optax ``polynomial_schedule``: ``(init - end) * (1 - c/T) ** power + end``.

    ``c = clip(count - begin, 0, T)``. ``init - end`` is a Python subtraction (float64, rounded
    once); ``c / T`` divides two float32-converted integers. ``T <= 0`` is logged by optax and
    gives the constant ``init_value``; a negative ``begin`` is logged and taken as 0.

    Returns:
        the function, its natural end (begin + T, or None when constant) and notes.

    >>> fn, end, _ = _polynomial(1.0, 0.0, 2.0, 4, 2)
    >>> [float(x) for x in fn(np.arange(8))], end
    ([1.0, 1.0, 1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0], 6)
    """
    if transition_steps <= 0:
        note = (f"transition_steps {transition_steps} <= 0: optax logs it and holds init_value "
                f"{init_value:g} forever")
        return _constant(init_value), None, (note,)
    notes: tuple[str, ...] = ()
    if transition_begin < 0:
        notes = (f"optax logs the negative transition_begin {transition_begin} and uses 0",)
        transition_begin = 0
    if not float(power).is_integer() and jit_overshoots(transition_steps):
        notes += (f"under jax.jit (XLA on CPU) 1 - c/T is fused into an FMA with float32(1/T), "
                  f"which ends just below 0 for T = {transition_steps}: the power {power:g} then "
                  f"gives NaN from update {transition_begin + transition_steps} on; evaluated op "
                  "by op (as here) it gives end_value",)
    span = F32(init_value - end_value)
    floor = F32(end_value)
    steps32 = F32(transition_steps)

    def fn(count: Counts) -> F32Array:
        done = np.clip(count - transition_begin, 0, transition_steps)
        frac = ONE32 - f32(done) / steps32
        return span * power32(frac, power) + floor

    return fn, transition_begin + transition_steps, notes


def _cosine_decay(init_value: float, decay_steps: int, alpha: float, exponent: float) -> Fn32:
    """optax ``cosine_decay_schedule``: ``init * ((1 - a) * (0.5 (1 + cos(pi c / T))) ** e + a)``.

    ``c = min(count, T)`` in float32; ``pi * c`` is rounded before the division by ``T``;
    ``1 - alpha`` is a Python subtraction. The caller checks ``decay_steps > 0`` (optax raises).

    >>> [round(float(x), 6) for x in _cosine_decay(1.0, 4, 0.0, 1.0)(np.arange(6))]
    [1.0, 0.853553, 0.5, 0.146447, 0.0, 0.0]
    """
    init32, keep32, alpha32, steps32 = F32(init_value), F32(1 - alpha), F32(alpha), F32(decay_steps)

    def fn(count: Counts) -> F32Array:
        c = f32(np.minimum(count, decay_steps))
        wave = F32(0.5) * (ONE32 + cos32(PI32 * c / steps32))
        return init32 * (keep32 * power32(wave, exponent) + alpha32)

    return fn


def _exponential(
    init_value: float, transition_steps: int, decay_rate: float, transition_begin: int,
    staircase: bool, end_value: float | None,
) -> tuple[Fn32, int | None, tuple[str, ...]]:
    """optax ``exponential_decay``: ``init * rate ** ((count - begin) / T)``, clipped at the end.

    ``d = count - begin``; ``p = float32(d) / float32(T)``, floored when ``staircase``; ``d <= 0``
    gives ``init``. ``end_value`` is a floor when ``rate < 1`` and a ceiling otherwise. optax logs
    ``T <= 0`` and ``rate == 0`` and returns the constant ``init``; a negative begin becomes 0.

    >>> fn, end, _ = _exponential(1.0, 2, 0.5, 2, True, 0.2)
    >>> [round(float(x), 6) for x in fn(np.arange(10))], end
    ([1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2], 8)
    """
    if transition_steps <= 0 or decay_rate == 0:
        why = (f"transition_steps {transition_steps} <= 0" if transition_steps <= 0
               else "decay_rate 0")
        return _constant(init_value), None, (
            f"{why}: optax logs it and holds init_value {init_value:g} forever",)
    notes: list[str] = []
    if transition_begin < 0:
        notes.append(f"optax logs the negative transition_begin {transition_begin} and uses 0")
        transition_begin = 0
    if decay_rate < 0 and not staircase:
        notes.append(f"decay_rate {decay_rate:g} < 0: a negative number to a fractional power is "
                     "NaN, as in optax")
    if end_value is None and decay_rate > 1:
        notes.append(f"decay_rate {decay_rate:g} > 1 without end_value: the value grows without "
                     "bound")
    init32, rate32, steps32 = F32(init_value), F32(decay_rate), F32(transition_steps)
    clip = None if end_value is None else (np.maximum if decay_rate < 1.0 else np.minimum)
    end32 = F32(0.0 if end_value is None else end_value)

    def fn(count: Counts) -> F32Array:
        d = count - transition_begin
        p = f32(d) / steps32
        if staircase:
            p = np.floor(p)
        out = np.where(d <= 0, init32, init32 * pow32(rate32, p))
        return out if clip is None else clip(out, end32)

    end = None
    if clip is not None:
        end = _first_hold(fn, init_value, decay_rate, end_value or 0.0, transition_steps,
                          transition_begin, staircase)
        if end is None and (end_value or 0.0) != 0.0:
            notes.append(f"end_value {end_value:g} clips the value from update 0")
    return fn, end, tuple(notes)


def _first_hold(
    fn: Fn32, init_value: float, rate: float, end_value: float, steps: int, begin: int,
    staircase: bool,
) -> int | None:
    """The first count from which an exponential decay sits at its ``end_value`` clip, if any."""
    try:
        exact = steps * math.log(end_value / init_value) / math.log(rate)
    except (ValueError, ZeroDivisionError):
        return None
    if not math.isfinite(exact) or exact <= 0 or exact > 2**62:
        return None
    d = math.ceil(exact / steps) * steps if staircase else math.ceil(exact)
    # float32 rounding can move the crossing by a step (a stair when staircase): look around it.
    lo, hi = max(1, d - 2 * steps - 2), d + 2 * steps + 2
    window = np.arange(lo, hi + 1, dtype=np.int64) + begin
    held = fn(window) == F32(end_value)
    if not held[-1]:
        return None
    first = len(held) - int(np.argmin(held[::-1])) if not held.all() else 0
    return int(window[first])


def _boundaries_and_scales(raw: Any, path: str) -> list[tuple[int, float]]:
    """optax's ``{step: scale}`` dict, sorted by step, from a mapping or a list of pairs.

    A mapping's keys may be ints or int-like strings (JSON and YAML give strings); a list holds
    ``[boundary, scale]`` pairs. optax requires every scale >= 0 (ValueError).
    """
    if raw is None:
        return []
    if isinstance(raw, Mapping):
        items = [(key, value, f"{path}.{key}") for key, value in raw.items()]
    elif isinstance(raw, (list, tuple)):
        items = []
        for i, pair in enumerate(raw):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise SpecError("expected a [boundary, scale] pair", path=f"{path}[{i}]",
                                value=pair, hint="e.g. [[1000, 0.1], [2000, 0.1]]")
            items.append((pair[0], pair[1], f"{path}[{i}]"))
    else:
        raise SpecError("expected a mapping {step: scale} or a list of [step, scale] pairs",
                        path=path, value=raw,
                        hint="e.g. boundaries_and_scales: {1000: 0.1, 2000: 0.1}")
    pairs: dict[int, float] = {}
    for key, value, where in items:
        step = v.as_int(key, where)
        if step in pairs:
            raise SpecError("boundary given twice", path=where, value=key,
                            hint="optax takes a dict {step: scale}: one scale per step")
        scale = v.as_float(value, where)
        if scale < 0:
            raise SpecError("optax expects non-negative scale factors (ValueError)", path=where,
                            value=value, hint="scales multiply the value; use 0 <= scale")
        pairs[step] = scale
    return sorted(pairs.items())


def _cumulative_note(pairs: Sequence[tuple[int, float]], init_value: float) -> tuple[str, ...]:
    if len(pairs) < 2:
        return ()
    product = init_value * math.prod(s for _, s in pairs)
    return (f"scales are cumulative: from update {pairs[-1][0]} on the value is "
            f"init_value x {' x '.join(f'{s:g}' for _, s in pairs)} = {product:g}",)


def _piecewise_constant(init_value: float, pairs: Sequence[tuple[int, float]]) -> Fn32:
    """optax ``piecewise_constant_schedule``: each scale multiplies from its boundary on (k >= b).

    optax keeps ``v`` while ``sign(b - count) > 0`` and otherwise takes ``scale * v``, boundary by
    boundary in sorted order, so the scales accumulate; each product is one float32 rounding.

    >>> [round(float(x), 6) for x in _piecewise_constant(1.0, [(3, 0.5), (5, 0.1)])(np.arange(7))]
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.05, 0.05]
    """
    init32 = F32(init_value)

    def fn(count: Counts) -> F32Array:
        out = np.full(count.shape, init32, dtype=np.float32)
        for boundary, scale in pairs:
            out = np.where(count < boundary, out, F32(scale) * out)
        return out

    return fn


def _interpolate(kind: str, init_value: float, pairs: Sequence[tuple[int, float]]) -> Fn32:
    """optax ``piecewise_interpolate_schedule``: interpolate between cumulative products of scales.

    ``bounds = [0, b1, ..., bn]``; ``values`` = float32 cumulative product of
    ``[init, s1, ..., sn]`` (sequential, as XLA's cumprod). Inside ``[b_i, b_{i+1})`` with
    ``pct = (count - b_i) / max(b_{i+1} - b_i, 1)``: linear ``(v1 - v0) * pct + v0``, cosine
    ``v1 + (v0 - v1) / 2 * (cos(pi pct) + 1)``. From ``bn`` on: ``vn``.

    >>> fn = _interpolate("linear", 1.0, [(4, 0.1), (8, 0.1)])
    >>> [round(float(x), 6) for x in fn(np.arange(0, 11, 2))]
    [1.0, 0.55, 0.1, 0.055, 0.01, 0.01]
    """
    bounds = np.array([0, *(b for b, _ in pairs)], dtype=np.int64)
    levels = np.cumprod(f32([init_value, *(s for _, s in pairs)]), dtype=np.float32)
    sizes = np.maximum(bounds[1:] - bounds[:-1], 1)

    def fn(count: Counts) -> F32Array:
        out = np.zeros(count.shape, dtype=np.float32)
        for i in range(len(sizes)):
            inside = (bounds[i] <= count) & (count < bounds[i + 1])
            if not inside.any():
                continue
            pct = f32(count[inside] - bounds[i]) / F32(sizes[i])
            start, end = levels[i], levels[i + 1]
            if kind == "linear":
                out[inside] = (end - start) * pct + start
            else:
                out[inside] = end + (start - end) / F32(2.0) * (cos32(PI32 * pct) + ONE32)
        return np.where(bounds[-1] <= count, levels[-1], out)

    return fn


def _join(fns: Sequence[Fn32], boundaries: Sequence[int]) -> Fn32:
    """optax ``join_schedules``: from each boundary ``b`` on, the next schedule at ``count - b``.

    optax folds ``where(count < b, out, schedule(count - b))`` over the boundaries in the order
    given and ignores schedules or boundaries without a partner (``zip``).
    """

    def fn(count: Counts) -> F32Array:
        out = np.asarray(fns[0](count), dtype=np.float32)
        for boundary, part in zip(boundaries, fns[1:]):
            later = count >= boundary
            if later.any():
                out = out.copy()
                out[later] = part(count[later] - boundary)
        return out

    return fn


def _warmup_cosine(args: Mapping[str, Any], where: str) -> Curve:
    """optax ``warmup_cosine_decay_schedule``: linear ``init -> peak`` over W, then a cosine.

    A join at W of ``linear_schedule(init, peak, W)`` and ``cosine_decay_schedule(peak,
    decay_steps - W, alpha = end / peak (0 when peak == 0), exponent)``: **decay_steps includes the
    warmup**. ``decay_steps <= warmup_steps`` makes the cosine raise ValueError in optax.
    """
    init, peak, end_value = args["init_value"], args["peak_value"], args["end_value"]
    warmup, decay_steps = args["warmup_steps"], args["decay_steps"]
    if decay_steps - warmup <= 0:
        raise SpecError(
            "optax's cosine needs decay_steps - warmup_steps > 0 (ValueError)",
            path=f"{where}.decay_steps", value=decay_steps,
            hint=f"decay_steps is the whole schedule, warmup included: use more than {warmup}")
    alpha = 0.0 if peak == 0.0 else end_value / peak
    notes: tuple[str, ...] = ()
    if peak == 0.0 and end_value != 0.0:
        notes = (f"peak_value is 0, so optax sets alpha to 0 and end_value {end_value:g} is "
                 "ignored",)
    ramp, _, _ = _polynomial(init, peak, 1, warmup, 0)
    fn = _join([ramp, _cosine_decay(peak, decay_steps - warmup, alpha, args["exponent"])], [warmup])
    if warmup < 0:
        notes += (f"negative warmup_steps {warmup}: optax starts the cosine {-warmup} updates in",)
    marks = (Boundary(warmup, "warmup end"),) if warmup > 0 else ()
    return Curve(fn, decay_steps, warmup=max(warmup, 0), marks=marks, notes=notes)


# --------------------------------------------------------------------------------------------------
# The registered schedules
# --------------------------------------------------------------------------------------------------


def _make_constant(call: LibraryCall) -> Curve:
    return Curve(_constant(call.args["value"]), None)


register(LibrarySchedule(
    name="constant_schedule", library="optax", lr="unused",
    args=(Arg("value", kind="float", doc="the value held"),),
    build=_build(_make_constant), source=_source("constant_schedule"),
    formula="value at every update (no natural end: give total_steps)"))


def _make_polynomial(call: LibraryCall, power: float | None = None) -> Curve:
    a = call.args
    p = a["power"] if power is None else power
    fn, end, notes = _polynomial(a["init_value"], a["end_value"], p, a["transition_steps"],
                                 a["transition_begin"])
    begin = max(0, a["transition_begin"])
    marks = (Boundary(begin, "transition begin"),) if end is not None and begin > 0 else ()
    return Curve(fn, end, marks=marks, notes=notes)


_TRANSITION = (
    Arg("transition_steps", kind="int", doc="updates of the transition; <= 0 holds init_value"),
    Arg("transition_begin", 0, kind="int", doc="updates held at init_value first"),
)

register(LibrarySchedule(
    name="polynomial_schedule", library="optax", lr="unused",
    args=(Arg("init_value"), Arg("end_value"), Arg("power", doc="exponent of the polynomial"),
          *_TRANSITION),
    build=_build(_make_polynomial), source=_source("polynomial_schedule"),
    formula="c = clip(k - transition_begin, 0, T); (init - end) * (1 - c/T)**power + end"))

register(LibrarySchedule(
    name="linear_schedule", library="optax", lr="unused",
    args=(Arg("init_value"), Arg("end_value"), *_TRANSITION),
    build=_build(lambda call: _make_polynomial(call, power=1)), source=_source("linear_schedule"),
    formula="c = clip(k - transition_begin, 0, T); (init - end) * (1 - c/T) + end"))


def _make_cosine(call: LibraryCall) -> Curve:
    a = call.args
    if a["decay_steps"] <= 0:
        raise SpecError("optax's cosine_decay_schedule requires positive decay_steps (ValueError)",
                        path="args.decay_steps", value=a["decay_steps"],
                        hint="the number of updates of the decay, at least 1")
    return Curve(_cosine_decay(a["init_value"], a["decay_steps"], a["alpha"], a["exponent"]),
                 a["decay_steps"])


register(LibrarySchedule(
    name="cosine_decay_schedule", library="optax", lr="unused",
    args=(Arg("init_value"), Arg("decay_steps", kind="int", doc="updates of the decay (> 0)"),
          Arg("alpha", 0.0, doc="floor as a fraction of init_value"),
          Arg("exponent", 1.0, doc="power of the cosine factor")),
    build=_build(_make_cosine), source=_source("cosine_decay_schedule"),
    formula="c = min(k, T); init * ((1 - alpha) * (0.5 * (1 + cos(pi c / T)))**exponent + alpha)"))


def _make_exponential(call: LibraryCall, prefix: Curve | None = None) -> Curve:
    a = call.args
    source = a["peak_value"] if prefix is not None else a["init_value"]
    fn, end, notes = _exponential(source, a["transition_steps"], a["decay_rate"],
                                  a["transition_begin"], a["staircase"], a["end_value"])
    begin = max(0, a["transition_begin"]) if a["transition_steps"] > 0 and a["decay_rate"] else 0
    if prefix is None:
        marks: tuple[Boundary, ...] = (Boundary(begin, "decay begin"),) if begin > 0 else ()
        return Curve(fn, end, marks=marks, notes=notes)
    warmup = a["warmup_steps"]
    marks = (Boundary(warmup, "warmup end"),) if warmup > 0 else ()
    if begin > 0:
        marks += (Boundary(warmup + begin, "decay begin"),)
    return Curve(_join([prefix.fn, fn], [warmup]), None if end is None else warmup + end,
                 warmup=max(0, warmup), marks=marks, notes=prefix.notes + notes)


_EXPONENTIAL = (
    Arg("transition_steps", kind="int", doc="updates per factor of decay_rate; <= 0: constant"),
    Arg("decay_rate", doc="factor per transition_steps; 0 holds the value"),
    Arg("transition_begin", 0, kind="int", doc="updates held before the decay"),
    Arg("staircase", False, kind="bool", doc="decay in whole steps of transition_steps"),
    Arg("end_value", None, nullable=True, doc="floor (rate < 1) or ceiling (rate > 1)"),
)

register(LibrarySchedule(
    name="exponential_decay", library="optax", lr="unused",
    args=(Arg("init_value"), *_EXPONENTIAL),
    build=_build(_make_exponential), source=_source("exponential_decay"),
    formula="d = k - begin; init * rate**(d/T) (floor(d/T) when staircase), init while d <= 0; "
             "clipped at end_value"))


def _make_piecewise_constant(call: LibraryCall) -> Curve:
    a = call.args
    pairs = _boundaries_and_scales(a["boundaries_and_scales"], "args.boundaries_and_scales")
    last = pairs[-1][0] if pairs else None
    marks = tuple(Boundary(b, f"x{s:g}") for b, s in pairs)
    return Curve(_piecewise_constant(a["init_value"], pairs), last, marks=marks,
                 notes=_cumulative_note(pairs, a["init_value"]),
                 args={"boundaries_and_scales": [list(p) for p in pairs] if pairs else None})


_SCALES = Arg("boundaries_and_scales", None, kind="any", nullable=True,
              doc="{step: scale} or [[step, scale], ...]; scales multiply cumulatively")

register(LibrarySchedule(
    name="piecewise_constant_schedule", library="optax", lr="unused",
    args=(Arg("init_value"), _SCALES),
    build=_build(_make_piecewise_constant), source=_source("piecewise_constant_schedule"),
    formula="init times the product of every scale whose boundary b <= k"))


def _make_interpolate(call: LibraryCall) -> Curve:
    a = call.args
    pairs = _boundaries_and_scales(a["boundaries_and_scales"], "args.boundaries_and_scales")
    last = pairs[-1][0] if pairs else None
    return Curve(_interpolate(a["interpolate_type"], a["init_value"], pairs), last,
                 marks=tuple(Boundary(b, f"x{s:g}") for b, s in pairs),
                 notes=_cumulative_note(pairs, a["init_value"]),
                 args={"boundaries_and_scales": [list(p) for p in pairs] if pairs else None})


register(LibrarySchedule(
    name="piecewise_interpolate_schedule", library="optax", lr="unused",
    args=(Arg("interpolate_type", kind="str", choices=("linear", "cosine")),
          Arg("init_value"), _SCALES),
    build=_build(_make_interpolate), source=_source("piecewise_interpolate_schedule"),
    formula="linear or cosine interpolation between init x cumulative scales, from boundary to boundary"))


def _onecycle(call: LibraryCall, kind: str) -> Curve:
    """The onecycle schedules: a piecewise interpolation with scales from a dict literal.

    Keys that coincide (``int(pct_start * T) == int(pct_final * T)`` for small T) collapse as in a
    Python dict: the later scale wins, silently.
    """
    a = call.args
    steps, peak, div, final_div = (a["transition_steps"], a["peak_value"], a["div_factor"],
                                   a["final_div_factor"])
    if steps <= 0:
        raise SpecError(f"optax's {kind} onecycle schedule needs positive transition_steps "
                        "(ValueError)", path="args.transition_steps", value=steps,
                        hint="the length of the cycle")
    for name in ("div_factor", "final_div_factor"):
        if a[name] == 0:
            raise SpecError("division by zero in optax (ZeroDivisionError)", path=f"args.{name}",
                            value=0, hint="use a positive factor, e.g. 25 or 1e4")
        if a[name] < 0:
            raise SpecError("optax expects non-negative scale factors (ValueError)",
                            path=f"args.{name}", value=a[name], hint="use a positive factor")
    for name in ("pct_start", "pct_final") if kind == "linear" else ("pct_start",):
        if not abs(a[name] * steps) < 2**63:  # int() of it raises OverflowError in optax too
            raise SpecError(f"int({name} × transition_steps) overflows (OverflowError in optax)",
                            path=f"args.{name}", value=a[name], hint="a fraction of the cycle, e.g. 0.3")
    start = int(a["pct_start"] * steps)
    if kind == "linear":
        final = int(a["pct_final"] * steps)
        keys = [(start, div), (final, 1.0 / div), (steps, 1.0 / final_div)]
    else:
        keys = [(start, div), (int(steps), 1.0 / (div * final_div))]
    scales = dict(keys)
    notes: tuple[str, ...] = ()
    if len(scales) < len(keys):
        notes = ("two phase boundaries fall on the same update, so optax's scale dict keeps only "
                 "the later scale: " + ", ".join(f"{b}: {s:g}" for b, s in keys),)
    pairs = sorted(scales.items())
    marks = [Boundary(start, "peak")]
    if kind == "linear":
        marks.append(Boundary(keys[1][0], "annealing"))
    return Curve(_interpolate(kind, peak / div, pairs), steps, warmup=max(0, start),
                 marks=tuple(marks), notes=notes)


_ONECYCLE_HEAD = (
    Arg("transition_steps", kind="int", doc="length of the cycle (> 0)"),
    Arg("peak_value"),
    Arg("pct_start", 0.3, doc="fraction of the cycle spent rising"),
)
_ONECYCLE_TAIL = (
    Arg("div_factor", 25.0, doc="the start is peak_value / div_factor"),
    Arg("final_div_factor", 1e4, doc="the end is the start / final_div_factor"),
)

register(LibrarySchedule(
    name="linear_onecycle_schedule", library="optax", lr="unused",
    args=(*_ONECYCLE_HEAD, Arg("pct_final", 0.85, doc="fraction of the cycle at which the fall ends"),
          *_ONECYCLE_TAIL),
    build=_build(lambda call: _onecycle(call, "linear")), source=_source("linear_onecycle_schedule"),
    formula="linear peak/div -> peak at int(pct_start T) -> peak/div at int(pct_final T) "
             "-> peak/(div final_div) at T, then held"))

register(LibrarySchedule(
    name="cosine_onecycle_schedule", library="optax", lr="unused",
    args=(*_ONECYCLE_HEAD, *_ONECYCLE_TAIL),
    build=_build(lambda call: _onecycle(call, "cosine")), source=_source("cosine_onecycle_schedule"),
    formula="cosine peak/div -> peak at int(pct_start T) -> peak/(div final_div) at T, then held"))


def _make_warmup_constant(call: LibraryCall) -> Curve:
    a = call.args
    warmup = a["warmup_steps"]
    fn, end, notes = _polynomial(a["init_value"], a["peak_value"], 1, warmup, 0)
    if end is None:
        notes = (f"warmup_steps {warmup} <= 0: optax's linear schedule holds init_value "
                 f"{a['init_value']:g}, so peak_value {a['peak_value']:g} is never used",)
    marks = (Boundary(warmup, "warmup end"),) if warmup > 0 else ()
    return Curve(fn, end, warmup=max(0, warmup), marks=marks, notes=notes)


_WARMUP = (
    Arg("init_value", doc="value at update 0"),
    Arg("peak_value", doc="value at the end of the warmup"),
    Arg("warmup_steps", kind="int", doc="updates of linear warmup"),
)

register(LibrarySchedule(
    name="warmup_constant_schedule", library="optax", lr="unused",
    args=_WARMUP,
    build=_build(_make_warmup_constant), source=_source("warmup_constant_schedule"),
    formula="init + (peak - init) * k/W until W, then peak"))

_WARMUP_COSINE = (
    *_WARMUP,
    Arg("decay_steps", kind="int", doc="length of the whole schedule, warmup included"),
    Arg("end_value", 0.0, doc="value after decay_steps"),
    Arg("exponent", 1.0, doc="power of the cosine factor"),
)

register(LibrarySchedule(
    name="warmup_cosine_decay_schedule", library="optax", lr="unused",
    args=_WARMUP_COSINE,
    build=_build(lambda call: _warmup_cosine(call.args, "args")),
    source=_source("warmup_cosine_decay_schedule"),
    formula="linear init -> peak over W; then cosine peak -> end over decay_steps - W (decay_steps "
             "includes the warmup)"))


def _make_warmup_exponential(call: LibraryCall) -> Curve:
    a = call.args
    ramp, _, _ = _polynomial(a["init_value"], a["peak_value"], 1, a["warmup_steps"], 0)
    return _make_exponential(call, prefix=Curve(ramp, None))


register(LibrarySchedule(
    name="warmup_exponential_decay_schedule", library="optax", lr="unused",
    args=(*_WARMUP, *_EXPONENTIAL),
    build=_build(_make_warmup_exponential), source=_source("warmup_exponential_decay_schedule"),
    formula="linear init -> peak over W; then exponential_decay(peak, ...) counted from W"))

_SGDR_KEYS = {arg.name: arg for arg in _WARMUP_COSINE}


def _make_sgdr(call: LibraryCall) -> Curve:
    """optax ``sgdr_schedule``: warmup-cosine cycles joined at the cumulative ``decay_steps``."""
    items = v.as_list(call.args["cosine_kwargs"], "args.cosine_kwargs")
    if not items:
        raise SpecError("sgdr_schedule needs at least one cycle (optax fails on the first update)",
                        path="args.cosine_kwargs", value=items,
                        hint="give a list of {init_value, peak_value, warmup_steps, decay_steps}")
    curves: list[Curve] = []
    starts: list[int] = []
    resolved: list[dict[str, Any]] = []
    start = 0
    for i, item in enumerate(items):
        where = f"args.cosine_kwargs[{i}]"
        kwargs = _cycle_kwargs(item, where)
        curve = _warmup_cosine(kwargs, where)
        curves.append(curve)
        starts.append(start)
        resolved.append(kwargs)
        start += kwargs["decay_steps"]
    marks: list[Boundary] = []
    notes: list[str] = []
    for i, (curve, begin) in enumerate(zip(curves, starts)):
        if i:
            marks.append(Boundary(begin, f"restart {i}"))
        marks.extend(Boundary(begin + b.step, f"cycle {i} {b.label}") for b in curve.marks)
        notes.extend(f"cycle {i}: {n}" for n in curve.notes)
    return Curve(_join([c.fn for c in curves], starts[1:]), start, warmup=curves[0].warmup,
                 marks=tuple(marks), notes=tuple(notes), args={"cosine_kwargs": resolved})


def _cycle_kwargs(item: Any, where: str) -> dict[str, Any]:
    mapping = v.as_mapping(item, where)
    for key in mapping:
        if key not in _SGDR_KEYS:
            hint = v.did_you_mean(key, _SGDR_KEYS) or "keys: " + ", ".join(_SGDR_KEYS)
            raise SpecError("unknown argument of warmup_cosine_decay_schedule",
                            path=f"{where}.{key}", value=key, hint=hint)
    kwargs: dict[str, Any] = {}
    for name, arg in _SGDR_KEYS.items():
        if name in mapping:
            kwargs[name] = coerce_arg(arg, mapping[name], f"{where}.{name}")
        elif arg.required:
            raise SpecError("each cycle needs this argument of warmup_cosine_decay_schedule",
                            path=f"{where}.{name}", hint="a cycle takes " + ", ".join(_SGDR_KEYS))
        else:
            kwargs[name] = arg.default
    return kwargs


register(LibrarySchedule(
    name="sgdr_schedule", library="optax", lr="unused",
    args=(Arg("cosine_kwargs", kind="any",
          doc="list of warmup_cosine_decay_schedule arguments, one mapping per cycle"),),
    build=_build(_make_sgdr), source=_source("sgdr_schedule"),
    formula="warmup_cosine_decay_schedule cycles one after another; cycle i starts at the sum of the "
             "earlier decay_steps and counts from 0 there"))


def _make_join(call: LibraryCall) -> Curve:
    """optax ``join_schedules``: nested optax specs joined at absolute boundaries.

    Each nested schedule is resolved with ``call.resolve``. A nested schedule used only up to the
    next boundary does not need a natural end of its own: when its spec has no ``total_steps``,
    it gets the span it is used for (its values do not depend on it).
    """
    specs = call.args["schedules"]
    boundaries = list(call.args["boundaries"])
    if not specs:
        raise SpecError("join_schedules needs at least one schedule (optax fails on the first "
                        "update)", path="args.schedules", value=specs,
                        hint="schedules: [{schedule: optax.linear_schedule, args: {...}}, ...]")
    used = min(len(specs), len(boundaries) + 1)
    parts: list[Schedule] = []
    for i, spec in enumerate(specs[:used]):
        where = f"args.schedules[{i}]"
        name = spec.get("schedule")
        if not (isinstance(name, str) and name.startswith("optax.")):
            raise SpecError("join_schedules joins optax schedules", path=f"{where}.schedule",
                            value=name, hint="use an optax.<function> spec here")
        last = i == used - 1
        span = None
        if not last:
            span = boundaries[i] - (boundaries[i - 1] if i else 0)
        elif call.total_steps is not None:
            span = call.total_steps - (boundaries[i - 1] if i else 0)
        mapping = dict(spec)
        if span is not None and "total_steps" not in mapping:
            mapping["total_steps"] = max(1, span)
        assert call.resolve is not None
        try:
            parts.append(call.resolve(mapping, where))
        except SpecError as exc:
            if last and exc.path == f"{where}.total_steps" and "total_steps" not in spec:
                raise SpecError(f"the last joined schedule ({name}) has no natural end",
                                path="total_steps",
                                hint="add total_steps: N (the number of optimizer updates to show)"
                                ) from None
            raise
    notes: list[str] = []
    if len(specs) != len(boundaries) + 1:
        notes.append(f"{len(specs)} schedules and {len(boundaries)} boundaries: optax pairs them "
                     f"with zip: only the first {used} schedules and {used - 1} boundaries count")
    for i in range(1, used - 1):
        if boundaries[i] <= boundaries[i - 1]:
            notes.append(f"boundaries are not increasing: schedule {i} is overridden from update "
                         f"{boundaries[i]} on")
    marks: list[Boundary] = []
    for i, part in enumerate(parts):
        begin = boundaries[i - 1] if i else 0
        if i:
            marks.append(Boundary(begin, f"schedule {i}"))
        marks.extend(Boundary(begin + b.step, f"schedule {i} {b.label}") for b in part.boundaries)
        notes.extend(f"schedules[{i}]: {n}" for n in part.notes if not n.startswith("computed in"))
    fns = [_as_fn32(part) for part in parts]
    end = boundaries[used - 2] + parts[-1].total_steps if used > 1 else parts[0].total_steps
    first = parts[0].warmup_steps
    warmup = first if used == 1 or first <= boundaries[0] else 0
    nested = [{k: val for k, val in p.spec.items() if k != "total_steps" or "total_steps" in s}
              for p, s in zip(parts, specs)]
    return Curve(_join(fns, boundaries[: used - 1]), end, warmup=warmup, marks=tuple(marks),
                 notes=tuple(notes), args={"schedules": nested + list(specs[used:])})


def _as_fn32(part: Schedule) -> Fn32:
    return lambda count: part.fn(count).astype(np.float32)


register(LibrarySchedule(
    name="join_schedules", library="optax", lr="unused",
    args=(Arg("schedules", kind="specs", doc="optax specs: [{schedule: optax.X, args: {...}}, ...]"),
          Arg("boundaries", kind="ints", doc="absolute updates at which the next schedule takes over")),
    build=_build(_make_join), source=_source("join_schedules", "_join.py"),
    formula="schedule 0 before boundary 0; from boundary i on, schedule i+1 at (k - boundary_i)"))


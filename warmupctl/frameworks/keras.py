"""Keras 3 learning-rate schedules (keras 3.15.1, ``keras/src/optimizers/schedules/
learning_rate_schedule.py``), in float32 as the JAX backend computes them.

The optimizer's ``iterations`` counter starts at 0 and is incremented after ``apply()``; the LR of
an update is ``schedule(iterations)`` (``base_optimizer.py``, ``_get_current_learning_rate``), so
**update k uses schedule(k)**.

Every schedule computes in the dtype of ``convert_to_tensor(initial_learning_rate)``: float32 for a
Python float (a Python int would make it int32: refused, see :data:`INT_LR`). Each argument is cast
to float32 with ``ops.cast`` before use, the step too, so unlike optax almost nothing is computed in
float64 first; the exceptions are CosineDecay's ``1 - alpha`` and ``alpha``, which stay Python
numbers. Transcendentals (cos, log, pow) are rounded once from float64, which agrees with XLA's
CPU kernels except for an ulp now and then (see :mod:`warmupctl.frameworks.optax`; both use the
float32 helpers of :mod:`warmupctl.frameworks._float32`).

Most operations run one by one (eager JAX), each rounded to float32. The two ``ops.cond`` bodies
are different: JAX compiles a branch as one XLA computation, whose fused CPU kernels contract
``a * b + c`` into a single rounding (FMA) and rewrite ``a / t**i`` as ``a * t**(-i)``. The values
here replay that (measured with keras 3.15.1, jax 0.10.2, CPU, evaluated eagerly as the goldens
are); a jitted train step fuses more and may differ by a few ulp. Every formula is a closed
form, vectorized over the update indices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._float32 import (
    F32,
    ONE32,
    PI32,
    Curve,
    F32Array,
    cos32,
    curve_build,
    f32,
    fma32,
    jit_overshoots,
    log32,
    pow32,
)
from warmupctl.frameworks._kit import IntArray
from warmupctl.frameworks._registry import Arg, LibraryCall, LibrarySchedule, register

VERSION = "3.15.1"
_FILE = "keras/src/optimizers/schedules/learning_rate_schedule.py"
#: Why a whole-number initial_learning_rate is refused: the schedules compute in its dtype, so
#: ``CosineDecay(1, 4)`` runs in int32 (1.0, 0.866, 0.535, ... where 1.0 gives 1.0, 0.854, 0.5, ...).
INT_LR = ("keras computes in the dtype of initial_learning_rate: a Python int makes the schedule's "
          "arithmetic int32 and its values differ from a float's")
_HALF = F32(0.5)


def _source(name: str) -> str:
    return f"keras {VERSION}, {_FILE}, {name}"


def _build(make: Callable[[LibraryCall], Curve]) -> Callable[[LibraryCall], Schedule]:
    # count_max None: the update index reaches the schedule unclamped (optax's int32 count saturates).
    return curve_build(make, computed_by="Keras (JAX backend)", count_max=None)


def _steps(name: str, doc: str = "") -> Arg:
    """A step count, which Keras' constructor refuses unless positive."""
    return Arg(name, kind="int", doc=doc, minimum=0, above=True, why="Keras raises ValueError")


def _name(default: str) -> Arg:
    return Arg("name", default, kind="str", doc="the op name; no effect on the values")


def _cosine_factor(fraction: F32Array) -> F32Array:
    """``0.5 * (1 + cos(pi * fraction))`` in float32, ``pi`` rounded to float32 first."""
    return _HALF * (ONE32 + cos32(PI32 * fraction))


# --------------------------------------------------------------------------------------------------


def _progress(a: Mapping[str, Any]) -> Callable[[IntArray], F32Array]:
    """``step / decay_steps`` in float32, floored when ``staircase`` (ExponentialDecay and
    InverseTimeDecay count their decays the same way)."""
    steps32, staircase = F32(int(a["decay_steps"])), bool(a["staircase"])

    def progress(k: IntArray) -> F32Array:
        p = f32(k) / steps32
        return np.floor(p) if staircase else p

    return progress


def _make_exponential(call: LibraryCall) -> Curve:
    """``init * rate ** (step / T)``, the exponent floored when ``staircase``; no floor, no end."""
    a = call.args
    init32, rate32 = F32(a["initial_learning_rate"]), F32(a["decay_rate"])
    progress = _progress(a)

    def fn(k: IntArray) -> F32Array:
        return init32 * pow32(rate32, progress(k))

    notes: tuple[str, ...] = ()
    if a["decay_rate"] > 1:
        notes = (f"decay_rate {a['decay_rate']:g} > 1: the LR grows without bound",)
    return Curve(fn, None, notes=notes)


register(LibrarySchedule(
    name="ExponentialDecay", library="keras", lr="unused",
    args=(Arg("initial_learning_rate", float_only=INT_LR),
          _steps("decay_steps", doc="updates per factor of rate"),
          Arg("decay_rate"), Arg("staircase", False, kind="bool"), _name("ExponentialDecay")),
    build=_build(_make_exponential), source=_source("ExponentialDecay"),
    formula="init * rate ** (k / T) (floor(k / T) when staircase); no end (give total_steps)"))


def _make_piecewise(call: LibraryCall) -> Curve:
    """The sum of ``indicator * value`` over ``k <= b0``, ``b_{i-1} < k <= b_i``, ``k > b_last``.

    With increasing boundaries exactly one indicator is 1, so the boundary update itself still
    gets the earlier value. Keras does not check the order; with unordered boundaries several
    ranges overlap and their values add up, as here.
    """
    a = call.args
    if not isinstance(a["values"], (list, tuple)):  # "floats" also takes one number: Keras does not
        raise SpecError("Keras needs a list of values (it iterates them)", path="args.values",
                        value=a["values"], hint="e.g. values: [1e-3, 1e-4] with boundaries: [1000]")
    bounds, values = list(a["boundaries"]), list(a["values"])
    if len(bounds) != len(values) - 1:
        raise SpecError(
            f"Keras needs one more value than boundaries (ValueError): {len(bounds)} boundaries, "
            f"{len(values)} values", path="args.values", value=values,
            hint="values[i] is used up to boundaries[i]; values[-1] after the last boundary")
    if not bounds:
        raise SpecError("Keras needs at least one boundary (IndexError on the first update)",
                        path="args.boundaries", value=bounds, hint="e.g. boundaries: [1000]")
    levels = f32(values)

    def fn(k: IntArray) -> F32Array:
        out = np.zeros(k.shape, dtype=np.float32)
        out = out + (k <= bounds[0]) * levels[0]
        out = out + (k > bounds[-1]) * levels[-1]
        for low, high, level in zip(bounds[:-1], bounds[1:], levels[1:-1]):
            out = out + ((k > low) & (k <= high)) * level
        return out

    notes = [f"Keras switches one update after each boundary: values[1] = {values[1]:g} starts at "
             f"update {bounds[0] + 1}, not {bounds[0]}"]
    if any(b >= c for b, c in zip(bounds, bounds[1:])):
        notes.append("boundaries are not strictly increasing: Keras adds up the values of "
                     "overlapping ranges")
    last = max(bounds) + 1
    return Curve(fn, last if last > 0 else None,
                 marks=tuple(Boundary(b + 1, f"{v:g}") for b, v in zip(bounds, values[1:])),
                 notes=tuple(notes))


register(LibrarySchedule(
    name="PiecewiseConstantDecay", library="keras", lr="unused",
    args=(Arg("boundaries", kind="ints", doc="updates after which the next value starts"),
          Arg("values", kind="floats", doc="one more than boundaries"), _name("PiecewiseConstant")),
    build=_build(_make_piecewise), source=_source("PiecewiseConstantDecay"),
    formula="values[0] while k <= b0; values[i] while b_{i-1} < k <= b_i; values[-1] when k > b_last"))


def _make_polynomial(call: LibraryCall) -> Curve:
    """``(init - end) * (1 - s / T') ** power + end``.

    Without ``cycle``: ``s = min(step, T)``, ``T' = T``. With ``cycle``: ``s = step`` and ``T' = T *
    ceil(step / T)`` (1 at step 0), so each multiple of T hits ``end`` and the next update jumps
    back up. ``init - end`` is a float32 subtraction (both are cast first).
    """
    a = call.args
    steps = int(call.args["decay_steps"])
    init32, end32 = F32(a["initial_learning_rate"]), F32(a["end_learning_rate"])
    power32, steps32 = F32(a["power"]), F32(steps)
    cycle = a["cycle"]

    def fn(k: IntArray) -> F32Array:
        step = f32(k)
        span: Any
        if cycle:
            span = steps32 * np.where(step == 0, ONE32, np.ceil(step / steps32))
        else:
            step, span = np.minimum(step, steps32), steps32
        return (init32 - end32) * pow32(ONE32 - step / span, power32) + end32

    notes = []
    if cycle:
        notes.append(f"cycle: every multiple of decay_steps ({steps}) gets end_learning_rate and "
                     "the next update jumps back up, the decay stretched to the next multiple")
    if a["end_learning_rate"] == 1e-4:
        notes.append("end_learning_rate is 0.0001 (Keras' default), not 0")
    if not cycle and not float(a["power"]).is_integer() and jit_overshoots(steps):
        notes.append(f"in a jit-compiled train step (model.fit on the JAX backend, measured on "
                     f"CPU) 1 - step/{steps} ends just below 0, so the power {a['power']:g} gives "
                     f"a NaN LR from update {steps} on and NaN weights; evaluated eagerly (as "
                     "here) it is end_learning_rate")
    return Curve(fn, None if cycle else steps, notes=tuple(notes))


register(LibrarySchedule(
    name="PolynomialDecay", library="keras", lr="unused",
    args=(Arg("initial_learning_rate", float_only=INT_LR), _steps("decay_steps", doc="updates of the decay"),
          Arg("end_learning_rate", 0.0001), Arg("power", 1.0), Arg("cycle", False, kind="bool"),
          _name("PolynomialDecay")),
    build=_build(_make_polynomial), source=_source("PolynomialDecay"),
    formula="(init - end) * (1 - min(k, T)/T) ** power + end; with cycle T grows to T * ceil(k/T)"))


def _make_inverse_time(call: LibraryCall) -> Curve:
    """``init / (1 + rate * step / T)``, ``step / T`` floored when ``staircase``."""
    a = call.args
    init32, rate32 = F32(a["initial_learning_rate"]), F32(a["decay_rate"])
    progress = _progress(a)

    def fn(k: IntArray) -> F32Array:
        return init32 / (ONE32 + rate32 * progress(k))

    return Curve(fn, None)


register(LibrarySchedule(
    name="InverseTimeDecay", library="keras", lr="unused",
    args=(Arg("initial_learning_rate", float_only=INT_LR), _steps("decay_steps"), Arg("decay_rate"),
          Arg("staircase", False, kind="bool"), _name("InverseTimeDecay")),
    build=_build(_make_inverse_time), source=_source("InverseTimeDecay"),
    formula="init / (1 + rate * k / T) (floor(k / T) when staircase): 1/t, not 1/sqrt(t); no end"))


def _make_cosine(call: LibraryCall) -> Curve:
    """CosineDecay: an optional linear warmup to ``warmup_target``, then a cosine over T updates.

    The cosine: ``from * ((1 - alpha) * 0.5 * (1 + cos(pi * s / T)) + alpha)`` with ``s / T``
    divided before the multiplication by pi (optax multiplies first). Without ``warmup_target``:
    ``from = init``, ``s = min(step, T)``, and ``warmup_steps`` is ignored. With it:
    ``s = min(step, T + W)``; ``s < W`` gives ``(target - init) * s / W + init``, otherwise the
    cosine from ``target`` at ``s - W``: **decay_steps excludes the warmup**, the decay ends at
    update W + T and the floor is ``alpha * warmup_target``.
    """
    a = call.args
    steps = int(call.args["decay_steps"])
    alpha, target, warmup = a["alpha"], a["warmup_target"], a["warmup_steps"]
    init32, steps32 = F32(a["initial_learning_rate"]), F32(steps)
    # alpha stays a Python number in Keras: 1 - alpha is computed in float64, then rounded
    keep32, alpha32 = F32(1 - alpha), F32(alpha)

    def decay(s: F32Array, start: np.float32) -> F32Array:
        return start * (keep32 * _cosine_factor(s / steps32) + alpha32)

    notes: list[str] = []
    if target is None:
        if warmup:
            notes.append(f"warmup_steps {warmup} is ignored: Keras warms up only when "
                         "warmup_target is set")
        return Curve(lambda k: decay(np.minimum(f32(k), steps32), init32), steps,
                     notes=tuple(notes))

    target32, warmup32 = F32(target), F32(warmup)
    rise = target32 - init32

    def fn(k: IntArray) -> F32Array:
        s = np.minimum(f32(k), steps32 + warmup32)
        warming = s < warmup32
        out = np.empty(s.shape, dtype=np.float32)
        # both branches run inside ops.cond, where XLA contracts a * b + c into one FMA
        out[warming] = fma32(rise, s[warming] / warmup32, init32)
        wave = _cosine_factor((s[~warming] - warmup32) / steps32)
        out[~warming] = target32 * fma32(keep32, wave, alpha32)
        return out

    if warmup > 0:
        notes.append(f"decay_steps excludes the warmup: the decay ends at update {warmup + steps} "
                     f"(warmup_steps {warmup} + decay_steps {steps})")
    else:
        notes.append(f"warmup_steps is {warmup}: the cosine starts from warmup_target {target:g} "
                     f"and initial_learning_rate {a['initial_learning_rate']:g} is never used")
    if alpha:
        notes.append(f"the floor is alpha x warmup_target = {alpha * target:g}, not alpha x "
                     "initial_learning_rate")
    marks = (Boundary(warmup, "warmup end"),) if warmup > 0 else ()
    return Curve(fn, steps + warmup, warmup=max(0, warmup), marks=marks, notes=tuple(notes))


register(LibrarySchedule(
    name="CosineDecay", library="keras", lr="unused",
    args=(Arg("initial_learning_rate", float_only=INT_LR), _steps("decay_steps", doc="updates of the cosine, "
                                            "after the warmup"),
          Arg("alpha", 0.0, doc="floor as a fraction of the cosine's start"), _name("CosineDecay"),
          Arg("warmup_target", None, nullable=True, doc="LR at the end of the warmup; None: no warmup"),
          Arg("warmup_steps", 0, kind="int", doc="updates of linear warmup (only with warmup_target)")),
    build=_build(_make_cosine), source=_source("CosineDecay"),
    formula="warmup init -> warmup_target over W (only with warmup_target); then "
             "from * ((1 - alpha) * 0.5 * (1 + cos(pi * s/T)) + alpha) for T more updates"))


def _make_restarts(call: LibraryCall) -> Curve:
    """CosineDecayRestarts (SGDR): cosine periods that grow by ``t_mul`` and shrink by ``m_mul``.

    ``f = step / T0``. With ``t_mul == 1``: ``i = floor(f)``, ``f -= i``. Otherwise the period
    index comes from a logarithm, ``i = floor(log(1 - f (1 - t_mul)) / log(t_mul))``, and
    ``f = (f - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i``. The LR is
    ``init * ((1 - alpha) * 0.5 * m_mul**i * (1 + cos(pi f)) + alpha)``: alpha is not scaled by
    ``m_mul**i``. Everything is float32 (alpha too, unlike CosineDecay). The index and ``f`` are
    computed inside ``ops.cond``: there ``1 - f (1 - t_mul)`` is one FMA and the last division is
    a multiplication by ``t_mul ** -i``, as XLA compiles it.
    """
    a = call.args
    first = int(call.args["first_decay_steps"])
    init32, first32 = F32(a["initial_learning_rate"]), F32(first)
    alpha32, t_mul32, m_mul32 = F32(a["alpha"]), F32(a["t_mul"]), F32(a["m_mul"])

    def fn(k: IntArray) -> F32Array:
        f = f32(k) / first32
        if t_mul32 == ONE32:
            i = np.floor(f)
            f = f - i
        else:
            i = np.floor(log32(fma32(-f, ONE32 - t_mul32, ONE32)) / log32(np.asarray(t_mul32)))
            done = (ONE32 - pow32(t_mul32, i)) / (ONE32 - t_mul32)
            f = (f - done) * pow32(t_mul32, -i)
        wave = _HALF * pow32(m_mul32, i) * (ONE32 + cos32(PI32 * f))
        return init32 * ((ONE32 - alpha32) * wave + alpha32)

    notes = ["the cosine restarts forever" + (
        f": period i lasts {first} x {a['t_mul']:g}^i updates" if a["t_mul"] != 1 else "")]
    if a["m_mul"] != 1 and a["alpha"]:
        notes.append("alpha is not scaled by m_mul: every period still ends at alpha x "
                     "initial_learning_rate")
    return Curve(fn, None, marks=_restart_marks(first, a["t_mul"]), notes=tuple(notes))


def _restart_marks(first: int, t_mul: float, limit: int = 64) -> tuple[Boundary, ...]:
    """The first restarts (exact arithmetic; Keras' float32 log can move one by an update)."""
    marks: list[Boundary] = []
    start, period = 0.0, float(first)
    for i in range(1, limit):
        start += period
        period *= t_mul
        if start > 2**40 or period < 1:
            break
        marks.append(Boundary(round(start), f"restart {i}"))
    return tuple(marks)


register(LibrarySchedule(
    name="CosineDecayRestarts", library="keras", lr="unused",
    args=(Arg("initial_learning_rate", float_only=INT_LR), _steps("first_decay_steps", doc="first period"),
          Arg("t_mul", 2.0, doc="period growth"), Arg("m_mul", 1.0, doc="amplitude factor per period"),
          Arg("alpha", 0.0, doc="floor as a fraction of initial_learning_rate"), _name("SGDRDecay")),
    build=_build(_make_restarts), source=_source("CosineDecayRestarts"),
    formula="period i of T0 * t_mul^i updates: init * ((1 - alpha) * m_mul^i * 0.5 * (1 + cos(pi f)) + "
             "alpha); restarts forever (give total_steps)"))

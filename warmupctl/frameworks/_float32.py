"""float32 schedules as JAX computes them: the helpers shared by :mod:`~warmupctl.frameworks.optax`
and :mod:`~warmupctl.frameworks.keras` (Keras 3 on the JAX backend computes the same way).

* float32 arithmetic in JAX's roundings: ``cos``, ``log`` and non-integer ``pow`` evaluated in
  float64 and rounded once (XLA's CPU kernels agree but for an ulp now and then), ``integer_pow``
  replayed multiplication by multiplication, and the FMA that XLA's fused kernels contract
  ``a * b + c`` into (see the optax module's docstring for the measurements);
* :func:`flush_subnormals`: XLA's CPU kernels flush float32 subnormals to zero;
* :func:`jit_overshoots`, the one jit fusion that changes a value by more than an ulp;
* :class:`Curve`, what a builder returns, and :func:`curve_build`, the ``build`` that wraps it as a
  float64 :class:`~warmupctl.engine.Schedule` with the float32 note.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import finish
from warmupctl.frameworks._registry import LibraryCall

Counts = NDArray[np.int64]
F32Array = NDArray[np.float32]
#: A schedule of the library's own counter, in float32.
Fn32 = Callable[[Counts], F32Array]

#: optax's count is an int32 that saturates here (``safe_increment``).
INT32_MAX = 2**31 - 1
FLOAT32_NOTE = (
    "computed in float32 as {lib} does: values differ from float64 arithmetic by up to ~1e-7 of "
    "the peak"
)

# --------------------------------------------------------------------------------------------------
# float32 arithmetic as JAX performs it
# --------------------------------------------------------------------------------------------------

F32 = np.float32
PI32 = F32(math.pi)  # jnp.pi and Keras' ops.array(math.pi) both become this float32
ONE32 = F32(1.0)


def f32(values: Any) -> F32Array:
    """``values`` as a float32 array: a count or a Python number meeting a JAX array."""
    return np.asarray(values, dtype=np.float32)


def cos32(x: F32Array) -> F32Array:
    """float32 cosine, correctly rounded (XLA's is within one ulp of this).

    >>> float(cos32(f32([PI32]))[0])
    -1.0
    """
    return np.cos(x.astype(np.float64)).astype(np.float32)


def log32(x: F32Array) -> F32Array:
    """float32 natural log, correctly rounded (XLA's is within one ulp of this)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x.astype(np.float64)).astype(np.float32)


def pow32(base: F32Array | np.float32, exponent: F32Array | np.float32) -> F32Array:
    """float32 ``lax.pow`` (a float exponent), correctly rounded.

    >>> float(pow32(F32(0.5), f32([3.0]))[0])
    0.125
    """
    base64 = np.asarray(base, dtype=np.float32).astype(np.float64)
    exp64 = np.asarray(exponent, dtype=np.float32).astype(np.float64)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return np.power(base64, exp64).astype(np.float32)


def fma32(a: Any, b: Any, c: Any) -> F32Array:
    """``a * b + c`` with one rounding to float32, as XLA's fused CPU kernels contract it.

    The float64 product of two float32 numbers is exact; the float64 sum is rounded once more
    before float32, which can differ from a true FMA only in (rare) halfway cases.

    >>> float(fma32(F32(1 / 3), F32(3.0), F32(-1.0))), float(F32(1 / 3) * F32(3.0) - F32(1.0))
    (2.9802322387695312e-08, 0.0)
    """
    a64, b64, c64 = (np.asarray(x, dtype=np.float32).astype(np.float64) for x in (a, b, c))
    return (a64 * b64 + c64).astype(np.float32)


def integer_pow32(x: F32Array, n: int) -> F32Array:
    """``lax.integer_pow``: binary exponentiation in float32, one rounding per multiplication.

    JAX uses it for ``array ** python_int``; the products are grouped as XLA groups them.

    >>> float(integer_pow32(f32([0.5]), 3)[0])
    0.125
    """
    if n == 0:
        return np.ones_like(x)
    base, k, acc = x, abs(n), None
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        while k:
            if k & 1:
                acc = base if acc is None else acc * base
            k >>= 1
            if k:
                base = base * base
        assert acc is not None
        if n < 0:
            with np.errstate(divide="ignore"):
                return ONE32 / acc
        return acc


def power32(x: F32Array, exponent: float) -> F32Array:
    """``x ** exponent`` with a Python exponent: ``integer_pow`` when it is a whole number.

    JAX picks ``integer_pow`` for a Python int and ``pow`` for a Python float; the spec layer
    hands every number over as a float, so a whole number is taken as the int users write
    (``power: 2``). For 1 and 2 both paths give the same float32; above that they may differ by an
    ulp.
    """
    if float(exponent).is_integer() and abs(exponent) <= 64:
        return integer_pow32(x, int(exponent))
    return pow32(x, F32(exponent))


# --------------------------------------------------------------------------------------------------
# What a builder returns, and how it becomes a Schedule
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """A library schedule before it is wrapped: the float32 function and what annotates it.

    Attributes:
        fn: float32 values of the library's counter (update k -> counter k for optax and Keras).
        end: the natural length: the first update from which the value holds forever (the decay
            end), or None when the schedule has none and needs ``total_steps``.
        warmup: updates of warmup (the peak's update), 0 when there is none.
        marks: phase starts for plots.
        notes: remarks about surprising behaviour of this instance.
        args: resolved arguments to show in the spec instead of the raw ones (normalised forms).
    """

    fn: Fn32
    end: int | None
    warmup: int = 0
    marks: tuple[Boundary, ...] = ()
    notes: tuple[str, ...] = ()
    args: Mapping[str, Any] = field(default_factory=dict)


def curve_build(
    make: Callable[[LibraryCall], Curve], *, computed_by: str, count_max: int | None = INT32_MAX,
) -> Callable[[LibraryCall], Schedule]:
    """The ``build`` of a float32 schedule: ``make`` gives the :class:`Curve`, which is wrapped as
    a Schedule by :func:`~warmupctl.frameworks._kit.finish`: float64 out, the counter clamped at
    ``count_max`` (None: unclamped), the float32 note, and the curve's normalised arguments in the
    resolved spec.

    ``computed_by`` names the library in the float32 note (``"optax"``, ``"Keras (JAX backend)"``).
    """
    note = FLOAT32_NOTE.format(lib=computed_by)

    def build(call: LibraryCall) -> Schedule:
        curve = make(call)
        fn32 = curve.fn

        def fn(updates: Counts) -> NDArray[np.float64]:
            counts = np.asarray(updates, dtype=np.int64)
            if count_max is not None:
                counts = np.minimum(counts, count_max)
            # overflow to inf and NaN are the library's values too (a growing exponential, rate < 0)
            with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
                values = np.asarray(fn32(counts), dtype=np.float32)
            return flush_subnormals(values).astype(np.float64)

        args = {**dict(call.args), **dict(curve.args)}
        library = call.qualname.partition(".")[0]
        huge = [f"{name} {value:g} is beyond float32 (3.4e38): {library} computes inf from it"
                for name, value in args.items()
                if isinstance(value, float) and abs(value) > float(np.finfo(np.float32).max)]
        return finish(call, fn, natural=curve.end, warmup=curve.warmup, boundaries=curve.marks,
                      notes=(*curve.notes, *huge, note), lr=None, args=args)

    return build


def flush_subnormals(values: F32Array) -> F32Array:
    """A value below float32's smallest normal (1.18e-38) as the zero of its sign: XLA's CPU kernels
    run with flush-to-zero, so ``optax.exponential_decay(1.0, 1, 0.01)`` gives 0.0 from count 19
    where IEEE arithmetic keeps 1e-39, 1e-41, ... (measured with jax 0.10.2 on CPU; an
    ``optax.linear_schedule(1e-39, 0.0, 10)`` is 0.0 from its first count).

    >>> flush_subnormals(np.array([1e-39, -1e-40, 2e-38], dtype=np.float32)).tolist()
    [0.0, -0.0, 2.0000000102211272e-38]
    """
    tiny = np.finfo(np.float32).tiny
    return np.where(np.abs(values) < tiny, np.copysign(np.float32(0.0), values), values).astype(np.float32)


# --------------------------------------------------------------------------------------------------
# What jax.jit changes
# --------------------------------------------------------------------------------------------------


def jit_overshoots(steps: int) -> bool:
    """Whether ``1 - T * float32(1/T)``, rounded once as an FMA rounds it, is negative.

    Under ``jax.jit`` XLA replaces a division by the constant T with a multiplication by its
    float32 reciprocal and contracts ``1 - c * r`` into one FMA (measured on CPU, jax 0.10.2, for
    T = 1..59 and others: NaN exactly where this predicts it). A negative base to a fractional
    power is NaN.

    >>> jit_overshoots(250), jit_overshoots(4)
    (True, False)
    """
    t = F32(steps)
    return Fraction(float(t)) * Fraction(float(ONE32 / t)) > 1

"""pytorch_warmup's warmup dampeners (Tony-Y/pytorch_warmup), reproduced update by update.

Reproduces pytorch_warmup 0.2.0, ``pytorch_warmup/base.py`` (``BaseWarmup``, ``LinearWarmup``,
``ExponentialWarmup``), ``untuned.py`` (``UntunedLinearWarmup``, ``UntunedExponentialWarmup``) and
``radam.py`` (``RAdamWarmup``). 0.3.0.dev0 has the same formulas.

pytorch_warmup is not a scheduler but a factor ``ω`` that multiplies whatever LR the optimizer has.
Its standard loop::

    lr_scheduler = CosineAnnealingLR(optimizer, ...)      # the base (optional)
    warmup = LinearWarmup(optimizer, warmup_period=...)   # constructed after the base
    for batch in loader:
        ...; optimizer.step()
        with warmup.dampening():
            lr_scheduler.step()

The constructor records the undampened LR and dampens it with ``ω(last_step + 1)``, so update 0
uses ``ω(0)``. ``dampening()`` first restores the undampened LR (a chainable torch scheduler never
sees a dampened value), lets the base step, records its new LR and dampens it with the next step's
factor. So update ``k`` uses ``base_lr(k) * ω(k)``, multiplied in that order, where ``base_lr(k)``
is the base schedule's own LR of update ``k`` (the optimizer's ``lr`` without a base). With
``last_step = L`` (resuming) the factor of update ``k`` is ``ω(k + L + 1)``.

The spec::

    schedule: pytorch_warmup.LinearWarmup
    lr: 3.0e-4
    args: {warmup_period: 100}
    base: {schedule: torch.CosineAnnealingLR, args: {T_max: 1000}}   # optional

``base`` is a nested torch scheduler spec (transformers' schedules, being LambdaLRs, work too). The
base and the warmup share one optimizer, hence one LR: when ``base`` has no ``lr`` of its own the
outer ``lr`` is injected into it before it is resolved (and the outer ``total_steps`` likewise), so
``lr`` is written once, at the top. The untuned and RAdam warmups read ``betas`` from the optimizer's
param group; here they are ``args.betas`` or, like ``lr``, a top-level ``betas:`` (the goldens' form),
with Adam's default ``(0.9, 0.999)``.

Without a base the warmup has no end of its own and the spec needs ``total_steps``; with one, the
base's length is used (an outer ``total_steps`` is passed down to the base when it has none).

Every factor is closed (no recursion) and evaluated vectorized in float64 in the library's operation
order, and is exactly 1.0 from the step where the library's float expression reaches 1.0 for good.
numpy's ``exp`` may differ from ``math.exp`` by an ulp (harmless); RAdam's early steps amplify an ulp
of ``pow``, so they take ``β2^t`` from Python's ``**`` and match the library bit for bit. A base
with a replayed (recursive) form keeps its chunked walk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from warmupctl.core.errors import EngineError, SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish, no_end_error, pieces
from warmupctl.frameworks._registry import (
    LIBRARY_SCHEDULES,
    Arg,
    LibraryCall,
    LibrarySchedule,
    register,
)

#: ``ω(step)``: the warmup factor as a function of pytorch_warmup's 0-based step.
Factor = Callable[[IntArray], FloatArray]

VERSION = "0.2.0"
LIBRARY = "pytorch_warmup"
#: ``torch.optim.Adam``'s default betas; the untuned and RAdam warmups read ``betas[1]``.
ADAM_BETAS = (0.9, 0.999)
#: Libraries whose schedules are torch LR schedulers stepped once per update, as the base must be.
BASE_LIBRARIES = ("torch", "transformers")
#: The factor at which a warmup that never reaches 1 is marked as ending (a warmupctl choice).
NEARLY_FULL = 0.99


# --------------------------------------------------------------------------------------------------
# The warmup factors ω(step)
# --------------------------------------------------------------------------------------------------


def _saturating(rising: Factor, full_from: int) -> Factor:
    """``rising(t)`` below ``full_from`` and exactly 1.0 from there on.

    ``full_from`` is where the library's float expression has reached 1.0 for good, so the values
    are the library's; it only spares computing ones (a chunk usually lies on one side).
    """

    return pieces([full_from], [rising, lambda t: np.ones(t.shape)])


def linear_factor(period: int) -> Factor:
    """``LinearWarmup``: ``ω(t) = min(1, (t + 1) / τ)``: ``1/τ`` at t = 0, 1 from t = τ - 1.

    >>> linear_factor(4)(np.arange(6)).tolist()
    [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    """

    def rising(t: IntArray) -> FloatArray:
        out = (t + 1).astype(np.float64)
        out /= float(period)
        return out

    return _saturating(rising, period - 1)


def exponential_factor(period: int) -> Factor:
    """``ExponentialWarmup``: ``ω(t) = 1 - exp(-(t + 1) / τ)``: ``1 - 1/e`` at t = τ - 1.

    It is exactly 1.0 in floats once ``exp(-(t + 1)/τ) <= 2^-54`` (near t = 37.4·τ).

    >>> exponential_factor(1)(np.arange(3)).round(6).tolist()
    [0.632121, 0.864665, 0.950213]
    """

    def rising(t: IntArray) -> FloatArray:
        out = (-(t + 1)).astype(np.float64)
        out /= float(period)
        np.exp(out, out=out)
        return np.subtract(1.0, out, out=out)

    return _saturating(rising, first_step_at_least(rising, 1.0))


def rho_inf(beta2: float) -> float:
    """RAdam's ``ρ∞ = 2 / (1 - β2) - 1``."""
    return 2.0 / (1 - beta2) - 1


#: Steps whose ``β2^t`` RAdam takes from Python's ``**`` (libm's ``pow``) rather than numpy's.
EXACT_POWERS = 1 << 14


def _powers(beta2: float) -> Callable[[IntArray], FloatArray]:
    """``t -> β2^t`` with libm's rounding for ``t < EXACT_POWERS``.

    numpy's ``power`` differs from libm's ``pow`` by an ulp at some ``t``, and RAdam's ``ρ - 4``
    cancels for small ``t``, amplifying that ulp to ~1e-12 of the LR. Beyond the table ``ρ`` is
    large and an ulp stays an ulp.
    """
    table = np.array([beta2**t for t in range(EXACT_POWERS)], dtype=np.float64)

    def power(t: IntArray) -> FloatArray:
        if t.max(initial=0) < EXACT_POWERS:
            return table[t]
        out = np.power(beta2, t.astype(np.float64))
        inside = t < EXACT_POWERS
        out[inside] = table[t[inside]]
        return out

    return power


def _rho(t: IntArray, power: Callable[[IntArray], FloatArray], rho_max: float) -> FloatArray:
    """RAdam's ``ρ(t) = ρ∞ - 2t·β2^t / (1 - β2^t)`` (t >= 1), in the library's operation order."""
    b2t = power(t)
    return rho_max - (2 * t).astype(np.float64) * b2t / (1 - b2t)


def radam_offset(beta2: float) -> int:
    """The smallest ``δ >= 1`` with ``ρ(δ) > 4`` (pytorch_warmup's ``get_offset``).

    >>> radam_offset(0.999)
    5
    """
    rho_max = rho_inf(beta2)
    offset = 1
    # rho(t) tends to rho_inf > 4 (beta2 > 0.6), and is exactly rho_inf once beta2**t underflows,
    # so the search ends; within a few thousand steps even for beta2 just above 0.6.
    while not rho_max - 2 * offset * beta2**offset / (1 - beta2**offset) > 4:
        offset += 1
    return offset


def radam_factor(beta2: float) -> Factor:
    """``RAdamWarmup``: ``ω(t) = sqrt((ρ - 4)(ρ - 2)ρ∞ / ((ρ∞ - 4)(ρ∞ - 2)ρ))`` with ``ρ = ρ(t + δ)``.

    It rises towards 1 without a fixed period, and is exactly 1.0 once ``ρ`` rounds to ``ρ∞``
    (numerator and denominator are then the same product).

    >>> radam_factor(0.999)(np.asarray([0, 1000, 10**6])).round(6).tolist()
    [0.017312, 0.646639, 1.0]
    """
    rho_max = rho_inf(beta2)
    offset = radam_offset(beta2)
    power = _powers(beta2)

    def rho(t: IntArray) -> FloatArray:
        return _rho(t + offset, power, rho_max)

    def rising(t: IntArray) -> FloatArray:
        r = rho(t)
        numerator = (r - 4) * (r - 2) * rho_max
        denominator = (rho_max - 4) * (rho_max - 2) * r
        return np.sqrt(numerator / denominator)

    def saturated(t: IntArray) -> FloatArray:
        return (rho(t) == rho_max).astype(np.float64)

    return _saturating(rising, first_step_at_least(saturated, 1.0))


def first_step_at_least(factor: Factor, level: float) -> int:
    """The first step where a rising ``factor`` reaches ``level`` (doubling, then bisection)."""

    def at(step: int) -> float:
        return float(factor(np.asarray([step], dtype=np.int64))[0])

    high = 1
    while at(high) < level:
        high *= 2
    low = high // 2 if high > 1 else 0
    if at(low) >= level:
        return low
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if at(middle) < level else (low, middle)
    return high


# --------------------------------------------------------------------------------------------------
# The warmup of an entry: its factor, where it is marked, what to say about it
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Warmup:
    """A resolved warmup.

    Attributes:
        factor: ``ω(step)``.
        ends_at: the step marked as the warmup's end.
        label: that mark's label.
        derived: how the period was derived (untuned warmups), said whether or not resuming.
        notes: remarks in a fresh run's update numbers (``last_step = -1``).
    """

    factor: Factor
    ends_at: int
    label: str
    derived: tuple[str, ...]
    notes: tuple[str, ...]


def _period(call: LibraryCall) -> int:
    return int(call.args["warmup_period"])  # at least 1: a bound of its Arg


def _betas(call: LibraryCall) -> tuple[tuple[float, float], str]:
    """The optimizer's betas and where they came from (``args.betas``, top-level ``betas``, or
    Adam's default), checked as ``torch.optim.Adam`` checks them (``0 <= beta < 1``)."""
    in_args, on_top = call.args["betas"], call.extra.get("betas")
    if in_args is not None and on_top is not None and _pair(in_args) != _pair(on_top):
        raise SpecError("differs from args.betas", path="betas", value=on_top,
                        hint="give the optimizer's betas once, at the top level or under args")
    path = "args.betas" if in_args is not None else "betas"
    betas = in_args if in_args is not None else on_top if on_top is not None else ADAM_BETAS
    pair = _pair(betas)
    if pair is None:
        raise SpecError("expected two numbers [beta1, beta2]", path=path, value=betas,
                        hint="the optimizer's betas, e.g. [0.9, 0.999] (Adam's default)")
    for index, beta in enumerate(pair):
        if not 0.0 <= beta < 1.0:
            raise SpecError(f"betas[{index}] must be in [0, 1)", path=path, value=betas,
                            hint=f"torch.optim.Adam raises ValueError: Invalid beta parameter at "
                                 f"index {index}")
    return pair, path


def _pair(betas: Any) -> tuple[float, float] | None:
    if isinstance(betas, (list, tuple)) and len(betas) == 2:
        return float(betas[0]), float(betas[1])
    return None


def _beta2(call: LibraryCall) -> float:
    return _betas(call)[0][1]


def _linear(period: int, derived: str = "") -> _Warmup:
    notes = () if period == 1 else (
        f"update 0 gets lr/{period}, not 0: pytorch_warmup's factor is (k + 1)/warmup_period, so "
        f"the full LR arrives at update {period - 1}, one update before a k/warmup_period warmup "
        "reaches it",)
    return _Warmup(linear_factor(period), period - 1, "warmup end (factor 1)", _tuple(derived), notes)


def _exponential(period: int, derived: str = "") -> _Warmup:
    factor = exponential_factor(period)
    nearly = first_step_at_least(factor, NEARLY_FULL)
    notes = (f"the full LR is never reached: the factor 1 - exp(-(k + 1)/{period}) is 0.632 at "
             f"update {period - 1} (the warmup_period) and {NEARLY_FULL} from update {nearly} on",)
    return _Warmup(factor, period - 1, "warmup_period (factor 0.632)", _tuple(derived), notes)


def _tuple(text: str) -> tuple[str, ...]:
    return (text,) if text else ()


def _untuned_note(numerator: float, beta2: float, period: int) -> str:
    """How ``int(numerator / (1 - β2))`` gave ``period``, flagging a truncated inexact quotient."""
    exact = numerator / (1.0 - beta2)
    formula = f"int({numerator:g}/(1 - beta2))"
    if round(exact) != period:
        return (f"warmup_period = {formula} = {period} for beta2 = {beta2:g}, not {round(exact)}: "
                f"int() truncates the inexact {exact!r}")
    return f"warmup_period = {formula} = {period} for beta2 = {beta2:g}"


def _warmup_linear(call: LibraryCall) -> _Warmup:
    return _linear(_period(call))


def _warmup_exponential(call: LibraryCall) -> _Warmup:
    return _exponential(_period(call))


def _warmup_untuned_linear(call: LibraryCall) -> _Warmup:
    beta2 = _beta2(call)
    period = int(2.0 / (1.0 - beta2))
    return _linear(period, _untuned_note(2.0, beta2, period))


def _warmup_untuned_exponential(call: LibraryCall) -> _Warmup:
    beta2 = _beta2(call)
    period = int(1.0 / (1.0 - beta2))
    return _exponential(period, _untuned_note(1.0, beta2, period))


def _warmup_radam(call: LibraryCall) -> _Warmup:
    (_, beta2), path = _betas(call)
    if not beta2 > 0.6:
        raise SpecError("RAdamWarmup needs betas[1] > 0.6", path=path, value=beta2,
                        hint=f"pytorch_warmup raises ValueError: beta2 ({beta2}) must be greater "
                             "than 0.6")
    factor = radam_factor(beta2)
    nearly = first_step_at_least(factor, NEARLY_FULL)
    first = float(factor(np.asarray([0], dtype=np.int64))[0])
    note = (f"the warmup factor only tends to 1: it is {first:.4g} at update 0 (RAdam offset "
            f"{radam_offset(beta2)}) and {NEARLY_FULL} from update {nearly} on")
    return _Warmup(factor, nearly, f"factor {NEARLY_FULL}", (), (note,))


# --------------------------------------------------------------------------------------------------
# The base scheduler and the Schedule
# --------------------------------------------------------------------------------------------------


def _as_number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _resolve_base(call: LibraryCall, qualname: str) -> tuple[Schedule | None, float | None]:
    """The base schedule (or None) and the optimizer LR the warmup sees without a base."""
    raw = call.extra.get("base")
    if raw is None:
        if call.lr is None:
            raise SpecError(f"{qualname} dampens the optimizer's LR: the spec needs lr", path="lr",
                            hint="add e.g. 'lr: 3e-4' (the learning rate given to the optimizer), "
                                 "or a base: torch scheduler spec")
        return None, call.lr
    mapping = dict(raw)
    name = mapping.get("schedule")
    entry = LIBRARY_SCHEDULES.get(name) if isinstance(name, str) else None
    if entry is not None:
        if entry.library not in BASE_LIBRARIES:
            raise SpecError("the base must be a torch scheduler", path="base.schedule", value=name,
                            hint="pytorch_warmup dampens a torch.optim.lr_scheduler scheduler; "
                                 "transformers' schedules (LambdaLRs) work too")
        inner = mapping.get("lr")
        if entry.lr == "unused":
            if call.lr is not None:
                raise SpecError(f"{name} sets the LR from its own args, which the warmup dampens",
                                path="lr", value=call.lr, hint="remove lr")
        elif inner is None:
            if call.lr is not None:
                mapping["lr"] = call.lr
            elif entry.lr == "required":
                raise SpecError(f"{qualname} dampens the optimizer's LR: the spec needs lr",
                                path="lr", hint="add e.g. 'lr: 3e-4' (the learning rate given to "
                                                "the optimizer); the base uses it too")
        elif call.lr is not None and _as_number(inner) not in (None, call.lr):
            raise SpecError("differs from lr: the warmup and its base share one optimizer",
                            path="base.lr", value=inner,
                            hint=f"remove base.lr (the outer lr {call.lr:g} is used for both)")
    if call.total_steps is not None and mapping.get("total_steps") is None:
        mapping["total_steps"] = call.total_steps
    if call.resolve is None:
        raise EngineError("a pytorch_warmup base needs LibraryCall.resolve")
    try:
        return call.resolve(mapping, "base"), call.lr
    except SpecError as exc:
        if exc.path != "base.total_steps" or "total_steps" in raw:
            raise
        # the length belongs to the whole spec: ask for it where it is written once
        raise no_end_error(call, f"the base {name} has none of its own and uses it too") from None


def _build(call: LibraryCall, name: str, make: Callable[[LibraryCall], _Warmup]) -> Schedule:
    qualname = f"{LIBRARY}.{name}"
    last_step = call.args["last_step"]  # at least -1: a bound of its Arg
    shift = int(last_step) + 1
    warmup = make(call)
    base, lr = _resolve_base(call, qualname)
    factor = warmup.factor

    # The base's own length (null in its resolved spec when it has no end) is the run's.
    natural = None if base is None else base.spec.get("total_steps")

    def dampen(updates: IntArray) -> FloatArray:
        with np.errstate(all="ignore"):
            return factor(updates + shift)

    chunks: Callable[[int, int], Iterator[FloatArray]] | None = None
    if base is None:
        undampened = float(lr if lr is not None else 0.0)

        def fn(updates: IntArray) -> FloatArray:
            return undampened * dampen(updates)
    else:
        base_fn = base.fn

        def fn(updates: IntArray) -> FloatArray:
            return np.asarray(base_fn(updates), dtype=np.float64) * dampen(updates)

        if base.chunks is not None:
            base_chunks = base.chunks

            def walk(count: int, size: int) -> Iterator[FloatArray]:
                first = 0
                for block in base_chunks(count, size):
                    updates = np.arange(first, first + len(block), dtype=np.int64)
                    yield np.asarray(block, dtype=np.float64) * dampen(updates)
                    first += len(block)

            chunks = walk

    marks: dict[int, str] = {}
    if warmup.ends_at - shift > 0:
        marks[warmup.ends_at - shift] = warmup.label
    notes = [*warmup.derived, *(warmup.notes if shift == 0 else (
        f"resumed (last_step {last_step}): update k uses the warmup factor of step k + {shift}",))]
    args = dict(call.args)
    if "betas" in args:
        args["betas"] = list(_betas(call)[0])
    spec: dict[str, Any] = {}
    label, source = qualname, f"pytorch_warmup {VERSION}, pytorch_warmup, {name}"
    if base is not None:
        for boundary in base.boundaries:
            marks.setdefault(boundary.step, boundary.label)
        notes += [f"base {base.label}: {note}" for note in base.notes]
        spec["base"] = dict(base.spec)
        if lr is None:
            lr = base.spec.get("lr")
        label, source = f"{qualname} over {base.label}", f"{source}; base: {base.source}"
    detail = ("or base: a torch scheduler spec, whose length is used" if base is None else
              "the base uses it too")
    return finish(call, fn, natural=natural, lr=lr, args=args, spec=spec, label=label,
                  source=source, chunks=chunks, warmup=max(0, warmup.ends_at - shift),
                  boundaries=[Boundary(step, text) for step, text in sorted(marks.items())],
                  notes=notes, detail=detail)


# --------------------------------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------------------------------

_LAST = Arg("last_step", -1, kind="int",
            doc="-1 for a fresh run; when resuming, update k uses the factor of step k + last_step + 1",
            minimum=-1, why="pytorch_warmup's first factor is that of step last_step + 1")
_PERIOD = Arg("warmup_period", kind="int", doc="τ, in updates (one param group: an int)",
              minimum=1, why="pytorch_warmup raises ValueError: warmup_period must be a positive "
                             "integer")
_BETAS = Arg("betas", None, kind="floats", nullable=True,
             doc="the optimizer's betas, which pytorch_warmup reads (betas[1]); None: Adam's "
                 "default (0.9, 0.999). May be given at the top level instead, beside lr")
_TOP_BETAS = Arg("betas", None, kind="floats", nullable=True,
                 doc="the optimizer's betas, beside lr (or args.betas); default Adam's")
_BASE = Arg("base", None, kind="spec", nullable=True,
            doc="optional torch scheduler spec the warmup dampens (lr and total_steps are shared)")

_SOURCES = {
    "LinearWarmup": "base.py",
    "ExponentialWarmup": "base.py",
    "UntunedLinearWarmup": "untuned.py",
    "UntunedExponentialWarmup": "untuned.py",
    "RAdamWarmup": "radam.py",
}


def _source(name: str) -> str:
    return f"pytorch_warmup {VERSION}, pytorch_warmup/{_SOURCES[name]}, {name}"


def _warmup_build(make: Callable[[LibraryCall], _Warmup]) -> Callable[[LibraryCall], Schedule]:
    """The ``build`` of a warmup: ``make`` gives the factor, :func:`_build` dampens the base with it."""
    return lambda call: _build(call, call.entry.name if call.entry else "", make)


_DAMPENS = "base_lr(k)·ω(k) (base_lr = lr without a base)"

#: The five warmups, each registered the same way: its name, the ``make`` of its factor, the extra
#: top-level keys and the arguments it reads, and its factor ω in words.
_WARMUPS = (
    ("LinearWarmup", _warmup_linear, (_BASE,), (_PERIOD, _LAST),
     "ω(k) = min(1, (k + 1)/warmup_period)"),
    ("ExponentialWarmup", _warmup_exponential, (_BASE,), (_PERIOD, _LAST),
     "ω(k) = 1 - exp(-(k + 1)/warmup_period)"),
    ("UntunedLinearWarmup", _warmup_untuned_linear, (_BASE, _TOP_BETAS), (_BETAS, _LAST),
     "LinearWarmup with warmup_period = int(2/(1 - betas[1])) (1999 for 0.999)"),
    ("UntunedExponentialWarmup", _warmup_untuned_exponential, (_BASE, _TOP_BETAS), (_BETAS, _LAST),
     "ExponentialWarmup with warmup_period = int(1/(1 - betas[1])) (999 for 0.999)"),
    ("RAdamWarmup", _warmup_radam, (_BASE, _TOP_BETAS), (_BETAS, _LAST),
     "ω(k) = sqrt((ρ - 4)(ρ - 2)ρ∞/((ρ∞ - 4)(ρ∞ - 2)ρ)), ρ = ρ(k + δ), "
     "ρ(t) = ρ∞ - 2t·β2^t/(1 - β2^t), ρ∞ = 2/(1 - β2) - 1, δ = first t with ρ(t) > 4"),
)

for _name, _make, _extra, _args, _omega in _WARMUPS:
    register(LibrarySchedule(
        name=_name, library=LIBRARY, lr="optional", extra=_extra, args=_args,
        build=_warmup_build(_make), source=_source(_name), formula=f"{_DAMPENS}, {_omega}"))

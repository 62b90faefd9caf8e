"""NVIDIA NeMo's LR schedulers (nemo_toolkit 3.0.0, ``nemo/core/optim/lr_scheduler.py``).

Every NeMo scheduler is a torch ``_LRScheduler``: its counter ``t`` (``last_epoch``) is 0 at
construction and Lightning steps it after every optimizer update (``interval: step``), so update
``k`` runs at ``t = k``. They return absolute LRs computed from the optimizer's LR (``lr:``, the
``base`` below), not chained factors, so every form is closed and evaluated vectorized in float64
in NeMo's operation order. One parameter group is assumed. NeMo also registers torch's ``StepLR``,
``ExponentialLR``, ``ReduceLROnPlateau`` and ``CyclicLR`` unchanged: use ``torch.StepLR`` and
``torch.CyclicLR`` for those (NeMo steps ``ExponentialLR`` per epoch).

Counts given as ratios are truncated, ``warmup_steps = int(warmup_ratio * max_steps)``, and the
same for ``hold_ratio`` and ``constant_ratio``. The family, restated:

* **warmup** (``WarmupPolicy`` and its subclasses): ``t <= W`` (W > 0):
  ``base * ((t + 1) / (W + 1))`` -- update 0 gets ``base / (W + 1)``, the peak lands at ``t = W``;
  ``t > max_steps``: ``min_lr``; else the class's decay ``g(t)``.
* **hold** (``WarmupHoldPolicy`` and its subclasses): the warmup, then ``base`` for
  ``W <= t < hold_end`` (``hold_end = hold_steps + W``, but 0 when no hold is given -- which makes
  the decays below measure from update 0), then ``t > max_steps``: ``min_lr``; else ``g(t)``.
* the decays ``g(t)``, with ``s = t - W`` and ``M = max_steps - W``: ``SquareAnnealing``
  ``max(min, base ((M - s) / M)**2)``; ``SquareRootAnnealing`` ``max(min, base sqrt((max_steps -
  t) / max_steps))`` (t, not s); ``WarmupAnnealing`` ``min + (1 - s / M)(base - min)``;
  ``InverseSquareRootAnnealing`` ``base / sqrt((t + 1) / (W + 1))``; ``PolynomialDecayAnnealing``
  ``(base - min)(1 - s'/M')**power + min`` with ``s' = min(s, M)``, or with ``cycle`` ``M' = M *
  ceil(s / M)``; ``PolynomialHoldDecayAnnealing`` the same with ``s = t - hold_end`` and ``M =
  max_steps - max(W, hold_end)``; ``NoamHoldAnnealing`` ``max(min, base max(1, W**r) / max(1, (t -
  h)**r))`` with ``h = hold_end - W``; ``WarmupHoldAnnealOneMinusSquareRoot`` ``max(min, base (1 -
  sqrt((t - hold_end) / (max_steps - hold_end))))``; ``WarmupHoldAnnealLinear`` ``base - (base -
  min)(t - hold_end) / (max_steps - hold_end)``.
* ``CosineAnnealing``: with ``constant_steps = 0`` the warmup above and then ``(base - min) * 0.5
  (1 + cos(pi s / M)) + min``; with ``constant_steps = C > 0`` Megatron's variant: warmup ``base * t
  / W`` (update 0 gets 0), cosine over ``max_steps - C - W`` updates, then ``min_lr`` for the last
  C updates up to ``max_steps``.
* ``NoamAnnealing``: ``t' = max(1, t)``; ``base d_model**-0.5 min(t'**-0.5, t' W**-1.5)`` (no
  warmup: ``t'**-0.5``), floored at ``min_lr`` after the warmup; no cut at ``max_steps``.
* ``T5InverseSquareRootAnnealing``: ``1 / sqrt(constant_steps)`` up to ``constant_steps``, then
  ``1 / sqrt(t)``, then ``min_lr`` past ``max_steps``; it ignores the optimizer's LR.

What NeMo raises while the scheduler is built (asserts, a division by zero or a ``ValueError`` at
``t = 0``) becomes a :class:`~warmupctl.core.errors.SpecError`; what it raises at a later update gives
NaN from that update on, with a note. The ``reset_lr`` param-group hook of ``CosineAnnealing`` is
not modelled.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish, floats, g, nan_note, run_length
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

VERSION = "nemo_toolkit 3.0.0"
FILE = "nemo/core/optim/lr_scheduler.py"
SOURCE = f"{VERSION}, {FILE}"


# --------------------------------------------------------------------------- arguments


def _steps(name: str, doc: str) -> Arg:
    return Arg(name, None, kind="int", nullable=True, doc=doc)


def _ratio(name: str, doc: str) -> Arg:
    return Arg(name, None, nullable=True, doc=doc)


_WARMUP = (_steps("warmup_steps", "warmup length in updates"),
           _ratio("warmup_ratio", "warmup as a fraction of max_steps (truncated)"))
_HOLD = (_steps("hold_steps", "updates held at the peak after the warmup"),
         _ratio("hold_ratio", "hold as a fraction of max_steps (truncated)"))
_CONSTANT = (_steps("constant_steps", "updates held at min_lr at the end"),
             _ratio("constant_ratio", "constant_steps as a fraction of max_steps (truncated)"))


def _max_steps(default: Any = REQUIRED) -> Arg:
    return Arg("max_steps", default, kind="int", nullable=default is None,
               doc="total updates; min_lr after it")


def _min_lr(default: float = 0.0) -> Arg:
    return Arg("min_lr", default, doc="floor / LR after max_steps")


def _source(name: str) -> str:
    return f"{SOURCE}, {name}"


def _plan_build(make: Callable[[LibraryCall], _Plan]) -> Callable[[LibraryCall], Schedule]:
    """The ``build`` of a NeMo scheduler: ``make`` gives the plan, :func:`_finish` wraps it."""
    return lambda call: _finish(make(call), call)


_POLY = (Arg("power", 1.0, doc="decay exponent"),
         Arg("cycle", False, kind="bool", doc="stretch the decay span by ceil(s / span)"))


def _count(args: dict[str, Any], steps: str, ratio: str, notes: list[str]) -> int:
    """NeMo's ``steps if given else int(ratio * max_steps) else 0``, with its asserts."""
    count, fraction, total = args.get(steps), args.get(ratio), args.get("max_steps")
    if count is not None and fraction is not None:
        raise SpecError("Either use particular number of step or ratio", path=f"args.{ratio}",
                        value=fraction, hint=f"NeMo asserts only one of {steps} and {ratio} is set")
    if count is not None:
        if count < 0:
            raise SpecError("must not be negative", path=f"args.{steps}", value=count)
        return int(count)
    if fraction is None:
        return 0
    if total is None:
        raise SpecError("If there is a ratio, there should be a total steps", path="args.max_steps",
                        hint=f"NeMo asserts max_steps is set when {ratio} is")
    if fraction < 0:
        raise SpecError("must not be negative", path=f"args.{ratio}", value=fraction)
    exact = fraction * total
    if not math.isfinite(exact) or exact >= 2**63:  # int(inf) raises OverflowError in NeMo too
        raise SpecError(f"{ratio} x max_steps is {exact:g} {steps.replace('_', ' ')}, beyond any run",
                        path=f"args.{ratio}", value=fraction, hint="a ratio is a fraction, such as 0.1")
    if not float(exact).is_integer():
        notes.append(f"{ratio} {fraction:g} x max_steps {total} = {exact:g} is truncated to "
                     f"{int(exact)} {steps.replace('_', ' ')} (NeMo uses int())")
    return int(exact)


# --------------------------------------------------------------------------- the model


Decay = Callable[[FloatArray], FloatArray]


@dataclass
class _Plan:
    """How one NeMo scheduler answers ``get_lr`` at ``t``, in the order NeMo checks.

    A builder fills it in once; the Schedule then only reads it.

    Attributes:
        base: the optimizer's LR.
        min_lr: the LR past ``max_steps``.
        warmup: W; the warmup branch applies when ``W > 0 and t <= W``.
        warm: the warmup formula (NeMo's ``(t + 1) / (W + 1)`` unless overridden).
        warm_label: how plots call the end of that first phase.
        hold_end: ``W <= t < hold_end`` returns ``base`` (hold family only; 0 = no hold).
        tail: ``(first, last, value)``: ``first < t <= last`` returns ``value`` (CosineAnnealing's
            constant phase at min_lr), checked before the cut.
        max_steps: ``t > max_steps`` returns ``min_lr`` (None: no cut).
        decay: ``g(t)`` for everything else.
        raise_at: the first update at which NeMo raises, if any, why, and the key to blame.
    """

    base: float
    min_lr: float
    warmup: int
    decay: Decay
    max_steps: int | None
    warm: Decay | None = None
    hold_end: int = 0
    tail: tuple[int, int, float] | None = None
    raise_at: tuple[int, str, str] | None = None
    warm_label: str = "warmup end"
    notes: list[str] = field(default_factory=list)
    boundaries: list[Boundary] = field(default_factory=list)

    def lr(self, k: IntArray) -> FloatArray:
        t = floats(k)
        out = np.empty_like(t)
        todo = np.ones(t.shape, dtype=bool)
        if self.warmup > 0:
            warm = t <= self.warmup
            out[warm] = (self.warm or self._warmup)(t[warm])
            todo &= ~warm
        if self.hold_end > 0:
            held = todo & (t >= self.warmup) & (t < self.hold_end)
            out[held] = self.base
            todo &= ~held
        if self.tail is not None:
            first, last, value = self.tail
            late = todo & (t > first) & (t <= last)
            out[late] = value
            todo &= ~late
        if self.max_steps is not None:
            cut = todo & (t > self.max_steps)
            out[cut] = self.min_lr
            todo &= ~cut
        with np.errstate(all="ignore"):  # where NeMo would raise, NaN replaces the values below
            out[todo] = self.decay(t[todo])
        if self.raise_at is not None:
            out[t >= self.raise_at[0]] = np.nan
        return out

    def _warmup(self, t: FloatArray) -> FloatArray:
        """``base * ((t + 1) / (W + 1))``.

        >>> p = _Plan(1.0, 0.0, 3, lambda t: t, None)
        >>> [float(x) for x in p._warmup(np.arange(4.0))]
        [0.25, 0.5, 0.75, 1.0]
        """
        return self.base * ((t + 1) / (self.warmup + 1))

    def decay_start(self) -> int:
        """The first ``t`` that reaches ``decay`` (ignoring the cut)."""
        first = self.warmup + 1 if self.warmup > 0 else 0
        return max(first, self.hold_end)

    def fail_in_decay(self, why: str, path: str = "args.max_steps") -> None:
        """NeMo raises the first time it evaluates ``decay``."""
        first = self.decay_start()
        if self.max_steps is None or first <= self.max_steps:
            self.fail(first, why, path)

    def fail(self, at: int, why: str, path: str = "args.max_steps") -> None:
        if self.raise_at is None or at < self.raise_at[0]:
            self.raise_at = (at, why, path)


def _constant(value: float) -> Decay:
    return lambda t: np.full(t.shape, value)


def _poly(base: float, min_lr: float, s: FloatArray, span: float, power: float,
          cycle: bool) -> FloatArray:
    """NeMo's ``_poly_decay``: ``(base - min) * (1 - s / span') ** power + min``.

    >>> [float(x) for x in _poly(1.0, 0.0, np.array([0.0, 5.0, 10.0, 15.0]), 10.0, 1.0, False)]
    [1.0, 0.5, 0.0, 0.0]
    >>> [float(x) for x in _poly(1.0, 0.0, np.array([15.0]), 10.0, 1.0, True)]
    [0.25]
    """
    if cycle:
        span_t = span * np.where(s == 0, 1.0, np.ceil(s / span))
        p = s / span_t
    else:
        p = np.minimum(s, span) / span
    return (base - min_lr) * np.power(1.0 - p, power) + min_lr


# --------------------------------------------------------------------------- one builder per class


def _negative_max_steps(value: int) -> SpecError:
    return SpecError("must not be negative", path="args.max_steps", value=value,
                     hint="NeMo's prepare_lr_scheduler builds no scheduler at all for -1")


def _plan_common(call: LibraryCall, *, hold: bool = False) -> tuple[dict[str, Any], int, int,
                                                                    list[str]]:
    args = dict(call.args)
    if args.get("max_steps") is not None and args["max_steps"] < 0:
        raise _negative_max_steps(args["max_steps"])
    notes: list[str] = []
    w = _count(args, "warmup_steps", "warmup_ratio", notes)
    hold_end = 0
    # hold_end stays 0 without hold arguments, which shifts the decays of the hold family.
    if hold and (args.get("hold_steps") is not None or args.get("hold_ratio") is not None):
        hold_end = _count(args, "hold_steps", "hold_ratio", notes) + w
    return args, w, hold_end, notes


def _base(call: LibraryCall) -> float:
    assert call.lr is not None
    return float(call.lr)


#: What NeMo raises when an annealing divides by ``max_steps - W`` and that is 0.
_ZERO_SPAN = "ZeroDivisionError: max_steps - warmup_steps is 0"


@dataclass(frozen=True)
class _Annealing:
    """What every NeMo annealing (max_steps required) starts from.

    Attributes:
        args: the scheduler's arguments.
        w: the warmup's update count W.
        notes: the notes collected so far (counts derived from ratios).
        base: the optimizer's LR.
        low: ``min_lr``.
        top: ``max_steps``.
    """

    args: dict[str, Any]
    w: int
    notes: list[str]
    base: float
    low: float
    top: int

    @property
    def span(self) -> int:
        """``max_steps - W``: the decay's length, which most annealings divide by."""
        return self.top - self.w

    def plan(self, decay: Decay, *, over_span: bool = False) -> _Plan:
        """The plan of warmup then ``decay``; ``over_span``: ``decay`` divides by :attr:`span`, so
        NeMo raises ZeroDivisionError at the first decayed update when it is 0."""
        plan = _Plan(self.base, self.low, self.w, decay, self.top, notes=self.notes)
        if over_span and self.span == 0:
            plan.fail_in_decay(_ZERO_SPAN)
        return plan


def _annealing(call: LibraryCall) -> _Annealing:
    args, w, _, notes = _plan_common(call)
    return _Annealing(args, w, notes, _base(call), args["min_lr"], args["max_steps"])


def _warmup_policy(call: LibraryCall) -> _Plan:
    args, w, _, notes = _plan_common(call)
    base = _base(call)
    return _Plan(base, args["min_lr"], w, _constant(base), args["max_steps"], notes=notes)


register(LibrarySchedule(
    name="WarmupPolicy", library="nemo",
    args=(*_WARMUP, _max_steps(None), _min_lr()),
    build=_plan_build(_warmup_policy), source=_source("WarmupPolicy"),
    formula="t <= W: lr (t+1)/(W+1); t > max_steps: min_lr; else lr"))


def _hold_policy(call: LibraryCall) -> _Plan:
    args, w, hold_end, notes = _plan_common(call, hold=True)
    base = _base(call)
    plan = _Plan(base, args["min_lr"], w, _constant(base), args["max_steps"], hold_end=hold_end,
                 notes=notes)
    if args["max_steps"] is None:
        plan.max_steps = None
        plan.fail_in_decay("TypeError: WarmupHoldPolicy compares t with max_steps None")
    return plan


register(LibrarySchedule(
    name="WarmupHoldPolicy", library="nemo",
    args=(*_WARMUP, *_HOLD, _max_steps(None), _min_lr()),
    build=_plan_build(_hold_policy), source=_source("WarmupHoldPolicy"),
    formula="warmup lr (t+1)/(W+1); lr until hold_end; t > max_steps: min_lr; else lr"))


def _square(call: LibraryCall) -> _Plan:
    a = _annealing(call)
    base, low, w, span = a.base, a.low, a.w, a.span

    def decay(t: FloatArray) -> FloatArray:
        return np.maximum(base * (((span - (t - w)) / span) ** 2), low)

    return a.plan(decay, over_span=True)


register(LibrarySchedule(
    name="SquareAnnealing", library="nemo",
    args=(_max_steps(), _min_lr(1e-5), *_WARMUP),
    build=_plan_build(_square), source=_source("SquareAnnealing"),
    formula="warmup; max(min_lr, lr ((M - s) / M)**2), s = t - W, M = max_steps - W"))


def _square_root(call: LibraryCall) -> _Plan:
    a = _annealing(call)
    base, low, w, top = a.base, a.low, a.w, a.top

    def decay(t: FloatArray) -> FloatArray:
        return np.maximum(base * np.power((top - t) / top, 0.5), low)

    plan = a.plan(decay)
    if top == 0:
        plan.fail_in_decay("ZeroDivisionError: max_steps is 0")
    elif w > 0 and w < top:
        after = float(plan.lr(np.array([w + 1]))[0])
        a.notes.append(f"the LR drops from {g(base)} at update {w} to {g(after)} at update "
                     f"{w + 1}: SquareRootAnnealing decays over t / max_steps from update 0, "
                     "not from the warmup end")
    return plan


register(LibrarySchedule(
    name="SquareRootAnnealing", library="nemo",
    args=(_max_steps(), _min_lr(), *_WARMUP),
    build=_plan_build(_square_root), source=_source("SquareRootAnnealing"),
    formula="warmup; max(min_lr, lr sqrt((max_steps - t) / max_steps))"))


def _warmup_annealing(call: LibraryCall) -> _Plan:
    a = _annealing(call)
    base, low, w, span = a.base, a.low, a.w, a.span

    def decay(t: FloatArray) -> FloatArray:
        return low + (1 - (t - w) / span) * (base - low)

    return a.plan(decay, over_span=True)


register(LibrarySchedule(
    name="WarmupAnnealing", library="nemo",
    args=(_max_steps(), _min_lr(), *_WARMUP),
    build=_plan_build(_warmup_annealing), source=_source("WarmupAnnealing"),
    formula="warmup; min_lr + (1 - s / M) (lr - min_lr)"))


def _inverse_sqrt(call: LibraryCall) -> _Plan:
    a = _annealing(call)
    base, w = a.base, a.w

    def decay(t: FloatArray) -> FloatArray:
        return base / np.power((t + 1) / (w + 1), 0.5)

    return a.plan(decay)


register(LibrarySchedule(
    name="InverseSquareRootAnnealing", library="nemo",
    args=(_max_steps(), _min_lr(), *_WARMUP),
    build=_plan_build(_inverse_sqrt), source=_source("InverseSquareRootAnnealing"),
    formula="warmup; lr / sqrt((t + 1) / (W + 1)); t > max_steps: min_lr"))


def _polynomial(call: LibraryCall) -> _Plan:
    a = _annealing(call)
    base, low, w, top, span = a.base, a.low, a.w, a.top, a.span
    power, cycle = a.args["power"], a.args["cycle"]

    def decay(t: FloatArray) -> FloatArray:
        return _poly(base, low, t - w, span, power, cycle)

    plan = a.plan(decay, over_span=True)
    if span != 0 and power < 0 and plan.decay_start() <= top:
        plan.fail(max(plan.decay_start(), top), "ValueError: math.pow(0, power < 0) at the end "
                  "of the decay", "args.power")
    return plan


register(LibrarySchedule(
    name="PolynomialDecayAnnealing", library="nemo",
    args=(_max_steps(), _min_lr(), *_POLY, *_WARMUP),
    build=_plan_build(_polynomial), source=_source("PolynomialDecayAnnealing"),
    formula="warmup; (lr - min) (1 - min(s, M) / M)**power + min"))


def _hold_plan(call: LibraryCall) -> tuple[_Plan, dict[str, Any]]:
    args, w, hold_end, notes = _plan_common(call, hold=True)
    base = _base(call)
    plan = _Plan(base, args["min_lr"], w, _constant(base), args["max_steps"], hold_end=hold_end,
                 notes=notes)
    return plan, args


def _from_zero_note(plan: _Plan, what: str) -> None:
    """Without hold steps, NeMo's hold family measures its decay from update 0."""
    w = plan.warmup
    if plan.hold_end == 0 and w > 0 and plan.max_steps is not None and w < plan.max_steps:
        after = float(plan.lr(np.array([w + 1]))[0])
        plan.notes.append(f"the LR drops from {g(plan.base)} at update {w} to {g(after)} at "
                          f"update {w + 1}: without hold_steps, {what} measures its decay from "
                          "update 0, not from the warmup end")


def _polynomial_hold(call: LibraryCall) -> _Plan:
    plan, args = _hold_plan(call)
    w, hold_end, top = plan.warmup, plan.hold_end, args["max_steps"]
    power, cycle = args["power"], args["cycle"]
    span = top - max(w, hold_end)

    def decay(t: FloatArray) -> FloatArray:
        return _poly(plan.base, plan.min_lr, t - hold_end, span, power, cycle)

    plan.decay = decay
    start = plan.decay_start()
    if span == 0:
        plan.fail_in_decay("ZeroDivisionError: the decay span is 0")
    elif power < 0:
        # math.pow(0, power) fails where the decay fraction reaches 1: s = span (or a multiple
        # of it with cycle), the first such t at or after the decay start.
        multiple = max(1, math.ceil((start - hold_end) / span)) if cycle else 1
        at = max(start, hold_end + span * multiple)
        if at <= top:
            plan.fail(at, "ValueError: math.pow(0, power < 0) where the decay ends", "args.power")
    _from_zero_note(plan, "PolynomialHoldDecayAnnealing")
    if plan.hold_end == 0 and plan.warmup > 0 and span > 0 and span < top:
        plan.notes.append(f"it reaches min_lr at update {span}, {top - span} updates before "
                          "max_steps" + (" and then climbs again (cycle)" if cycle else ""))
    return plan


register(LibrarySchedule(
    name="PolynomialHoldDecayAnnealing", library="nemo",
    args=(_max_steps(), _min_lr(), *_POLY, *_WARMUP, *_HOLD),
    build=_plan_build(_polynomial_hold), source=_source("PolynomialHoldDecayAnnealing"),
    formula="warmup; hold; (lr - min) (1 - s / M)**power + min, s = t - hold_end, "
             "M = max_steps - max(W, hold_end)"))


def _noam_hold(call: LibraryCall) -> _Plan:
    plan, args = _hold_plan(call)
    w, rate = plan.warmup, args["decay_rate"]
    held = plan.hold_end - w if plan.hold_end > 0 else 0
    top_w = max(1, w**rate) if w > 0 else 1

    def decay(t: FloatArray) -> FloatArray:
        below = np.maximum(1, np.power(t - held, rate))
        return np.maximum((plan.base * top_w) / below, plan.min_lr)

    plan.decay = decay
    if w == 0:
        plan.fail_in_decay("ValueError: Noam scheduler cannot be used without warmup steps",
                           "args.warmup_steps")
    return plan


register(LibrarySchedule(
    name="NoamHoldAnnealing", library="nemo",
    args=(_max_steps(), Arg("decay_rate", 0.5, doc="decay exponent after the hold"), _min_lr(),
          *_WARMUP, *_HOLD),
    build=_plan_build(_noam_hold), source=_source("NoamHoldAnnealing"),
    formula="warmup; hold; max(min_lr, lr max(1, W**r) / max(1, (t - hold)**r))"))


def _hold_anneal(call: LibraryCall, name: str,
                 shape: Callable[[_Plan, FloatArray], FloatArray]) -> _Plan:
    """The WarmupHoldAnneal schedulers: after the hold, ``shape(plan, p)`` with
    ``p = (t - hold_end) / (max_steps - hold_end)``."""
    plan, args = _hold_plan(call)
    hold_end, span = plan.hold_end, args["max_steps"] - plan.hold_end
    plan.decay = lambda t: shape(plan, (t - hold_end) / span)
    if span == 0:
        plan.fail_in_decay("ZeroDivisionError: max_steps equals the hold end")
    _from_zero_note(plan, name)
    return plan


def _one_minus_sqrt(call: LibraryCall) -> _Plan:
    return _hold_anneal(call, "WarmupHoldAnnealOneMinusSquareRoot",
                        lambda plan, p: np.maximum(plan.min_lr, plan.base * (1 - np.power(p, 0.5))))


register(LibrarySchedule(
    name="WarmupHoldAnnealOneMinusSquareRoot", library="nemo",
    args=(_max_steps(), _min_lr(), *_WARMUP, *_HOLD),
    build=_plan_build(_one_minus_sqrt), source=_source("WarmupHoldAnnealOneMinusSquareRoot"),
    formula="warmup; hold; max(min_lr, lr (1 - sqrt((t - hold_end) / (max_steps - hold_end))))"))


def _hold_linear(call: LibraryCall) -> _Plan:
    return _hold_anneal(call, "WarmupHoldAnnealLinear",
                        lambda plan, p: plan.base - (plan.base - plan.min_lr) * p)


register(LibrarySchedule(
    name="WarmupHoldAnnealLinear", library="nemo",
    args=(_max_steps(), _min_lr(), *_WARMUP, *_HOLD),
    build=_plan_build(_hold_linear), source=_source("WarmupHoldAnnealLinear"),
    formula="warmup; hold; lr - (lr - min_lr) (t - hold_end) / (max_steps - hold_end)"))


def _cosine(call: LibraryCall) -> _Plan:
    a = _annealing(call)
    base, low, w, top, notes = a.base, a.low, a.w, a.top, a.notes
    constant = _count(a.args, "constant_steps", "constant_ratio", notes)
    if constant == 0:
        span = a.span

        def decay(t: FloatArray) -> FloatArray:
            mult = 0.5 * (1 + np.cos(np.pi * (t - w) / span))
            return (base - low) * mult + low

        plan = a.plan(decay)
        if base < low:
            plan.fail_in_decay("ValueError: the optimizer's LR is below min_lr", "lr")
        elif span == 0:
            plan.fail_in_decay(_ZERO_SPAN)
        return plan

    # constant_steps > 0: Megatron's warmup and cosine, then min_lr to max_steps.
    decay_steps = top - (constant + w)

    def megatron(t: FloatArray) -> FloatArray:
        out = np.full(t.shape, low)
        if w > 0:
            warm = t <= w
            out[warm] = base * t[warm] / float(w)
        else:
            warm = np.zeros(t.shape, dtype=bool)
        live = ~warm & (t <= w + decay_steps)
        ratio = (t[live] - w) / float(decay_steps)
        out[live] = low + 0.5 * (np.cos(np.pi * ratio) + 1.0) * (base - low)
        return out

    if not base > low:
        raise SpecError("the optimizer's LR must be above min_lr", path="lr", value=base,
                        hint=f"with constant_steps > 0, NeMo asserts lr > min_lr ({low:g}) "
                        "before the first update")
    plan = _Plan(base, low, w, megatron, top, warm=megatron, notes=notes,
                 tail=(w + decay_steps, top, low))
    if w == 0 and decay_steps == 0:
        plan.fail(0, "ZeroDivisionError: max_steps - constant_steps - warmup_steps is 0")
    if w > 0:
        notes.insert(0, f"update 0 gets LR 0: with constant_steps > 0, CosineAnnealing warms "
                     f"up as lr * t / {w} (not NeMo's usual (t + 1) / (W + 1))")
    notes.append(f"constant_steps holds min_lr {g(low)} for the last {constant} updates "
                 f"(after update {w + decay_steps}), not the peak")
    plan.boundaries.append(Boundary(w + decay_steps + 1, "min_lr"))
    return plan


register(LibrarySchedule(
    name="CosineAnnealing", library="nemo",
    args=(_max_steps(), _min_lr(), *_WARMUP, *_CONSTANT),
    build=_plan_build(_cosine), source=_source("CosineAnnealing"),
    formula="warmup; (lr - min) 0.5 (1 + cos(pi s / M)) + min; constant_steps > 0: Megatron warmup "
             "lr t / W, cosine, then min_lr for the last constant_steps"))


def _noam(call: LibraryCall) -> _Plan:
    args, w, _, notes = _plan_common(call)
    base, low, d_model = _base(call), args["min_lr"], args["d_model"]
    if not d_model > 0:
        raise SpecError("must be positive", path="args.d_model", value=d_model,
                        hint="NeMo takes d_model ** -0.5")
    if base < low:
        raise SpecError("the optimizer's LR is below min_lr", path="lr", value=base,
                        hint=f"NeMo raises ValueError in NoamAnnealing.get_lr (min_lr {low:g})")
    normalize = d_model ** (-0.5)

    def decay(t: FloatArray) -> FloatArray:
        step = np.maximum(1.0, t)
        if w > 0:
            mult = normalize * np.minimum(np.power(step, -0.5), step * (w ** (-1.5)))
        else:
            mult = normalize * np.power(step, -0.5)
        out = base * mult
        past = step > w
        out[past] = np.maximum(out[past], low)
        return out

    notes.insert(0, "updates 0 and 1 get the same LR (NeMo's Noam clamps t to at least 1)")
    notes.append("no cut at max_steps: NoamAnnealing keeps decaying as 1/sqrt(t)")
    return _Plan(base, low, 0, decay, None, notes=notes,
                 boundaries=[Boundary(w, "warmup end")] if w > 0 else [])


register(LibrarySchedule(
    name="NoamAnnealing", library="nemo",
    args=(Arg("d_model", REQUIRED, doc="model width; scales by d_model ** -0.5"), *_WARMUP,
          _max_steps(None), _min_lr()),
    build=_plan_build(_noam), source=_source("NoamAnnealing"),
    formula="t' = max(1, t); lr d**-0.5 min(t'**-0.5, t' W**-1.5); min_lr floor after W"))


def _t5(call: LibraryCall) -> _Plan:
    args = dict(call.args)
    notes: list[str] = []
    constant, ratio = args["constant_steps"], args["constant_ratio"]
    if constant is not None and ratio is not None:
        raise SpecError("Either use particular number of step or ratio",
                        path="args.constant_ratio", value=ratio,
                        hint="NeMo asserts only one of constant_steps and constant_ratio is set")
    if constant is None:
        raise SpecError("T5InverseSquareRootAnnealing needs constant_steps",
                        path="args.constant_steps", value=None,
                        hint="NeMo 3.0.0 computes 1 / constant_steps ** 0.5 from the argument "
                        "itself, so without it (constant_ratio alone too) it raises TypeError")
    if not constant > 0:
        raise SpecError("must be positive", path="args.constant_steps", value=constant,
                        hint="NeMo computes 1 / constant_steps ** 0.5 (ZeroDivisionError at 0)")
    top, low = args["max_steps"], args["min_lr"]
    if top < 0:
        raise _negative_max_steps(top)
    plateau = 1 / (constant**0.5)

    def decay(t: FloatArray) -> FloatArray:
        return 1 / np.power(t, 0.5)

    # The plateau is checked before the max_steps cut, like a warmup.
    notes.append(f"ignores the optimizer's LR: 1/sqrt({constant}) = {g(plateau)} up to update "
                 f"{constant}, then 1/sqrt(t)")
    return _Plan(0.0, low, constant, decay, top, warm=_constant(plateau), notes=notes,
                 warm_label="constant end")


register(LibrarySchedule(
    name="T5InverseSquareRootAnnealing", library="nemo", lr="optional",
    args=(_max_steps(), _min_lr(), *_CONSTANT),
    build=_plan_build(_t5), source=_source("T5InverseSquareRootAnnealing"),
    formula="t <= C: 1/sqrt(C); else 1/sqrt(t); t > max_steps: min_lr (ignores lr)"))


# --------------------------------------------------------------------------- schedule assembly


def _finish(plan: _Plan, call: LibraryCall) -> Schedule:
    top = plan.max_steps if plan.max_steps is not None else call.args.get("max_steps")
    detail = "or max_steps, the run length NeMo is given"
    total = run_length(call, top, detail)
    if plan.raise_at is not None and plan.raise_at[0] <= 0:
        _, why, path = plan.raise_at
        raise SpecError(f"NeMo raises {why} when it builds the scheduler", path=path,
                        hint="NeMo fails before the first update; check max_steps, the warmup "
                        "and the hold against each other")
    notes = list(plan.notes)
    w = plan.warmup
    if w > 0 and plan.warm is None:
        notes.insert(0, f"update 0 gets lr / {w + 1} = {g(plan.base / (w + 1))}, not 0 (NeMo "
                     "warms up as lr * (t + 1) / (W + 1))")
    boundaries = list(plan.boundaries)
    if w > 0:
        boundaries.append(Boundary(w, plan.warm_label))
    if plan.hold_end > w:
        boundaries.append(Boundary(plan.hold_end, "decay start"))
    if plan.max_steps is not None:
        cut = plan.max_steps + 1
        if total > cut and plan.raise_at is None:
            before, after = (float(x) for x in plan.lr(np.array([cut - 1, cut])))
            if abs(before - after) > 1e-12 * max(abs(before), abs(after), 1e-300):
                notes.append(f"the LR jumps from {g(before)} to min_lr {g(after)} after update "
                             f"{cut - 1} (NeMo returns min_lr past max_steps)")
        boundaries.append(Boundary(cut, "min_lr"))
    if plan.raise_at is not None:
        at, why, _ = plan.raise_at
        notes.append(nan_note(f"NeMo raises {why}", at))  # plan.lr gives the NaN itself
    warmup = w if w > 0 else next((b.step for b in plan.boundaries if b.label == "warmup end"), 0)
    return finish(call, plan.lr, natural=top, warmup=warmup, boundaries=boundaries, notes=notes,
                  detail=detail)



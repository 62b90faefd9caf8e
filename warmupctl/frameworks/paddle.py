"""PaddlePaddle's ``paddle.optimizer.lr`` schedulers, evaluated vectorized.

Restated from paddlepaddle 3.3.1, ``paddle/optimizer/lr.py``. Every scheduler is an ``LRScheduler``
whose constructor steps once (``last_epoch`` 0); the usual loop calls ``scheduler.step()`` after every
``optimizer.step()``, so update ``k`` runs at ``last_epoch = k`` and reads ``scheduler()`` (the
``last_lr`` Python float). In paddle's words, with ``t = last_epoch``:

* ``NoamDecay``: ``lr d_model^-0.5 min(t^-0.5, W^-1.5 t)``, with ``t^-0.5`` taken as 1 at ``t = 0`` (so
  0 at step 0); ``PiecewiseDecay``: ``values[i]`` for the first ``boundaries[i] > t``, else the last
  value; ``NaturalExpDecay`` ``lr exp(-gamma t)``; ``InverseTimeDecay`` ``lr / (1 + gamma t)``;
  ``ExponentialDecay`` ``lr gamma^t``; ``MultiStepDecay`` ``lr gamma^(milestones passed)``;
  ``StepDecay`` ``lr gamma^(t // step_size)``;
* ``PolynomialDecay``: ``(lr - end_lr)(1 - t/T)^power + end_lr`` with ``t`` clamped to ``T =
  decay_steps``, or with ``cycle`` ``T`` stretched to ``decay_steps ceil(t / decay_steps)`` (so it
  reaches ``end_lr`` at each multiple and restarts after);
* ``OneCycleLR`` and ``CyclicLR``: closed forms of ``t`` (phases by float step bounds; cycle
  ``1 + t // (up + down)``); ``OneCycleLR`` accepts one step past ``total_steps`` and raises after;
* ``CosineAnnealingDecay`` and ``LinearLR`` are recursive on ``last_lr`` (float rounding accumulates):
  their ``get_lr`` is torch's chainable ``CosineAnnealingLR`` (with its special branch at ``(t - 1 -
  T_max) % (2 T_max) == 0``) and ``LinearLR`` operation for operation, so they are replayed with
  :mod:`warmupctl.frameworks.torch`'s op programs (bit for bit; ``LinearLR`` is constant after
  ``total_steps`` and is replayed only that far);
* ``CosineAnnealingWarmRestarts``: torch's class, ``step()`` counting ``T_cur`` up in integers;
* ``LinearWarmup``: ``start_lr + (end_lr - start_lr) t / W`` for ``t < W``, then the number it wraps,
  or the wrapped scheduler's ``step(t - W)``: an explicit epoch, which takes the closed form where
  the class has ``_get_closed_form_lr`` (``CosineAnnealingDecay``), the explicit-epoch branch of
  ``CosineAnnealingWarmRestarts.step`` (``n = int(log(e / T_0 (T_mult - 1) + 1, T_mult))`` in floats,
  evaluated per update in plain Python as paddle does), and ``get_lr`` on the last value otherwise
  (``LinearLR`` then continues its recursion from its own step 0).

Powers go through Python's ``**`` (libm's ``pow``), so overflows raise where paddle raises (NaN from
there, with a note). The optimizer applies the LR in float32: the values here are the scheduler's,
as ``scheduler()`` and ``optimizer.get_lr()`` return them. ``LambdaDecay``, ``MultiplicativeDecay``
and ``ReduceOnPlateau`` take Python callables or metrics and are not offered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, coerce_arg, finish, floats, run_length
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register
from warmupctl.frameworks.torch._ops import _CACHE, _cos, _Direct, _Group, _pow, _Replay
from warmupctl.frameworks.torch._schedulers import (
    _CosineAnnealingLR,
    _CosineAnnealingWarmRestarts,
    _Leaf,
    _LinearLR,
)

VERSION = "paddlepaddle 3.3.1"
FILE = "paddle/optimizer/lr.py"
FLOAT32_NOTE = ("Paddle's optimizer applies the LR in float32; these are the scheduler's values "
                "(scheduler(), optimizer.get_lr())")

Fn = Callable[[IntArray], FloatArray]


@dataclass
class _Model:
    """One paddle scheduler: its LR at any ``last_epoch`` (NaN where paddle raises) and its facts.

    Attributes:
        fn: ``last_epoch`` -> LR, NaN where paddle raises.
        first_raise: ``horizon -> (step, what paddle raises)`` for the first raising step below it.
        chunks: a walker for a replay that must go in order (None: ``fn`` is random access).
        natural: the run length the schedule implies, or None.
        warmup: updates of warmup.
        boundaries: phase starts to mark.
        notes: remarks for stderr.
    """

    fn: Fn
    first_raise: Callable[[int], tuple[int, str] | None] = lambda horizon: None
    chunks: Callable[[int, int], Iterator[FloatArray]] | None = None
    natural: int | None = None
    warmup: int = 0
    boundaries: list[Boundary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _powers(base: float, exponents: Any, n: int) -> tuple[FloatArray, int | None, str]:
    """Python's ``base ** e`` for each exponent (libm ``pow``): values, first overflow, its error."""
    return _pow(repeat(base), exponents, n)


def _first_nan(fn: Fn, candidates: Any, horizon: int, what: str) -> tuple[int, str] | None:
    """The first of ``candidates`` below ``horizon`` where ``fn`` is NaN, with ``what`` raises."""
    steps = np.unique(np.asarray([c for c in candidates if 0 <= c < horizon], dtype=np.int64))
    if steps.size == 0:
        return None
    with np.errstate(all="ignore"):
        bad = np.flatnonzero(np.isnan(fn(steps)))
    return (int(steps[bad[0]]), what) if bad.size else None


# --------------------------------------------------------------------------------------------------
# Closed forms of last_epoch


def _noam(a: Mapping[str, Any]) -> _Model:
    scale = float(a["learning_rate"]) * (a["d_model"] ** -0.5)
    slope = a["warmup_steps"] ** -1.5

    def fn(k: IntArray) -> FloatArray:
        t = floats(k)
        first, _, _ = _pow(np.maximum(k, 1).tolist(), repeat(-0.5), k.size)  # t ** -0.5 (libm)
        first[k == 0] = 1.0
        return scale * np.minimum(first, slope * t)

    return _Model(fn, warmup=a["warmup_steps"])


def _piecewise(a: Mapping[str, Any]) -> _Model:
    bounds, values = list(a["boundaries"]), [float(x) for x in a["values"]]

    def fn(k: IntArray) -> FloatArray:
        out = np.full(k.shape, values[-1])
        for b, v in reversed(list(zip(bounds, values))):  # the first boundary above t wins
            out[k < b] = v
        return out

    return _Model(fn, boundaries=[Boundary(b, "boundary") for b in bounds])


def _natural_exp(a: Mapping[str, Any]) -> _Model:
    base, rate = float(a["learning_rate"]), -1 * a["gamma"]
    return _Model(lambda k: base * np.exp(rate * floats(k)))


def _inverse_time(a: Mapping[str, Any]) -> _Model:
    base, gamma = float(a["learning_rate"]), a["gamma"]

    def fn(k: IntArray) -> FloatArray:
        den = 1 + gamma * floats(k)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = base / den
        out[den == 0] = np.nan
        return out

    def first_raise(horizon: int) -> tuple[int, str] | None:
        if gamma >= 0:
            return None
        near = round(-1 / gamma)
        return _first_nan(fn, range(near - 2, near + 3), horizon, "ZeroDivisionError (1 + gamma t = 0)")

    return _Model(fn, first_raise)


def _polynomial(a: Mapping[str, Any]) -> _Model:
    base, steps, end = float(a["learning_rate"]), a["decay_steps"], a["end_lr"]
    power, cycle = a["power"], a["cycle"]

    def fn(k: IntArray) -> FloatArray:
        t = floats(k)
        if cycle:
            div = np.ceil(t / float(steps))
            div[k == 0] = 1.0
            frac = t / (steps * div)  # decay_steps * div is exact, then rounded once, as float()
        else:
            frac = floats(np.minimum(k, steps)) / float(steps)
        powered, _, _ = _pow((1 - frac).tolist(), repeat(power), frac.size)
        return (base - end) * powered + end

    marks = [] if cycle else [Boundary(steps, "end_lr reached")]
    return _Model(fn, natural=None if cycle else steps, boundaries=marks)


def _exponential(a: Mapping[str, Any]) -> _Model:
    base, gamma = float(a["learning_rate"]), a["gamma"]
    return _Model(lambda k: base * _powers(gamma, k.tolist(), k.size)[0])


def _multistep(a: Mapping[str, Any]) -> _Model:
    base, gamma, milestones = float(a["learning_rate"]), a["gamma"], list(a["milestones"])
    table, fail, error = _powers(gamma, range(len(milestones) + 1), len(milestones) + 1)
    values = base * table

    def fn(k: IntArray) -> FloatArray:
        return values[np.searchsorted(np.asarray(milestones, dtype=np.int64), k, side="right")]

    def first_raise(horizon: int) -> tuple[int, str] | None:
        if fail is None or milestones[fail - 1] >= horizon:
            return None
        return milestones[fail - 1], error

    return _Model(fn, first_raise, boundaries=[Boundary(m, "milestone") for m in milestones])


def _step(a: Mapping[str, Any]) -> _Model:
    base, gamma, size = float(a["learning_rate"]), a["gamma"], a["step_size"]

    def fn(k: IntArray) -> FloatArray:
        exps, where = np.unique(k // size, return_inverse=True)
        table, _, _ = _powers(gamma, exps.tolist(), exps.size)
        return base * table[where.reshape(k.shape)]

    def first_raise(horizon: int) -> tuple[int, str] | None:
        if abs(gamma) <= 1:
            return None
        first = int(math.log(np.finfo(np.float64).max) / math.log(abs(gamma)))
        return _first_nan(fn, [(first + d) * size for d in range(-2, 3)], horizon,
                          "OverflowError (gamma ** (t // step_size))")

    return _Model(fn, first_raise)


def _onecycle(a: Mapping[str, Any]) -> _Model:
    top, total, pct = float(a["max_learning_rate"]), a["total_steps"], a["phase_pct"]
    initial, low = top / float(a["divide_factor"]), float(a["end_learning_rate"])
    if a["three_phase"]:
        bounds = [0, pct * total - 1, 2 * pct * total - 2, total - 1, total - 1]
        sizes = [bounds[1] - bounds[0], bounds[2] - bounds[1], bounds[3] - bounds[2],
                 bounds[3] - bounds[2]]
        lrs = [initial, top, initial, low]
    else:
        bounds = [0, pct * total - 1, total - 1, total - 1]
        sizes = [bounds[1] - bounds[0], bounds[2] - bounds[1], bounds[2] - bounds[1]]
        lrs = [initial, top, low]
    cos = a["anneal_strategy"] == "cos"
    last = len(lrs) - 2

    def fn(k: IntArray) -> FloatArray:
        t = floats(k)
        phase = np.full(k.shape, last)
        for i in reversed(range(last)):  # the first phase whose end is not passed
            phase[t <= bounds[i + 1]] = i
        out = np.full(k.shape, np.nan)
        for i in range(last + 1):
            mask = phase == i
            if not mask.any() or sizes[i] == 0:  # 0 / 0: ZeroDivisionError
                continue
            share = (t[mask] - bounds[i]) / sizes[i]
            start, stop = lrs[i], lrs[i + 1]
            out[mask] = (stop + (start - stop) / 2.0 * (_cos(np.pi * share) + 1) if cos
                         else (stop - start) * share + start)
        out[k > total] = np.nan
        return out

    def first_raise(horizon: int) -> tuple[int, str] | None:
        starts = [0, 1, *(math.floor(b) + 1 for b in bounds)]
        zero = _first_nan(fn, [s for s in starts if s <= total], horizon,
                          "ZeroDivisionError (a phase of OneCycleLR has no steps)")
        if zero is not None:
            return zero
        past = total + 1
        return (past, f"ValueError (OneCycleLR: tried to step {past} times; total_steps is "
                f"{total})") if past < horizon else None

    marks = [Boundary(math.floor(b) + 1, "phase end") for b in bounds[1:-1]]
    return _Model(fn, first_raise, natural=total + 1, boundaries=marks,
                  warmup=max(0, math.floor(bounds[1]) + 1))


def _cyclic(a: Mapping[str, Any]) -> _Model:
    up = float(a["step_size_up"])
    down = float(a["step_size_down"]) if a["step_size_down"] is not None else up
    size = up + down
    ratio = up / size
    base, amplitude = float(a["base_learning_rate"]), float(a["max_learning_rate"]) - a["base_learning_rate"]
    mode, gamma = a["mode"], a["exp_gamma"]

    def fn(k: IntArray) -> FloatArray:
        t = floats(k)
        cycle = 1 + np.floor_divide(t, size)
        share = 1.0 + t / size - cycle
        scale = np.where(share <= ratio, share / ratio, (1 - share) / (1 - ratio))
        height = amplitude * scale
        if mode == "triangular":
            return base + height * 1.0
        if mode == "triangular2":
            cycles, where = np.unique(cycle, return_inverse=True)
            table, _, _ = _powers(2.0, (cycles - 1).tolist(), cycles.size)
            factor = 1 / table[where.reshape(k.shape)]
        else:
            factor, _, _ = _powers(gamma, k.tolist(), k.size)
        return base + height * factor

    def first_raise(horizon: int) -> tuple[int, str] | None:
        if mode == "triangular2":
            near = math.ceil(1024 * size)
            return _first_nan(fn, range(near - 3, near + 3), horizon,
                              "OverflowError (2.0 ** (cycle - 1) in triangular2)")
        if mode == "exp_range" and abs(gamma) > 1:
            near = int(math.log(np.finfo(np.float64).max) / math.log(abs(gamma)))
            return _first_nan(fn, range(near - 3, near + 4), horizon,
                              "OverflowError (exp_gamma ** t in exp_range)")
        return None

    return _Model(fn, first_raise, warmup=int(up),
                  boundaries=[Boundary(int(up), "max_learning_rate reached")])


# --------------------------------------------------------------------------------------------------
# Replays and torch's identical classes


def _from_torch(make: Callable[[], _Leaf], lr: float, total: int) -> _Model:
    """A paddle class whose stepping is torch's leaf ``make()`` operation for operation (a fresh
    object per walk: a replay carries its state)."""
    leaf, group = make(), _Group(lr)
    leaf.construct(group)
    if leaf.direct:
        return _Model(_Direct(leaf, group.lr).fn)
    replay = _Replay(make=make, lr=lr, total=max(total, 1))

    def first_raise(horizon: int) -> tuple[int, str] | None:
        raised = leaf.first_raise(horizon)
        return raised if isinstance(raised, tuple) and raised[0] < horizon else None

    return _Model(replay.fn, first_raise, chunks=replay.chunks)


def _cosine(a: Mapping[str, Any], total: int) -> _Model:
    T = a["T_max"]
    args = {"T_max": T, "eta_min": float(a["eta_min"])}
    model = _from_torch(lambda: _CosineAnnealingLR(args), float(a["learning_rate"]), total)
    model.natural, model.boundaries = T, [Boundary(T, "eta_min reached")]
    model.notes = [f"the LR rises again after update {T}: CosineAnnealingDecay is periodic "
                   f"(period 2·T_max = {2 * T}), as torch's CosineAnnealingLR"]
    return model


def _linear(a: Mapping[str, Any], total: int) -> _Model:
    n, lr = a["total_steps"], float(a["learning_rate"])
    args = {"start_factor": a["start_factor"], "end_factor": a["end_factor"], "total_iters": n}
    marks = [Boundary(n, "end_factor reached")]
    warmup = n if a["start_factor"] < a["end_factor"] else 0
    if n + 1 > _CACHE:
        model = _from_torch(lambda: _LinearLR(args), lr, total)
        model.boundaries, model.warmup = marks, warmup
        return model
    held = _Replay(make=lambda: _LinearLR(args), lr=lr, total=n + 1).values(n + 1).copy()  # constant after n
    return _Model(lambda k: held[np.minimum(k, n)], boundaries=marks, warmup=warmup)


def _restarts(a: Mapping[str, Any], total: int) -> _Model:
    args = {"T_0": a["T_0"], "T_mult": a["T_mult"], "eta_min": a["eta_min"]}
    model = _from_torch(lambda: _CosineAnnealingWarmRestarts(args), float(a["learning_rate"]), total)
    model.boundaries = [Boundary(k, "restart")
                        for k in _CosineAnnealingWarmRestarts(args).restarts(2**62)]
    return model


# --------------------------------------------------------------------------------------------------
# LinearWarmup and the wrapped scheduler's explicit epochs


def _cosine_closed(a: Mapping[str, Any]) -> Fn:
    """``CosineAnnealingDecay._get_closed_form_lr``: what ``step(epoch)`` sets."""
    base, eta, T = float(a["learning_rate"]), float(a["eta_min"]), a["T_max"]
    return lambda e: eta + (base - eta) * (1 + _cos(np.pi * floats(e) / T)) / 2


def _restarts_explicit(a: Mapping[str, Any]) -> Fn:
    """``CosineAnnealingWarmRestarts.step(epoch)``: the explicit-epoch branch, per epoch in floats."""
    base, T0, mult, eta = float(a["learning_rate"]), a["T_0"], a["T_mult"], a["eta_min"]

    def one(epoch: int) -> float:
        t_i: float = T0
        if epoch >= T0:
            if mult == 1:
                t_cur: float = epoch % T0
            else:
                n = int(math.log((epoch / T0 * (mult - 1) + 1), mult))
                t_cur = epoch - T0 * (mult**n - 1) / (mult - 1)
                t_i = T0 * mult**n
        else:
            t_cur = epoch
        return eta + (base - eta) * (1 + math.cos(math.pi * t_cur / t_i)) / 2

    return lambda e: np.fromiter(map(one, e.tolist()), np.float64, e.size)


def _inner(spec: Any, total: int) -> tuple[str, Mapping[str, Any], _Model]:
    """The scheduler a LinearWarmup wraps: its name, checked args, and its model at explicit epochs."""
    name = str(spec.get("schedule", ""))
    lib, _, cls = name.partition(".")
    if lib != "paddle" or cls not in CLASSES:
        raise SpecError("must be a number or a nested paddle.* scheduler spec",
                        path="args.learning_rate.schedule", value=name,
                        hint="one of " + ", ".join(f"paddle.{c}" for c in CLASSES))
    extra = sorted(str(k) for k in spec if k not in ("schedule", "args"))
    if extra:
        raise SpecError("a wrapped scheduler takes schedule: and args: only",
                        path=f"args.learning_rate.{extra[0]}", value=spec[extra[0]],
                        hint="its LRs come from its args (learning_rate: ...); the run is the outer spec's")
    declared = CLASSES[cls][0]
    given = dict(spec.get("args") or {})
    unknown = sorted(set(given) - {a.name for a in declared})
    if unknown:
        raise SpecError(f"{name} takes no argument {unknown[0]!r}",
                        path=f"args.learning_rate.args.{unknown[0]}",
                        hint="its arguments: " + ", ".join(a.name for a in declared))
    missing = [a.name for a in declared if a.required and a.name not in given]
    if missing:
        raise SpecError("is required", path=f"args.learning_rate.args.{missing[0]}")
    args = {a.name: coerce_arg(a, given[a.name], f"args.learning_rate.args.{a.name}")
            if a.name in given else a.default for a in declared}
    _check(cls, args, "args.learning_rate.args.")
    model = _model(cls, args, total)
    if cls == "CosineAnnealingDecay":
        model = _Model(_cosine_closed(args), natural=model.natural)
    elif cls == "CosineAnnealingWarmRestarts":
        model = _Model(_restarts_explicit(args))
    at_construction = model.first_raise(1)
    if at_construction is not None:
        raise SpecError(f"paddle raises {at_construction[1]} when constructing {name}",
                        path="args.learning_rate", hint="paddle rejects these arguments")
    return cls, args, model


def _warmup(a: Mapping[str, Any], total: int) -> _Model:
    W, start, end = a["warmup_steps"], a["start_lr"], a["end_lr"]
    wrapped = a["learning_rate"]
    if isinstance(wrapped, Mapping):
        _, _, inner = _inner(wrapped, max(total - W, 1))
        after = inner.fn
    else:
        try:
            held = float(wrapped)
        except (TypeError, ValueError):
            raise SpecError("must be a number or a nested paddle.* scheduler spec",
                            path="args.learning_rate", value=wrapped) from None
        inner = _Model(lambda e: np.full(e.shape, held))
        after = inner.fn

    def fn(k: IntArray) -> FloatArray:
        out = np.empty(k.shape)
        rising = k < W
        out[rising] = (end - start) * floats(k[rising]) / float(W) + start
        if not rising.all():
            out[~rising] = after(k[~rising] - W)
        return out

    def first_raise(horizon: int) -> tuple[int, str] | None:
        raised = inner.first_raise(max(horizon - W, 0))
        return None if raised is None else (raised[0] + W, raised[1])

    chunks = None
    if inner.chunks is not None:
        inner_chunks = inner.chunks

        def chunks(count: int, size: int) -> Iterator[FloatArray]:
            for lo in range(0, min(W, count), max(size, 1)):
                yield fn(np.arange(lo, min(W, count, lo + size), dtype=np.int64))
            if count > W:
                yield from inner_chunks(count - W, size)

    natural = W + inner.natural if inner.natural is not None else None
    marks = [Boundary(W, "warmup end"), *(Boundary(b.step + W, b.label) for b in inner.boundaries)]
    return _Model(fn, first_raise, chunks=chunks, natural=natural, warmup=W, boundaries=marks,
                  notes=[n.replace("update ", "wrapped step ") for n in inner.notes])


# --------------------------------------------------------------------------------------------------
# Registration

POSITIVE = "paddle raises ValueError"
#: LRScheduler.__init__ raises ValueError("Invalid learning rate") for a base LR below 0.
NEGATIVE_LR = "paddle raises ValueError (LRScheduler refuses a learning rate below 0)"
LR = Arg("learning_rate", REQUIRED, minimum=0, why=NEGATIVE_LR, doc="the initial (base) learning rate")
Builder = Callable[[Mapping[str, Any], int], _Model]


def _plain(make: Callable[[Mapping[str, Any]], _Model]) -> Builder:
    return lambda a, total: make(a)


CLASSES: dict[str, tuple[tuple[Arg, ...], Builder, str]] = {
    "NoamDecay": ((Arg("d_model", REQUIRED, kind="int", minimum=0, above=True, why=POSITIVE),
                   Arg("warmup_steps", REQUIRED, kind="int", minimum=1,
                       why="paddle raises at construction (0 ** -1.5, or a complex power)"),
                   Arg("learning_rate", 1.0, minimum=0, why=NEGATIVE_LR)), _plain(_noam),
                  "lr d_model^-0.5 min(t^-0.5, t W^-1.5); 0 at t = 0"),
    "PiecewiseDecay": ((Arg("boundaries", REQUIRED, kind="ints"), Arg("values", REQUIRED, kind="floats")),
                       _plain(_piecewise), "values[i] while t < boundaries[i]"),
    "NaturalExpDecay": ((LR, Arg("gamma", REQUIRED)), _plain(_natural_exp), "lr exp(-gamma t)"),
    "InverseTimeDecay": ((LR, Arg("gamma", REQUIRED)), _plain(_inverse_time), "lr / (1 + gamma t)"),
    "PolynomialDecay": ((LR, Arg("decay_steps", REQUIRED, kind="int"), Arg("end_lr", 0.0001),
                         Arg("power", 1.0), Arg("cycle", False, kind="bool")), _plain(_polynomial),
                        "(lr - end) (1 - t / T)^power + end; cycle stretches T by ceil(t / T)"),
    "ExponentialDecay": ((LR, Arg("gamma", REQUIRED)), _plain(_exponential), "lr gamma^t"),
    "MultiStepDecay": ((LR, Arg("milestones", REQUIRED, kind="ints"), Arg("gamma", 0.1)),
                       _plain(_multistep), "lr gamma^(milestones passed)"),
    "StepDecay": ((LR, Arg("step_size", REQUIRED, kind="int"), Arg("gamma", 0.1)), _plain(_step),
                  "lr gamma^(t // step_size)"),
    "CosineAnnealingDecay": ((LR, Arg("T_max", REQUIRED, kind="int"), Arg("eta_min", 0.0)), _cosine,
                             "torch's recursive cosine on last_lr"),
    "OneCycleLR": ((Arg("max_learning_rate", REQUIRED, minimum=0, why=POSITIVE),
                    Arg("total_steps", REQUIRED, kind="int"),
                    Arg("divide_factor", 25.0, minimum=0, above=True,
                        why="paddle raises at construction: max_learning_rate / divide_factor is the "
                            "initial LR (ZeroDivisionError at 0, ValueError below)"),
                    Arg("end_learning_rate", 0.0001, minimum=0, why=POSITIVE),
                    Arg("phase_pct", 0.3, float_only="paddle raises TypeError unless phase_pct is a float"),
                    Arg("anneal_strategy", "cos", kind="str", choices=("cos", "linear")),
                    Arg("three_phase", False, kind="bool")), _plain(_onecycle),
                   "one cycle from max / divide_factor to max and down to end_learning_rate"),
    "CyclicLR": ((Arg("base_learning_rate", REQUIRED, minimum=0, why=NEGATIVE_LR),
                  Arg("max_learning_rate", REQUIRED, minimum=0, why=POSITIVE),
                  Arg("step_size_up", REQUIRED, kind="int"),
                  Arg("step_size_down", None, kind="int", nullable=True, minimum=0, above=True,
                      why=POSITIVE),
                  Arg("mode", "triangular", kind="str", choices=("triangular", "triangular2", "exp_range")),
                  Arg("exp_gamma", 1.0, float_only="paddle raises TypeError unless exp_gamma is a float")),
                 _plain(_cyclic), "triangular cycles between base and max"),
    "LinearLR": ((LR, Arg("total_steps", REQUIRED, kind="int"), Arg("start_factor", 1.0 / 3),
                  Arg("end_factor", 1.0)), _linear, "factor start -> end over total_steps (recursive)"),
    "CosineAnnealingWarmRestarts": ((LR, Arg("T_0", REQUIRED, kind="int"), Arg("T_mult", 1, kind="int"),
                                     Arg("eta_min", 0.0)), _restarts, "cosine restarting every T_i"),
}
WARMUP_ARGS = (
    Arg("learning_rate", REQUIRED, kind="any",
        doc="a number (held after the warmup) or a nested paddle.* scheduler spec"),
    Arg("warmup_steps", REQUIRED, kind="int"), Arg("start_lr", REQUIRED, minimum=0, why=NEGATIVE_LR),
    Arg("end_lr", REQUIRED),
)


def _check(name: str, a: Mapping[str, Any], prefix: str = "args.") -> None:
    """What each constructor rejects beyond the declared bounds."""
    def fail(key: str, message: str) -> SpecError:
        return SpecError(message, path=prefix + key, value=a.get(key), hint="paddle rejects it")

    positive = {"PolynomialDecay": "decay_steps", "StepDecay": "step_size",
                "CosineAnnealingDecay": "T_max", "OneCycleLR": "total_steps", "CyclicLR": "step_size_up",
                "LinearLR": "total_steps", "CosineAnnealingWarmRestarts": "T_0",
                "LinearWarmup": "warmup_steps"}
    if name in positive and a[positive[name]] <= 0:
        raise fail(positive[name], "must be positive")
    if name == "PiecewiseDecay":
        if not a["boundaries"]:
            raise fail("boundaries", "The boundaries cannot be empty.")
        if len(a["values"]) <= len(a["boundaries"]):
            raise fail("values", "needs one more element than boundaries")
    if name == "ExponentialDecay" and not 0.0 < a["gamma"] < 1.0:
        raise fail("gamma", "'gamma' must be in interval (0.0, 1.0)")
    if name == "NaturalExpDecay" and a["gamma"] <= 0.0:
        raise fail("gamma", "'gamma' must be a positive number")
    if name in ("MultiStepDecay", "StepDecay") and a["gamma"] >= 1.0:
        raise fail("gamma", "gamma should be < 1.0.")
    if name == "MultiStepDecay" and any(x >= y for x, y in zip(a["milestones"], a["milestones"][1:])):
        raise fail("milestones", "The elements of milestones must be incremented")
    if name == "PolynomialDecay" and a["power"] <= 0.0:
        raise fail("power", "'power' must be greater than 0.0")
    if name == "OneCycleLR":
        if not 0 <= a["phase_pct"] <= 1:
            raise fail("phase_pct", "'phase_pct' must be between 0 and 1")
        if a["three_phase"] and a["phase_pct"] >= 0.5:
            raise fail("phase_pct", "When three_phase is True, 'phase_pct' must be less than 0.5")
    if name == "LinearLR":
        if not 0 < a["start_factor"] <= 1.0:
            raise fail("start_factor", "`start_factor` must be greater than 0 and less or equal to 1")
        if not 0 <= a["end_factor"] <= 1.0:
            raise fail("end_factor", "`end_factor` must be greater than 0 and less than 1")
    if name == "CosineAnnealingWarmRestarts" and a["T_mult"] < 1:
        raise fail("T_mult", "Expected integer T_mult >= 1")
    if name == "LinearWarmup" and not a["end_lr"] > a["start_lr"]:
        raise fail("end_lr", f"end_lr must be greater than start_lr {a['start_lr']}")


def _model(name: str, a: Mapping[str, Any], total: int) -> _Model:
    if name == "LinearWarmup":
        return _warmup(a, total)
    return CLASSES[name][1](a, total)


def _entry(name: str, args: tuple[Arg, ...], formula: str) -> None:
    def build(call: LibraryCall) -> Schedule:
        a = dict(call.args)
        _check(name, a)
        # a hint for the replays' caches; the run's length is finish's to decide
        total = call.total_steps or (call.bound.updates if call.bound else None) or 1
        model = _model(name, a, total)
        raised = model.first_raise(_horizon(call, model))
        raise_at = (raised[0], f"paddle raises {raised[1]}") if raised else None
        return finish(call, model.fn, natural=model.natural, warmup=model.warmup,
                      boundaries=model.boundaries, notes=[*model.notes, FLOAT32_NOTE],
                      raise_at=raise_at, source=f"{VERSION}, {FILE}, {name}", chunks=model.chunks)

    register(LibrarySchedule(name=name, library="paddle", args=args, build=build,
                             source=f"{VERSION}, {FILE}, {name}", formula=formula, lr="unused"))


def _horizon(call: LibraryCall, model: _Model) -> int:
    """The run's length as :func:`~warmupctl.frameworks._kit.finish` takes it (0 when unknown: finish
    then raises the one "no natural end" error)."""
    try:
        return run_length(call, model.natural)
    except SpecError:
        return 0


for _name, (_args, _make, _formula) in CLASSES.items():
    _entry(_name, _args, _formula)
_entry("LinearWarmup", WARMUP_ARGS, "start_lr -> end_lr over warmup_steps, then the wrapped scheduler "
       "stepped to t - warmup_steps (or the number held)")

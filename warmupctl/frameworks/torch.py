"""PyTorch's ``torch.optim.lr_scheduler`` (torch 2.13.0), replayed update by update.

The standard loop is: construct the scheduler (its constructor already steps once, to ``last_epoch
= 0``); then for each update read the LR, ``optimizer.step()``, ``scheduler.step()``. So update
``k`` uses the LR after ``k`` scheduler steps, and ``schedule(k)`` is exactly that value.

**Recursive forms are replayed.** Most torch schedulers are *chainable*: ``get_lr`` multiplies or
updates the param group's *current* LR (``lr * gamma``, ``lr * (1 + ...)``), never recomputing it
from the base LR, so the float rounding of every step accumulates. warmupctl models each scheduler
as an *op program* on the current LR, one op per step, computed vectorized with torch's operation
order, and applies the ops in order:

* ``MUL a``: ``lr * a`` (StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, and
  CosineAnnealingLR when ``eta_min == 0``, where ``r * (lr - 0) + 0`` is ``r * lr`` bit for bit). A
  run of these is ``np.multiply.accumulate``, which is sequential and so bit-identical to torch's
  loop; a factor of 1.0 ("unchanged") is exact.
* ``AFF r, eta``: ``r * (lr - eta) + eta`` (CosineAnnealingLR with ``eta_min != 0``). Each step
  rounds three times, so no vectorized form reproduces the drift exactly; it is replayed by a tight
  plain-float loop.
* ``ADD c``: ``lr + c`` (CosineAnnealingLR's branch at ``(t - 1 - T_max) % (2 T_max) == 0``, where
  the recursive ratio would divide by zero), ``np.add.accumulate`` for a run.
* ``SET v``: the LR is overwritten (CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR: not
  chainable, closed forms of the counter, evaluated vectorized at any update).

The per-step factors are computed vectorized with numpy (``np.cos`` is checked against
``math.cos`` once; powers go through Python's ``**``, i.e. libm ``pow``, because ``np.power``
differs from it in the last bit). Replays walk the updates in chunks and carry the state from chunk
to chunk (the Schedule's ``chunks``); random access replays up to the largest index asked for, with
the first 2**21 updates cached.

**Composition** mirrors torch's objects acting on one shared param group: every sub-scheduler's
constructor runs in order (``initial_lr`` is set once, by the first; CyclicLR sets the group LR and
OneCycleLR overwrites ``initial_lr``, which later schedulers then read). ``SequentialLR``'s
constructor resets the LR to ``initial_lr``, decrements every sub-scheduler's ``last_epoch``
(``recursive_undo``) and re-runs the initial step of the scheduler active at epoch 0
(``bisect_right(milestones, 0)``); at a milestone it calls ``_update_lr(0)`` on the next scheduler,
which restarts it at *its* step 0 with its closed form where it has one (else ``get_lr`` at
``last_epoch = 0`` on the current LR); between milestones it steps the active scheduler.
``ChainedScheduler`` steps every sub-scheduler in order each step, so chainable ones multiply their
factors into the current LR one after the other; when all sub-schedulers are leaves their op
programs are interleaved and replayed as one.

Where torch raises at some update (``ConstantLR(factor=0)`` at ``total_iters``, ``OneCycleLR``
beyond ``total_steps``, ...) the values from there on are NaN and a note says so; what torch rejects
at construction is a :class:`~warmupctl.core.errors.SpecError`.

>>> from warmupctl.spec.library import resolve_library
>>> s = resolve_library({"schedule": "torch.ChainedScheduler", "lr": 1.0, "args": {"schedulers": [
...     {"schedule": "torch.LinearLR", "args": {"start_factor": 0.1, "total_iters": 5}},
...     {"schedule": "torch.ExponentialLR", "args": {"gamma": 0.9}}]}, "total_steps": 7})
>>> s.values().round(6).tolist()
[0.1, 0.252, 0.3726, 0.46656, 0.538002, 0.59049, 0.531441]
"""

from __future__ import annotations

import copy
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._common import FloatArray, IntArray, nan_note, run_length
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

BoolArray = NDArray[np.bool_]

VERSION = "2.13.0"
LIBRARY = "torch"
_FILE = "torch/optim/lr_scheduler.py"

#: Op codes of a replay program (see the module docstring).
MUL, SET, AFF, ADD = 0, 1, 2, 3

#: Updates a replay computes at once; long enough to amortise numpy's call overhead.
_BLOCK = 1 << 18
#: Random access caches the first this many updates of a replay (16 MB).
_CACHE = 1 << 21
#: A program with more op-kind changes than ``n / _DENSE`` is replayed op by op.
_DENSE = 8
#: At most this many boundaries are marked (restarts, decays) so plots stay readable.
_MAX_MARKS = 100


# --------------------------------------------------------------------------------------------------
# Float helpers with torch's (Python's) semantics
# --------------------------------------------------------------------------------------------------

_COS_OK: list[bool] = []


def _cos(x: FloatArray) -> FloatArray:
    """``math.cos`` elementwise: numpy's ``cos`` where it agrees with libm on this machine."""
    if not _COS_OK:
        probe = np.linspace(-40.0, 40.0, 4099) * 1.000000003
        expect = np.fromiter(map(math.cos, probe.tolist()), np.float64, probe.size)
        _COS_OK.append(bool(np.array_equal(np.cos(probe), expect)))
    if _COS_OK[0]:
        return np.cos(x)
    return np.fromiter(map(math.cos, np.ravel(x).tolist()), np.float64, x.size).reshape(x.shape)


def _pow(bases: Any, exponents: Any, n: int) -> tuple[FloatArray, int | None, str]:
    """Python's ``x ** y`` pairwise (libm ``pow`` as torch computes; ``np.power`` may differ).

    Returns the values, the index of the first pair Python refuses (OverflowError,
    ZeroDivisionError for ``0.0 ** negative``) or None, and that error.
    """
    try:
        return np.fromiter(map(pow, bases, exponents), np.float64, n), None, ""
    except (OverflowError, ZeroDivisionError):
        pass
    out = np.full(n, np.nan)
    for i, (x, y) in enumerate(zip(bases, exponents)):
        try:
            out[i] = x**y
        except (OverflowError, ZeroDivisionError) as exc:
            return out, i, f"{type(exc).__name__} ({x!r} ** {y!r}: {exc})"
    return out, None, ""


def _first(mask: BoolArray | None) -> int | None:
    if mask is None:
        return None
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


# --------------------------------------------------------------------------------------------------
# Op programs and their replay
# --------------------------------------------------------------------------------------------------


@dataclass
class _Ops:
    """What ``n`` consecutive ``step()`` calls of one scheduler do to the group's LR.

    Attributes:
        kind: one op code for all steps, or one per step.
        a: the factor, value, ratio or increment of each step.
        b: ``eta`` of ``AFF`` steps (a scalar or one per step).
        bad: steps at which torch raises (the replay stops at the first).
        error: what torch raises there, for the note.
    """

    kind: int | NDArray[np.int8]
    a: FloatArray
    b: float | FloatArray = 0.0
    bad: BoolArray | None = None
    error: str = ""

    @property
    def fail(self) -> int | None:
        return _first(self.bad)

    def kinds(self) -> NDArray[np.int8]:
        if isinstance(self.kind, np.ndarray):
            return self.kind
        return np.full(self.a.size, self.kind, dtype=np.int8)

    def etas(self) -> FloatArray:
        return self.b if isinstance(self.b, np.ndarray) else np.full(self.a.size, self.b)


class _TorchRaise(Exception):
    """torch raised during a step; ``values`` are the LRs produced before it."""

    def __init__(self, error: str, values: list[FloatArray] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.values: list[FloatArray] = values or []


def _run_mul(lr: float, a: FloatArray, b: Any) -> FloatArray:
    out = np.array(a, dtype=np.float64)
    out[0] = lr * out[0]
    np.multiply.accumulate(out, out=out)  # sequential: the same roundings as torch's loop
    return out


def _run_add(lr: float, a: FloatArray, b: Any) -> FloatArray:
    out = np.array(a, dtype=np.float64)
    out[0] = lr + out[0]
    np.add.accumulate(out, out=out)
    return out


def _run_set(lr: float, a: FloatArray, b: Any) -> FloatArray:
    return np.array(a, dtype=np.float64)


def _run_aff(lr: float, a: FloatArray, b: float | FloatArray) -> FloatArray:
    # r * (lr - eta) + eta rounds three times per step: only a sequential loop reproduces it. A
    # generator over a memoryview feeding np.fromiter is the fastest plain-CPython form measured.
    if isinstance(b, np.ndarray) and not np.all(b == b[0]):
        return np.fromiter(_affine_steps(lr, memoryview(a), memoryview(b)), np.float64, a.size)
    e = float(b[0]) if isinstance(b, np.ndarray) else float(b)
    return np.fromiter(_affine_steps(lr, memoryview(a), repeat(e)), np.float64, a.size)


def _affine_steps(y: float, ratios: Any, etas: Any) -> Iterator[float]:
    for r, e in zip(ratios, etas):
        y = r * (y - e) + e
        yield y


_RUNS: dict[int, Callable[[float, FloatArray, Any], FloatArray]] = {
    MUL: _run_mul,
    SET: _run_set,
    AFF: _run_aff,
    ADD: _run_add,
}


def _each(lr: float, kind: NDArray[np.int8], a: FloatArray, b: float | FloatArray) -> FloatArray:
    """Op by op, for programs whose kind changes too often for runs to pay off."""
    etas = b.tolist() if isinstance(b, np.ndarray) else repeat(float(b))
    out = []
    for k, x, e in zip(kind.tolist(), a.tolist(), etas):
        if k == MUL:
            lr = lr * x
        elif k == SET:
            lr = x
        elif k == AFF:
            lr = x * (lr - e) + e
        else:
            lr = lr + x
        out.append(lr)
    return np.array(out, dtype=np.float64)


def _apply(lr: float, kind: int | NDArray[np.int8], a: FloatArray,
           b: float | FloatArray) -> FloatArray:
    """The LR after each op of a program, starting from ``lr``."""
    n = a.size
    if n == 0:
        return np.empty(0)
    if not isinstance(kind, np.ndarray):
        return _RUNS[kind](lr, a, b)
    cuts = np.flatnonzero(kind[1:] != kind[:-1]) + 1
    if cuts.size * _DENSE > n:
        return _each(lr, kind, a, b)
    out = np.empty(n)
    edges = [0, *cuts.tolist(), n]
    for lo, hi in zip(edges[:-1], edges[1:]):
        part = b[lo:hi] if isinstance(b, np.ndarray) else b
        out[lo:hi] = _RUNS[int(kind[lo])](lr, a[lo:hi], part)
        lr = float(out[hi - 1])
    return out


def _evaluate(lr: float, ops: _Ops) -> FloatArray:
    """Replay ``ops`` from ``lr``; raise :class:`_TorchRaise` (values before it) if torch does."""
    fail = ops.fail
    if fail is None:
        return _apply(lr, ops.kind, ops.a, ops.b)
    kind = ops.kind[:fail] if isinstance(ops.kind, np.ndarray) else ops.kind
    b = ops.b[:fail] if isinstance(ops.b, np.ndarray) else ops.b
    raise _TorchRaise(ops.error, [_apply(lr, kind, ops.a[:fail], b)])


# --------------------------------------------------------------------------------------------------
# Mirrors of torch's scheduler objects
# --------------------------------------------------------------------------------------------------


class _Group:
    """The optimizer's one param group, as torch's schedulers read and write it."""

    __slots__ = ("initial_lr", "lr", "max_lr", "min_lr")

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.initial_lr: float | None = None
        self.max_lr = 0.0
        self.min_lr = 0.0


class _Sim:
    """One torch scheduler object acting on the shared :class:`_Group`."""

    name: ClassVar[str] = ""
    composite: ClassVar[bool] = False
    #: torch's get_lr overwrites the LR instead of updating it (not chainable).
    overwrites: ClassVar[bool] = False
    #: the optimizer's LR has no effect when this scheduler runs alone.
    ignores_lr: ClassVar[bool] = False

    @property
    def qualname(self) -> str:
        return f"{LIBRARY}.{self.name}"

    def construct(self, group: _Group) -> None:
        """The constructor's effects on the group, initial step included."""
        raise NotImplementedError

    def initial_step(self, group: _Group) -> None:
        """``_initial_step()``: one ``step()`` in initial mode."""
        raise NotImplementedError

    def run(self, group: _Group, n: int) -> FloatArray:
        """``n`` calls of ``step()``; the group's LR after each."""
        raise NotImplementedError

    def update_lr0(self, group: _Group) -> None:
        """``_update_lr(0)``, what SequentialLR calls at a milestone."""
        raise NotImplementedError

    def undo(self) -> None:
        """SequentialLR's ``recursive_undo``."""
        raise NotImplementedError

    def may_raise(self, horizon: int) -> bool:
        """Whether torch could raise within ``horizon`` steps (conservative; cheap)."""
        return False

    def natural_end(self) -> int | None:
        """The run length the schedule implies, or None when it has no end."""
        return None

    def is_warmup(self) -> bool:
        """Whether this scheduler rises (used to mark warmup ends)."""
        return False


#: ``first_raise`` cannot tell without replaying.
_UNKNOWN: Any = object()


class _Leaf(_Sim):
    """A scheduler with its own ``get_lr``: an op program as a function of its counter ``t``."""

    #: torch's class has ``_get_closed_form_lr`` (used by ``_update_lr(0)``).
    closed: ClassVar[bool] = True
    #: where a constructor that raises is reported, and what to do about it.
    blame: ClassVar[tuple[str, str]] = ("args", "torch rejects these arguments")
    #: values depend only on ``t`` (SET ops) and errors only grow with ``t``: evaluable at any t.
    direct = False

    def __init__(self, args: Mapping[str, Any]) -> None:
        self.args = dict(args)
        self.base = 0.0
        self.last_epoch = -1

    def construct(self, group: _Group) -> None:
        if group.initial_lr is None:
            group.initial_lr = group.lr
        self.base = group.initial_lr
        self.last_epoch = -1
        self.initial_step(group)

    def initial_step(self, group: _Group) -> None:
        self.last_epoch += 1
        t = np.array([self.last_epoch], dtype=np.int64)
        group.lr = float(_evaluate(group.lr, self.ops(t, initial=True))[0])

    def run(self, group: _Group, n: int) -> FloatArray:
        t = np.arange(self.last_epoch + 1, self.last_epoch + 1 + n, dtype=np.int64)
        self.last_epoch += n
        values = _evaluate(group.lr, self.ops(t, initial=False))
        if values.size:
            group.lr = float(values[-1])
        return values

    def update_lr0(self, group: _Group) -> None:
        self.last_epoch = 0
        if not self.closed:
            group.lr = float(_evaluate(group.lr, self.ops(np.zeros(1, np.int64), False))[0])
            return
        try:
            group.lr = float(self.closed0())
        except (ZeroDivisionError, OverflowError) as exc:
            raise _TorchRaise(f"{type(exc).__name__} in {self.name}'s closed form at its step 0 "
                              f"({exc})") from None

    def undo(self) -> None:
        self.last_epoch -= 1

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        """The op of the ``step()`` that takes ``last_epoch`` to each ``t``."""
        raise NotImplementedError

    def closed0(self) -> float:
        """``_get_closed_form_lr()`` at ``last_epoch = 0``, in plain floats."""
        raise NotImplementedError

    def annotate(self, total: int) -> tuple[int, list[Boundary], list[str]]:
        """Warmup length, boundaries and notes of this scheduler run alone for ``total`` updates."""
        return 0, [], []

    def first_raise(self, horizon: int) -> tuple[int, str] | None | Any:
        """Where a run of this scheduler alone raises (before ``horizon``), when known without a
        replay; :data:`_UNKNOWN` otherwise."""
        return _UNKNOWN

    def _probe(self, t: int, horizon: int) -> tuple[int, str] | None:
        """``(t, error)`` if the step to ``t`` (before ``horizon``) raises."""
        if not 1 <= t < horizon:
            return None
        ops = self.ops(np.array([t], dtype=np.int64), initial=False)
        return None if ops.fail is None else (t, ops.error)


def _unchanged(n: int) -> FloatArray:
    return np.ones(n)


class _StepLR(_Leaf):
    """StepLR: ``lr * gamma`` when ``t`` is a non-zero multiple of ``step_size``; closed form
    ``base * gamma ** (t // step_size)``."""

    name = "StepLR"

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        size, gamma = self.args["step_size"], self.args["gamma"]
        f = _unchanged(t.size)
        moving = t != 0
        if size == 0:
            return _Ops(MUL, f, bad=moving, error="ZeroDivisionError (StepLR with step_size=0 "
                        "computes last_epoch % 0)")
        f[moving & (t % size == 0)] = gamma
        return _Ops(MUL, f)

    def closed0(self) -> float:
        return self.base * self.args["gamma"] ** (0 // self.args["step_size"])

    def may_raise(self, horizon: int) -> bool:
        return self.args["step_size"] == 0

    def first_raise(self, horizon: int) -> tuple[int, str] | None:
        return self._probe(1, horizon)

    def annotate(self, total: int) -> tuple[int, list[Boundary], list[str]]:
        size = abs(self.args["step_size"])
        marks = [] if size == 0 else list(range(size, total, size)[:_MAX_MARKS])  # a lazy slice
        return 0, [Boundary(k, f"x{self.args['gamma']:g}") for k in marks], []


class _MultiStepLR(_Leaf):
    """MultiStepLR: ``lr * gamma ** count(t)`` at each milestone (duplicates compound, no
    ``t == 0`` guard); closed form ``base * gamma ** bisect_right(sorted(milestones), t)``."""

    name = "MultiStepLR"
    blame = ("args.gamma", "gamma ** (times a milestone is listed) overflows; use a smaller gamma")

    def __init__(self, args: Mapping[str, Any]) -> None:
        super().__init__(args)
        counts = Counter(self.args["milestones"])
        self.points = np.array(sorted(counts), dtype=np.int64)
        gamma = self.args["gamma"]
        factors, fail, self.error = _pow(repeat(gamma), [counts[p] for p in self.points.tolist()],
                                         self.points.size)
        self.factors = factors
        self.broken = np.zeros(self.points.size, dtype=bool)
        if fail is not None:
            self.broken[fail:] = True
            self.error = f"{self.error} in MultiStepLR"

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        f = _unchanged(t.size)
        if not self.points.size:
            return _Ops(MUL, f)
        where = np.minimum(np.searchsorted(self.points, t), self.points.size - 1)
        hit = self.points[where] == t
        f[hit] = self.factors[where[hit]]
        bad = hit & self.broken[where]
        return _Ops(MUL, f, bad=bad if bad.any() else None, error=self.error)

    def closed0(self) -> float:
        passed = bisect_right(sorted(self.args["milestones"]), 0)
        return self.base * self.args["gamma"] ** passed

    def may_raise(self, horizon: int) -> bool:
        return bool(self.broken.any())

    def annotate(self, total: int) -> tuple[int, list[Boundary], list[str]]:
        marks = [int(p) for p in self.points if 0 < p < total][:_MAX_MARKS]
        notes = []
        if 0 in self.points:
            notes.append("milestone 0 decays the LR in the constructor: update 0 already gets "
                         "lr·gamma")
        return 0, [Boundary(k, f"x{self.args['gamma']:g}") for k in marks], notes


class _ConstantLR(_Leaf):
    """ConstantLR: ``lr * factor`` at ``t == 0``, ``lr * (1.0 / factor)`` at ``t == total_iters``,
    unchanged otherwise; closed form ``base * (factor + (t >= total_iters) * (1 - factor))``."""

    name = "ConstantLR"

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        factor, total = self.args["factor"], self.args["total_iters"]
        f = _unchanged(t.size)
        start = t == 0
        f[start] = factor
        end = (t == total) & ~start
        if factor == 0:
            return _Ops(MUL, f, bad=end, error="ZeroDivisionError (ConstantLR with factor=0 "
                        "multiplies by 1.0/factor at total_iters)")
        f[end] = 1.0 / factor
        return _Ops(MUL, f)

    def closed0(self) -> float:
        factor = self.args["factor"]
        reached = self.args["total_iters"] <= 0  # torch: (last_epoch >= total_iters) * (1 - f)
        return self.base * (factor + reached * (1 - factor))

    def may_raise(self, horizon: int) -> bool:
        return self.args["factor"] == 0

    def first_raise(self, horizon: int) -> tuple[int, str] | None:
        return self._probe(self.args["total_iters"], horizon)

    def is_warmup(self) -> bool:
        return self.args["factor"] < 1 and self.args["total_iters"] > 0

    def annotate(self, total: int) -> tuple[int, list[Boundary], list[str]]:
        n = self.args["total_iters"]
        if n <= 0:
            return 0, [], [f"ConstantLR with total_iters={n} stays at factor·lr forever"]
        marks = [Boundary(n, "factor ends")] if n < total else []
        return (n if self.is_warmup() else 0), marks, []


class _LinearLR(_Leaf):
    """LinearLR: ``lr * start_factor`` at ``t == 0``; for ``1 <= t <= total_iters``
    ``lr * (1 + (e - s) / (total_iters * s + (t - 1) * (e - s)))``; unchanged after; closed form
    ``base * (s + (e - s) * min(total_iters, t) / total_iters)``."""

    name = "LinearLR"

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        s, e, total = self.args["start_factor"], self.args["end_factor"], self.args["total_iters"]
        f = _unchanged(t.size)
        start = t == 0
        f[start] = s
        if not initial:
            live = ~start & (t <= total)
            d = e - s
            f[live] = 1.0 + d / (total * s + (t[live] - 1) * d)
        return _Ops(MUL, f)

    def closed0(self) -> float:
        s, e, total = self.args["start_factor"], self.args["end_factor"], self.args["total_iters"]
        return self.base * (s + (e - s) * min(total, 0) / total)

    def may_raise(self, horizon: int) -> bool:
        return self.args["total_iters"] == 0  # only its closed form (a SequentialLR milestone)

    def first_raise(self, horizon: int) -> tuple[int, str] | None:
        return None

    def is_warmup(self) -> bool:
        return self.args["start_factor"] < self.args["end_factor"] and self.args["total_iters"] > 0

    def annotate(self, total: int) -> tuple[int, list[Boundary], list[str]]:
        n = self.args["total_iters"]
        if n <= 0:
            return 0, [], [f"LinearLR with total_iters={n} stays at start_factor·lr forever"]
        marks = [Boundary(n, "end_factor reached")] if n < total else []
        return (n if self.is_warmup() else 0), marks, []


class _ExponentialLR(_Leaf):
    """ExponentialLR: ``lr * gamma`` every step; closed form ``base * gamma ** t``."""

    name = "ExponentialLR"

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        return _Ops(MUL, np.full(t.size, 1.0 if initial else self.args["gamma"]))

    def closed0(self) -> float:
        return self.base * self.args["gamma"] ** 0


class _PolynomialLR(_Leaf):
    """PolynomialLR: for ``t <= total_iters``
    ``lr * ((1 - t/total_iters) / (1 - (t-1)/total_iters)) ** power``, unchanged after (so 0
    from ``total_iters`` on); closed form ``base * (1 - min(total_iters, t)/total_iters) **
    power``."""

    name = "PolynomialLR"

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        total, power = self.args["total_iters"], self.args["power"]
        f = _unchanged(t.size)
        if initial:
            return _Ops(MUL, f)
        live = t <= total
        if total == 0:
            return _Ops(MUL, f, bad=live, error="ZeroDivisionError (PolynomialLR with "
                        "total_iters=0 divides by it)")
        tl = t[live]
        ratio = (1.0 - tl / total) / (1.0 - (tl - 1) / total)
        powered, fail, error = _pow(ratio.tolist(), repeat(power), ratio.size)
        f[live] = powered
        if fail is None:
            return _Ops(MUL, f)
        bad = np.zeros(t.size, dtype=bool)
        bad[np.flatnonzero(live)[fail]] = True
        return _Ops(MUL, f, bad=bad, error=f"{error} in PolynomialLR")

    def closed0(self) -> float:
        total = self.args["total_iters"]
        return self.base * (1.0 - min(total, 0) / total) ** self.args["power"]

    def may_raise(self, horizon: int) -> bool:
        return self.args["power"] < 0 or self.args["total_iters"] == 0

    def natural_end(self) -> int | None:
        n = self.args["total_iters"]
        return n if n >= 1 else None

    def annotate(self, total: int) -> tuple[int, list[Boundary], list[str]]:
        n = self.args["total_iters"]
        notes = []
        if 1 <= n < total - 1:
            notes.append(f"the LR is 0 from update {n} on (PolynomialLR decays to exactly 0 at "
                         "total_iters and stays there)")
        return 0, ([Boundary(n, "0 reached")] if 1 <= n < total else []), notes


class _CosineAnnealingLR(_Leaf):
    """CosineAnnealingLR, recursive:
    ``eta + (lr - eta) * (1 + cos(pi t/T)) / (1 + cos(pi (t-1)/T))`` with ``T = T_max``, except at
    ``(t - 1 - T) % (2T) == 0`` (just past each minimum, where that ratio is 0/0)
    ``lr + (base - eta) * (1 - cos(pi/T)) / 2``. Periodic with period ``2T``: it
    rises again after ``T``. Closed form ``eta + (base - eta) * (1 + cos(pi t/T)) / 2``."""

    name = "CosineAnnealingLR"

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        T, eta = self.args["T_max"], self.args["eta_min"]
        if initial:
            return _Ops(MUL, _unchanged(t.size))
        if T == 0:
            return _Ops(MUL, _unchanged(t.size), bad=np.ones(t.size, dtype=bool),
                        error="ZeroDivisionError (CosineAnnealingLR with T_max=0 computes "
                        "(last_epoch - 1 - T_max) % 0)")
        if t.size and t[-1] - t[0] == t.size - 1:  # one cos per step: den(t) is num(t - 1)
            c = 1 + _cos(np.pi * np.arange(t[0] - 1, t[-1] + 1, dtype=np.int64) / T)
            num, den = c[1:], c[:-1]
        else:
            num, den = 1 + _cos(np.pi * t / T), 1 + _cos(np.pi * (t - 1) / T)
        special = (t - 1 - T) % (2 * T) == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = num / den
        bad = (den == 0) & ~special
        error = ("ZeroDivisionError (CosineAnnealingLR: 1 + cos(pi (t - 1)/T_max) rounds to 0 "
                 "away from the minimum)")
        if not special.any():
            kind: int | NDArray[np.int8] = MUL if eta == 0 else AFF
            return _Ops(kind, ratio, float(eta), bad=bad if bad.any() else None, error=error)
        kinds = np.full(t.size, MUL if eta == 0 else AFF, dtype=np.int8)
        kinds[special] = ADD
        ratio[special] = (self.base - eta) * (1 - math.cos(math.pi / T)) / 2
        return _Ops(kinds, ratio, float(eta), bad=bad if bad.any() else None, error=error)

    def closed0(self) -> float:
        eta = self.args["eta_min"]
        return eta + (self.base - eta) * (1 + math.cos(math.pi * 0 / self.args["T_max"])) / 2

    def may_raise(self, horizon: int) -> bool:
        return self.first_raise(horizon) is not None

    def first_raise(self, horizon: int) -> tuple[int, str] | None:
        T = abs(self.args["T_max"])
        if T < 10**8:  # 1 + cos(pi (1 + 1/T)) ~ (pi/T)**2 / 2 only rounds to 0 for T > ~3e8
            return None if T else (1, self.ops(np.ones(1, np.int64), False).error)
        # near each odd multiple of T, where the ratio's denominator could round to 0
        odd = np.arange(T, horizon + T, 2 * T, dtype=np.int64)
        near = (odd[:, None] + np.arange(-8, 9) + 1).ravel()
        near = near[(near >= 1) & (near < horizon)]
        ops = self.ops(near, initial=False)
        fail = ops.fail
        return None if fail is None else (int(near[fail]), ops.error)

    def natural_end(self) -> int | None:
        T = self.args["T_max"]
        return T if T >= 1 else None

    def annotate(self, total: int) -> tuple[int, list[Boundary], list[str]]:
        T = self.args["T_max"]
        notes = []
        if 1 <= T < total - 1:
            notes.append(f"the LR rises again after update {T}: CosineAnnealingLR does not stop at "
                         f"T_max (it is periodic, period 2·T_max = {2 * T})")
        return 0, ([Boundary(T, "eta_min reached")] if 1 <= T < total else []), notes


class _CosineAnnealingWarmRestarts(_Leaf):
    """CosineAnnealingWarmRestarts: ``eta + (base - eta) * (1 + cos(pi T_cur/T_i)) / 2`` where its
    own ``step()`` counts ``T_cur`` up and restarts it at ``T_i``, then ``T_i *= T_mult``: cycle k
    starts at ``T_0 (T_mult^k - 1)/(T_mult - 1)`` (``k T_0`` when ``T_mult == 1``). Not
    chainable."""

    name = "CosineAnnealingWarmRestarts"
    closed = False
    direct = True
    overwrites = True

    def _cycles(self, t: IntArray) -> tuple[IntArray, FloatArray | int]:
        T0, mult = self.args["T_0"], self.args["T_mult"]
        if mult == 1:
            return t % T0, T0
        starts, lengths = [0], [T0]
        top = int(t.max()) if t.size else 0
        while starts[-1] + lengths[-1] <= top:
            starts.append(starts[-1] + lengths[-1])
            lengths.append(lengths[-1] * mult)
        k = np.searchsorted(np.array(starts, dtype=np.int64), t, side="right") - 1
        return t - np.array(starts, dtype=np.int64)[k], np.array([float(x) for x in lengths])[k]

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        eta = self.args["eta_min"]
        t_cur, t_i = self._cycles(t)
        return _Ops(SET, eta + (self.base - eta) * (1 + _cos(np.pi * t_cur / t_i)) / 2)

    def restarts(self, total: int) -> list[int]:
        out, start, length = [], 0, self.args["T_0"]
        while start + length < total and len(out) < _MAX_MARKS:
            start += length
            length *= self.args["T_mult"]
            out.append(start)
        return out

    def annotate(self, total: int) -> tuple[int, list[Boundary], list[str]]:
        return 0, [Boundary(k, "restart") for k in self.restarts(total)], []


class _CyclicLR(_Leaf):
    """CyclicLR: ``cycle = floor(1 + t/S)``, ``x = 1 + t/S - cycle`` (``S`` = up + down);
    ``scale = x/r`` if ``x <= r`` else ``(x - 1)/(r - 1)`` (``r = up/S``); LR ``base_lr + (max_lr -
    base_lr) * scale * f`` with ``f`` 1 (triangular), ``1/2**(cycle - 1)`` (triangular2) or
    ``gamma**t`` (exp_range). Not chainable; the optimizer's LR is overwritten with ``base_lr``."""

    name = "CyclicLR"
    blame = ("args.step_size_up", "make step_size_up and step_size_down positive")
    closed = False
    overwrites = True
    ignores_lr = True

    def __init__(self, args: Mapping[str, Any]) -> None:
        super().__init__(args)
        up = float(self.args["step_size_up"])
        down = self.args["step_size_down"]
        down = float(down) if down is not None else up
        self.size = up + down
        self.ratio = up / self.size if self.size else math.nan
        self.direct = up >= 0 and down >= 0 and self.size > 0

    def construct(self, group: _Group) -> None:
        # CyclicLR writes base_lr into the group before LRScheduler.__init__ reads initial_lr, and
        # its initial step still sees base_lrs = [initial_lr]; base_lr is installed only after.
        group.lr = self.args["base_lr"]
        super().construct(group)
        self.base = self.args["base_lr"]

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        size, r = self.size, self.ratio
        if size == 0:
            return _Ops(SET, np.full(t.size, np.nan), bad=np.ones(t.size, dtype=bool),
                        error="ZeroDivisionError (CyclicLR with step_size_up + step_size_down = 0)")
        q = t / size
        cycle = np.floor(1 + q)
        x = 1.0 + q - cycle
        rising = x <= r
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(rising, x / r, (x - 1) / (r - 1))
        bad = (rising & (r == 0)) | (~rising & (r == 1))
        error = "ZeroDivisionError (CyclicLR with a zero-length half cycle)"
        height = (self.args["max_lr"] - self.base) * scale
        mode = self.args["mode"]
        over = np.zeros(t.size, dtype=bool)
        over_error = ""
        if mode == "triangular2":
            k = cycle - 1
            over = k >= 1024  # Python's 2.0 ** 1024 raises OverflowError
            height = height * (1 / np.ldexp(1.0, np.minimum(k, 1023).astype(np.int64)))
            over_error = "OverflowError (CyclicLR triangular2 computes 2.0 ** (cycle - 1))"
        elif mode == "exp_range":
            factor, fail, pow_error = _pow(repeat(self.args["gamma"]), t.tolist(), t.size)
            height = height * factor
            if fail is not None:
                over[fail:] = True
                over_error = f"{pow_error} in CyclicLR exp_range"
        zero_at, over_at = _first(bad), _first(over)
        if over_at is not None and (zero_at is None or over_at < zero_at):
            error = over_error
        bad = bad | over
        return _Ops(SET, self.base + height, bad=bad if bad.any() else None, error=error)

    def may_raise(self, horizon: int) -> bool:
        mode = self.args["mode"]
        return (not self.direct or (mode == "triangular2" and horizon > 1023 * self.size)
                or (mode == "exp_range" and abs(self.args["gamma"]) > 1))


class _OneCycleLR(_Leaf):
    """OneCycleLR: phases ending at ``pct_start*N - 1`` (initial -> max_lr) and ``N - 1`` (max_lr ->
    min), or with ``three_phase`` at ``pct_start*N - 1``, ``2*pct_start*N - 2`` (max_lr -> initial)
    and ``N - 1`` (initial -> min); within a phase ``pct = (t - start)/(end - start)``, cos
    ``end + (start - end)/2 * (cos(pi pct) + 1)`` or linear ``(end - start) * pct + start``;
    ``initial = max_lr/div_factor``, ``min = initial/final_div_factor``. Step ``N`` is computed
    (past the last phase); beyond it torch raises ValueError."""

    name = "OneCycleLR"
    blame = ("args.pct_start", "phase 1 ends at pct_start·total_steps - 1 = 0, so its length is 0: "
             "choose pct_start so that pct_start·total_steps != 1")
    closed = False
    direct = True
    overwrites = True
    ignores_lr = True

    def __init__(self, args: Mapping[str, Any]) -> None:
        super().__init__(args)
        a = self.args
        self.total = a["total_steps"] if a["total_steps"] is not None else (
            a["epochs"] * a["steps_per_epoch"])
        n, pct = self.total, a["pct_start"]
        if a["three_phase"]:
            self.phases = [(float(pct * n) - 1, "initial_lr", "max_lr"),
                           (float(2 * pct * n) - 2, "max_lr", "initial_lr"),
                           (n - 1, "initial_lr", "min_lr")]
        else:
            self.phases = [(float(pct * n) - 1, "initial_lr", "max_lr"),
                           (n - 1, "max_lr", "min_lr")]
        self.group: _Group | None = None

    def construct(self, group: _Group) -> None:
        # Overwritten in the group before LRScheduler.__init__, so initial_lr is max_lr/div_factor
        # for this scheduler and for every scheduler constructed after it on the same optimizer.
        a = self.args
        group.initial_lr = a["max_lr"] / a["div_factor"]
        group.max_lr = a["max_lr"]
        group.min_lr = group.initial_lr / a["final_div_factor"]
        self.group = group
        super().construct(group)

    def ops(self, t: IntArray, initial: bool) -> _Ops:
        group = self.group
        assert group is not None
        values = np.full(t.size, np.nan)
        todo = np.ones(t.size, dtype=bool)
        zero = np.zeros(t.size, dtype=bool)
        start = 0.0
        last = len(self.phases) - 1
        for i, (end, lo_key, hi_key) in enumerate(self.phases):
            here = todo & (t <= end) if i < last else todo.copy()
            todo &= ~here
            span = end - start
            if span == 0:
                zero |= here
            elif here.any():
                pct = (t[here] - start) / span
                lo, hi = getattr(group, lo_key), getattr(group, hi_key)
                if self.args["anneal_strategy"] == "cos":
                    values[here] = hi + (lo - hi) / 2.0 * (_cos(np.pi * pct) + 1)
                else:
                    values[here] = (hi - lo) * pct + lo
            start = end
        beyond = t > self.total
        bad = beyond | zero
        error = (f"ValueError (OneCycleLR stepped past total_steps={self.total})"
                 if _first(beyond) == _first(bad) else
                 "ZeroDivisionError (OneCycleLR phase of zero length)")
        return _Ops(SET, values, bad=bad if bad.any() else None, error=error)

    def may_raise(self, horizon: int) -> bool:
        starts = [0.0, *(end for end, _, _ in self.phases[:-1])]
        return horizon > self.total + 1 or any(
            end == start for (end, _, _), start in zip(self.phases, starts))

    def natural_end(self) -> int | None:
        return self.total

    def is_warmup(self) -> bool:
        return True

    def annotate(self, total: int) -> tuple[int, list[Boundary], list[str]]:
        notes = []
        ends = [end for end, _, _ in self.phases[:-1]]
        starts = [max(0, math.floor(end) + 1) for end in ends]
        peak = ends[0]
        if peak >= 0 and peak != int(peak):
            notes.append(f"the peak max_lr is never reached exactly: phase 1 ends at "
                         f"pct_start·total_steps - 1 = {peak:g}, between updates")
        if total > self.total:
            notes.append(f"update {self.total} (one past total_steps) gets a value torch computes "
                         "past the last phase; it is used only if the run goes on")
        warmup = starts[0] - 1 if peak == int(peak) else starts[0]
        marks = [Boundary(k, label) for k, label in zip(
            starts, ("anneal", "annihilate")) if 0 < k < total]
        return max(0, warmup), marks, notes


# --------------------------------------------------------------------------------------------------
# Composites
# --------------------------------------------------------------------------------------------------


class _Composite(_Sim):
    composite = True

    def __init__(self, children: list[_Sim]) -> None:
        self.children = children

    def construct_children(self, group: _Group) -> None:
        for child in self.children:
            child.construct(group)

    def initial_step(self, group: _Group) -> None:
        self.run(group, 1)  # LRScheduler._initial_step calls the composite's own step()

    def update_lr0(self, group: _Group) -> None:
        raise _TorchRaise(f"NotImplementedError ({self.name} has no get_lr of its own: "
                          "SequentialLR cannot restart it at a milestone)")

    def undo(self) -> None:
        for child in self.children:
            child.undo()

    def may_raise(self, horizon: int) -> bool:
        return any(child.may_raise(horizon) for child in self.children)


class _SequentialLR(_Composite):
    """SequentialLR: at step ``e`` the active scheduler is ``bisect_right(milestones, e)``; at a
    milestone it restarts at its own step 0 (``_update_lr(0)``), otherwise it steps."""

    name = "SequentialLR"

    def __init__(self, children: list[_Sim], milestones: list[int]) -> None:
        super().__init__(children)
        self.milestones = list(milestones)
        self.cuts = sorted(set(self.milestones))
        self.last_epoch = 0

    def construct(self, group: _Group) -> None:
        self.construct_children(group)
        self.last_epoch = 0
        assert group.initial_lr is not None
        group.lr = group.initial_lr
        self.undo()
        self.children[bisect_right(self.milestones, 0)].initial_step(group)

    def run(self, group: _Group, n: int) -> FloatArray:
        out: list[FloatArray] = []
        e, end = self.last_epoch + 1, self.last_epoch + 1 + n
        try:
            while e < end:
                idx = bisect_right(self.milestones, e)
                child = self.children[idx]
                if idx > 0 and self.milestones[idx - 1] == e:
                    self.last_epoch = e
                    child.update_lr0(group)
                    out.append(np.array([group.lr]))
                    e += 1
                    continue
                later = bisect_right(self.cuts, e)
                stop = min(end, self.cuts[later]) if later < len(self.cuts) else end
                self.last_epoch = stop - 1
                out.append(child.run(group, stop - e))
                e = stop
        except _TorchRaise as exc:
            exc.values[:0] = out
            raise
        return np.concatenate(out) if out else np.empty(0)

    def may_raise(self, horizon: int) -> bool:
        return super().may_raise(horizon) or any(c.composite for c in self.children[1:])

    def natural_end(self) -> int | None:
        tail = self.children[-1].natural_end()
        if tail is None:
            return None
        return (self.milestones[-1] if self.milestones else 0) + tail

    def switches(self) -> list[tuple[int, int]]:
        """``(update, index)`` of every milestone switch, in order."""
        out = []
        for cut in self.cuts:
            idx = bisect_right(self.milestones, cut)
            if cut > 0 and idx > 0 and self.milestones[idx - 1] == cut:
                out.append((cut, idx))
        return out


class _ChainedScheduler(_Composite):
    """ChainedScheduler: every step calls each scheduler's ``step()`` in order on the same LR."""

    name = "ChainedScheduler"

    def construct(self, group: _Group) -> None:
        self.construct_children(group)

    def run(self, group: _Group, n: int) -> FloatArray:
        if all(not c.composite for c in self.children):
            return self._run_leaves(group, n)
        out = np.empty(n)
        for i in range(n):
            try:
                for child in self.children:
                    child.run(group, 1)
            except _TorchRaise as exc:
                exc.values = [out[:i].copy()]
                raise
            out[i] = group.lr
        return out

    def _run_leaves(self, group: _Group, n: int) -> FloatArray:
        leaves: list[_Leaf] = self.children  # type: ignore[assignment]
        k = len(leaves)
        kinds = np.empty((n, k), dtype=np.int8)
        a = np.empty((n, k))
        b = np.empty((n, k))
        fail: int | None = None
        error = ""
        for j, leaf in enumerate(leaves):
            t = np.arange(leaf.last_epoch + 1, leaf.last_epoch + 1 + n, dtype=np.int64)
            leaf.last_epoch += n
            ops = leaf.ops(t, initial=False)
            kinds[:, j], a[:, j], b[:, j] = ops.kinds(), ops.a, ops.etas()
            first = ops.fail
            if first is not None and (fail is None or first * k + j < fail):
                fail, error = first * k + j, ops.error
        count = n * k if fail is None else fail
        flat = _apply(group.lr, kinds.ravel()[:count], a.ravel()[:count], b.ravel()[:count])
        values = flat[k - 1::k]
        if values.size:
            group.lr = float(values[-1])
        if fail is not None:
            raise _TorchRaise(error, [values])
        return values

    def natural_end(self) -> int | None:
        ends = [e for e in (c.natural_end() for c in self.children) if e is not None]
        return max(ends) if ends else None


# --------------------------------------------------------------------------------------------------
# Replays: a fresh object tree per walk
# --------------------------------------------------------------------------------------------------


@dataclass
class _Replay:
    """Walks ``make()``'s scheduler tree through the standard loop for one Schedule."""

    make: Callable[[], _Sim]
    lr: float
    total: int
    cache: list[FloatArray] = field(default_factory=list)
    error: tuple[int, str] | None = None

    def start(self) -> tuple[_Sim, _Group, float]:
        group = _Group(self.lr)
        sim = self.make()
        sim.construct(group)
        return sim, group, group.lr

    def blocks(self, count: int, size: int = _BLOCK) -> Iterator[FloatArray]:
        """The LRs of updates ``0 .. count-1``, ``size`` at a time (NaN after torch raises)."""
        if self.cache and self.cache[0].size >= count:
            for lo in range(0, count, size):
                yield self.cache[0][lo:min(count, lo + size)].copy()
            return
        sim, group, first = self.start()
        done, dead = 0, False
        while done < count:
            m = min(size, count - done)
            parts: list[FloatArray] = [np.array([first])] if done == 0 else []
            steps = m - len(parts)
            if dead:
                parts.append(np.full(steps, np.nan))
            elif steps:
                try:
                    parts.append(sim.run(group, steps))
                except _TorchRaise as exc:
                    got = sum(p.size for p in parts) + sum(v.size for v in exc.values)
                    if self.error is None:
                        self.error = (done + got, exc.error)
                    parts.extend(exc.values)
                    parts.append(np.full(m - got, np.nan))
                    dead = True
            block = np.concatenate(parts) if len(parts) > 1 else parts[0]
            yield block
            done += m

    def chunks(self, count: int, chunk_size: int) -> Iterator[FloatArray]:
        yield from self.blocks(count, max(1, min(chunk_size, _BLOCK)))

    def values(self, count: int) -> FloatArray:
        if count <= _CACHE:
            if not (self.cache and self.cache[0].size >= count):
                self.cache[:] = [np.concatenate(list(self.blocks(count))) if count else
                                 np.empty(0)]
            return self.cache[0][:count]
        return np.concatenate(list(self.blocks(count)))

    def fn(self, steps: IntArray) -> FloatArray:
        if steps.size == 0:
            return np.empty(0)
        top = int(steps.max()) + 1
        if top <= _CACHE:
            cached = self.cache[0].size if self.cache else 0
            return self.values(max(top, cached, min(self.total, _CACHE)))[steps]
        order = np.argsort(steps, kind="stable")
        ranked = steps[order]
        out = np.empty(steps.size)
        lo = 0
        for block in self.blocks(top):
            hi = lo + block.size
            a, b = np.searchsorted(ranked, [lo, hi])
            out[order[a:b]] = block[ranked[a:b] - lo]
            lo = hi
        return out


@dataclass
class _Direct:
    """Random access for a scheduler whose LR is a closed form of its counter (SET ops)."""

    leaf: _Leaf
    first: float

    def fn(self, steps: IntArray) -> FloatArray:
        ops = self.leaf.ops(steps, initial=False)
        out = np.array(ops.a, dtype=np.float64)
        if ops.bad is not None:
            out[ops.bad] = np.nan
        out[steps == 0] = self.first
        return out

    def first_error(self, count: int) -> tuple[int, str] | None:
        for lo in range(1, count, _BLOCK):
            ops = self.leaf.ops(np.arange(lo, min(count, lo + _BLOCK), dtype=np.int64), False)
            fail = ops.fail
            if fail is not None:
                return lo + fail, ops.error
        return None


# --------------------------------------------------------------------------------------------------
# Building Schedules from validated calls
# --------------------------------------------------------------------------------------------------


def _source(name: str) -> str:
    return f"torch {VERSION}, {_FILE}, {name}"


def _length(call: LibraryCall, sim: _Sim, hint: str = "") -> int:
    return run_length(call, sim.natural_end(),
                      f"{sim.qualname} has no natural end: the spec needs total_steps",
                      hint or "add total_steps: N (the number of optimizer updates to tabulate)")


def _raise_note(error: tuple[int, str]) -> str:
    update, what = error
    return nan_note(f"torch raises {what}", update) + " on"


def _spec(name: str, lr: float | None, args: Mapping[str, Any], total: int) -> dict[str, Any]:
    return {"schedule": f"{LIBRARY}.{name}", "lr": lr, "args": dict(args), "total_steps": total}


def _construction_error(sim: _Sim, exc: _TorchRaise, path: str, hint: str) -> SpecError:
    return SpecError(f"torch raises {exc.error} when constructing {sim.name}", path=path,
                     hint=hint)


def _finish(sim: _Sim, lr: float, total: int, *, warmup: int,
            boundaries: Sequence[Boundary], notes: list[str], spec: dict[str, Any],
            error_path: str, error_hint: str) -> Schedule:
    """Wrap a scheduler tree in a Schedule: construction check, error scan, random access."""
    frozen = copy.deepcopy(spec)  # the replay must not see later edits of Schedule.spec
    replay = _Replay(make=lambda: _sim_from_spec(frozen), lr=lr, total=total)
    try:
        _, _, first = replay.start()
    except _TorchRaise as exc:
        raise _construction_error(sim, exc, error_path, error_hint) from None
    fn: Callable[[IntArray], FloatArray] = replay.fn
    chunks: Callable[[int, int], Iterator[FloatArray]] | None = replay.chunks
    error: tuple[int, str] | None = None
    known = sim.first_raise(total) if isinstance(sim, _Leaf) else _UNKNOWN
    if isinstance(sim, _Leaf) and sim.direct:
        built = replay.make()
        assert isinstance(built, _Leaf)
        built.construct(_Group(lr))
        direct = _Direct(built, first)
        fn, chunks = direct.fn, None
        if sim.may_raise(total):
            error = direct.first_error(total)
    elif known is not _UNKNOWN:
        error = known
    elif sim.may_raise(total):  # a dry run finds where torch raises (kept for small runs)
        if total <= _CACHE:
            replay.values(total)
        else:
            for _ in replay.blocks(total):
                pass
        error = replay.error
    if error is not None and error[0] < total:
        notes = [*notes, _raise_note(error)]
    return Schedule(fn=fn, total_steps=total, label=sim.qualname, warmup_steps=min(warmup, total),
                    boundaries=tuple(boundaries), notes=tuple(notes), spec=spec,
                    source=_source(sim.name), chunks=chunks)


def _sim_from_spec(spec: Mapping[str, Any]) -> _Sim:
    name = str(spec["schedule"]).partition(".")[2]
    args = spec["args"]
    if name == "SequentialLR":
        return _SequentialLR([_sim_from_spec(s) for s in args["schedulers"]], args["milestones"])
    if name == "ChainedScheduler":
        return _ChainedScheduler([_sim_from_spec(s) for s in args["schedulers"]])
    return _LEAVES[name](args)


def _lr(call: LibraryCall) -> float:
    assert call.lr is not None  # "required": the spec layer enforces it
    return call.lr


def _build_leaf(name: str, check: Callable[[LibraryCall], None] | None = None,
                length_hint: str = "") -> Callable[[LibraryCall], Schedule]:
    def build(call: LibraryCall) -> Schedule:
        if check is not None:
            check(call)
        sim = _LEAVES[name](call.args)
        total = _length(call, sim, length_hint)
        lr = call.lr if call.lr is not None else 0.0
        warmup, marks, notes = sim.annotate(total)
        if sim.ignores_lr and call.lr is not None:
            notes = [f"the optimizer's lr ({call.lr:g}) has no effect: {name} overwrites it",
                     *notes]
        return _finish(sim, lr, total, warmup=warmup, boundaries=marks, notes=notes,
                       spec=_spec(name, call.lr, call.args, total), error_path=sim.blame[0],
                       error_hint=sim.blame[1])

    return build


def _check_range(call: LibraryCall, name: str, lo: float, hi: float, *, open_lo: bool = False,
                 message: str) -> None:
    value = call.args[name]
    if value > hi or value < lo or (open_lo and value == lo):
        raise SpecError(message, path=f"args.{name}", value=value,
                        hint=f"torch accepts {'(' if open_lo else '['}{lo:g}, {hi:g}]")


def _check_linear(call: LibraryCall) -> None:
    _check_range(call, "start_factor", 0.0, 1.0, open_lo=True,
                 message="LinearLR's start_factor must be greater than 0 and at most 1")
    _check_range(call, "end_factor", 0.0, 1.0,
                 message="LinearLR's end_factor must be between 0 and 1")


def _check_constant(call: LibraryCall) -> None:
    _check_range(call, "factor", 0.0, 1.0, message="ConstantLR's factor must be between 0 and 1")


def _check_cawr(call: LibraryCall) -> None:
    if call.args["T_0"] <= 0:
        raise SpecError("T_0 must be a positive integer", path="args.T_0", value=call.args["T_0"],
                        hint="torch raises ValueError for T_0 <= 0")
    if call.args["T_mult"] < 1:
        raise SpecError("T_mult must be an integer >= 1", path="args.T_mult",
                        value=call.args["T_mult"], hint="torch raises ValueError for T_mult < 1")


def _check_cyclic(call: LibraryCall) -> None:
    if call.args["scale_fn"] is not None:
        raise SpecError("a custom scale_fn cannot be written in a spec", path="args.scale_fn",
                        value=call.args["scale_fn"],
                        hint="remove it and pick mode: triangular, triangular2 or exp_range (with "
                        "gamma); for another shape write a native spec")


def _check_onecycle(call: LibraryCall) -> None:
    a = call.args
    if a["total_steps"] is not None:
        if a["total_steps"] <= 0:
            raise SpecError("total_steps must be a positive integer", path="args.total_steps",
                            value=a["total_steps"], hint="torch raises ValueError")
    elif a["epochs"] is not None and a["steps_per_epoch"] is not None:
        for key in ("epochs", "steps_per_epoch"):
            if a[key] <= 0:
                raise SpecError(f"{key} must be a positive integer", path=f"args.{key}",
                                value=a[key], hint="torch raises ValueError")
    else:
        raise SpecError("OneCycleLR needs total_steps, or epochs and steps_per_epoch",
                        path="args.total_steps",
                        hint="torch raises ValueError: add args.total_steps: N (its own argument, "
                        "the cycle length)")
    _check_range(call, "pct_start", 0.0, 1.0, message="pct_start must be between 0 and 1")


# --------------------------------------------------------------------------------------------------
# SequentialLR and ChainedScheduler
# --------------------------------------------------------------------------------------------------


def _children(call: LibraryCall, outer: str) -> list[dict[str, Any]]:
    """Resolve ``args.schedulers``: nested torch specs sharing the outer spec's optimizer LR."""
    raw = call.args["schedulers"]
    if not raw:
        raise SpecError(f"{outer} expects at least one scheduler", path="args.schedulers", value=[],
                        hint="list nested specs: [{schedule: torch.LinearLR, args: {...}}, ...]")
    assert call.resolve is not None
    out = []
    for i, mapping in enumerate(raw):
        path = f"args.schedulers[{i}]"
        nested = dict(mapping)
        if "total_steps" in nested:
            raise SpecError("a nested scheduler has no length of its own",
                            path=f"{path}.total_steps", value=nested["total_steps"],
                            hint="set total_steps on the outer spec")
        if nested.get("lr") is None:
            nested["lr"] = call.lr
        nested["total_steps"] = 1  # the nested build only validates; its length is not used
        schedule = call.resolve(nested, path)
        name = str(schedule.spec.get("schedule", ""))
        library, _, short = name.partition(".")
        if library != LIBRARY or short not in _ALL:
            raise SpecError(f"{outer} composes torch schedulers only", path=f"{path}.schedule",
                            value=name, hint="torch schedulers: " + ", ".join(sorted(_ALL)))
        if schedule.spec.get("lr") != call.lr:
            raise SpecError(f"every scheduler of a {outer} drives the same optimizer",
                            path=f"{path}.lr", value=mapping.get("lr"),
                            hint=f"remove it: nested schedulers use the outer lr ({call.lr:g})")
        out.append({"schedule": name, "lr": call.lr, "args": dict(schedule.spec["args"])})
    return out


def _build_sequential(call: LibraryCall) -> Schedule:
    children = _children(call, "SequentialLR")
    milestones = list(call.args["milestones"])
    if len(milestones) != len(children) - 1:
        raise SpecError("SequentialLR needs one milestone fewer than schedulers",
                        path="args.milestones", value=milestones,
                        hint=f"{len(children)} schedulers need {len(children) - 1} milestone(s): "
                        "the updates where each next scheduler starts")
    args = {"schedulers": children, "milestones": milestones}
    sim = _SequentialLR([_sim_from_spec(c) for c in children], milestones)
    total = _length(call, sim, "add total_steps: N (the last scheduler has no natural end)")
    notes: list[str] = []
    marks: list[Boundary] = []
    if milestones != sorted(milestones):
        notes.append(f"milestones {milestones} are not increasing; torch does not check: its "
                     "bisect decides which scheduler runs, as noted")
    first = bisect_right(milestones, 0)
    if first > 0:
        notes.append(f"milestone 0: update 0 already uses schedulers[{first}] "
                     f"({sim.children[first].qualname}); schedulers[0..{first - 1}] never run")
    used = {bisect_right(milestones, e) for e in (0, *sim.cuts)}
    for update, idx in sim.switches():
        child = sim.children[idx]
        if update < total:
            notes.append(f"SequentialLR starts {child.qualname} at its own step 0 at update "
                         f"{update}")
            marks.append(Boundary(update, child.qualname))
        else:
            notes.append(f"milestone {update} is at or past total_steps={total}: "
                         f"{child.qualname} never runs")
    for idx, child in enumerate(sim.children):
        if idx not in used:
            notes.append(f"schedulers[{idx}] ({child.qualname}) never runs: another milestone "
                         "takes over at the same update")
    warmup = marks[0].step if marks and sim.children[first].is_warmup() else 0
    return _finish(sim, _lr(call), total, warmup=warmup, boundaries=marks, notes=notes,
                   spec=_spec("SequentialLR", call.lr, args, total), error_path="args.schedulers",
                   error_hint="torch fails before the first update")


def _build_chained(call: LibraryCall) -> Schedule:
    children = _children(call, "ChainedScheduler")
    args = {"schedulers": children}
    sim = _ChainedScheduler([_sim_from_spec(c) for c in children])
    total = _length(call, sim, "add total_steps: N (none of the chained schedulers has a "
                    "natural end)")
    notes: list[str] = []
    marks: list[Boundary] = []
    warmup = 0
    for i, child in enumerate(sim.children):
        if i and child.overwrites:
            notes.append(f"schedulers[{i}] ({child.qualname}) overwrites the LR on every step: the "
                         f"scheduler(s) before it in the chain have no effect")
        if i and isinstance(child, _CyclicLR):
            notes.append(f"update 0 comes from schedulers[{i}] (torch.CyclicLR) computing its "
                         "first value from the optimizer's initial_lr, not base_lr (its "
                         "constructor installs base_lr only after that step)")
        if not warmup and isinstance(child, (_LinearLR, _ConstantLR)) and child.is_warmup():
            warmup = child.args["total_iters"]
            if warmup < total:
                marks.append(Boundary(warmup, f"{child.name} ends"))
    return _finish(sim, _lr(call), total, warmup=warmup, boundaries=marks, notes=notes,
                   spec=_spec("ChainedScheduler", call.lr, args, total),
                   error_path="args.schedulers", error_hint="torch fails before the first update")


# --------------------------------------------------------------------------------------------------
# Registration (torch 2.13.0 signatures and defaults; ``optimizer``/``last_epoch`` are not args)
# --------------------------------------------------------------------------------------------------

_LEAVES: dict[str, Callable[[Mapping[str, Any]], _Leaf]] = {
    cls.name: cls
    for cls in (_StepLR, _MultiStepLR, _ConstantLR, _LinearLR, _ExponentialLR, _PolynomialLR,
                _CosineAnnealingLR, _CosineAnnealingWarmRestarts, _CyclicLR, _OneCycleLR)
}
_ALL = (*_LEAVES, "SequentialLR", "ChainedScheduler")

_NEEDS_TOTAL = "add total_steps: N ({} is the length of its ramp, not of the run)"

_GAMMA = Arg("gamma", 0.1, "float", doc="multiplicative factor of each decay")

_ENTRIES = (
    LibrarySchedule(
        name="LinearLR", library=LIBRARY,
        args=(Arg("start_factor", 1.0 / 3, doc="factor at update 0, in (0, 1]"),
              Arg("end_factor", 1.0, doc="factor from total_iters on, in [0, 1]"),
              Arg("total_iters", 5, "int", doc="updates of the linear ramp")),
        build=_build_leaf("LinearLR", _check_linear, _NEEDS_TOTAL.format("total_iters")),
        source=_source("LinearLR"),
        formula="lr·start_factor at 0, then recursively lr·(1 + (e−s)/(total·s + (t−1)(e−s))) "
                "up to total_iters (replayed), constant after"),
    LibrarySchedule(
        name="ConstantLR", library=LIBRARY,
        args=(Arg("factor", 1.0 / 3, doc="factor until total_iters, in [0, 1]"),
              Arg("total_iters", 5, "int", doc="updates at the reduced LR")),
        build=_build_leaf("ConstantLR", _check_constant, _NEEDS_TOTAL.format("total_iters")),
        source=_source("ConstantLR"),
        formula="lr·factor for t < total_iters, then ·(1.0/factor) once (replayed)"),
    LibrarySchedule(
        name="ExponentialLR", library=LIBRARY,
        args=(Arg("gamma", REQUIRED, "float", doc="factor applied every update"),),
        build=_build_leaf("ExponentialLR"), source=_source("ExponentialLR"),
        formula="lr·gamma every update, multiplied recursively (replayed)"),
    LibrarySchedule(
        name="StepLR", library=LIBRARY,
        args=(Arg("step_size", REQUIRED, "int", doc="updates between decays"), _GAMMA),
        build=_build_leaf("StepLR"), source=_source("StepLR"),
        formula="lr·gamma at every non-zero multiple of step_size (replayed)"),
    LibrarySchedule(
        name="MultiStepLR", library=LIBRARY,
        args=(Arg("milestones", REQUIRED, "ints", doc="updates where the LR decays"), _GAMMA),
        build=_build_leaf("MultiStepLR"), source=_source("MultiStepLR"),
        formula="lr·gamma**count at each milestone (duplicates compound; replayed)"),
    LibrarySchedule(
        name="PolynomialLR", library=LIBRARY,
        args=(Arg("total_iters", 5, "int", doc="updates of the decay (the natural end)"),
              Arg("power", 1.0, doc="power of the polynomial")),
        build=_build_leaf("PolynomialLR"), source=_source("PolynomialLR"),
        formula="lr·((1 − t/T)/(1 − (t−1)/T))**power up to T = total_iters (replayed), 0 after"),
    LibrarySchedule(
        name="CosineAnnealingLR", library=LIBRARY,
        args=(Arg("T_max", REQUIRED, "int", doc="updates from lr down to eta_min (natural end)"),
              Arg("eta_min", 0.0, doc="minimum LR")),
        build=_build_leaf("CosineAnnealingLR"), source=_source("CosineAnnealingLR"),
        formula="recursively η + (lr − η)·(1 + cos(πt/T))/(1 + cos(π(t−1)/T)) (replayed), "
                "periodic with period 2·T_max"),
    LibrarySchedule(
        name="CosineAnnealingWarmRestarts", library=LIBRARY,
        args=(Arg("T_0", REQUIRED, "int", doc="updates of the first cycle"),
              Arg("T_mult", 1, "int", doc="cycle length multiplier after each restart"),
              Arg("eta_min", 0.0, doc="minimum LR")),
        build=_build_leaf("CosineAnnealingWarmRestarts", _check_cawr),
        source=_source("CosineAnnealingWarmRestarts"),
        formula="η + (lr − η)·(1 + cos(π·T_cur/T_i))/2, T_cur restarting at T_i, T_i ·= T_mult"),
    LibrarySchedule(
        name="CyclicLR", library=LIBRARY,
        args=(Arg("base_lr", REQUIRED, doc="lower boundary (overwrites the optimizer's lr)"),
              Arg("max_lr", REQUIRED, doc="upper boundary"),
              Arg("step_size_up", 2000, "int", doc="updates of the rising half"),
              Arg("step_size_down", None, "int", nullable=True,
                  doc="updates of the falling half (default step_size_up)"),
              Arg("mode", "triangular", "str", choices=("triangular", "triangular2", "exp_range")),
              Arg("gamma", 1.0, doc="exp_range: amplitude factor gamma**t"),
              Arg("scale_fn", None, "any", nullable=True, doc="not expressible in a spec"),
              Arg("scale_mode", "cycle", "str", choices=("cycle", "iterations"),
                  doc="ignored unless scale_fn is given"),
              Arg("cycle_momentum", True, "bool", doc="momentum only; no effect on the LR"),
              Arg("base_momentum", 0.8, doc="momentum only"),
              Arg("max_momentum", 0.9, doc="momentum only")),
        build=_build_leaf("CyclicLR", _check_cyclic), source=_source("CyclicLR"),
        formula="base_lr + (max_lr − base_lr)·triangle(t)·scale, scale 1, 1/2**(cycle−1) or "
                "gamma**t",
        lr="optional"),
    LibrarySchedule(
        name="OneCycleLR", library=LIBRARY,
        args=(Arg("max_lr", REQUIRED, doc="peak LR (the optimizer's lr is overwritten)"),
              Arg("total_steps", None, "int", nullable=True, doc="cycle length N"),
              Arg("epochs", None, "int", nullable=True, doc="N = epochs·steps_per_epoch"),
              Arg("steps_per_epoch", None, "int", nullable=True),
              Arg("pct_start", 0.3, doc="fraction of N spent rising"),
              Arg("anneal_strategy", "cos", "str", choices=("cos", "linear")),
              Arg("cycle_momentum", True, "bool", doc="momentum only; no effect on the LR"),
              Arg("base_momentum", 0.85, doc="momentum only"),
              Arg("max_momentum", 0.95, doc="momentum only"),
              Arg("div_factor", 25.0, doc="initial LR = max_lr/div_factor"),
              Arg("final_div_factor", 1e4, doc="min LR = initial/final_div_factor"),
              Arg("three_phase", False, "bool", doc="rise, fall back to initial, annihilate")),
        build=_build_leaf("OneCycleLR", _check_onecycle), source=_source("OneCycleLR"),
        formula="max_lr/div → max_lr by update pct·N − 1, then → min by N − 1 (cos or linear); "
                "update N past the end; ValueError after",
        lr="optional"),
    LibrarySchedule(
        name="SequentialLR", library=LIBRARY,
        args=(Arg("schedulers", REQUIRED, "specs", doc="nested torch specs, sharing lr"),
              Arg("milestones", REQUIRED, "ints", doc="updates where the next scheduler starts")),
        build=_build_sequential, source=_source("SequentialLR"),
        formula="scheduler bisect_right(milestones, t); each restarts at its own step 0 at its "
                "milestone"),
    LibrarySchedule(
        name="ChainedScheduler", library=LIBRARY,
        args=(Arg("schedulers", REQUIRED, "specs", doc="nested torch specs, sharing lr"),),
        build=_build_chained, source=_source("ChainedScheduler"),
        formula="every scheduler steps in order on the same LR each update (factors multiply)"),
)

for _entry in _ENTRIES:
    register(_entry)

__all__ = ["LIBRARY", "VERSION"]


# --------------------------------------------------------------------------------------------------
# Series besides the LR: the momentum (or Adam's beta1) that OneCycleLR and CyclicLR cycle
# --------------------------------------------------------------------------------------------------


def _momentum_series(call: LibraryCall, lr: Schedule, name: str,
                     momentum: Callable[[IntArray], FloatArray]) -> tuple[dict[str, Schedule],
                                                                          tuple[str, ...]]:
    """The momentum ``name`` cycles, under the optimizer's key: ``momentum`` or ``betas[0]``.

    torch checks ``"momentum" in optimizer.defaults or "betas" in optimizer.defaults`` when
    ``cycle_momentum`` is true (ValueError otherwise) and writes beta1 when ``betas`` is there.
    """
    from warmupctl.engine.series import from_function
    from warmupctl.frameworks._series import momentum_key, nan_where_lr_is

    if not call.args["cycle_momentum"]:
        return {}, ()
    key = momentum_key(call, "momentum")
    if key is None:
        raise SpecError(f"torch raises ValueError constructing {name}: the optimizer has neither "
                        "momentum nor betas", path="optimizer", value=call.extra["optimizer"],
                        hint="set args.cycle_momentum: false, or use an optimizer with momentum "
                             "or betas")
    # Without optimizer: the series is named as for SGD (the values are the same for beta1); the
    # name itself says which key is written.
    series_name = "betas[0]" if key == "betas" else "momentum"
    fn = nan_where_lr_is(momentum, lr)
    return {series_name: from_function(fn, lr.total_steps, series_name)}, ()


def _onecycle_momentum(args: Mapping[str, Any]) -> Callable[[IntArray], FloatArray]:
    """OneCycleLR's momentum at update t (``last_epoch`` t): the LR's phases with ``start_momentum``
    / ``end_momentum`` max→base, base→max (and base→max, max→max with three_phase), annealed by
    the same cos or linear function (torch 2.13.0, ``OneCycleLR.__init__`` ``_schedule_phases``,
    ``OneCycleLR.get_lr``)."""
    sim = _OneCycleLR(args)
    high, low = float(args["max_momentum"]), float(args["base_momentum"])
    ends = [end for end, _, _ in sim.phases]
    # (start, end) momentum of each phase, as OneCycleLR's _schedule_phases name them
    pairs = [(high, low), (low, high), (high, high)][:len(ends)] if args["three_phase"] else [
        (high, low), (low, high)]
    cos = args["anneal_strategy"] == "cos"

    def fn(k: IntArray) -> FloatArray:
        t = np.asarray(k, dtype=np.int64)
        values = np.full(t.size, np.nan)
        todo = np.ones(t.size, dtype=bool)
        start = 0.0
        for i, (end, (first, last)) in enumerate(zip(ends, pairs)):
            here = todo & (t <= end) if i < len(ends) - 1 else todo.copy()
            todo &= ~here
            span = end - start
            if span != 0 and here.any():
                pct = (t[here] - start) / span
                if cos:
                    values[here] = last + (first - last) / 2.0 * (_cos(np.pi * pct) + 1)
                else:
                    values[here] = (last - first) * pct + first
            start = end
        return values

    return fn


def _cyclic_momentum(args: Mapping[str, Any]) -> Callable[[IntArray], FloatArray]:
    """CyclicLR's momentum at update t: ``max_momentum - (max_momentum - base_momentum) * scale *
    f`` with the LR's triangle ``scale`` and amplitude ``f`` (1, 1/2**(cycle-1), gamma**t) (torch
    2.13.0, ``CyclicLR.get_lr``)."""
    sim = _CyclicLR(args)
    high, low = float(args["max_momentum"]), float(args["base_momentum"])

    def fn(k: IntArray) -> FloatArray:
        t = np.asarray(k, dtype=np.int64)
        size, r = sim.size, sim.ratio
        if size == 0:
            return np.full(t.size, np.nan)
        q = t / size
        cycle = np.floor(1 + q)
        x = 1.0 + q - cycle
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(x <= r, x / r, (x - 1) / (r - 1))
        height = (high - low) * scale
        mode = args["mode"]
        if mode == "triangular2":
            k2 = np.minimum(cycle - 1, 1023).astype(np.int64)
            height = height * (1 / np.ldexp(1.0, k2))
        elif mode == "exp_range":
            factor, _, _ = _pow(repeat(args["gamma"]), t.tolist(), t.size)
            height = height * factor
        return high - height

    return fn


def _onecycle_series(call: LibraryCall, lr: Schedule) -> tuple[dict[str, Schedule], tuple[str, ...]]:
    return _momentum_series(call, lr, "OneCycleLR", _onecycle_momentum(call.args))


def _cyclic_series(call: LibraryCall, lr: Schedule) -> tuple[dict[str, Schedule], tuple[str, ...]]:
    return _momentum_series(call, lr, "CyclicLR", _cyclic_momentum(call.args))


def _register_series() -> None:
    from warmupctl.frameworks._series import OPTIMIZER_ARG, LibrarySeries, register_series

    for name, build in (("OneCycleLR", _onecycle_series), ("CyclicLR", _cyclic_series)):
        register_series(LibrarySeries(
            qualname=f"{LIBRARY}.{name}", build=build, extra=(OPTIMIZER_ARG,),
            source=f"torch {VERSION}, {_FILE}, {name}.get_lr (momentum / betas)",
            what="momentum, or betas[0] with an Adam-like optimizer (cycle_momentum)"))


_register_series()

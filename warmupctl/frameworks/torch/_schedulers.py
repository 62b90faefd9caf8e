"""Mirrors of torch's scheduler objects (torch 2.13.0, ``torch/optim/lr_scheduler.py``): each leaf
scheduler as an op program of its counter (the composites are in
:mod:`warmupctl.frameworks.torch._composite`). See :mod:`warmupctl.frameworks.torch` for the model.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping
from itertools import repeat
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from warmupctl.engine import Boundary
from warmupctl.frameworks._kit import MAX_BOUNDARIES as _MAX_MARKS
from warmupctl.frameworks._kit import FloatArray, IntArray
from warmupctl.frameworks.torch._ops import (
    ADD,
    AFF,
    MUL,
    SET,
    _cos,
    _evaluate,
    _first,
    _Group,
    _Ops,
    _pow,
    _TorchRaise,
)

LIBRARY = "torch"

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
        out: list[int] = []
        start, length = 0, self.args["T_0"]
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

"""torch's arithmetic and replay machinery: op programs applied to the current LR in torch's
operation order, the one param group the schedulers share, and the walkers that replay a scheduler
tree for a Schedule (see :mod:`warmupctl.frameworks.torch` for the model).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import NDArray

from warmupctl.frameworks._kit import FloatArray, IntArray

if TYPE_CHECKING:
    from warmupctl.frameworks.torch._schedulers import _Leaf, _Sim

BoolArray = NDArray[np.bool_]

#: Op codes of a replay program (see the package docstring).
MUL, SET, AFF, ADD = 0, 1, 2, 3

#: Updates a replay computes at once; long enough to amortise numpy's call overhead.
_BLOCK = 1 << 18
#: Random access caches the first this many updates of a replay (16 MB).
_CACHE = 1 << 21
#: A program with more op-kind changes than ``n / _DENSE`` is replayed op by op.
_DENSE = 8

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
        return np.fromiter(_affine_steps(lr, memoryview(cast(Any, a)), memoryview(cast(Any, b))),
                           np.float64, a.size)
    e = float(b[0]) if isinstance(b, np.ndarray) else float(b)
    return np.fromiter(_affine_steps(lr, memoryview(cast(Any, a)), repeat(e)), np.float64, a.size)


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

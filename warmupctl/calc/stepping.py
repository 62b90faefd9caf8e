"""Stepping policies and resumes: the LR the optimizer actually gets, next to the one designed.

A :class:`~warmupctl.engine.Schedule` answers for the standard loop, where ``scheduler.step()`` runs
once after each ``optimizer.step()``: update ``k`` reads the LR of a scheduler stepped ``k`` times.
Real loops step it at another pace (per micro-batch, once per process, once per epoch) or rebuild
it on a resume; the optimizer then gets ``schedule(position(k))``, where ``position(k)`` is how many
times the scheduler has been stepped when update ``k`` reads the LR. :func:`effective` turns a
schedule and a policy into that *effective* schedule: a new :class:`Schedule` whose ``fn`` maps
update ``k`` to the LR the optimizer really uses, with the warmup end and the phase boundaries moved
to the updates where they now happen, and notes saying what changed.

The policies (:data:`POLICIES`), each from a way users have been caught out:

========================  ==============================  ===========================================
policy                    update k reads                  where users met it
========================  ==============================  ===========================================
:class:`PerUpdate`        ``s(k)``                        the contract itself
:class:`PerMicroBatch`    ``s((k + 1)·A − 1)``            §1.4 Lightning#1476, §1.5 accelerate#963
:class:`TimesPerUpdate`   ``s(k·N)``                      §1.5 accelerate#2142, transformers PR#24088
:class:`PerEpoch`         ``s(floor(k / U))``             §1.4 ACE-Step PR#198, Lightning PR#11599,
                                                          §1.1 transformers#20916
:class:`Resume`           ``s(k)`` for k < r, then        §1.1 transformers#34053, #27749;
                          ``s(k − r)`` (fresh) or         §1.8 speculators PR#900, open_clip#413
                          ``s_T2(k)`` (rebuilt, restored)
========================  ==============================  ===========================================

Positions are integers, so the effective LR is always one the scheduler really produces; a schedule
stepped past its ``total_steps`` gives what it gives there (a native schedule holds its last value,
transformers' cosine rises again), and the notes say from which update that happens.

Policies compose left to right: ``effective(s, PerMicroBatch(4), Resume(500))`` is a run stepped per
micro-batch whose resumed half steps its fresh scheduler per micro-batch too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import EngineError
from warmupctl.engine import Boundary, Schedule
from warmupctl.engine.schedule import CHUNK_SIZE

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class Stepping(Protocol):
    """A pace at which the scheduler is stepped: update ``k`` reads ``schedule(position(k))``.

    ``position`` is non-decreasing in ``k``; ``first_update(b)`` is the first update whose position is
    ``b`` or more (where a boundary the schedule places at step ``b`` now happens).
    """

    word: ClassVar[str]

    def position(self, k: IntArray) -> IntArray: ...

    def first_update(self, step: int) -> int: ...

    def describe(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


def _check_count(value: int, name: str, minimum: int = 1) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise EngineError(f"{name} must be an integer >= {minimum}, got {value!r}")


@dataclass(frozen=True)
class PerUpdate:
    """``scheduler.step()`` once after each ``optimizer.step()``: the contract, ``position(k) = k``.

    Examples:
        >>> PerUpdate().position(np.array([0, 1, 7])).tolist(), PerUpdate().first_update(100)
        ([0, 1, 7], 100)
    """

    word: ClassVar[str] = "per-update"
    fact: ClassVar[str | None] = None

    def position(self, k: IntArray) -> IntArray:
        return np.asarray(k, dtype=np.int64)

    def first_update(self, step: int) -> int:
        return max(0, step)

    def describe(self) -> str:
        return "stepped once per update"

    def as_dict(self) -> dict[str, Any]:
        return {"policy": self.word}


@dataclass(frozen=True)
class PerMicroBatch:
    """``scheduler.step()`` after every micro-batch while the optimizer steps every ``grad_accum``-th.

    The loop (Lightning#1476 before ``interval`` counted updates; accelerate#963 and diffusers#4387,
    where examples then multiplied the warmup and the total by ``gradient_accumulation_steps``)::

        for i, batch in enumerate(loader):
            loss(batch).backward()
            if (i + 1) % A == 0:
                optimizer.step(); optimizer.zero_grad()   # update k = (i + 1) / A - 1
            scheduler.step()                              # every micro-batch

    Update ``k`` runs at micro-batch ``i = (k + 1)·A − 1``, after the ``scheduler.step()`` of the
    ``i`` micro-batches before it and before its own: it reads the scheduler at position
    ``(k + 1)·A − 1``. So update 0 already reads step ``A − 1``, a warmup of ``W`` steps ends at update
    ``ceil((W + 1) / A) − 1`` and a schedule of ``T`` steps is used up ``A`` times too early (a loop
    calling ``scheduler.step()`` *before* ``optimizer.step()`` would read one step later; torch warns
    about that order, so it is not modelled). The trailing partial window of an epoch is left out,
    as in this loop.

    Examples:
        >>> p = PerMicroBatch(4)
        >>> p.position(np.array([0, 1, 24, 25])).tolist()
        [3, 7, 99, 103]
        >>> p.first_update(100), p.first_update(0), p.first_update(3), p.first_update(4)
        (25, 0, 0, 1)
    """

    grad_accum: int
    word: ClassVar[str] = "per-micro-batch"
    fact: ClassVar[str | None] = "grad_accum"

    def __post_init__(self) -> None:
        _check_count(self.grad_accum, "grad_accum")

    def position(self, k: IntArray) -> IntArray:
        return (np.asarray(k, dtype=np.int64) + 1) * self.grad_accum - 1

    def first_update(self, step: int) -> int:
        # smallest k with (k + 1)·A − 1 >= step, i.e. ceil((step + 1) / A) − 1
        return max(0, -(-(step + 1) // self.grad_accum) - 1)

    def describe(self) -> str:
        return f"stepped per micro-batch (grad_accum {self.grad_accum})"

    def as_dict(self) -> dict[str, Any]:
        return {"policy": self.word, "grad_accum": self.grad_accum}


@dataclass(frozen=True)
class TimesPerUpdate:
    """``scheduler.step()`` ``times`` times per update: ``position(k) = k·times``.

    accelerate's prepared scheduler (``AcceleratedScheduler.step``, accelerate 1.15
    ``src/accelerate/scheduler.py``) steps the wrapped scheduler ``num_processes`` times per
    optimizer update unless ``split_batches=True``, because it expects lengths counted in one
    process's batches; a schedule sized in updates then runs ``num_processes`` times too fast
    (accelerate#2142: "decays twice as fast on 2 GPUs"; transformers PR#24088; EasyContext#21, the
    LR at 0 after 300 updates). It steps only when the optimizer did (``sync_gradients``), so
    gradient accumulation does not multiply it further. One exception is not modelled: for a
    scheduler with a ``total_steps`` attribute (torch's OneCycleLR) it stops stepping at that total.

    Examples:
        >>> TimesPerUpdate(2).position(np.array([0, 1, 50])).tolist(), TimesPerUpdate(2).first_update(101)
        ([0, 2, 100], 51)
    """

    times: int
    word: ClassVar[str] = "per-process"
    fact: ClassVar[str | None] = "devices"

    def __post_init__(self) -> None:
        _check_count(self.times, "times")

    def position(self, k: IntArray) -> IntArray:
        return np.asarray(k, dtype=np.int64) * self.times

    def first_update(self, step: int) -> int:
        return max(0, -(-step // self.times))

    def describe(self) -> str:
        return f"stepped {self.times}× per update"

    def as_dict(self) -> dict[str, Any]:
        return {"policy": self.word, "times": self.times}


@dataclass(frozen=True)
class PerEpoch:
    """``scheduler.step()`` once per epoch of ``updates_per_epoch`` updates: ``floor(k / U)``.

    Lightning's default ``"interval": "epoch"`` (ACE-Step PR#198: "the warmup will take 4000
    epochs"; Lightning PR#11599: a OneCycleLR sized with ``estimated_stepping_batches`` never
    completes; transformers#20916: a step-sized polynomial warmup gives LR 0 for the whole first
    epoch). Updates of epoch ``e`` (``e·U .. e·U + U − 1``) all read position ``e``.

    Examples:
        >>> PerEpoch(25).position(np.array([0, 24, 25, 249])).tolist(), PerEpoch(25).first_update(4)
        ([0, 0, 1, 9], 100)
    """

    updates_per_epoch: int
    word: ClassVar[str] = "per-epoch"
    fact: ClassVar[str | None] = "updates_per_epoch"

    def __post_init__(self) -> None:
        _check_count(self.updates_per_epoch, "updates_per_epoch")

    def position(self, k: IntArray) -> IntArray:
        return np.asarray(k, dtype=np.int64) // self.updates_per_epoch

    def first_update(self, step: int) -> int:
        return max(0, step) * self.updates_per_epoch

    def describe(self) -> str:
        return f"stepped per epoch ({self.updates_per_epoch} updates per epoch)"

    def as_dict(self) -> dict[str, Any]:
        return {"policy": self.word, "updates_per_epoch": self.updates_per_epoch}


@dataclass(frozen=True)
class Resume:
    """A run stopped after update ``at − 1`` and resumed at update ``at``.

    Attributes:
        at: the first update of the resumed run, ``r`` (1 or more).
        total: the run's new length, ``T2``: the scheduler is rebuilt from the same spec with
            ``total_steps = T2`` (a ratio warmup is recomputed from it) and the run ends at update
            ``T2 − 1``. None: the spec is rebuilt as it was.
        fresh: the resumed run's scheduler starts again from step 0 (its state was not loaded:
            transformers#34053, #27749 "LR resets after resume", open_clip#413, speculators PR#900
            passing an epoch index as ``last_epoch``) — update ``k >= r`` reads ``s(k − r)``.
            False: its state was restored with the optimizer's (``last_epoch`` = updates done, as
            ``trainer.train(resume_from_checkpoint=...)`` does): update ``r`` runs at the LR the
            optimizer's saved param group holds, ``s(r)``, and update ``k > r`` reads ``s_T2(k)`` —
            with a changed total the run moves onto another curve (rwightman: intended).

    Updates ``k < r`` keep the intended LR. A restored scheduler with the same total continues
    exactly where it stopped: the effective curve is the intended one. Checked against torch 2.13
    and transformers 5.23 (``get_cosine_schedule_with_warmup``, ``LambdaLR.load_state_dict``). Not
    modelled: a fresh scheduler beside an optimizer whose state *was* loaded, where update ``r``
    still runs at the saved ``s(r)`` and ``r + 1`` at ``s(1)``.

    Examples:
        >>> Resume(500).describe(), Resume(500, total=2000, fresh=False).describe()
        ('resumed at 500 with a fresh scheduler', 'resumed at 500, scheduler rebuilt for 2000 updates')
    """

    at: int
    total: int | None = None
    fresh: bool = True
    word: ClassVar[str] = "resume"
    fact: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        _check_count(self.at, "at")
        if self.total is not None:
            _check_count(self.total, "total")
            if self.total <= self.at:
                raise EngineError(f"a run resumed at {self.at} must be longer than that, got total "
                                  f"{self.total}")

    def describe(self) -> str:
        rebuilt = f", scheduler rebuilt for {self.total} updates" if self.total is not None else ""
        if self.fresh:
            state = " with a fresh scheduler" if self.total is None else f"{rebuilt}, fresh"
            return f"resumed at {self.at}{state}"
        return f"resumed at {self.at}{rebuilt or ' with the scheduler restored'}"

    def as_dict(self) -> dict[str, Any]:
        return {"policy": self.word, "at": self.at, "total": self.total, "fresh": self.fresh}


Policy = PerUpdate | PerMicroBatch | TimesPerUpdate | PerEpoch | Resume

#: Every policy by its word (``warmupctl table --stepping WORD``; ``resume`` is ``--resume-at``).
#: ``fact`` names what a policy needs besides the schedule: a vocabulary key (``grad_accum``,
#: ``devices``) or ``updates_per_epoch``.
POLICIES: dict[str, type] = {
    cls.word: cls for cls in (PerUpdate, PerMicroBatch, TimesPerUpdate, PerEpoch, Resume)
}

#: The words ``--stepping`` takes; ``xN`` (``x2``, ``x8``) is :class:`TimesPerUpdate` with N given.
STEPPING_WORDS: tuple[str, ...] = ("per-update", "per-micro-batch", "per-process", "per-epoch", "xN")


# --- Effective schedules ----------------------------------------------------------------------------


def effective(
    schedule: Schedule, *policies: Policy, rebuild: Callable[[int], Schedule] | None = None,
) -> Schedule:
    """The schedule the optimizer really follows under ``policies``, applied left to right.

    Args:
        schedule: the intended schedule (``schedule(k)`` under the standard loop).
        policies: stepping policies and resumes.
        rebuild: ``total -> Schedule``, the same spec resolved with ``total_steps = total``; needed by
            a :class:`Resume` with a ``total`` (the spec layer provides it: a library spec's length is
            one of its own arguments, so it has none).

    Returns:
        A :class:`Schedule` whose ``fn`` maps update ``k`` to the LR the optimizer uses, labelled
        ``"<label>, <policy>"``, with the warmup end and boundaries moved and notes on what changed.

    Examples:
        >>> import warmupctl
        >>> s = warmupctl.schedule(kind="linear", warmup_steps=100, total_steps=1000, lr=1.0)
        >>> e = effective(s, PerMicroBatch(4))
        >>> e.warmup_steps, float(e(24)), float(e(25))
        (25, 0.99, 0.9966666666666667)
        >>> float(effective(s, Resume(500))(500))   # a fresh scheduler warms up again
        0.0
    """
    current = schedule
    steppings: list[Stepping] = []
    for policy in policies:
        if isinstance(policy, Resume):
            after = current
            if policy.total is not None:
                if rebuild is None:
                    raise EngineError("a resume with a new total needs rebuild(total) -> Schedule")
                after = rebuild(policy.total)
                for stepping in steppings:
                    after = _stepped(after, stepping)
            current = _resumed(current, after, policy)
        else:
            current = _stepped(current, policy)
            steppings.append(policy)
    return current


class _SteppedFn:
    """``k -> base(position(k))``."""

    def __init__(self, base: Schedule, stepping: Stepping) -> None:
        self.base, self.stepping = base, stepping

    def __call__(self, k: IntArray) -> FloatArray:
        return self.base(self.stepping.position(k))


class _ResumedFn:
    """``k -> before(k)`` for ``k < split``, ``after(k − shift)`` from ``split`` on; each side is
    evaluated only where it applies."""

    def __init__(self, before: Schedule, after: Schedule, split: int, shift: int) -> None:
        self.before, self.after, self.split, self.shift = before, after, split, shift

    def __call__(self, k: IntArray) -> FloatArray:
        k = np.asarray(k, dtype=np.int64)
        out = np.empty(k.shape, dtype=np.float64)
        early = k < self.split
        if early.any():
            out[early] = self.before(k[early])
        if not early.all():
            out[~early] = self.after(k[~early] - self.shift)
        return out


def _stepped(base: Schedule, stepping: Stepping) -> Schedule:
    total = base.total_steps
    moved = [Boundary(stepping.first_update(b.step), b.label) for b in base.boundaries]
    notes = list(_stepping_notes(base, stepping))
    chunks = None
    if _walks(base):
        def chunks(count: int, size: int) -> Iterator[FloatArray]:
            last = int(stepping.position(np.array([max(count - 1, 0)]))[0]) + 1
            cursor = _Cursor(base, last if count else 0)
            for first in range(0, count, size):
                yield cursor.take(stepping.position(np.arange(first, min(count, first + size))))
    return Schedule(
        fn=_SteppedFn(base, stepping), total_steps=total,
        label=f"{base.label}, {stepping.describe()}",
        warmup_steps=stepping.first_update(base.warmup_steps) if base.warmup_steps else 0,
        boundaries=tuple(moved), notes=tuple(notes), spec=base.spec, source=base.source, chunks=chunks,
    )


def _stepping_notes(base: Schedule, stepping: Stepping) -> Iterator[str]:
    if isinstance(stepping, PerUpdate):
        return
    total = base.total_steps
    if isinstance(stepping, PerMicroBatch) and stepping.grad_accum > 1:
        yield (f"update 0 already reads scheduler step {stepping.grad_accum - 1} (one step per "
               "micro-batch before it)")
    warmup = base.warmup_steps
    if warmup:
        ends = stepping.first_update(warmup)
        if ends >= total:
            yield (f"the warmup never ends: its {warmup} scheduler steps need {ends} updates, the run "
                   f"has {total}")
        elif ends != warmup:
            yield f"the warmup of {warmup} scheduler steps ends at update {ends}, not {warmup}"
    used_up = stepping.first_update(total)
    if used_up < total:
        yield (f"the schedule's {total} steps are used up at update {used_up}: updates {used_up}.."
               f"{total - 1} read it past its end (LR {_lr(base, total):.6g} at step {total})")


def _resumed(before: Schedule, after: Schedule, policy: Resume) -> Schedule:
    at = policy.at
    total = policy.total if policy.total is not None else before.total_steps
    if at >= total:
        raise EngineError(f"resume at {at} is past the run's {total} updates")
    # A fresh scheduler is read from update ``at`` on. A restored one is read from ``at + 1``: update
    # ``at`` runs at the LR the optimizer's restored state holds (set by the last scheduler.step()
    # before the checkpoint, s(at)); the rebuilt lambda only acts at the next scheduler.step().
    split, shift = (at, at) if policy.fresh else (at + 1, 0)
    bounds = [b for b in before.boundaries if b.step < at]
    bounds.append(Boundary(at, "resume"))
    bounds += [Boundary(b.step + shift, f"{b.label} (after resume)") for b in after.boundaries
               if split <= b.step + shift]
    warmup = before.warmup_steps if before.warmup_steps < at else 0
    if not warmup and after.warmup_steps and after.warmup_steps + shift >= at:
        warmup = after.warmup_steps + shift
    chunks = None
    if _walks(before) or _walks(after):
        def chunks(count: int, size: int) -> Iterator[FloatArray]:
            early = _Cursor(before, min(count, split))
            late = _Cursor(after, max(0, count - shift)) if count > split else None
            for first in range(0, count, size):
                k = np.arange(first, min(count, first + size), dtype=np.int64)
                cut = int(np.searchsorted(k, split))
                parts = [early.take(k[:cut])]
                if late is not None and cut < len(k):
                    parts.append(late.take(k[cut:] - shift))
                yield np.concatenate(parts)
    fn = _ResumedFn(before, after, split, shift)
    result = Schedule(
        fn=fn, total_steps=total, label=f"{before.label}, {policy.describe()}", warmup_steps=warmup,
        boundaries=tuple(bounds), spec=before.spec, source=before.source, chunks=chunks,
    )
    return replace(result, notes=tuple(_resume_notes(before, result, policy)))


def _resume_notes(before: Schedule, result: Schedule, policy: Resume) -> Iterator[str]:
    at = policy.at
    was, now = _lr(before, at), _lr(result, at)
    if policy.fresh:
        yield (f"update {at} reads scheduler step 0 again: LR {now:.6g} where the uninterrupted run has "
               f"{was:.6g}")
        if result.warmup_steps > at:
            yield f"a second warmup runs from update {at} to {result.warmup_steps}"
    elif policy.total is None:
        yield "a restored scheduler continues where it stopped: the effective curve is the intended one"
    else:
        nxt = at + 1
        yield (f"update {at} runs at the LR saved in the optimizer's state ({now:.6g}); from update {nxt} "
               f"the scheduler rebuilt for {policy.total} updates gives {_lr(result, nxt):.6g} where the "
               f"uninterrupted run has {_lr(before, nxt):.6g}")


def _lr(schedule: Schedule, step: int) -> float:
    return float(schedule(np.array([step]))[0])


def _walks(schedule: Schedule) -> bool:
    """Whether ``schedule`` replays a recursion (or is built on one), so is best walked in order:
    random access into a replay past its cache re-runs it from update 0 for every chunk."""
    return schedule.chunks is not None


class _Cursor:
    """Reads a schedule at non-decreasing positions while walking it once, in order (a recursive
    library replay is walked, never re-run from update 0 for each chunk); memory: the chunks that
    span one request."""

    def __init__(self, schedule: Schedule, count: int) -> None:
        self._blocks = schedule.iter_chunks(count, CHUNK_SIZE) if count else iter(())
        self._start = 0
        self._buffer: FloatArray = np.empty(0)

    def take(self, positions: IntArray) -> FloatArray:
        if not len(positions):
            return np.empty(0)
        lo, hi = int(positions[0]), int(positions[-1]) + 1
        if lo < self._start:
            raise EngineError("positions must not go back")
        drop = min(lo - self._start, len(self._buffer))
        parts, start = [self._buffer[drop:]], self._start + drop
        end = start + len(parts[0])
        while end < hi:
            first, block = next(self._blocks)
            if first + len(block) <= lo:  # wholly before what is asked: skip it
                start = end = first + len(block)
                parts = []
                continue
            parts.append(block)
            end = first + len(block)
        self._buffer = np.concatenate(parts) if len(parts) != 1 else parts[0]
        self._start = start
        return self._buffer[positions - start]

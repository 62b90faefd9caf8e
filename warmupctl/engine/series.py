"""Several series per schedule: what a scheduler sets at each update besides the LR.

A :class:`~warmupctl.engine.Schedule` is the LR (``lr``, the contract of the whole tool); its
``series`` field maps further names to Schedules of the same length:

* ``lr/pg0``, ``lr/pg1``, ... (or ``lr/<group name>``): the LR of each parameter group when groups
  have LRs of their own (a multiplier, their own peak and floor, layer-wise decay);
* ``momentum`` (SGD-like optimizers) or ``betas[0]`` (Adam-like), ``betas[1]``: what torch's
  OneCycleLR/CyclicLR and DeepSpeed's OneCycle cycle inversely to the LR;
* ``weight_decay`` (or ``weight_decay/pg0``, ...): Megatron's weight-decay increment, a native
  ``weight_decay:`` schedule.

Names follow the library's own parameter-group keys. Each series is a whole Schedule, so it is
evaluated the same way as the LR: vectorized, in chunks, in bounded memory; a walk over several
series (:func:`iter_series`) reads each one chunk by chunk, in step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import EngineError, SpecError
from warmupctl.engine.schedule import CHUNK_SIZE, Schedule

#: The name of the schedule's own LR among its series.
LR = "lr"

#: ``momentum``, ``betas[0]``, ``lr/pg1``, ``weight_decay/embed.norm``: a parameter-group key, an
#: optional tuple index, an optional ``/group``.
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?(/[A-Za-z0-9_.\-]+)?$")

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def is_lr(name: str) -> bool:
    """Whether series ``name`` is a learning rate: ``lr`` or a parameter group's (``lr/pg1``, ``lr/head``).

    Examples:
        >>> is_lr("lr"), is_lr("lr/head"), is_lr("momentum"), is_lr("weight_decay/pg0")
        (True, True, False, False)
    """
    return name == LR or name.startswith(LR + "/")


def names(schedule: Schedule) -> tuple[str, ...]:
    """``lr`` and then the schedule's series names, in their order."""
    return (LR, *schedule.series)


def has_series(schedule: Schedule) -> bool:
    return bool(schedule.series)


def with_series(schedule: Schedule, series: Mapping[str, Schedule],
                notes: Sequence[str] = ()) -> Schedule:
    """``schedule`` carrying ``series`` (added after those it has) and ``notes`` (appended).

    Raises:
        EngineError: a name that is not a series name, ``lr`` itself, a name given twice, or a
            series whose length differs from the schedule's.
    """
    merged = dict(schedule.series)
    for name, member in series.items():
        if name == LR or not NAME.match(name):
            raise EngineError(f"{name!r} is not a series name")
        if name in merged:
            raise EngineError(f"series {name!r} given twice")
        if member.total_steps != schedule.total_steps:
            raise EngineError(f"series {name!r} has {member.total_steps} updates, the schedule "
                              f"{schedule.total_steps}")
        merged[name] = replace(member, series=MappingProxyType({}))
    return replace(schedule, series=MappingProxyType(merged),
                   notes=(*schedule.notes, *(n for n in notes if n not in schedule.notes)))


def pick(schedule: Schedule, name: str | None, path: str = "--series") -> Schedule:
    """The series ``name`` as a Schedule of its own (``lr``: the schedule without its series).

    The picked series keeps the schedule's annotations (warmup, boundaries, spec, source) so that a
    table or plot of ``momentum`` marks the same events as the LR's; its label says which series.

    Raises:
        SpecError: at ``path`` when the schedule has no such series, naming those it has.
    """
    if name is None:
        return schedule
    if name == LR:
        return replace(schedule, series=MappingProxyType({}))
    member = schedule.series.get(name)
    if member is None:
        have = ", ".join(names(schedule))
        hint = (f"this schedule has {have}" if schedule.series else
                "this schedule has only lr (library specs name the series they set; native specs "
                "gain them with param_groups, layer_decay, momentum, weight_decay)")
        raise SpecError("no such series", path=path, value=name, hint=hint)
    return replace(schedule, fn=member.fn, chunks=member.chunks, label=f"{schedule.label} [{name}]",
                   notes=tuple(member.notes), series=MappingProxyType({}))


def iter_series(schedule: Schedule, wanted: Sequence[str], count: int | None = None,
                chunk_size: int = CHUNK_SIZE) -> Iterator[tuple[int, dict[str, FloatArray]]]:
    """Walk updates ``0 .. count-1`` of every series in ``wanted``, in step: ``(first, {name:
    values})``. Bounded memory: each series is walked chunk by chunk (a recursive replay once)."""
    n = schedule.total_steps if count is None else count
    members = [pick(schedule, name) for name in wanted]
    walks = [member.iter_chunks(n, chunk_size) for member in members]
    for blocks in zip(*walks):
        first = blocks[0][0]
        yield first, {name: block for name, (_, block) in zip(wanted, blocks)}


def at(schedule: Schedule, wanted: Sequence[str], steps: IntArray) -> dict[str, FloatArray]:
    """The values of each series in ``wanted`` at the chosen updates."""
    return {name: pick(schedule, name)(steps) for name in wanted}


# ------------------------------------------------------------------------------- series builders


class _Constant:
    """A value that does not change: vectorized and with ``fill`` (written in place)."""

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def __call__(self, k: IntArray) -> FloatArray:
        return np.full(np.shape(k), self.value, dtype=np.float64)

    def fill(self, first: int, out: FloatArray) -> FloatArray:
        out.fill(self.value)
        return out


def constant(value: float, total: int, label: str = "constant") -> Schedule:
    """A series holding ``value`` at every update."""
    return Schedule(fn=_Constant(value), total_steps=total, label=label)


class _Scaled:
    """``factor * base(k)``: one multiplication per update, in that order (as a library that keeps
    ``lr * lr_scale`` per group computes it)."""

    def __init__(self, base: Schedule, factor: float) -> None:
        self.base = base
        self.factor = float(factor)
        if getattr(base.fn, "fill", None) is not None:
            self.fill = self._fill

    def __call__(self, k: IntArray) -> FloatArray:
        return np.multiply(self.factor, self.base(k))

    def _fill(self, first: int, out: FloatArray) -> FloatArray:
        self.base.fn.fill(first, out)  # type: ignore[attr-defined]
        np.multiply(self.factor, out, out=out)
        return out


def scaled(base: Schedule, factor: float) -> Schedule:
    """A series equal to ``factor × base`` at every update (a recursive replay is walked once per
    chunk, as the base's own)."""
    fn = _Scaled(base, factor)
    chunks: Callable[[int, int], Iterator[FloatArray]] | None = None
    if base.chunks is not None:
        inner = base.chunks

        def chunks(count: int, size: int) -> Iterator[FloatArray]:
            for block in inner(count, size):
                yield np.multiply(fn.factor, block)

    return replace(base, fn=fn, chunks=chunks, series=MappingProxyType({}), notes=())


def from_function(fn: Callable[[IntArray], FloatArray], total: int, label: str) -> Schedule:
    """A series from a vectorized ``int64 updates -> float64`` function."""
    return Schedule(fn=fn, total_steps=total, label=label)


__all__ = ["LR", "NAME", "at", "constant", "from_function", "has_series", "iter_series", "names",
           "pick", "scaled", "with_series"]

"""The kit every library module builds its schedules with.

A library module is formulas plus registrations: ``register(LibrarySchedule(...))`` declares the
arguments (with their bounds, checked once by :func:`coerce_arg`), and the ``build`` function turns
a validated :class:`~warmupctl.frameworks._registry.LibraryCall` into a vectorized function of the
update index, which it hands to :func:`finish`. What is the same for every library lives here:

* :func:`finish` owns the run length (:func:`run_length`), the boundaries (one rule: those strictly
  inside the run, ``0 < step < total_steps``, one per update, at most :data:`MAX_BOUNDARIES`), the
  notes (deduplicated), NaN from the update where the library raises (and the note that says so),
  and the resolved spec, which has the same keys for every schedule: ``schedule``, ``lr``,
  ``args``, ``total_steps`` (null when the schedule has no end of its own) and the schedule's
  declared extra keys.
* :func:`run_length`: the spec's ``total_steps``, else the schedule's natural end, else the bound
  of the command (``--steps N``, ``--at``), else the one "no natural end" error.
* :func:`pieces`: a function of an integer counter made of pieces on consecutive ranges, as a
  library's ``if t < a: ... elif t < b: ...`` chain splits it.
* Small helpers: update indices as floats, six-digit numbers in notes, NaN from an update on.

The float32 (JAX) helpers of optax and Keras are in :mod:`warmupctl.frameworks._float32`. See
docs/library-specs.md for the rules as users meet them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._registry import Arg, LibraryCall

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
#: A library's LR as a function of the update index (or of its own counter).
LRFn = Callable[[IntArray], FloatArray]

#: Largest magnitude of a library's integer argument: 2**53, the integers float64 holds exactly. A
#: library takes any Python int; the engine computes in int64 and float64, where a sum or a product
#: of counts near 2**63 would overflow (10^10 updates is already the longest run evaluated).
MAX_ARG_INT = 2**53

#: At most this many boundaries are marked (restarts, decays), so plots stay readable.
MAX_BOUNDARIES = 100

#: The hint of the one "no natural end" error.
NO_END_HINT = "add total_steps: N (the updates of the run), or bound the command with --steps N or --at"


# --------------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------------


def coerce_arg(arg: Arg, value: Any, path: str) -> Any:
    """Validate one argument: its type, then the bounds it declares.

    Nested specs are left for ``build`` (through ``call.resolve``).

    >>> coerce_arg(Arg("gamma", minimum=0.0), "0.5", "args.gamma")
    0.5
    """
    if value is None:
        if arg.nullable or arg.default is None:
            return None
        raise SpecError("may not be null", path=path, value=value)
    kind = arg.kind
    out: Any = value
    if arg.float_only and isinstance(value, int) and not isinstance(value, bool):
        raise SpecError("is a whole number where the library needs a float", path=path, value=value,
                        hint=f"{arg.float_only}; write {value}.0")
    if kind == "float":
        out = v.as_float(value, path)
    elif kind == "int":
        out = v.as_int(value, path, MAX_ARG_INT)
    elif kind == "bool":
        return v.as_bool(value, path)
    elif kind == "str":
        return v.as_choice(value, path, arg.choices) if arg.choices else v.as_str(value, path)
    elif kind == "floats":
        out = v.as_floats(value, path) if isinstance(value, (list, tuple)) else v.as_float(value, path)
    elif kind == "ints":
        out = v.as_ints(value, path, MAX_ARG_INT)
    elif kind == "spec":
        return v.as_mapping(value, path)
    elif kind == "specs":
        items = v.as_list(value, path)
        return [v.as_mapping(item, f"{path}[{i}]") for i, item in enumerate(items)]
    else:
        return value
    if arg.minimum is not None or arg.maximum is not None:
        for i, number in enumerate(out if isinstance(out, list) else [out]):
            where = f"{path}[{i}]" if isinstance(out, list) else path
            check_bounds(arg, number, where)
    return out


def check_bounds(arg: Arg, value: float, path: str) -> None:
    """Refuse ``value`` outside the bounds ``arg`` declares, with one phrasing for every library.

    >>> check_bounds(Arg("T_0", kind="int", minimum=1, why="torch raises ValueError"), 0, "args.T_0")
    Traceback (most recent call last):
    ...
    warmupctl.core.errors.SpecError: args.T_0: must be at least 1 (got 0); torch raises ValueError
    """
    low, high = arg.minimum, arg.maximum
    too_low = low is not None and (value < low or (arg.above and value == low))
    too_high = high is not None and value > high
    if not (too_low or too_high):
        return
    if low is not None and high is not None:
        problem = f"must be in {'(' if arg.above else '['}{low:g}, {high:g}]"
    elif low is not None:
        if low == 0:
            problem = "must be positive" if arg.above else "must not be negative"
        else:
            problem = f"must be more than {low:g}" if arg.above else f"must be at least {low:g}"
    else:
        problem = f"must be at most {high:g}"
    hint = "; ".join(part for part in (arg.why, arg.doc) if part) or None
    raise SpecError(problem, path=path, value=value, hint=hint)


def plain(args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments as the resolved spec shows them: tuples (library defaults) as lists."""
    return {k: list(x) if isinstance(x, tuple) else x for k, x in args.items()}


# --------------------------------------------------------------------------------------------------
# Arithmetic helpers
# --------------------------------------------------------------------------------------------------


def g(x: float) -> str:
    """``x`` with six significant digits, as notes quote LRs.

    >>> g(0.000123456789), g(2.0)
    ('0.000123457', '2')
    """
    return f"{x:.6g}"


def floats(k: IntArray) -> FloatArray:
    """The update indices (or a library's integer counter) as float64, in a new array."""
    return np.asarray(k, dtype=np.int64).astype(np.float64)


def nan_from(fn: LRFn, first: int | None) -> LRFn:
    """``fn`` with NaN from update ``first`` on: the library raises there (None: it never does).

    >>> [float(x) for x in nan_from(floats, 2)(np.arange(4))]
    [0.0, 1.0, nan, nan]
    """
    if first is None:
        return fn

    def wrapped(k: IntArray) -> FloatArray:
        out = fn(k)
        out[k >= first] = np.nan
        return out

    return wrapped


def nan_note(event: str, update: int) -> str:
    """The note for NaN values: ``"<event> at update <update>; warmupctl shows NaN from there"``.

    ``event`` names the library and what it does, e.g. ``"fairseq raises ZeroDivisionError"``.

    >>> nan_note("NeMo raises ZeroDivisionError", 7)
    'NeMo raises ZeroDivisionError at update 7; warmupctl shows NaN from there'
    """
    return f"{event} at update {update}; warmupctl shows NaN from there"


Piece = Callable[[IntArray], FloatArray]


def pieces(edges: Sequence[int], parts: Sequence[Piece]) -> LRFn:
    """``parts[i]`` on ``edges[i-1] <= t < edges[i]`` (the first open below, the last above).

    The one "pick a piece by counter" combinator of the library modules: a library's
    ``if t < a: ... elif t < b: ... else: ...`` chain is ``pieces([a, b], [p0, p1, p2])``. Each piece
    sees only the counters in its range (a chunk usually lies in one piece, which then gets the whole
    array), so it may compute in place. The edges are made non-decreasing: a later test that can
    never pass leaves its piece empty, as in the library's chain with ``b < a``. Floating-point
    warnings are silenced: a piece where the library raises is NaN'd by the caller.

    >>> pieces([2], [lambda t: t * 1.0, lambda t: t * 10.0])(np.arange(4)).tolist()
    [0.0, 1.0, 20.0, 30.0]
    """
    bounds = np.maximum.accumulate(np.asarray(edges, dtype=np.int64))

    def fn(t: IntArray) -> FloatArray:
        if t.size == 0:
            return np.empty(0)
        first, last = np.searchsorted(bounds, [t.min(), t.max()], side="right")
        with np.errstate(all="ignore"):
            if first == last:
                return parts[first](t)
            where = np.searchsorted(bounds, t, side="right")
            out = np.empty(t.shape)
            for index in range(first, last + 1):
                mask = where == index
                if mask.any():
                    out[mask] = parts[index](t[mask])
            return out

    return fn


# --------------------------------------------------------------------------------------------------
# The run and the Schedule
# --------------------------------------------------------------------------------------------------


def no_end_error(call: LibraryCall, detail: str = "") -> SpecError:
    """The one error for a schedule without an end when nothing gives the run's length.

    ``detail`` adds what the library itself offers (``"the cycle itself lasts 4001 updates"``).
    """
    hint = NO_END_HINT if not detail else f"{NO_END_HINT}; {detail}"
    return SpecError(f"{call.qualname} has no natural end, so the run length is unknown",
                     path="total_steps", hint=hint)


def natural_or_none(natural: int | None) -> int | None:
    """A natural end that gives at least one update, else None (the schedule has no end)."""
    return natural if natural is not None and natural >= 1 else None


def run_length(call: LibraryCall, natural: int | None, detail: str = "") -> int:
    """The number of updates to tabulate.

    In order: the spec's ``total_steps``; the schedule's natural end (when at least 1); the bound of
    the command (``--steps N``, ``--at``), which is then the run. Otherwise
    :func:`no_end_error`.
    """
    if call.total_steps is not None:
        return call.total_steps
    end = natural_or_none(natural)
    if end is not None:
        return end
    if call.bound is not None:
        return call.bound.updates
    raise no_end_error(call, detail)


def inside(boundaries: Iterable[Boundary], total: int) -> tuple[Boundary, ...]:
    """The boundaries of a run of ``total`` updates: ``0 < step < total``, by step, one per update
    (the first given for an update wins), at most :data:`MAX_BOUNDARIES`.

    >>> [b.step for b in inside([Boundary(5, "a"), Boundary(0, "b"), Boundary(2, "c"),
    ...                          Boundary(5, "d"), Boundary(9, "e")], 9)]
    [2, 5]
    """
    seen: dict[int, Boundary] = {}
    for boundary in boundaries:
        if 0 < boundary.step < total and boundary.step not in seen:
            seen[boundary.step] = boundary
    return tuple(sorted(seen.values(), key=lambda b: b.step))[:MAX_BOUNDARIES]


#: ``finish(lr=...)`` not given: the spec's ``lr``.
_FROM_CALL: Any = object()


def finish(
    call: LibraryCall,
    fn: LRFn,
    *,
    natural: int | None,
    warmup: int = 0,
    boundaries: Iterable[Boundary] = (),
    notes: Iterable[str] = (),
    raise_at: tuple[int, str] | None = None,
    lr: float | None = _FROM_CALL,
    args: Mapping[str, Any] | None = None,
    spec: Mapping[str, Any] | None = None,
    label: str | None = None,
    source: str | None = None,
    chunks: Callable[[int, int], Iterator[FloatArray]] | None = None,
    detail: str = "",
) -> Schedule:
    """Wrap a library's function of the update index as the Schedule every command works on.

    Args:
        call: the validated call (its entry gives the name, the source and the extra keys).
        fn: update indices -> LRs, exactly as the library computes them.
        natural: the run length the schedule implies, or None (or < 1) when it has no end.
        warmup: updates of warmup (0: none).
        boundaries: phase starts to mark; only those inside the run are kept (:func:`inside`).
        notes: remarks for stderr; duplicates are dropped.
        raise_at: ``(update, event)`` when the library raises at that update: NaN from there on
            and a note (:func:`nan_note`); ``event`` is like ``"fairseq raises ZeroDivisionError"``.
        lr: the LR the resolved spec shows (default: the spec's ``lr``). A schedule declared
            ``lr="unused"`` accepts the spec's ``lr`` and gets a note that it has no effect.
        args: the arguments the resolved spec shows (default: the validated ``call.args``), for
            libraries that normalise them.
        spec: further keys of the resolved spec, overriding the declared extra keys' values.
        label: the legend name (default ``library.Name``).
        source: what the numbers reproduce (default: the entry's source).
        chunks: a walker for replayed (recursive) forms, see :class:`~warmupctl.engine.Schedule`.
        detail: what the library offers for the length, added to the "no natural end" hint.
    """
    total = run_length(call, natural, detail)
    end = natural_or_none(natural)
    endless = call.total_steps is None and end is None
    notes = list(notes)
    entry = call.entry
    if raise_at is not None:
        fn = nan_from(fn, raise_at[0])
        notes.append(nan_note(raise_at[1], raise_at[0]))
    unused_lr = entry is not None and entry.lr == "unused"
    if unused_lr and call.lr is not None:
        notes.append(f"the optimizer's lr ({call.lr:g}) has no effect: {call.qualname} takes its "
                     "LRs from its args")
    if endless and call.bound is not None:
        notes.append(f"{call.qualname} has no natural end: {call.bound.flag} bounds the run "
                     f"(updates 0..{total - 1})")
    resolved: dict[str, Any] = {
        "schedule": call.qualname,
        # an lr declared unused is accepted (with the note above) but is not the schedule's
        "lr": None if unused_lr else call.lr if lr is _FROM_CALL else lr,
        "args": plain(call.args if args is None else args),
        "total_steps": call.total_steps if call.total_steps is not None else end,
    }
    for arg in entry.extra if entry is not None else ():
        resolved[arg.name] = call.extra.get(arg.name)
    resolved.update(spec or {})
    return Schedule(
        fn=fn,
        total_steps=total,
        label=label or call.qualname,
        warmup_steps=max(0, warmup),
        boundaries=inside(boundaries, total),
        notes=tuple(dict.fromkeys(notes)),
        spec=resolved,
        source=source or (entry.source if entry is not None else call.qualname),
        chunks=chunks,
    )


__all__ = [
    "MAX_ARG_INT",
    "MAX_BOUNDARIES",
    "FloatArray",
    "IntArray",
    "LRFn",
    "check_bounds",
    "coerce_arg",
    "finish",
    "floats",
    "g",
    "inside",
    "nan_from",
    "nan_note",
    "no_end_error",
    "pieces",
    "plain",
    "run_length",
]

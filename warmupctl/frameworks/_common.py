"""Small helpers shared by the float64 library modules (fairseq, megatron, nemo, torch, timm, ...).

Only what several modules do in exactly the same way lives here: array aliases, the update indices
as floats, six-digit numbers in notes, NaN from the update at which a library raises (and the note
that says so), phase boundaries inside the run, and the run length. What a library does its own
way stays in its module. The float32 (JAX) helpers of optax and Keras are in
:mod:`warmupctl.frameworks._float32`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary
from warmupctl.frameworks._registry import LibraryCall

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
#: A library's LR as a function of the update index (or of its own counter).
LRFn = Callable[[IntArray], FloatArray]


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


def inside(boundaries: Iterable[Boundary], total: int) -> tuple[Boundary, ...]:
    """The boundaries strictly inside a run of ``total`` updates (``0 < step < total``), by step.

    The sort is stable: boundaries on the same update keep their order.
    """
    return tuple(sorted((b for b in boundaries if 0 < b.step < total), key=lambda b: b.step))


def run_length(call: LibraryCall, natural: int | None, message: str, hint: str) -> int:
    """The number of updates to tabulate: the spec's ``total_steps`` when it gives one, else the
    schedule's natural end when that is at least 1.

    Raises:
        SpecError: at ``total_steps`` with ``message`` and ``hint`` when there is neither.
    """
    if call.total_steps is not None:
        return call.total_steps
    if natural is not None and natural >= 1:
        return natural
    raise SpecError(message, path="total_steps", hint=hint)

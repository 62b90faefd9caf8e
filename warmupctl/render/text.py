"""Machine-readable output: CSV, JSON and Markdown, streamed chunk by chunk.

Stable formats (pinned by tests, documented in the README):

* CSV: header ``step,lr``, ``\\n`` line endings, floats in Python's shortest round-trip form, so
  ``float(cell)`` gives back the exact float64.
* JSON: one object with sorted keys: ``format_version``, ``label``, ``rows`` (``{"lr", "step"}``
  objects), ``source``, ``spec`` (every key with its resolved value) and ``summary``. Non-finite
  values (where a library would raise) are written as ``null``.
* Markdown: a GitHub table with the same numbers as the CSV.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from warmupctl.calc.summary import Summary
from warmupctl.engine import Schedule
from warmupctl.engine.schedule import CHUNK_SIZE

FORMAT_VERSION = 1
CSV_HEADER = "step,lr"

#: Update indices of a block of rows: a ``range`` for consecutive updates, else an int64 array.
Steps = range | NDArray[np.int64]
Rows = Iterable[tuple[Steps, NDArray[np.float64]]]


def number(value: float) -> str:
    """The shortest text that reads back as the same float64 (``repr``)."""
    return repr(float(value))


def iter_rows(schedule: Schedule, steps: NDArray[np.int64] | None, count: int,
              chunk: int = CHUNK_SIZE) -> Iterator[tuple[Steps, NDArray[np.float64]]]:
    """``(steps, lrs)`` blocks: every update ``0..count-1`` (steps as a ``range``), or the chosen
    ``steps``. One chunk at a time, so any length streams in bounded memory."""
    if steps is None:
        for first, block in schedule.iter_chunks(count, chunk):
            yield range(first, first + len(block)), block
        return
    for first in range(0, len(steps), chunk):
        part = steps[first:first + chunk]
        yield part, schedule(part)


# Writing rows is bound by turning floats into their shortest round-trip text (``float.__repr__``,
# David Gay's dtoa, 0.2-1 µs per float, more for the 17 significant digits most LRs of a decay need):
# numpy's own formatting (``astype(str)``, ``tofile``) is slower, and ``%.17g`` is not the shortest
# form. So each block is formatted by one list comprehension over ``tolist()`` floats (no numpy scalar
# per row), joined and written at once; a block holding one value (a constant or stable phase, the
# hold after the end) is formatted once.


def _ints(steps: Steps) -> Iterable[int]:
    return steps if isinstance(steps, range) else steps.tolist()


def _one_value(lrs: NDArray[np.float64]) -> float | None:
    """The value of a block whose every LR has the same bits (so 0.0 and -0.0 are not merged)."""
    if len(lrs) < 2:
        return None
    bits = lrs.view(np.int64)
    return float(lrs[0]) if bits[0] == bits[-1] and bool((bits == bits[0]).all()) else None


def _write_lines(out: TextIO, header: str, line: str, rows: Rows) -> None:
    """Write ``header``, then ``line`` (a ``str.format`` template of the update and the LR's repr)
    for each row; a block of one repeated LR formats that value once."""
    out.write(header)
    for steps, lrs in rows:
        same = _one_value(lrs)
        if same is not None:
            text = repr(same)
            out.write("".join([line.format(s, text) for s in _ints(steps)]))
        else:
            out.write("".join([line.format(s, repr(x)) for s, x in zip(_ints(steps), lrs.tolist())]))


def write_csv(out: TextIO, rows: Rows) -> None:
    _write_lines(out, CSV_HEADER + "\n", "{},{}\n", rows)


def write_markdown(out: TextIO, rows: Rows) -> None:
    _write_lines(out, "| step | lr |\n|---:|---:|\n", "| {} | {} |\n", rows)


def write_markdown_columns(out: TextIO, labels: list[str], steps: NDArray[np.int64],
                           columns: list[NDArray[np.float64]]) -> None:
    """A GitHub table with one LR column per schedule (``table A B C --format markdown``)."""
    out.write("| step | " + " | ".join(label.replace("|", "\\|") for label in labels) + " |\n")
    out.write("|---:|" + "---:|" * len(labels) + "\n")
    for i, step in enumerate(steps.tolist()):
        out.write(f"| {step} | " + " | ".join(number(c[i]) for c in columns) + " |\n")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(x) for k, x in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(x) for x in value]
    return value


def dumps(value: Any) -> str:
    """Canonical JSON text: sorted keys, non-finite floats as null."""
    return json.dumps(_finite(value), sort_keys=True, allow_nan=False)


def write_json(out: TextIO, schedule: Schedule, summary: Summary, rows: Rows) -> None:
    """The envelope of the module docstring, rows streamed (one per line)."""
    out.write("{\n")
    out.write(f'"format_version": {FORMAT_VERSION},\n')
    out.write(f'"label": {dumps(schedule.label)},\n')
    out.write('"rows": [')
    separator = "\n"
    for steps, lrs in rows:
        same = _one_value(lrs)
        if same is not None:
            text = number(same) if math.isfinite(same) else "null"
            lines = [f'{{"lr": {text}, "step": {s}}}' for s in _ints(steps)]
        elif np.isfinite(lrs).all():
            lines = [f'{{"lr": {x!r}, "step": {s}}}' for s, x in zip(_ints(steps), lrs.tolist())]
        else:
            lines = [f'{{"lr": {number(x) if math.isfinite(x) else "null"}, "step": {s}}}'
                     for s, x in zip(_ints(steps), lrs.tolist())]
        if lines:
            out.write(separator + ",\n".join(lines))
            separator = ",\n"
    out.write("\n],\n")
    out.write(f'"source": {dumps(schedule.source)},\n')
    out.write(f'"spec": {dumps(dict(schedule.spec))},\n')
    out.write(f'"summary": {dumps(summary.as_dict())}\n')
    out.write("}\n")

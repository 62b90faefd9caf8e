"""Tables with columns beside ``lr``: the intended LR under a stepping policy, the noise-equivalent batch
and the stability flag (``warmupctl table --stepping ... --noise-batch B0 --sharpness L``).

The formats extend :mod:`warmupctl.render.text`'s, so a saved table still reads back as a table:

* CSV: header ``step,lr`` then the extra columns in :data:`ORDER` (``intended``, ``noise_batch``,
  ``unstable``); floats in shortest round-trip form, ``inf`` for an infinite noise batch (``float``
  reads it back), flags as ``1``/``0``.
* JSON: the envelope of ``text.write_json`` (sorted keys), each row ``{"intended", "lr",
  "noise_batch", "step", "unstable"}`` as present, non-finite numbers as ``null`` and flags as
  ``true``/``false``; top-level ``intended`` (label and summary of the designed schedule),
  ``policies`` and ``theory`` where they apply.
* Markdown and the Rich table: the same columns; ``∞`` for an infinite batch on a terminal.

``samples`` and ``tokens`` (``table --columns samples,tokens``, shown without asking during a
batch-size ramp) are the counts consumed before each update (:mod:`warmupctl.engine.progress`):
whole numbers in every format (``1,234`` on a terminal), which a saved table's reader skips.

The same writers show a schedule's series (:mod:`warmupctl.engine.series`): ``lr`` and then one
float column per series, named as the series (``lr/pg1``, ``momentum``, ``betas[0]``,
``weight_decay``). A JSON table with series has ``format_version`` :data:`SERIES_FORMAT_VERSION`
and a top-level ``series`` list of the column names; a CSV's header names them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray
from rich.table import Table
from rich.text import Text

from warmupctl.calc.summary import Summary
from warmupctl.engine import Schedule
from warmupctl.engine.progress import Progress
from warmupctl.engine.schedule import CHUNK_SIZE
from warmupctl.engine.series import is_lr
from warmupctl.render.table import CONVENTION, fmt
from warmupctl.render.text import FORMAT_VERSION, dumps

#: Extra columns, in the order they follow ``lr``; the kind says how a cell is written.
ORDER: tuple[str, ...] = ("intended", "noise_batch", "unstable", "samples", "tokens")
KINDS: dict[str, str] = {"lr": "float", "intended": "float", "noise_batch": "float", "unstable": "flag",
                         "samples": "count", "tokens": "count"}
TITLES: dict[str, str] = {"intended": "intended", "noise_batch": "noise batch", "unstable": "> 2/λ",
                          "samples": "samples before", "tokens": "tokens before"}

#: ``format_version`` of a JSON table whose rows carry series besides ``lr`` (1: ``lr`` alone).
SERIES_FORMAT_VERSION = 2

Steps = range | NDArray[np.int64]
Block = tuple[Steps, Mapping[str, NDArray[Any]]]


def _ints(steps: Steps) -> list[int]:
    return list(steps) if isinstance(steps, range) else steps.tolist()


def _cells(name: str, values: NDArray[Any], style: str) -> list[str]:
    """Text of one column of a block: ``csv`` (round-trip floats, inf), ``json`` (null, true/false)."""
    if KINDS.get(name, "float") == "flag":
        yes, no = ("true", "false") if style == "json" else ("1", "0")
        return [yes if v else no for v in values.tolist()]
    if KINDS.get(name) == "count":  # exact whole numbers (samples, tokens)
        return [str(v) for v in values.tolist()]
    if style == "json":
        return [repr(v) if math.isfinite(v) else "null" for v in values.tolist()]
    return [repr(v) for v in values.tolist()]  # repr gives 'inf' and 'nan', which float() reads


def columns_of(names: Iterable[str], value: str = "lr") -> list[str]:
    """The value column (``lr``, or the series ``--series`` picked) then the known extra columns among
    ``names``, in :data:`ORDER`."""
    wanted = set(names)
    return [value, *(name for name in ORDER if name in wanted)]


def write_csv(out: TextIO, names: list[str], blocks: Iterable[Block]) -> None:
    out.write(",".join(["step", *names]) + "\n")
    for steps, values in blocks:
        cells = [_cells(name, values[name], "csv") for name in names]
        out.write("".join([f"{s},{','.join(row)}\n" for s, *row in zip(_ints(steps), *cells)]))


def write_markdown(out: TextIO, names: list[str], blocks: Iterable[Block]) -> None:
    out.write("| " + " | ".join(["step", *names]) + " |\n")
    out.write("|" + "---:|" * (len(names) + 1) + "\n")
    for steps, values in blocks:
        cells = [_cells(name, values[name], "csv") for name in names]
        out.write("".join([f"| {s} | {' | '.join(row)} |\n" for s, *row in zip(_ints(steps), *cells)]))


def write_json(out: TextIO, schedule: Schedule, summary: Summary, names: list[str],
               blocks: Iterable[Block], extra: Mapping[str, Any]) -> None:
    """The ``text.write_json`` envelope with richer rows, and ``extra`` top-level keys (sorted in).

    The summary is of the first column: a series that is not an LR (``momentum``) has its values
    under ``peak``, ``min``, ... rather than ``peak_lr``, ``min_lr`` (:meth:`Summary.as_dict`)."""
    keys = sorted(["step", *names])
    top = {"format_version": FORMAT_VERSION if set(names) <= set(KINDS) else SERIES_FORMAT_VERSION,
           "label": schedule.label, "source": schedule.source,
           "spec": dict(schedule.spec), "summary": summary.as_dict(lr=is_lr(names[0])), **extra}
    out.write("{\n")
    for key in sorted(k for k in top if k < "rows"):
        out.write(f'"{key}": {dumps(top[key])},\n')
    out.write('"rows": [')
    separator = "\n"
    for steps, values in blocks:
        cells = {name: _cells(name, values[name], "json") for name in names}
        cells["step"] = [str(s) for s in _ints(steps)]
        lines = ["{" + ", ".join(f'"{key}": {cell}' for key, cell in zip(keys, row)) + "}"
                 for row in zip(*(cells[key] for key in keys))]
        if lines:
            out.write(separator + ",\n".join(lines))
            separator = ",\n"
    out.write("\n]")
    for key in sorted(k for k in top if k > "rows"):
        out.write(f',\n"{key}": {dumps(top[key])}')
    out.write("\n}\n")


def build_table(title: str, steps: NDArray[np.int64], names: list[str],
                values: Mapping[str, NDArray[Any]], marks: Mapping[int, str], gaps: bool = True) -> Table:
    """A Rich table: step, the columns, the events; an ellipsis row where updates are skipped."""
    table = Table(title=Text(title), caption=Text(CONVENTION, style="dim"), caption_justify="left")
    table.add_column("step", justify="right", style="cyan")
    texts = [_terminal(name, values[name]) for name in names]
    for name, column in zip(names, texts):
        header = f"{name} (effective)" if name == names[0] and "intended" in names else TITLES.get(name, name)
        # A number is never cut ("0.000…") nor wrapped ("0.0001" over "65"): its column is as wide
        # as its longest cell; a long header wraps instead.
        table.add_column(header, overflow="fold", min_width=max(map(len, column), default=1),
                         justify="right" if KINDS.get(name, "float") in ("float", "count") else "center",
                         style="red" if name == "unstable" else None)
    table.add_column("event", style="magenta")
    previous = None
    for i, step in enumerate(steps.tolist()):
        if gaps and previous is not None and step > previous + 1:
            table.add_row("⋮", *([""] * len(names)), "", style="dim")
        table.add_row(str(step), *(column[i] for column in texts), marks.get(step, ""))
        previous = step
    return table


def fitting(names: list[str], values: Mapping[str, NDArray[Any]], steps: NDArray[np.int64],
            marks: Mapping[int, str], width: int) -> list[list[str]]:
    """``names`` cut into runs of columns whose table fits ``width`` terminal columns (each run
    becomes a table of its own, with the steps and events), so that no number is ever cropped."""
    def needed(name: str) -> int:
        return max(len(name) // 2, *(len(cell) for cell in _terminal(name, values[name])), 1) + 3

    fixed = 4 + max((len(str(s)) for s in steps.tolist()), default=4) + 3 + max(
        (len(text) for text in marks.values()), default=5) + 3
    runs: list[list[str]] = [[]]
    used = fixed
    for name in names:
        cost = needed(name)
        if runs[-1] and used + cost > width:
            runs.append([])
            used = fixed
        runs[-1].append(name)
        used += cost
    return runs


def _terminal(name: str, values: NDArray[Any]) -> list[str]:
    if KINDS.get(name, "float") == "flag":
        return ["yes" if v else "" for v in values.tolist()]
    if KINDS.get(name) == "count":
        return [f"{v:,}" for v in values.tolist()]
    return ["∞" if v == math.inf else fmt(v) for v in values.tolist()]


def iter_blocks(shown: Schedule, steps: NDArray[np.int64] | None, count: int,
                intended: Schedule | None = None,
                derive: Callable[[NDArray[np.float64]], Mapping[str, NDArray[Any]]] | None = None,
                value: str = "lr") -> Iterator[Block]:
    """``(steps, {column: values})`` blocks of ``shown`` — every update ``0..count-1``, or the chosen
    ``steps`` — in the column ``value``, with ``intended``'s beside it (walked in step with ``shown``,
    so a recursive replay is read once) and ``derive(lrs)`` adding the columns computed from the LR.
    Bounded memory."""
    def more(lrs: NDArray[np.float64]) -> Mapping[str, NDArray[Any]]:
        return derive(lrs) if derive is not None else {}

    if steps is None:
        beside = intended.iter_chunks(count, CHUNK_SIZE) if intended is not None else None
        for first, block in shown.iter_chunks(count, CHUNK_SIZE):
            row: dict[str, NDArray[Any]] = {value: block, **more(block)}
            if beside is not None:
                row["intended"] = next(beside)[1]
            yield range(first, first + len(block)), row
        return
    for first in range(0, len(steps), CHUNK_SIZE):
        part = steps[first:first + CHUNK_SIZE]
        lrs = shown(part)
        row = {value: lrs, **more(lrs)}
        if intended is not None:
            row["intended"] = intended(part)
        yield part, row


def series_blocks(schedule: Schedule, names: list[str], steps: NDArray[np.int64] | None,
                  count: int) -> Iterator[Block]:
    """``(steps, {series: values})`` blocks of the series ``names`` of ``schedule`` (``lr`` among
    them): every update ``0..count-1``, or the chosen ``steps``. Bounded memory."""
    from warmupctl.engine.series import at, iter_series

    if steps is None:
        for first, values in iter_series(schedule, names, count, CHUNK_SIZE):
            yield range(first, first + len(values[names[0]])), values
        return
    for first in range(0, len(steps), CHUNK_SIZE):
        part = steps[first:first + CHUNK_SIZE]
        yield part, at(schedule, names, part)


def with_progress(blocks: Iterable[Block], progress: Progress, names: tuple[str, ...]) -> Iterator[Block]:
    """The blocks with the samples/tokens consumed before each of their updates
    (:class:`~warmupctl.engine.progress.Progress`) as further columns ``names``."""
    for steps, values in blocks:
        at = np.arange(steps.start, steps.stop, dtype=np.int64) if isinstance(steps, range) else steps
        yield steps, {**values, **progress.at(at, names)}


def gather(blocks: Iterable[Block], names: list[str]) -> dict[str, NDArray[Any]]:
    """The blocks' columns joined into one array each (for a terminal table: a bounded row count)."""
    parts: dict[str, list[NDArray[Any]]] = {name: [] for name in names}
    for _, values in blocks:
        for name in names:
            parts[name].append(values[name])
    return {name: np.concatenate(part) if part else np.empty(0) for name, part in parts.items()}

"""Rich tables for a terminal: the LR update by update, and the summary."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from warmupctl.calc.summary import Summary
from warmupctl.engine import Schedule

CONVENTION = "lr[k] = the learning rate used by optimizer update k (k = 0, 1, 2, …)"


def fmt(value: float | None) -> str:
    """Six significant digits: readable, and exact values are one ``--format csv`` away."""
    if value is None:
        return "–"
    return f"{value:.6g}"


def events(schedule: Schedule, summary: Summary) -> dict[int, str]:
    """Update index -> what happens there (warmup end, peak, boundaries, final)."""
    marks: dict[int, list[str]] = {}

    def add(step: int, text: str) -> None:
        if text not in marks.setdefault(step, []):
            marks[step].append(text)

    add(0, "start")
    for boundary in schedule.boundaries:
        add(boundary.step, boundary.label)
    add(summary.peak_step, "peak")
    add(summary.final_step, "final")
    return {step: ", ".join(texts) for step, texts in marks.items()}


def captioned(table: Table, caption: str = CONVENTION) -> RenderableType:
    """``table`` with ``caption`` on the lines under it, as wide as the console (a Rich caption wraps
    at the table's width: under a narrow table, a sentence became four lines of three words)."""
    return Group(table, Text(caption, style="dim"))


def build_lr_table(
    schedule: Schedule, steps: NDArray[np.int64], lrs: NDArray[np.float64],
    marks: Mapping[int, str], gaps: bool = True, column: str = "lr",
) -> RenderableType:
    """One row per chosen update; an ellipsis row where updates are skipped; the convention under it.
    ``column`` heads the values: ``lr``, or the series shown in its place (``--series momentum``)."""
    table = Table(title=Text(schedule.label))
    table.add_column("step", justify="right", style="cyan")
    table.add_column(column, justify="right")
    table.add_column("event", style="magenta")
    previous = None
    for step, lr in zip(steps.tolist(), lrs.tolist()):
        if gaps and previous is not None and step > previous + 1:
            table.add_row("⋮", "", "", style="dim")
        table.add_row(str(step), fmt(lr), marks.get(step, ""))
        previous = step
    return captioned(table)


def build_summary_table(summary: Summary) -> RenderableType:
    """The key events, a header row over them, and the convention under the table."""
    table = Table(title=Text(summary.label))
    table.add_column("event", style="cyan")
    table.add_column("lr", justify="right")
    table.add_column("at update", justify="right")
    table.add_row("LR at update 0", fmt(summary.first_lr), "0")
    if summary.warmup_steps:
        table.add_row("warmup end", fmt(summary.warmup_end_lr), str(summary.warmup_steps))
    table.add_row("peak", fmt(summary.peak_lr), str(summary.peak_step))
    table.add_row("final LR", fmt(summary.final_lr), str(summary.final_step))
    table.add_row("minimum", fmt(summary.min_lr), str(summary.min_step))
    table.add_row("mean LR", fmt(summary.mean_lr), "")
    table.add_row("sum of LR", fmt(summary.lr_sum), f"{summary.total_steps} updates")
    return captioned(table)


def build_side_by_side(labels: list[str], steps: NDArray[np.int64],
                       columns: list[NDArray[np.float64]], totals: list[int] | None = None
                       ) -> RenderableType:
    """One row per update, one LR column per schedule; a value at or beyond its schedule's
    ``totals`` entry (the run's length) is marked ``past end``."""
    table = Table()
    table.add_column("step", justify="right", style="cyan")
    for label in labels:
        table.add_column(Text(label), justify="right")
    for i, step in enumerate(steps.tolist()):
        cells = [fmt(float(c[i])) for c in columns]
        if totals is not None:
            cells = [f"{cell} (past end)" if step >= total else cell for cell, total in zip(cells, totals)]
        table.add_row(str(step), *cells)
    return captioned(table)

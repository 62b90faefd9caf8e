"""Rich tables for the series of a schedule besides its LR (``warmupctl summary``)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text

from warmupctl.calc.summary import Summary
from warmupctl.render.table import fmt


def build_series_summary_table(summaries: Mapping[str, Summary]) -> Table:
    """One row per series: its value at update 0, its largest and smallest (with the update), its
    final value and its mean."""
    table = Table(title=Text("series besides lr"), caption_justify="left")
    table.add_column("series", style="cyan")
    for header in ("at update 0", "max", "@", "min", "@", "final", "mean"):
        table.add_column(header, justify="right")
    for name, s in summaries.items():
        table.add_row(Text(name), fmt(s.first_lr), fmt(s.peak_lr), str(s.peak_step), fmt(s.min_lr),
                      str(s.min_step), fmt(s.final_lr), fmt(s.mean_lr))
    return table

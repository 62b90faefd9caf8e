"""The parts of ``table`` and ``summary`` for schedules that carry series besides the LR.

``table`` shows one column per series (terminal, CSV, JSON, Markdown); ``summary`` adds one row per
series (first value, peak, final, minimum, mean). ``--series NAME`` (every command) replaces the
schedule by one of its series before any of this, so these paths see series only when none is
picked.
"""

from __future__ import annotations

from typing import Any

import typer

from warmupctl.cli._common import app_context


def series_table(ctx: typer.Context, schedule: Any, chosen: str, output: str | None,
                 rows: Any, count: int, gaps: bool, max_rows: int, progress: tuple[str, ...] = (),
                 names: list[str] | None = None) -> None:
    """``warmupctl table`` of a schedule with series: ``step, lr, <series>...``, then the ``progress``
    counts (``samples``, ``tokens``); ``names`` picks the series (default: all of them)."""

    from warmupctl.calc.summary import summarize
    from warmupctl.cli._output import write_text
    from warmupctl.engine.series import names as series_names
    from warmupctl.render import columns as cols

    picked = list(names or series_names(schedule))

    def blocks_of(steps: Any) -> Any:
        blocks = cols.series_blocks(schedule, picked, steps, count)
        return cols.with_progress(blocks, schedule.progress, progress) if progress else blocks

    names = [*picked, *progress]
    context = app_context(ctx)
    if chosen == "table":
        from warmupctl.cli._render import print_or_write, terminal_rows

        shown = terminal_rows(rows, count, max_rows)
        from warmupctl.render.table import events

        values = cols.gather(blocks_of(shown), names)
        marks = events(schedule, summarize(schedule, count))
        width = context.out_console().width if output is None or output == "-" else 120
        tables = [cols.build_table(schedule.label, shown, part, values, marks, gaps=gaps)
                  for part in cols.fitting(names, values, shown, marks, width)]
        from rich.console import Group

        print_or_write(ctx, Group(*tables), output, width=120)
    else:
        blocks = blocks_of(rows)
        extra = {"series": picked[1:]} if len(picked) > 1 else {}
        writers = {
            "csv": lambda out: cols.write_csv(out, names, blocks),
            "markdown": lambda out: cols.write_markdown(out, names, blocks),
            "json": lambda out: cols.write_json(out, schedule, summarize(schedule, count), names,
                                                blocks, extra),
        }
        write_text(output, writers[chosen])
    if output and output != "-":
        context.info(f"wrote {output}")

"""Showing a Rich renderable built by :mod:`warmupctl.render`: on the terminal, or as plain text in a
file (written atomically by :func:`warmupctl.cli._output.write_text`). Light to import: Rich is
loaded only when something is shown."""

from typing import Any

import typer


def print_or_write(ctx: typer.Context, renderable: Any, output: str | None, *, width: int = 120) -> None:
    """Print ``renderable`` on stdout (``output`` None or ``-``), or write it to the file ``output``
    without colour, ``width`` columns wide (a terminal's width would make the file depend on it)."""
    from warmupctl.cli._common import app_context

    if output is None or output == "-":
        app_context(ctx).out_console().print(renderable)
        return
    from rich.console import Console

    from warmupctl.cli._output import write_text

    write_text(output, lambda out: Console(file=out, no_color=True, width=width,
                                           color_system=None).print(renderable))


#: The most rows a terminal table shows; more are refused with a hint to write CSV or JSON.
MAX_TERMINAL_ROWS = 100_000


def terminal_rows(rows: Any, count: int, max_rows: int = MAX_TERMINAL_ROWS) -> Any:
    """The updates a terminal table shows: ``rows`` (picked by --every / --at), else all ``count``.

    Raises:
        SpecError: more than ``max_rows`` rows (a table that size is unreadable; CSV or JSON is not).
    """
    import numpy as np

    from warmupctl.core.errors import SpecError

    shown = count if rows is None else len(rows)
    if shown > max_rows:
        raise SpecError(f"{shown} rows are too many for a terminal table", source="command line",
                        path="--format", value="table",
                        hint="use --format csv (or json), or pick rows with --every / --at")
    return rows if rows is not None else np.arange(count, dtype=np.int64)

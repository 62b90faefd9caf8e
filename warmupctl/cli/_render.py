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

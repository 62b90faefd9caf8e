"""``warmupctl table``: the LR update by update."""

from typing import Annotated, Optional

import typer

from warmupctl.cli._common import app_context, format_from_suffix, load_schedules, parse_steps_list
from warmupctl.cli._options import OutputOpt, SpecArg, StepsOpt, TableFormat, with_spec_flags
from warmupctl.errors import SpecError

#: A terminal table with more rows than this is refused in favour of a machine format.
MAX_TERMINAL_ROWS = 100_000
SUFFIXES = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown"}


def table(
    ctx: typer.Context,
    specs: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="spec file(s) (YAML/JSON), - for stdin; several: side by side; none: the flags alone",
        metavar="[SPEC]...",
    )] = None,
    fmt: Annotated[Optional[TableFormat], typer.Option(  # noqa: UP045
        "--format", "-f", help="table, csv, json or markdown; default: from -o's suffix, else table",
    )] = None,
    output: OutputOpt = None,
    steps: StepsOpt = None,
    every: Annotated[Optional[int], typer.Option("--every", min=1, metavar="K",  # noqa: UP045
                                                 help="every Kth update (and the last)")] = None,
    at: Annotated[Optional[str], typer.Option("--at", metavar="N,N,...",  # noqa: UP045
                                              help="only these updates, e.g. 0,10,100")] = None,
    flags: dict | None = None,
) -> None:
    """Tabulate the LR of each update: `warmupctl table --kind cosine --ratio 0.1 --format csv`.

    With no row option, a terminal table shows a compact view around the events (start, warmup end,
    peak, every 5 %, final) and csv/json/markdown show every update of the run. Several specs are
    shown side by side, one column each (terminal or markdown).
    """
    import numpy as np

    from warmupctl.calc.rows import compact_steps, every_steps
    from warmupctl.calc.summary import summarize
    from warmupctl.render import text

    chosen = fmt.value if fmt else (format_from_suffix(output, SUFFIXES) or "table")
    at_steps = parse_steps_list(at, "--at") if at is not None else None
    if at_steps is not None and (steps or every):
        raise SpecError("--at names the updates; it does not combine with --steps or --every",
                        source="command line", path="--at", value=at)
    if output and output != "-":
        from warmupctl.cli._output import check_destination

        check_destination(output)
    schedules = load_schedules(ctx, specs, flags or {})
    if len(schedules) > 1:
        _side_by_side(ctx, schedules, chosen, output, steps, every, at_steps)
        return
    (schedule,) = schedules
    count = steps or schedule.total_steps
    if at_steps is not None:
        rows = np.array(at_steps, dtype=np.int64)
    elif every:
        rows = every_steps(count, every)
    elif steps or chosen != "table":
        rows = None  # every update, streamed
    else:
        rows = compact_steps(schedule, count)

    if chosen == "table":
        shown = count if rows is None else len(rows)
        if shown > MAX_TERMINAL_ROWS:
            raise SpecError(f"{shown} rows are too many for a terminal table", source="command line",
                            path="--format", value="table",
                            hint="use --format csv (or json), or pick rows with --every / --at")
        _terminal_table(ctx, schedule, rows if rows is not None else np.arange(count), count, output,
                        gaps=not (every or at_steps is not None))
        return

    from warmupctl.cli._output import write_text

    summary = summarize(schedule, count)
    blocks = text.iter_rows(schedule, rows, count)
    writers = {
        "csv": lambda out: text.write_csv(out, blocks),
        "markdown": lambda out: text.write_markdown(out, blocks),
        "json": lambda out: text.write_json(out, schedule, summary, blocks),
    }
    write_text(output, writers[chosen])
    if output and output != "-":
        app_context(ctx).info(f"wrote {output}")


def _terminal_table(ctx: typer.Context, schedule, rows, count: int, output: str | None,
                    gaps: bool) -> None:
    from warmupctl.calc.summary import summarize
    from warmupctl.cli._output import write_text
    from warmupctl.render.table import build_lr_table, events

    summary = summarize(schedule, count)
    rendered = build_lr_table(schedule, rows, schedule(rows), events(schedule, summary), gaps=gaps)
    context = app_context(ctx)
    if output is None or output == "-":
        context.out_console().print(rendered)
        return

    def produce(stream) -> None:
        from rich.console import Console

        Console(file=stream, no_color=True, width=100, color_system=None).print(rendered)

    write_text(output, produce)
    context.info(f"wrote {output}")


def _side_by_side(ctx: typer.Context, schedules: list, chosen: str, output: str | None,
                  steps: int | None, every: int | None, at_steps: list[int] | None) -> None:
    """One column per spec, over the same updates."""
    import numpy as np

    from warmupctl.calc.rows import compact_steps, every_steps
    from warmupctl.cli._output import write_text

    if chosen not in ("table", "markdown"):
        raise SpecError(f"--format {chosen} takes one spec", source="command line", path="--format",
                        value=chosen, hint="show several side by side as table or markdown, or "
                                           "compare two with 'warmupctl diff'")
    count = steps or max(s.total_steps for s in schedules)
    if at_steps is not None:
        rows = np.array(at_steps, dtype=np.int64)
    elif every:
        rows = every_steps(count, every)
    elif steps and count <= MAX_TERMINAL_ROWS:
        rows = np.arange(count, dtype=np.int64)
    else:
        rows = np.unique(np.concatenate([compact_steps(s, count) for s in schedules]))
    columns = [s(rows) for s in schedules]
    labels = [s.label for s in schedules]
    if chosen == "markdown":
        from warmupctl.render.text import write_markdown_columns

        write_text(output, lambda out: write_markdown_columns(out, labels, rows, columns))
    else:
        from warmupctl.render.table import build_side_by_side

        rendered = build_side_by_side(labels, rows, columns)
        if output is None or output == "-":
            app_context(ctx).out_console().print(rendered)
        else:
            from rich.console import Console

            write_text(output, lambda out: Console(file=out, no_color=True, width=120,
                                                   color_system=None).print(rendered))
    if output and output != "-":
        app_context(ctx).info(f"wrote {output}")


def register(app: typer.Typer) -> None:
    app.command("table")(with_spec_flags(table))

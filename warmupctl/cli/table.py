"""``warmupctl table``: the LR update by update."""

from typing import Annotated, Optional

import typer

from warmupctl.cli import _policies as pol
from warmupctl.cli._at import complete_at, parse_at, past_end_marks, resolve_at
from warmupctl.cli._common import app_context, format_from_suffix, load_schedules
from warmupctl.cli._options import OutputOpt, StepsOpt, TableFormat, with_spec_flags
from warmupctl.cli._render import MAX_TERMINAL_ROWS, terminal_rows
from warmupctl.core.errors import SpecError

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
    at: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--at", metavar="N,N,...", autocompletion=complete_at,
        help="only these updates, e.g. 0,10,100; -1 is the last update (-2 the one before), and "
             "the words start, warmup_end, peak, last name those updates; beyond the run: 'past end'",
    )] = None,
    columns: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--columns", metavar="samples,tokens|none",
        help="the samples and tokens consumed before each update, beside the LR (schedules that count "
             "data: Megatron with global_batch_size, tokens with seq_length); shown without asking "
             "during a batch-size ramp; none hides them",
    )] = None,
    policy_flags: pol.PolicyFlags | None = None,
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
    at_steps = parse_at(at) if at is not None else None
    if at_steps is not None and (steps or every):
        raise SpecError("--at names the updates; it does not combine with --steps or --every",
                        source="command line", path="--at", value=at)
    if output and output != "-":
        from warmupctl.cli._output import check_destination

        check_destination(output)
    policy_flags = policy_flags or pol.PolicyFlags(pol.PolicyOptions())
    options = policy_flags.options
    theory = policy_flags.theory()
    if columns is not None and (options.any or theory.any or len(specs or []) > 1):
        raise SpecError("shows the counts of one spec, without stepping or theory columns",
                        source="command line", path="--columns", value=columns,
                        hint="run the command once per spec, without --stepping, --noise-batch, --sharpness")
    asked = parse_columns(columns) if columns is not None else None
    if options.any or theory.any:
        _with_policies(ctx, specs, flags or {}, options, theory, chosen, output, steps, every, at_steps)
        return
    schedules = load_schedules(ctx, specs, flags or {})
    if len(schedules) > 1:
        _side_by_side(ctx, schedules, chosen, output, steps, every, at_steps)
        return
    (schedule,) = schedules
    progress = progress_columns(schedule, asked, columns)
    count = steps or schedule.total_steps
    if at_steps is not None:
        rows = np.array(resolve_at(at_steps, schedules), dtype=np.int64)
    elif every:
        rows = every_steps(count, every)
    elif steps or chosen != "table":
        rows = None  # every update, streamed
    else:
        rows = compact_steps(schedule, count)

    if schedule.series:  # one column per series (lr of each param group, momentum, ...)
        from warmupctl.cli._series import series_table

        series_table(ctx, schedule, chosen, output, rows, count,
                     gaps=not (every or at_steps is not None), max_rows=MAX_TERMINAL_ROWS,
                     progress=progress)
        return
    if progress:  # lr and the counts: the writers of the extra columns
        from warmupctl.cli._series import series_table

        series_table(ctx, schedule, chosen, output, rows, count,
                     gaps=not (every or at_steps is not None), max_rows=MAX_TERMINAL_ROWS,
                     progress=progress, names=["lr"])
        return
    if chosen == "table":
        _terminal_table(ctx, schedule, terminal_rows(rows, count), count, output,
                        gaps=not (every or at_steps is not None),
                        column=str((flags or {}).get("series") or "lr"))
        return

    from warmupctl.cli._output import write_text

    picked = str((flags or {}).get("series") or "lr")
    if picked != "lr":  # --series NAME: the value column is named as the series (step,momentum)
        from warmupctl.render import columns as cols

        named = [picked]
        series_rows = ((s, {picked: lrs}) for s, lrs in text.iter_rows(schedule, rows, count))
        writers = {
            "csv": lambda out: cols.write_csv(out, named, series_rows),
            "markdown": lambda out: cols.write_markdown(out, named, series_rows),
            "json": lambda out: cols.write_json(out, schedule, summarize(schedule, count), named,
                                                series_rows, {"series": named}),
        }
        write_text(output, writers[chosen])
        if output and output != "-":
            app_context(ctx).info(f"wrote {output}")
        return
    blocks = text.iter_rows(schedule, rows, count)
    writers = {
        "csv": lambda out: text.write_csv(out, blocks),
        "markdown": lambda out: text.write_markdown(out, blocks),
        # Only JSON carries the summary: a CSV of a few rows of a long run need not walk all of it.
        "json": lambda out: text.write_json(out, schedule, summarize(schedule, count), blocks),
    }
    write_text(output, writers[chosen])
    if output and output != "-":
        app_context(ctx).info(f"wrote {output}")


def parse_columns(columns: str) -> tuple[str, ...]:
    """``--columns samples,tokens`` as names (``none``: no count column)."""
    from warmupctl.engine.progress import NAMES

    names = tuple(dict.fromkeys(part.strip() for part in columns.split(",") if part.strip()))
    if names == ("none",):
        return ()
    for name in names or (columns,):
        if name not in NAMES:
            raise SpecError("is not a column", source="command line", path="--columns", value=name,
                            hint="samples, tokens, or none")
    return names


def progress_columns(schedule, names: tuple[str, ...] | None, columns: str | None) -> tuple[str, ...]:
    """The count columns ``--columns`` asks for (``names``), checked against what the schedule
    counts; without it, all the schedule's counts during a batch-size ramp (where updates do not
    tell the samples)."""
    progress = schedule.progress
    if names is None:
        return progress.names if progress is not None and progress.varying else ()
    for name in names:
        if progress is None:
            raise SpecError("this schedule does not count samples", source="command line",
                            path="--columns", value=columns,
                            hint="Megatron arguments with global_batch_size count them; other schedules "
                                 "count updates only")
        if name not in progress.names:
            raise SpecError("tokens need the sequence length", source="command line", path="--columns",
                            value=columns, hint="add seq_length (--seq-length) to the Megatron arguments")
    return names


def _terminal_table(ctx: typer.Context, schedule, rows, count: int, output: str | None,
                    gaps: bool, column: str = "lr") -> None:
    from warmupctl.calc.summary import summarize
    from warmupctl.cli._render import print_or_write
    from warmupctl.render.table import build_lr_table, events

    summary = summarize(schedule, count)
    marks = events(schedule, summary)
    marks.update(past_end_marks(schedule, rows, marks))
    rendered = build_lr_table(schedule, rows, schedule(rows), marks, gaps=gaps, column=column)
    print_or_write(ctx, rendered, output, width=100)
    if output and output != "-":
        app_context(ctx).info(f"wrote {output}")


def _side_by_side(ctx: typer.Context, schedules: list, chosen: str, output: str | None,
                  steps: int | None, every: int | None, at_steps: list[int | str] | None) -> None:
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
        rows = np.array(resolve_at(at_steps, schedules), dtype=np.int64)
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
        from warmupctl.cli._render import print_or_write
        from warmupctl.render.table import build_side_by_side

        print_or_write(ctx, build_side_by_side(labels, rows, columns,
                                                   [s.total_steps for s in schedules]), output)
    if output and output != "-":
        app_context(ctx).info(f"wrote {output}")


def _with_policies(ctx: typer.Context, specs: list[str] | None, flags: dict, options, theory,
                   chosen: str, output: str | None, steps: int | None, every: int | None,
                   at_steps: list[int | str] | None) -> None:
    """One spec, with the effective LR (``lr``, or the series of ``--series``) beside the intended one
    and the theory's columns."""
    import numpy as np

    from warmupctl.calc import theory as th
    from warmupctl.calc.rows import compact_steps, every_steps
    from warmupctl.calc.summary import summarize
    from warmupctl.engine.series import is_lr
    from warmupctl.render import columns as cols

    if len(specs or []) > 1:
        raise SpecError("the stepping and theory columns show one spec", source="command line",
                        path="--stepping" if options.any else
                        ("--noise-batch" if theory.noise_batch is not None else "--sharpness"),
                        hint="run the command once per spec")
    loaded = pol.load_with_policies(ctx, specs, flags, options)
    shown, intended = loaded.shown, loaded.intended
    count = steps or shown.total_steps
    context = app_context(ctx)

    picked = str(flags.get("series") or "lr")  # --series NAME: the value column is named as the series
    names = cols.columns_of([*(["intended"] if loaded.effective is not None else []),
                             *(["noise_batch"] if theory.noise_batch is not None else []),
                             *(["unstable"] if theory.sharpness is not None else [])], picked)
    peak = None
    extra: dict = {"series": [picked]} if picked != "lr" else {}
    if theory.noise_batch is not None:
        peak = summarize(intended).peak_lr
        if not peak > 0:
            raise SpecError("the noise-equivalent batch needs a schedule whose peak LR is positive",
                            source="command line", path="--noise-batch", value=theory.noise_batch)
        extra.setdefault("theory", {})["noise_batch"] = {"batch": theory.noise_batch, "peak": peak}
    report = None
    if theory.sharpness is not None:
        report = th.stability(shown, theory.sharpness, count)
        context.note(report.describe())
        extra.setdefault("theory", {})["stability"] = report.as_dict()
    if loaded.effective is not None:
        extra["policies"] = [p.as_dict() for p in loaded.policies]
        extra["intended"] = {"label": intended.label,
                             "summary": summarize(intended, count).as_dict(lr=is_lr(picked))}

    def derive(lrs):
        out = {}
        if theory.noise_batch is not None:
            out["noise_batch"] = th.noise_batch(lrs, peak, theory.noise_batch)
        if theory.sharpness is not None:
            out["unstable"] = th.unstable(lrs, theory.sharpness)
        return out

    beside = intended if loaded.effective is not None else None
    if at_steps is not None:
        rows = np.array(resolve_at(at_steps, [shown]), dtype=np.int64)
    elif every:
        rows = every_steps(count, every)
    elif steps or chosen != "table":
        rows = None
    else:
        picks = [compact_steps(shown, count)]
        if loaded.effective is not None:  # the intended events too: where the plan said they would be
            picks.append(compact_steps(intended, count))
        if report is not None and report.first is not None:
            picks.append(np.array([report.first - 1, report.first, report.last, report.last + 1]))
        rows = np.unique(np.concatenate(picks))
        rows = rows[(rows >= 0) & (rows < count)]

    summary = summarize(shown, count)
    if chosen == "table":
        shown_rows = terminal_rows(rows, count)
        values = cols.gather(cols.iter_blocks(shown, shown_rows, count, beside, derive, picked), names)
        from warmupctl.render.table import events

        marks = events(shown, summary)
        marks.update(past_end_marks(shown, shown_rows, marks))
        if report is not None and report.first is not None:
            for step, text in ((report.first, "first > 2/λ"), (report.last, "last > 2/λ")):
                marks[step] = f"{marks[step]}, {text}" if step in marks else text
        rendered = cols.build_table(shown.label, shown_rows, names, values, marks,
                                    gaps=not (every or at_steps is not None))
        from warmupctl.cli._render import print_or_write

        print_or_write(ctx, rendered, output)
        if output and output != "-":
            context.info(f"wrote {output}")
        return

    from warmupctl.cli._output import write_text

    blocks = cols.iter_blocks(shown, rows, count, beside, derive, picked)
    writers = {
        "csv": lambda out: cols.write_csv(out, names, blocks),
        "markdown": lambda out: cols.write_markdown(out, names, blocks),
        "json": lambda out: cols.write_json(out, shown, summary, names, blocks, extra),
    }
    write_text(output, writers[chosen])
    if output and output != "-":
        context.info(f"wrote {output}")


def register(app: typer.Typer) -> None:
    app.command("table")(with_spec_flags(pol.with_policy_flags(table)))

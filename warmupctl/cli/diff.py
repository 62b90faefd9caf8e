"""``warmupctl diff A B``: are two schedules the same, update by update? For CI, like diff(1)."""

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from warmupctl.cli._common import app_context, run_bound
from warmupctl.cli._options import (
    ActualOffsetOpt,
    ActualOpt,
    ActualSeriesOpt,
    OutputOpt,
    ReportFormat,
    with_spec_flags,
)
from warmupctl.core.errors import ExitCode, SpecError

if TYPE_CHECKING:
    from warmupctl.calc.compare import Comparison, RowSource, SeriesComparison
    from warmupctl.engine import Schedule

_OPERAND_HELP = ("a spec (YAML/JSON: native, library or a training config) or a table saved by "
                 "'warmupctl table' (CSV, or JSON with format_version and rows); - for stdin")


def diff(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help=_OPERAND_HELP, metavar="A")],
    b: Annotated[Optional[str], typer.Argument(  # noqa: UP045
        help=_OPERAND_HELP + "; leave it out with --actual, or to make B of the spec flags alone",
        metavar="[B]", show_default=False)] = None,
    rtol: Annotated[Optional[str], typer.Option(  # noqa: UP045 - evaluated at runtime by Typer
        "--rtol", metavar="X", help="relative tolerance [default: 1e-9]")] = None,
    atol: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--atol", metavar="X",
        help="absolute tolerance, in LR units [default: 1e-12 × the largest |LR| of A and B]")] = None,
    steps: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--steps", min=1, metavar="N",
        help="compare a spec over updates 0..N-1 [default: its total_steps]; a table keeps its rows",
    )] = None,
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="table (a report), json, or github (workflow annotations)",
    )] = ReportFormat.table,
    output: OutputOpt = None,
    actual: ActualOpt = None,
    actual_offset: ActualOffsetOpt = None,
    actual_series: ActualSeriesOpt = None,
    flags: dict | None = None,
) -> int:
    """Compare two schedules update by update: `warmupctl diff spec.yaml golden.csv`.

    Exit 0 when they are the same, 1 when they differ, 2 on bad input. Two LRs are the same when
    |A−B| <= max(atol, rtol·max(|A|,|B|)). Two specs are compared over the longer run (or --steps N);
    a table over its own rows. A different length is a difference. The report names the first
    differing update with both values, the largest absolute and relative differences, and the key
    events that changed (warmup end, peak, final LR). Golden workflow: `warmupctl table SPEC --format
    csv -o golden.csv` once, then `warmupctl diff SPEC golden.csv` in CI (docs/ci.md).
    `warmupctl diff SPEC --actual trainer_state.json` compares the spec with a run's logged LR, at
    the logged updates (a TensorBoard export, stored in float32, gets --rtol 1e-7 by default).

    The spec flags (--kind, --lr, --schedule with --arg, --preset, ..., as `table` takes them)
    describe B: laid over file B when it is given, else B is made of the flags alone. `warmupctl
    diff trainer_args.yaml --schedule transformers.cosine --arg num_warmup_steps=100 --arg
    num_training_steps=1000 --lr 5e-5` checks a config against the schedule you meant; `warmupctl
    diff spec.yaml spec.yaml --warmup-steps 200` shows what a change does. With --actual they lay
    over A, the spec compared with the log. To change A instead, swap A and B.
    """
    from warmupctl.core.values import as_nonnegative

    def tolerance(text: Optional[str], flag: str) -> Optional[float]:  # noqa: UP045
        if text is None:
            return None
        try:
            return as_nonnegative(text, flag)
        except SpecError as exc:
            raise exc.located(source="command line") from None

    rel, absolute = tolerance(rtol, "--rtol"), tolerance(atol, "--atol")
    flags = {key: value for key, value in (flags or {}).items() if value is not None}
    # --series picks one series of each side (lr/pg1, momentum, ...): it is not a spec flag of B.
    series = flags.pop("series", None)
    if b is None and actual is None and not flags:  # as Click says it of any missing argument
        from warmupctl.cli import click_errors

        param = next(p for p in ctx.command.params if p.name == "b")
        raise click_errors.MissingParameter(ctx=ctx, param=param,  # type: ignore[arg-type]  # Typer's own
                                            param_hint="'B'")
    if b is not None and actual is not None:
        raise SpecError("give B or --actual LOG, not both", source="command line", path="B",
                        hint="warmupctl diff A B, or warmupctl diff SPEC --actual trainer_state.json")
    if actual is not None:  # --series picks the spec's series, --actual-series the log's
        spec_flags = {**flags, "series": series} if series is not None else flags
        return _against_log(ctx, a, actual, actual_offset, steps, rel, absolute, fmt, output,
                            spec_flags, actual_series)
    if actual_series is not None:
        raise SpecError("needs --actual", source="command line", path="--actual-series",
                        value=actual_series, hint="--series picks a series of both A and B")
    if a == "-" and b == "-":
        raise SpecError("A and B cannot both be standard input", source="command line",
                        path="A, B", hint="save one of them to a file")
    if output and output != "-":
        from warmupctl.cli._output import check_destination

        check_destination(output)

    from warmupctl.calc.compare import RTOL, compare, compare_series, series_names
    from warmupctl.engine import Schedule
    from warmupctl.spec.table_file import TableFile, load_operand

    context = app_context(ctx)
    other: Schedule | TableFile = (_spec_side(b, flags, ctx) if flags or b is None
                                   else load_operand(b, run_bound(ctx)))
    operands: list[Schedule | TableFile | RowSource] = [load_operand(a, run_bound(ctx)), other]
    if series is None:  # a table of one series (table SPEC --series momentum) pairs with that series
        series = next((x.value for x in operands if isinstance(x, TableFile) and x.value != "lr"),
                      None)
        if series is not None:
            context.note(f"comparing the series {series} (a table of that series alone)")
    if series is not None:
        from warmupctl.calc.compare import series_of

        try:
            operands = [series_of(x, series, "--series") for x in operands]
        except SpecError as exc:
            raise exc.located(source="command line") from None
    names = ["<stdin>" if path == "-" else path or FLAGS_NAME for path in (a, b)]
    for name, operand in zip(names, operands):
        if isinstance(operand, Schedule):
            for note in operand.notes:
                context.note(f"{name}: {note}")
    if steps is not None and not any(isinstance(x, Schedule) for x in operands):
        context.note("--steps does not apply: both A and B are tables, compared over their rows")
    result = compare(operands[0], operands[1], names=names, steps=steps,
                     rtol=RTOL if rel is None else rel, atol=absolute)
    by_series: SeriesComparison | None = None
    if series is None and any(series_names(x) for x in operands):
        # momentum, lr/pg1, ...: each compared, a table's by the column of the same name
        by_series = compare_series(operands[0], operands[1], names=names, steps=steps,
                                   rtol=RTOL if rel is None else rel, atol=absolute)
    _write(ctx, result, fmt, output, by_series)
    same = result.same and (by_series is None or by_series.same)
    return int(ExitCode.OK if same else ExitCode.DIFFERENT)


#: How the report names a B made of the spec flags alone (``<...>``: not a file to annotate).
FLAGS_NAME = "<flags>"


def _spec_side(path: Optional[str], flags: dict, ctx: typer.Context) -> "Schedule":  # noqa: UP045
    """The operand the spec flags describe: file ``path`` with the flags laid over it, or the flags
    alone (no path). A saved table cannot take flags."""
    from warmupctl.engine import Schedule
    from warmupctl.spec import load_spec
    from warmupctl.spec.table_file import load_operand

    if path is not None and path != "-" and not isinstance(load_operand(path, run_bound(ctx)), Schedule):
        raise SpecError("is a saved table: the spec flags change a spec", source=path,
                        hint="give the flags with the spec side, or swap A and B")
    return load_spec(path, flags, bound=run_bound(ctx))


#: Default relative tolerance against a float32 log (TensorBoard): float32 keeps 24 bits, so a value
#: rounded to it is within 2**-24 ≈ 6e-8 of the float64 LR.
RTOL_FLOAT32 = 1e-7


def _against_log(ctx: typer.Context, a: str, actual: str, offset: Optional[str],  # noqa: UP045
                 steps: Optional[int], rel: Optional[float], absolute: Optional[float],  # noqa: UP045
                 fmt: ReportFormat, output: Optional[str], flags: dict,  # noqa: UP045
                 series: Optional[str] = None) -> int:  # noqa: UP045
    """``diff SPEC --actual LOG``: the log placed on the spec's updates (the spec flags laid over
    SPEC), compared there like a table."""
    import os

    from warmupctl.calc.compare import RTOL, compare
    from warmupctl.cli._common import place_actual, read_actual
    from warmupctl.engine import Schedule
    from warmupctl.spec.table_file import load_operand

    log = read_actual(actual, offset, series)
    if output and output != "-":
        from warmupctl.cli._output import check_destination

        check_destination(output)
    from warmupctl.cli._common import log_series_hint

    context = app_context(ctx)
    with log_series_hint(log):
        spec = _spec_side(a, flags, ctx) if flags else load_operand(a, run_bound(ctx))
    if not isinstance(spec, Schedule):
        raise SpecError("--actual compares a spec with a run's log; A is a saved table", source=a,
                        hint="give the spec the table was written from")
    for note in spec.notes:
        context.note(f"{a}: {note}")
    overlay = place_actual(ctx, log, spec)
    assert overlay is not None  # a log was read: read_actual returns None only without --actual
    float32 = overlay.float32_exact is not None
    if rel is None and float32:
        context.note(f"{actual}: stored in float32: --rtol {RTOL_FLOAT32:g} by default")
    names = ["<stdin>" if a == "-" else a, actual]
    result = compare(spec, overlay.rows(), names=names, steps=steps or overlay.last_update + 1,
                     rtol=(RTOL_FLOAT32 if float32 else RTOL) if rel is None else rel, atol=absolute)
    if steps is None and overlay.last_update + 1 != spec.total_steps:
        context.note(f"compared over updates 0..{overlay.last_update}, as far as {os.path.basename(actual)} "
                     f"goes ({spec.total_steps} in the spec)")
    _write(ctx, result, fmt, output)
    return int(ExitCode.OK if result.same else ExitCode.DIFFERENT)


def _write(ctx: typer.Context, result: "Comparison", fmt: ReportFormat,
           output: Optional[str], series: "SeriesComparison | None" = None) -> None:  # noqa: UP045
    from warmupctl.cli._output import write_text
    from warmupctl.render import diff as render

    if series is not None:  # the series besides lr: named in every format
        _write_with_series(ctx, result, series, fmt, output)
        return
    if fmt == ReportFormat.json:
        write_text(output, lambda out: out.write(render.report_json(result)))
    elif fmt == ReportFormat.github:
        write_text(output, lambda out: out.write(render.github_annotations(result)))
    else:
        from warmupctl.cli._render import print_or_write

        print_or_write(ctx, render.build_report(result), output)
    if output and output != "-":
        app_context(ctx).info(f"wrote {output}")


def _write_with_series(ctx: typer.Context, result: "Comparison", series: "SeriesComparison",
                       fmt: ReportFormat,
                       output: Optional[str]) -> None:  # noqa: UP045
    """The report of the LR with one verdict per series: JSON ``series``, a GitHub ``::error`` per
    changed series, a line per series under the terminal report."""
    from warmupctl.cli._output import write_text
    from warmupctl.render import diff as render
    from warmupctl.render import series as series_render
    from warmupctl.render.text import dumps

    a, b = result.a.name, result.b.name
    if fmt == ReportFormat.json:
        document = render.report_document(result)
        document["series"] = series_render.series_document(series)
        document["same"] = result.same and series.same
        write_text(output, lambda out: out.write(dumps(document) + "\n"))
    elif fmt == ReportFormat.github:
        lines = [f"::error title=warmupctl diff%3A series {name} changed::"
                 f"{line.replace('%', '%25').replace(chr(13), '%0D').replace(chr(10), '%0A')}"
                 for name, line in zip(series.changed, [
                     v for v in series_render.series_verdicts(series, a, b)
                     if not v.endswith(": same")])]
        text = render.github_annotations(result)
        write_text(output, lambda out: out.write(text + "".join(f"{x}\n" for x in lines)))
    else:
        from rich.console import Group

        from warmupctl.cli._render import print_or_write

        print_or_write(ctx, Group(render.build_report(result),
                                  series_render.series_report(series, a, b)), output)
        if output and output != "-":
            app_context(ctx).info(f"wrote {output}")


def register(app: typer.Typer) -> None:
    app.command("diff")(with_spec_flags(diff))

"""``warmupctl diff A B``: are two schedules the same, update by update? For CI, like diff(1)."""

from enum import Enum
from typing import Annotated, Optional

import typer

from warmupctl.cli._common import app_context
from warmupctl.cli._options import OutputOpt
from warmupctl.errors import ExitCode, SpecError

_OPERAND_HELP = ("a spec (YAML/JSON, native or library) or a table saved by 'warmupctl table' "
                 "(CSV, or JSON with format_version and rows); - for stdin")


class DiffFormat(str, Enum):
    table = "table"
    json = "json"
    github = "github"


def diff(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help=_OPERAND_HELP, metavar="A")],
    b: Annotated[str, typer.Argument(help=_OPERAND_HELP, metavar="B")],
    rtol: Annotated[Optional[str], typer.Option(  # noqa: UP045 - evaluated at runtime by Typer
        "--rtol", metavar="X", help="relative tolerance [default: 1e-9]")] = None,
    atol: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--atol", metavar="X",
        help="absolute tolerance, in LR units [default: 1e-12 × the largest |LR| of A and B]")] = None,
    steps: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--steps", min=1, metavar="N",
        help="compare a spec over updates 0..N-1 [default: its total_steps]; a table keeps its rows",
    )] = None,
    fmt: Annotated[DiffFormat, typer.Option(
        "--format", "-f", help="table (a report), json, or github (workflow annotations)",
    )] = DiffFormat.table,
    output: OutputOpt = None,
) -> int:
    """Compare two schedules update by update: `warmupctl diff spec.yaml golden.csv`.

    Exit 0 when they are the same, 1 when they differ, 2 on bad input. Two LRs are the same when
    |A−B| <= max(atol, rtol·max(|A|,|B|)). Two specs are compared over the longer run (or --steps N);
    a table over its own rows. A different length is a difference. The report names the first
    differing update with both values, the largest absolute and relative differences, and the key
    events that changed (warmup end, peak, final LR). Golden workflow: `warmupctl table SPEC --format
    csv -o golden.csv` once, then `warmupctl diff SPEC golden.csv` in CI (docs/ci.md).
    """
    from warmupctl.spec.values import as_nonnegative

    def tolerance(text: Optional[str], flag: str) -> Optional[float]:  # noqa: UP045
        if text is None:
            return None
        try:
            return as_nonnegative(text, flag)
        except SpecError as exc:
            raise exc.located(source="command line") from None

    rel, absolute = tolerance(rtol, "--rtol"), tolerance(atol, "--atol")
    if a == "-" and b == "-":
        raise SpecError("A and B cannot both be standard input", source="command line",
                        path="A, B", hint="save one of them to a file")
    if output and output != "-":
        from warmupctl.cli._output import check_destination

        check_destination(output)

    from warmupctl.calc.compare import RTOL, compare
    from warmupctl.engine import Schedule
    from warmupctl.spec.table_file import load_operand

    context = app_context(ctx)
    operands = [load_operand(path) for path in (a, b)]
    for path, operand in zip((a, b), operands):
        if isinstance(operand, Schedule):
            for note in operand.notes:
                context.note(f"{path}: {note}")
    if steps is not None and not any(isinstance(x, Schedule) for x in operands):
        context.note("--steps does not apply: both A and B are tables, compared over their rows")
    names = ["<stdin>" if path == "-" else path for path in (a, b)]
    result = compare(*operands, names=names, steps=steps, rtol=RTOL if rel is None else rel,
                     atol=absolute)
    _write(ctx, result, fmt, output)
    return int(ExitCode.OK if result.same else ExitCode.DIFFERENT)


def _write(ctx: typer.Context, result, fmt: DiffFormat, output: Optional[str]) -> None:  # noqa: UP045
    from warmupctl.cli._output import write_text
    from warmupctl.render import diff as render

    if fmt == DiffFormat.json:
        write_text(output, lambda out: out.write(render.report_json(result)))
    elif fmt == DiffFormat.github:
        write_text(output, lambda out: out.write(render.github_annotations(result)))
    else:
        report = render.build_report(result)
        if output is None or output == "-":
            app_context(ctx).out_console().print(report)
        else:
            from rich.console import Console

            write_text(output, lambda out: Console(file=out, no_color=True, width=120,
                                                   color_system=None).print(report))
    if output and output != "-":
        app_context(ctx).info(f"wrote {output}")


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)

"""``warmupctl check``: lint schedules for known pitfalls, with advice."""

from enum import Enum
from typing import Annotated, Optional

import typer

from warmupctl.cli._common import app_context, load_schedules
from warmupctl.cli._options import OutputOpt, ReportFormat, StepsOpt, with_spec_flags
from warmupctl.core.errors import ExitCode, SpecError


class Purpose(str, Enum):
    general = "general"
    finetune = "finetune"
    pretrain = "pretrain"


def check(
    ctx: typer.Context,
    specs: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="spec files to check; none: the flags alone", metavar="[SPEC]...")] = None,
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="table, json, or github (workflow annotations: ::warning per warning, "
                               "::notice per advice)")] = ReportFormat.table,
    output: OutputOpt = None,
    steps: StepsOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="exit 1 when any warning fires")] = False,
    purpose: Annotated[Optional[Purpose], typer.Option(  # noqa: UP045
        "--purpose", help="compare the warmup with the usual lengths for: general 5-20 %, "
        "finetune 6-10 %, pretrain (LLM) 0.1-2 %; default general, naming the others")] = None,
    ignore: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--ignore", metavar="CODE,...", help="lints to skip, by code or name: W001,rises-after-end")] = None,
    flags: dict | None = None,
) -> int:
    """Lint a schedule: `warmupctl check spec.yaml --strict`.

    Warnings: a ratio truncated to 0 warmup updates, a warmup as long as the run, an LR that rises
    again after the end, a peak never reached, an LR above the peak, a negative LR, a floor never
    reached, a jump between phases, LR 0 at update 0 with no warmup. Advice: a warmup outside the
    usual lengths (one update of rounding and 5 % of the bound are allowed: 10.1 % is a 10 %
    warmup). Info: LR 0 at update 0 of a warmup from 0 (every stock transformers, DeepSpeed and
    native warmup does this). Exit 0, or 1 with --strict when a warning fires (advice and info never
    fail). In CI: `warmupctl check spec.yaml --strict --format github`.

    `--steps N` lints the run as N updates: the length of a schedule with no end of its own
    (`torch.StepLR`), or another length for one that has it, as in table, plot and summary.
    """
    from warmupctl.calc.lints import LINTS, counts, find_lint, run_lints
    from warmupctl.cli._output import check_destination, write_text

    skipped = _ignored(ignore, find_lint, LINTS)
    if output and output != "-":
        check_destination(output)
    schedules = load_schedules(ctx, specs, flags or {})
    if steps is not None:
        from dataclasses import replace

        # The lints read the run's length from total_steps: --steps is the run they check.
        schedules = [s if s.total_steps == steps else replace(s, total_steps=steps) for s in schedules]
    chosen = purpose.value if purpose is not None else None
    results = [(schedule, run_lints(schedule, chosen, skipped)) for schedule in schedules]
    everything = [f for _, findings in results for f in findings]
    total = counts(everything)

    context = app_context(ctx)
    if fmt == ReportFormat.github:
        from warmupctl.render.lints import github_annotations

        files = [None if path == "-" else path for path in (specs or [None])]
        write_text(output, lambda out: out.write(github_annotations(results, files, total)))
    elif fmt == ReportFormat.json:
        from warmupctl.render.text import FORMAT_VERSION, dumps

        document = {
            "format_version": FORMAT_VERSION,
            "schedules": [{"label": s.label, "source": s.source, "total_steps": s.total_steps,
                           "findings": [f.as_dict() for f in findings]} for s, findings in results],
            "counts": dict(total),
        }
        write_text(output, lambda out: out.write(dumps(document) + "\n"))
    else:
        from rich.console import Group

        from warmupctl.cli._render import print_or_write
        from warmupctl.render.lints import build_lint_report

        print_or_write(ctx, Group(*build_lint_report(results, total)), output)
    if output and output != "-":
        context.info(f"wrote {output}")
    return ExitCode.DIFFERENT if strict and total["warning"] else ExitCode.OK


def _ignored(text: str | None, find_lint, lints) -> frozenset[str]:
    if not text:
        return frozenset()
    codes = set()
    for word in (w.strip() for w in text.split(",")):
        if not word:
            continue
        found = find_lint(word)
        if found is None:
            from warmupctl.core.values import did_you_mean

            names = [entry.id for entry in lints] + [entry.name for entry in lints]
            raise SpecError("unknown lint", source="command line", path="--ignore", value=word,
                            hint=did_you_mean(word, names) or "codes W001-W010; see 'warmupctl check -h'")
        codes.add(found.id)
    return frozenset(codes)


def register(app: typer.Typer) -> None:
    app.command("check")(with_spec_flags(check))

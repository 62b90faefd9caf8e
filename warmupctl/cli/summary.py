"""``warmupctl summary``: the key events of a schedule."""


import typer

from warmupctl.cli._common import app_context, load_schedules
from warmupctl.cli._options import (
    ActualOffsetOpt,
    ActualOpt,
    ActualSeriesOpt,
    OutputOpt,
    SpecArg,
    StepsOpt,
    TableOrJson,
    TableOrJsonOpt,
    with_spec_flags,
)


def summary(
    ctx: typer.Context,
    spec: SpecArg = None,
    fmt: TableOrJsonOpt = TableOrJson.table,
    output: OutputOpt = None,
    steps: StepsOpt = None,
    actual: ActualOpt = None,
    actual_offset: ActualOffsetOpt = None,
    actual_series: ActualSeriesOpt = None,
    flags: dict | None = None,
) -> None:
    """LR at update 0, warmup end, peak, final LR, min, mean and sum: `warmupctl summary spec.yaml`.

    `--actual trainer_state.json` adds how a run's logged LR compares: its alignment and its
    largest deviation from the computed LR, and where.
    """
    from warmupctl.calc.summary import summarize
    from warmupctl.cli._common import log_series_hint, place_actual, read_actual
    from warmupctl.cli._output import write_text

    log = read_actual(actual, actual_offset, actual_series)
    with log_series_hint(log):
        (schedule,) = load_schedules(ctx, [spec] if spec else None, flags or {})
    result = summarize(schedule, steps)
    context = app_context(ctx)
    overlay = place_actual(ctx, log, schedule)
    if fmt == TableOrJson.json:
        from warmupctl.engine.series import is_lr
        from warmupctl.render.text import FORMAT_VERSION, dumps

        picked = str((flags or {}).get("series") or "lr")
        document = {"format_version": FORMAT_VERSION, "label": schedule.label,
                    "source": schedule.source, "spec": dict(schedule.spec),
                    "summary": result.as_dict(lr=is_lr(picked))}
        if overlay is not None:
            document["actual"] = {"file": actual, **overlay.as_dict()}
        if schedule.series:  # each series besides the LR (lr/pg1, momentum, weight_decay, ...)
            from warmupctl.calc.summary import summarize_series

            document["series"] = {name: s.as_dict(lr=is_lr(name))
                                  for name, s in summarize_series(schedule, steps).items()}
        write_text(output, lambda out: out.write(dumps(document) + "\n"))
    else:
        from warmupctl.render.table import build_summary_table

        rendered = build_summary_table(result)
        if schedule.series:
            from rich.console import Group

            from warmupctl.calc.summary import summarize_series
            from warmupctl.render.series import build_series_summary_table

            rendered = Group(rendered, build_series_summary_table(summarize_series(schedule, steps)))
        if overlay is not None:
            from rich.console import Group

            from warmupctl.render.terminal import build_overlay_table

            rendered = Group(rendered, build_overlay_table(overlay, actual))
        from warmupctl.cli._render import print_or_write

        print_or_write(ctx, rendered, output, width=100)
    if output and output != "-":
        context.info(f"wrote {output}")


def register(app: typer.Typer) -> None:
    app.command("summary")(with_spec_flags(summary))

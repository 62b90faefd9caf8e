"""``warmupctl explain LOG [SPEC]``: why a run's logged LR is not the planned schedule."""

from typing import Annotated, Optional

import typer

from warmupctl.cli._common import app_context
from warmupctl.cli._options import OutputOpt, TableOrJson, TableOrJsonOpt


def explain(
    ctx: typer.Context,
    log: Annotated[str, typer.Argument(help="the run's log (trainer_state.json, an event file, a CSV "
                                            "export, trainer_log.jsonl, a Megatron or fairseq log)",
                                       metavar="LOG", show_default=False)],
    spec: Annotated[Optional[str], typer.Argument(  # noqa: UP045
        help="the planned schedule: a spec or a training config; none: infer it from the log",
        metavar="[SPEC]", show_default=False)] = None,
    series: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--actual-series", "--series", metavar="NAME",
        help="the LR series of the log to read when it has several (param groups lr/pg0, lr/pg1, "
             "..., optimizers, runs); default: the first, the others named. --series is the same "
             "here: SPEC takes no flags")] = None,
    offset: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--offset", metavar="auto|N", help="update = step − N (default auto: the log's convention, "
                                           "then 1, 0, −1)")] = None,
    fmt: TableOrJsonOpt = TableOrJson.table,
    output: OutputOpt = None,
    plot: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--plot", metavar="FILE", help="draw the log, the planned schedule and the explanation "
                                       "(.png or .svg)")] = None,
    save_spec: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--save-spec", metavar="FILE", help="write the inferred schedule as a spec file")] = None,
) -> None:
    """Explain a logged LR by its causes: `warmupctl explain trainer_state.json spec.yaml`.

    Causes tried: the logging convention (offset), skipped optimizer steps (fp16 overflow), the
    scheduler stepped per micro-batch, per process or per epoch, a resume, another warmup, run length,
    peak or scheduler type. The best explanation comes first with its parameters and the deviation it
    leaves (0: explained exactly). Without SPEC the schedule is inferred from the log and printed as a
    spec file to reuse.
    """
    import os

    from warmupctl.calc.explain import explain as run
    from warmupctl.calc.infer import infer, planned, rebuilder
    from warmupctl.cli._common import load_schedules
    from warmupctl.cli._output import write_text
    from warmupctl.core.errors import SpecError
    from warmupctl.spec.logs import check_offset, parse_offset, read_log

    context = app_context(ctx)
    chosen = parse_offset(offset, "--offset")
    run_log = read_log(log, series, option=None)
    if chosen is not None:
        check_offset(run_log, chosen, "--offset")
    if fmt == TableOrJson.json:
        context.note(run_log.describe())
    inferred_spec = None
    if spec is not None:
        (schedule,) = load_schedules(ctx, [spec], {})
    else:
        fits = infer(run_log.steps, run_log.lrs, rounding=run_log.rounding, convention=run_log.offset,
                     facts=run_log.facts)
        if not fits:
            raise SpecError("no schedule could be inferred from this log", source=log,
                            hint="give the planned schedule: warmupctl explain LOG SPEC")
        schedule, inferred_spec = fits[0].schedule, fits[0].spec
    report = run(schedule, run_log.steps, run_log.lrs, rounding=run_log.rounding,
                 convention=run_log.offset, offset=chosen, rebuild=rebuilder(schedule.spec),
                 planned=planned(schedule.spec), facts=run_log.facts, lines=run_log.lines,
                 families=spec is not None, kind=run_log.kind)
    yaml_text = None
    if inferred_spec is not None:
        from warmupctl.calc.actual import meaning
        from warmupctl.render.explain import spec_yaml

        where = meaning(report.best.offset, run_log.kind).split(":")[0]  # in the log's own words
        yaml_text = spec_yaml(inferred_spec, f"inferred from {os.path.basename(log)} ({where})")
        if save_spec:
            write_text(save_spec, lambda out: out.write(yaml_text))
            context.info(f"wrote {save_spec}")
    if fmt == TableOrJson.json:
        from warmupctl.render.explain import explain_document
        from warmupctl.render.text import dumps

        document = explain_document(report, {"file": log, **run_log.as_dict()})
        if inferred_spec is not None:
            document["inferred_spec"] = inferred_spec
        write_text(output, lambda out: out.write(dumps(document) + "\n"))
    else:
        from warmupctl.render.explain import build_explain

        rendered = build_explain(report, run_log.describe(), yaml_text)
        if output is None or output == "-":
            context.out_console().print(rendered)
        else:
            from rich.console import Console

            write_text(output, lambda out: Console(file=out, no_color=True, width=120,
                                                   color_system=None).print(rendered))
    if plot:
        _plot(plot, schedule, report, run_log)
        context.info(f"wrote {plot}")
    if output and output != "-":
        context.info(f"wrote {output}")


def _plot(path: str, schedule, report, run_log) -> None:
    """The planned curve, the log placed as the best explanation places it, and that explanation's
    curve with its skipped updates marked: the builder ``plot --actual`` uses too
    (:func:`warmupctl.calc.explained.explained_curve`, :func:`warmupctl.render.plot.render_plot`)."""
    import os

    from warmupctl.calc.actual import align
    from warmupctl.calc.explained import explained_curve
    from warmupctl.cli._output import write_bytes
    from warmupctl.core.errors import SpecError
    from warmupctl.render.plot import PlotOptions, render_plot

    fmt = "svg" if path.lower().endswith(".svg") else "png" if path.lower().endswith(".png") else None
    if fmt is None:
        raise SpecError("the plot is written as .png or .svg", source="command line", path="--plot",
                        value=path, hint="e.g. --plot explain.png")
    curve = explained_curve(schedule, report)
    overlay = align(schedule, run_log.steps, run_log.lrs, run_log.lines, offset=report.best.offset,
                    float32=run_log.float32, kind=run_log.kind)
    data = render_plot([schedule], PlotOptions(), fmt, logged=(overlay, os.path.basename(run_log.name)),
                       explained=curve)
    write_bytes(path, data)


def register(app: typer.Typer) -> None:
    app.command("explain")(explain)

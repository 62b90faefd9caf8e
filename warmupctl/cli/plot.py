"""``warmupctl plot``: an annotated PNG or SVG of one or more schedules."""

import re
from typing import Annotated, Optional

import typer

from warmupctl.cli import _policies as pol
from warmupctl.cli._common import app_context, format_from_suffix, load_schedules
from warmupctl.cli._options import OutputOpt, StepsOpt, with_spec_flags
from warmupctl.errors import SpecError

SUFFIXES = {".png": "png", ".svg": "svg"}


def plot(
    ctx: typer.Context,
    specs: Annotated[Optional[list[str]], typer.Argument(help="spec files to overlay; none: flags alone",  # noqa: UP045
                                                         metavar="[SPEC]...")] = None,
    output: OutputOpt = None,
    fmt: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--format", "-f", metavar="png|svg", help="image format; default: from -o's suffix, else png",
    )] = None,
    log_y: Annotated[bool, typer.Option("--log-y", help="logarithmic LR axis")] = False,
    title: Annotated[Optional[str], typer.Option("--title", help="plot title")] = None,  # noqa: UP045
    dpi: Annotated[int, typer.Option("--dpi", min=20, max=1200, help="PNG resolution")] = 100,
    steps: StepsOpt = None,
    diff: Annotated[bool, typer.Option(
        "--diff", help="a second panel: each spec minus the first, sharing the update axis")] = False,
    stepping: pol.SteppingOpt = None,
    updates_per_epoch: pol.UpdatesPerEpochOpt = None,
    resume_at: pol.ResumeAtOpt = None,
    resume_total: pol.ResumeTotalOpt = None,
    resume_scheduler: pol.ResumeSchedulerOpt = None,
    noise_batch: pol.NoiseBatchOpt = None,
    sharpness: pol.SharpnessOpt = None,
    flags: dict | None = None,
) -> None:
    """Plot the schedule, annotated: `warmupctl plot --kind cosine --ratio 0.1 -o lr.png`.

    Marks the warmup end (dashed line), the start LR, the peak (update and value), the final LR and
    phase boundaries. Several specs overlay with a legend; `--diff` adds a panel with each one minus
    the first. Without -o the file is named after the schedule, and the path is reported on stderr.
    """
    from warmupctl.cli._output import check_destination, write_bytes
    from warmupctl.render.plot import PlotOptions, render_plot

    chosen = fmt or format_from_suffix(output, SUFFIXES)
    if chosen is not None and chosen not in ("png", "svg"):
        raise SpecError("unknown image format", source="command line", path="--format",
                        value=chosen, hint="png or svg")
    if output and output != "-" and format_from_suffix(output, SUFFIXES) is None and fmt is None:
        raise SpecError("cannot tell the image format from the file name", source="command line",
                        path="--output", value=output, hint="end it in .png or .svg, or pass --format")
    policy = pol.PolicyOptions(stepping, updates_per_epoch, resume_at, resume_total, resume_scheduler)
    theory = pol.parse_theory(noise_batch, sharpness)
    if diff and len(specs or []) < 2 and not policy.any:  # a policy gives two curves: effective − intended
        raise SpecError("needs two or more specs to compare", source="command line",
                        path="--diff", hint="e.g. warmupctl plot old.yaml new.yaml --diff")
    if policy.any or theory.any:
        schedules, drawn = pol.plot_schedules(ctx, specs, flags or {}, policy, theory)
        named = drawn.pop("title", None)
        title = title or named
    else:
        schedules, drawn = load_schedules(ctx, specs, flags or {}), {}
    chosen = chosen or "png"
    path = output or _default_name(schedules, chosen)
    if path != "-":
        check_destination(path)
    options = PlotOptions(log_y=log_y, title=title, dpi=dpi, steps=steps, diff=diff, **drawn)
    write_bytes(path, render_plot(schedules, options, chosen))
    if path != "-":
        app_context(ctx).info(f"wrote {path}")


def _default_name(schedules: list, fmt: str) -> str:
    label = "-vs-".join(s.label for s in schedules)
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60] or "schedule"
    return f"warmupctl-{slug}.{fmt}"


def register(app: typer.Typer) -> None:
    app.command("plot")(with_spec_flags(plot))

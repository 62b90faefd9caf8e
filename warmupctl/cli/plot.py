"""``warmupctl plot``: an annotated PNG or SVG of one or more schedules."""

import re
from typing import Annotated, Optional

import typer

from warmupctl.cli import _policies as pol
from warmupctl.cli._common import app_context, format_from_suffix, load_schedules
from warmupctl.cli._options import ActualOffsetOpt, ActualOpt, OutputOpt, StepsOpt, with_spec_flags
from warmupctl.core.errors import SpecError

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
    actual: ActualOpt = None,
    actual_offset: ActualOffsetOpt = None,
    terminal: Annotated[bool, typer.Option(
        "--terminal", help="draw in the terminal (Unicode braille, the terminal's width, no image "
                           "viewer needed); -o writes that text to a file")] = False,
    policy_flags: pol.PolicyFlags | None = None,
    flags: dict | None = None,
) -> None:
    """Plot the schedule, annotated: `warmupctl plot --kind cosine --ratio 0.1 -o lr.png`.

    Marks the warmup end (dashed line), the start LR, the peak (update and value), the final LR and
    phase boundaries. Several specs overlay with a legend; `--diff` adds a panel with each one minus
    the first. Without -o the file is named after the schedule, and the path is reported on stderr.
    `--actual trainer_state.json` draws a run's logged LR over the curve and marks its largest
    deviation; `--terminal` draws in the terminal instead of an image.
    """
    from warmupctl.cli._common import read_actual

    policy_flags = policy_flags or pol.PolicyFlags(pol.PolicyOptions())
    log = read_actual(actual, actual_offset)
    if terminal:
        return _terminal(ctx, specs, flags or {}, output, fmt=fmt, diff=diff, log_y=log_y, title=title,
                         steps=steps, policy=policy_flags.options, theory=policy_flags.theory(),
                         actual=actual, log=log)
    from warmupctl.cli._output import check_destination, write_bytes
    from warmupctl.render.plot import PlotOptions, render_plot

    chosen = fmt or format_from_suffix(output, SUFFIXES)
    if chosen is not None and chosen not in ("png", "svg"):
        raise SpecError("unknown image format", source="command line", path="--format",
                        value=chosen, hint="png or svg")
    if output and output != "-" and format_from_suffix(output, SUFFIXES) is None and fmt is None:
        raise SpecError("cannot tell the image format from the file name", source="command line",
                        path="--output", value=output, hint="end it in .png or .svg, or pass --format")
    policy = policy_flags.options
    theory = policy_flags.theory()
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
    overlay = _overlay(ctx, schedules, policy.any, actual, log)
    options = PlotOptions(log_y=log_y, title=title, dpi=dpi, steps=steps, diff=diff, **drawn)
    logged = None if overlay is None else (overlay, _log_name(actual))
    if len(schedules) == 1 and schedules[0].series and not drawn and logged is None:
        from warmupctl.render.series_plot import render_series_plot  # a panel per family of series

        write_bytes(path, render_series_plot(schedules[0], options, chosen))
        if path != "-":
            app_context(ctx).info(f"wrote {path}")
        return
    write_bytes(path, render_plot(schedules, options, chosen, logged=logged))
    if path != "-":
        app_context(ctx).info(f"wrote {path}")


def _overlay(ctx: typer.Context, schedules: list, policy: bool, actual: Optional[str],  # noqa: UP045
             log):
    """``--actual``: the log placed on the curve it is measured against — the first spec, or under a
    policy the effective curve (what the optimizer got) — with the verdict on stderr."""
    from warmupctl.cli._common import place_actual

    target = schedules[-1] if policy else schedules[0]
    overlay = place_actual(ctx, log, target)
    if overlay is not None:
        context = app_context(ctx)
        if len(schedules) > 1:
            context.note(f"{_log_name(actual)}: measured against {target.label}")
        context.info(f"{_log_name(actual)}: {overlay.describe()}")
    return overlay


def _log_name(path: Optional[str]) -> str:  # noqa: UP045
    import os

    return os.path.basename(path or "")


def _terminal(ctx: typer.Context, specs: Optional[list[str]], flags: dict, output: Optional[str],  # noqa: UP045
              *, fmt: Optional[str], diff: bool, log_y: bool, title: Optional[str],  # noqa: UP045
              steps: Optional[int], policy, theory, actual: Optional[str], log) -> None:  # noqa: UP045
    """``--terminal``: the braille plot on stdout (or as text in -o FILE); matplotlib is not loaded."""
    refused = {"--format": fmt is not None, "--diff": diff, "--noise-batch": theory.noise_batch is not None,
               "--sharpness": theory.sharpness is not None}
    for option, given in refused.items():
        if given:
            raise SpecError("is not drawn in the terminal", source="command line", path=option,
                            hint="drop --terminal and write an image: -o lr.png")
    if output and output != "-":
        from warmupctl.cli._output import check_destination

        check_destination(output)
    if policy.any:
        schedules, drawn = pol.plot_schedules(ctx, specs, flags, policy, theory)
        title = title or drawn.get("title")
    else:
        schedules = load_schedules(ctx, specs, flags)
    overlay = _overlay(ctx, schedules, policy.any, actual, log)
    from warmupctl.cli._output import write_text
    from warmupctl.render.terminal import render_terminal

    context = app_context(ctx)
    console = context.out_console()
    to_stdout = output is None or output == "-"
    # A file gets the width of a wide terminal: it is read later, anywhere.
    drawing = render_terminal(schedules, console.width if to_stdout else 120, steps=steps, log_y=log_y,
                              title=title, overlay=overlay, overlay_name=_log_name(actual))
    if to_stdout:
        console.print(drawing.text, no_wrap=True, overflow="ignore", crop=False, soft_wrap=True)
    else:
        write_text(output, lambda out: out.write(drawing.text.plain + "\n"))
        context.info(f"wrote {output}")


def _default_name(schedules: list, fmt: str) -> str:
    label = "-vs-".join(s.label for s in schedules)
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60] or "schedule"
    return f"warmupctl-{slug}.{fmt}"


def register(app: typer.Typer) -> None:
    app.command("plot")(with_spec_flags(pol.with_policy_flags(plot)))

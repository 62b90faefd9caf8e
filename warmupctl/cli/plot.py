"""``warmupctl plot``: an annotated PNG, SVG or PDF of one or more schedules, or a terminal plot."""

import re
from typing import Annotated, Any, Optional

import typer

from warmupctl.cli import _policies as pol
from warmupctl.cli._common import app_context, format_from_suffix, load_schedules
from warmupctl.cli._options import (
    ActualOffsetOpt,
    ActualOpt,
    ActualSeriesOpt,
    OutputOpt,
    StepsOpt,
    with_spec_flags,
)
from warmupctl.core.errors import SpecError

SUFFIXES = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Figure sizes ``--size`` accepts, in inches, each side.
SIZE_RANGE = (2.0, 40.0)


def plot(
    ctx: typer.Context,
    specs: Annotated[Optional[list[str]], typer.Argument(help="spec files to overlay; none: flags alone",  # noqa: UP045
                                                         metavar="[SPEC]...")] = None,
    output: OutputOpt = None,
    fmt: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--format", "-f", metavar="png|svg|pdf", help="image format; default: from -o's suffix, else png",
    )] = None,
    log_y: Annotated[bool, typer.Option("--log-y", help="logarithmic LR axis")] = False,
    log_x: Annotated[bool, typer.Option(
        "--log-x", help="logarithmic update axis (update 0 on a short linear stretch)")] = False,
    size: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--size", metavar="WxH",
        help="figure size in inches (default 10x6); with --terminal: columns x rows")] = None,
    width: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--width", min=30, max=1000, help="--terminal: columns (default: the terminal's width)")] = None,
    height: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--height", min=5, max=500, help="--terminal: rows of the plot area (default 20)")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="plot title")] = None,  # noqa: UP045
    dpi: Annotated[int, typer.Option("--dpi", min=20, max=1200, help="PNG resolution")] = 100,
    steps: StepsOpt = None,
    diff: Annotated[bool, typer.Option(
        "--diff", help="a second panel: each spec minus the first, sharing the update axis")] = False,
    actual: ActualOpt = None,
    actual_offset: ActualOffsetOpt = None,
    actual_series: ActualSeriesOpt = None,
    terminal: Annotated[bool, typer.Option(
        "--terminal", help="draw in the terminal (Unicode braille, the terminal's width, no image "
                           "viewer needed); -o writes that text to a file")] = False,
    policy_flags: pol.PolicyFlags | None = None,
    flags: dict | None = None,
) -> None:
    """Plot the schedule, annotated: `warmupctl plot --kind cosine --ratio 0.1 -o lr.png`.

    Marks the warmup end (dashed line), the start LR, the peak (update and value), the final LR and
    phase boundaries, each label where it covers no other text and no curve (else in the legend).
    Several specs overlay; `--diff` adds a panel with each one minus the first. A warmup under 1 %
    of the run gets a zoom panel. PNG, SVG or PDF by the suffix of -o; without -o the file is named
    after the schedule, and the path is reported on stderr. `--actual trainer_state.json` draws a
    run's logged LR over the curve and marks its largest deviation; `--terminal` draws in the
    terminal instead of an image.
    """
    from warmupctl.cli._common import read_actual

    policy_flags = policy_flags or pol.PolicyFlags(pol.PolicyOptions())
    log = read_actual(actual, actual_offset, actual_series)
    if terminal:
        if size is not None:
            width, height = _size(size, integer=True)
        return _terminal(ctx, specs, flags or {}, output, fmt=fmt, diff=diff, log_y=log_y, title=title,
                         steps=steps, policy=policy_flags.options, theory=policy_flags.theory(),
                         actual=actual, log=log, width=width, height=height, log_x=log_x)
    for option, given in (("--width", width), ("--height", height)):
        if given is not None:
            raise SpecError("sets the size of a terminal plot", source="command line", path=option,
                            value=given, hint="add --terminal, or size an image with --size WxH (inches)")
    figure_size = _size(size) if size is not None else (10.0, 6.0)
    from warmupctl.cli._output import check_destination, write_bytes
    from warmupctl.render.plot import FORMATS, PlotOptions, render

    chosen = fmt or format_from_suffix(output, SUFFIXES)
    if chosen is not None and chosen not in FORMATS:
        raise SpecError("unknown image format", source="command line", path="--format",
                        value=chosen, hint="png, svg or pdf")
    if output and output != "-" and format_from_suffix(output, SUFFIXES) is None and fmt is None:
        raise SpecError("cannot tell the image format from the file name", source="command line",
                        path="--output", value=output, hint="end it in .png, .svg or .pdf, or pass --format")
    policy = policy_flags.options
    theory = policy_flags.theory()
    if diff and len(specs or []) < 2 and not policy.any:  # a policy gives two curves: effective − intended
        raise SpecError("needs two or more specs to compare", source="command line",
                        path="--diff", hint="e.g. warmupctl plot old.yaml new.yaml --diff")
    from warmupctl.cli._common import log_series_hint

    with log_series_hint(log):
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
    overlay, explained = _overlay(ctx, schedules, policy.any, actual, log)
    options = PlotOptions(log_y=log_y, log_x=log_x, title=title, dpi=dpi, steps=steps, diff=diff,
                          width=figure_size[0], height=figure_size[1], per_update=_top_axis(specs, flags),
                          counts=_count_axis(schedules), **drawn)
    logged = None if overlay is None else (overlay, _log_name(actual))
    if any(s.series for s in schedules) and not drawn and logged is None and not diff:
        from warmupctl.render.series_plot import render_series_plot  # a panel per family of series

        write_bytes(path, render_series_plot(schedules, options, chosen))
        if path != "-":
            app_context(ctx).info(f"wrote {path}")
        return
    for schedule in schedules:  # overlays, logs and theory draw the LR: name what is left out
        if schedule.series:
            app_context(ctx).note(f"{schedule.label}: the series {', '.join(schedule.series)} are "
                                  "not drawn with several curves, --actual or the theory: pick one "
                                  "with --series NAME")
    rendered = render(schedules, options, chosen, logged=logged, explained=explained)
    for note in rendered.notes:
        app_context(ctx).note(note)
    write_bytes(path, rendered.data)
    if path != "-":
        app_context(ctx).info(f"wrote {path}")


def _overlay(ctx: typer.Context, schedules: list, policy: bool, actual: Optional[str],  # noqa: UP045
             log: Any) -> tuple[Any, Any]:
    """``--actual``: the log placed on the curve it is measured against — the first spec, or under a
    policy the effective curve (what the optimizer got) — with the verdict on stderr; and when it
    differs, the curve of its best explanation (:func:`warmupctl.cli._common.explain_actual`)."""
    from warmupctl.cli._common import explain_actual, place_actual

    target = schedules[-1] if policy else schedules[0]
    overlay = place_actual(ctx, log, target)
    if overlay is None:
        return None, None
    context = app_context(ctx)
    if len(schedules) > 1:
        context.note(f"{_log_name(actual)}: measured against {target.label}")
    overlay, explained = explain_actual(ctx, log, target, overlay)
    context.info(f"{_log_name(actual)}: {overlay.describe()}")
    return overlay, explained


def _log_name(path: Optional[str]) -> str:  # noqa: UP045
    import os

    return os.path.basename(path or "")


def _terminal(ctx: typer.Context, specs: Optional[list[str]], flags: dict, output: Optional[str],  # noqa: UP045
              *, fmt: Optional[str], diff: bool, log_y: bool, title: Optional[str],  # noqa: UP045
              steps: Optional[int], policy: Any, theory: Any, actual: Optional[str], log: Any,  # noqa: UP045
              width: Optional[int], height: Optional[int], log_x: bool) -> None:  # noqa: UP045
    """``--terminal``: the braille plot on stdout (or as text in -o FILE); matplotlib is not loaded."""
    refused = {"--format": fmt is not None, "--diff": diff, "--noise-batch": theory.noise_batch is not None,
               "--sharpness": theory.sharpness is not None, "--log-x": log_x}
    for option, given in refused.items():
        if given:
            raise SpecError("is not drawn in the terminal", source="command line", path=option,
                            hint="drop --terminal and write an image: -o lr.png")
    if output and output != "-":
        from warmupctl.cli._output import check_destination

        check_destination(output)
    from warmupctl.cli._common import log_series_hint

    with log_series_hint(log):
        if policy.any:
            schedules, drawn = pol.plot_schedules(ctx, specs, flags, policy, theory)
            title = title or drawn.get("title")
        else:
            schedules = load_schedules(ctx, specs, flags)
    for schedule in schedules:  # the terminal draws one curve per spec: name what it leaves out
        if schedule.series:
            app_context(ctx).note(f"{schedule.label}: the series {', '.join(schedule.series)} are "
                                  "not drawn in the terminal: pick one with --series NAME, or "
                                  "write an image (-o plot.png) for a panel each")
    overlay, explained = _overlay(ctx, schedules, policy.any, actual, log)
    if explained is not None:  # drawn as one more curve, named in the legend
        schedules = [*schedules, explained.schedule]
    from warmupctl.cli._output import write_text
    from warmupctl.render.terminal import ROWS, render_terminal

    context = app_context(ctx)
    console = context.out_console()
    to_stdout = output is None or output == "-"
    # A file gets the width of a wide terminal: it is read later, anywhere.
    columns = width or (console.width if to_stdout else 120)
    drawing = render_terminal(schedules, columns, rows=height or ROWS, steps=steps, log_y=log_y,
                              title=title, overlay=overlay, overlay_name=_log_name(actual))
    if to_stdout:
        console.print(drawing.text, no_wrap=True, overflow="ignore", crop=False, soft_wrap=True)
    else:
        write_text(output, lambda out: out.write(drawing.text.plain + "\n"))
        context.info(f"wrote {output}")


def _top_axis(specs: Optional[list[str]], flags: Optional[dict]) -> Optional[tuple[str, float]]:  # noqa: UP045
    """The second update axis of a plot of one native spec that knows its batch facts: epochs (with
    ``dataset_size``), else tokens (with ``seq_len``), else samples — as ``(unit, amount per update)``;
    None for anything else (a library spec or training config, several specs, standard input)."""
    from fractions import Fraction

    from warmupctl.core import steps as arithmetic
    from warmupctl.core.vocabulary import KEYS
    from warmupctl.spec.load import load_mapping
    from warmupctl.spec.native import batch_facts
    from warmupctl.spec.resolve import merge_flags

    if specs and (len(specs) > 1 or specs[0] == "-"):
        return None
    mapping = merge_flags(load_mapping(specs[0])[1] if specs else {}, flags or {})
    if not mapping.keys() <= KEYS.keys():  # a library spec, a training config or a preset
        return None
    try:
        facts, loop = batch_facts(mapping)
    except SpecError:  # already reported when the spec was resolved
        return None
    if facts.dataset_size is not None and facts.micro_batch_size is not None:
        per_epoch = arithmetic.epoch_count(facts, Fraction(1), loop).updates_per_epoch
        return ("epochs", 1.0 / per_epoch) if per_epoch > 0 else None
    if facts.tokens_per_update is not None:
        return "tokens", float(facts.tokens_per_update)
    if facts.samples_per_update is not None:
        return "samples", float(facts.samples_per_update)
    return None


def _count_axis(schedules: list) -> Optional[tuple[str, tuple[float, ...], tuple[float, ...]]]:  # noqa: UP045
    """The top axis of one schedule that counts samples (Megatron): tokens when it knows the sequence
    length, else samples — the same counts as ``table --columns``."""
    if len(schedules) != 1 or schedules[0].progress is None:
        return None
    progress = schedules[0].progress
    name = progress.names[-1]
    return (name, *progress.axis(name, schedules[0].total_steps))


def _size(text: str, integer: bool = False) -> tuple:
    """``--size WxH``: two positive numbers (inches; whole columns and rows for --terminal)."""
    parts = text.lower().replace("×", "x").split("x")
    low, high = SIZE_RANGE
    try:
        if len(parts) != 2:
            raise ValueError
        values = tuple(int(p) if integer else float(p) for p in parts)
    except ValueError:
        raise SpecError("is not WIDTHxHEIGHT", source="command line", path="--size", value=text,
                        hint="e.g. --size 12x5 (inches)" if not integer else "e.g. --size 100x24 "
                        "(columns x rows)") from None
    if integer:
        if not (30 <= values[0] <= 1000 and 5 <= values[1] <= 500):
            raise SpecError("is out of range", source="command line", path="--size", value=text,
                            hint="a terminal plot takes 30-1000 columns and 5-500 rows")
    elif not all(low <= v <= high for v in values):
        raise SpecError("is out of range", source="command line", path="--size", value=text,
                        hint=f"each side {low:g} to {high:g} inches")
    return values


def _default_name(schedules: list, fmt: str) -> str:
    label = "-vs-".join(s.label for s in schedules)
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60] or "schedule"
    return f"warmupctl-{slug}.{fmt}"


def register(app: typer.Typer) -> None:
    app.command("plot")(with_spec_flags(pol.with_policy_flags(plot)))

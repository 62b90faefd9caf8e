"""What every command does the same way: load specs with flags, and report their notes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import typer

from warmupctl.core.errors import SpecError

if TYPE_CHECKING:
    from warmupctl.calc.actual import Overlay
    from warmupctl.calc.explained import ExplainedCurve
    from warmupctl.cli import AppContext
    from warmupctl.engine import Schedule
    from warmupctl.frameworks._registry import RunBound


def app_context(ctx: typer.Context) -> AppContext:
    from warmupctl.cli import AppContext

    return ctx.obj if isinstance(ctx.obj, AppContext) else AppContext()


def run_bound(ctx: typer.Context) -> RunBound | None:
    """The command's bound on the updates it shows (``--steps N``, ``--at N,...``), or None: the run
    of a library schedule that has no end of its own (the spec layer notes it)."""
    steps, at = ctx.params.get("steps"), ctx.params.get("at")
    if steps is None and at is None:
        return None
    from warmupctl.frameworks._registry import RunBound  # only when bounded: a native spec skips it

    if steps is not None:
        return RunBound(steps, f"--steps {steps}")
    from warmupctl.cli._at import largest_index, parse_at

    # -1, last, peak and warmup_end count from a run's end: an endless schedule has none to offer.
    largest = largest_index(parse_at(str(at)))
    return None if largest is None else RunBound(largest + 1, "--at")


def load_schedules(ctx: typer.Context, paths: list[str] | None, flags: dict[str, Any]) -> list:
    """Resolve each spec file with the flags laid over it (no file: the flags alone)."""
    from warmupctl.spec import load_spec

    bound = run_bound(ctx)
    schedules = ([load_spec(path, flags, bound=bound) for path in paths] if paths
                 else [load_spec(None, flags, bound=bound)])
    steps = ctx.params.get("steps")
    if steps is not None:
        from warmupctl.spec.resolve import check_length

        try:
            check_length(steps, "--steps")
        except SpecError as exc:
            raise exc.located(source="command line") from None
    labels = [s.label for s in schedules]
    if len(set(labels)) < len(labels) and paths:
        # Two curves with one name cannot be told apart in a legend: name them after their files.
        schedules = [replace(s, label=f"{os.path.splitext(os.path.basename(p))[0]} ({s.label})")
                     for s, p in zip(schedules, paths)]
    context = app_context(ctx)
    for schedule in schedules:
        prefix = f"{schedule.label}: " if len(schedules) > 1 else ""
        for note in schedule.notes:
            context.note(prefix + note)
    return schedules


def format_from_suffix(path: str | None, known: dict[str, str]) -> str | None:
    """The format a file name asks for (``out.csv`` -> ``csv``), or None."""
    if not path or path == "-":
        return None
    lowered = path.lower()
    return next((fmt for suffix, fmt in known.items() if lowered.endswith(suffix)), None)



def read_actual(path: str | None, offset: str | None,
                series: str | None = None) -> tuple[Any, int | None] | None:
    """``--actual LOG``, ``--actual-offset`` and ``--actual-series``, checked before any spec is
    loaded: the run's log (:func:`warmupctl.spec.logs.read_log`, the series named or the first) and
    the offset (None: auto), or None without ``--actual``."""
    if path is None:
        for option, given in (("--actual-offset", offset), ("--actual-series", series)):
            if given is not None:
                raise SpecError("needs --actual", source="command line", path=option, value=given,
                                hint=f"e.g. --actual trainer_state.json {option} "
                                     f"{'1' if option == '--actual-offset' else 'lr/pg1'}")
        return None
    from warmupctl.spec.logs import check_offset, parse_offset, read_log  # only with --actual

    chosen = parse_offset(offset)
    log = read_log(path, series)
    if chosen is not None:
        check_offset(log, chosen)
    return log, chosen


def place_actual(ctx: typer.Context, actual: tuple[Any, int | None] | None,
                 schedule: Schedule) -> Overlay | None:
    """The log of :func:`read_actual` placed on ``schedule``'s updates (a
    :class:`~warmupctl.calc.actual.Overlay`), saying on stderr what was read and how it was aligned."""
    if actual is None:
        return None
    from warmupctl.calc.actual import align, coverage

    log, offset = actual
    overlay = align(schedule, log.steps, log.lrs, log.lines, offset=offset, float32=log.float32,
                    convention=log.offset, kind=log.kind, rounding=log.rounding)
    lag = overlay.skipped.get("offset") if overlay.skipped.get("count") else None
    if offset is None and lag is not None and lag != overlay.offset:
        # Skipped steps explain the log under another alignment than the median's: say that one, so
        # the alignment line and the skipped steps agree (a pre-4.51 trainer_state.json: update = step).
        why = log.convention if lag == log.offset and log.convention else \
            "the alignment under which the skipped steps explain the log"
        overlay = replace(align(schedule, log.steps, log.lrs, log.lines, offset=lag, float32=log.float32,
                                convention=log.offset, kind=log.kind, rounding=log.rounding),
                          automatic=True, from_log=why)
    context = app_context(ctx)
    context.note(log.describe())
    context.note(f"{log.name}: {overlay.alignment()}")
    remark = coverage(overlay)
    if remark:
        context.note(f"{log.name}: {remark}")
    return overlay


def explain_actual(ctx: typer.Context, actual: tuple[Any, int | None], schedule: Schedule,
                   overlay: Overlay) -> tuple[Overlay, ExplainedCurve | None]:
    """``plot --actual``: when the log differs from ``schedule``, its best explanation
    (:func:`warmupctl.calc.explained.explain_log`) as a curve to draw, and the log placed as that
    explanation places it; said on stderr. ``(overlay, None)`` when the log follows the schedule or
    nothing explains it."""
    if overlay.exact == overlay.count or overlay.float32_exact == overlay.count:
        return overlay, None
    from warmupctl.calc.explained import explain_log, explained_curve

    log, offset = actual
    report = explain_log(schedule, log, offset)
    context = app_context(ctx)
    if not report.best.explained:
        context.note(f"{log.name}: nothing explains the difference from {schedule.label} within the "
                     f"log's rounding: 'warmupctl explain {log.name} SPEC' lists what is left")
        return overlay, None
    curve = explained_curve(schedule, report)
    if curve is None:
        return overlay, None
    context.note(f"{log.name}: explained (drawn dashed): {report.best.describe()}")
    return placed_as(overlay, schedule, log, curve.offset), curve


def placed_as(overlay: Overlay, schedule: Schedule, log: Any, offset: int) -> Overlay:
    """``overlay`` with the log placed at ``update = step − offset`` (the alignment of an
    explanation), measured against ``schedule`` as before."""
    if offset == overlay.offset:
        return overlay
    from warmupctl.calc.actual import align, meaning

    placed = align(schedule, log.steps, log.lrs, log.lines, offset=offset, float32=log.float32,
                   convention=log.offset, kind=log.kind, rounding=log.rounding)
    return replace(placed, automatic=True,
                   from_log=f"{meaning(offset, log.kind).split(':')[0]}: the explanation's")


@contextmanager
def log_series_hint(actual: tuple[Any, int | None] | None) -> Iterator[None]:
    """``--series NAME`` picks the schedule's series; when the schedule has no ``NAME`` but
    ``--actual``'s log has, the error says that ``--actual-series NAME`` reads the log's."""
    try:
        yield
    except SpecError as exc:
        log = actual[0] if actual is not None else None
        if log is None or exc.path != "--series" or exc.value not in log.series:
            raise
        raise SpecError(exc.message, source=exc.source, path=exc.path, value=exc.value,
                        hint=f"{exc.value} is a series of the log {os.path.basename(log.name)}: "
                             f"--actual-series {exc.value} reads it (--series picks the "
                             "schedule's)") from None

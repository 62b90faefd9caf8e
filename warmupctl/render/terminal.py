"""A plot for a terminal with no image viewer (a shell over SSH): ``warmupctl plot --terminal``.

The curves are drawn with Unicode braille (U+2800..U+28FF): each character cell holds 2 × 4 dots, so
a plot of C columns and R rows is a canvas of 2C × 4R dots. Each dot column gets the lowest and the
highest LR of the updates that fall in it (the min/max envelope of :mod:`warmupctl.render.plot`, so a
schedule of 10^9 updates is read once, in chunks, and no spike is lost), joined to its neighbours so
the line is continuous. Around it: LR labels on the left (the top dot row is the highest value, the
bottom one the lowest), update labels below, the warmup end as a dotted column (``┊``, and ``┴`` on
the axis), and a legend with one line per curve. A run's logged LR (``--actual``) is drawn as dots of
its own colour, its largest deviation marked ``×``.

Pure: :func:`render_terminal` returns a :class:`TerminalPlot` (a :class:`rich.text.Text` and its
geometry); colours are Rich styles, which a console without colour (``NO_COLOR``, a pipe) drops.
matplotlib is never imported here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.table import Table
from rich.text import Text

from warmupctl.calc.actual import Overlay, meaning
from warmupctl.calc.summary import Summary
from warmupctl.engine import Schedule
from warmupctl.render.plot import Envelope, PlotOptions, short_lr, walk_curves

#: Rows of the plot area (each row is 4 dot rows).
ROWS = 20
#: Narrowest plot area, in columns, whatever the terminal's width.
MIN_COLUMNS = 20
#: Rich styles of the curves, in the order of :data:`warmupctl.render.plot.COLORS`.
STYLES = ("blue", "red", "green", "magenta", "dark_orange", "cyan", "yellow", "bright_magenta")
LOGGED_STYLE = "bold bright_black"
NEUTRAL_STYLE = "dim"
#: Braille bit of the dot at (row 0..3, column 0..1) of a cell (ISO/TR 11548-1 dot numbering).
DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
BRAILLE = 0x2800
WARMUP_MARK, WARMUP_AXIS, WORST_MARK = "┊", "┴", "×"


@dataclass(frozen=True)
class TerminalPlot:
    """The drawing and where things are on it.

    Attributes:
        text: the whole plot: title, ``rows`` plot rows, the axis, its labels, the legend.
        left: columns before the plot area (LR labels and the axis line).
        columns: width of the plot area, in cells (``2 × columns`` dot columns).
        rows: height of the plot area, in cells (``4 × rows`` dot rows).
        first_row: the line of ``text`` holding the plot's top row.
        count: updates on the x axis (``0 .. count-1``).
        low, high: the LR at the bottom and at the top dot row (log10 of it with ``log_y``).
    """

    text: Text
    left: int
    columns: int
    rows: int
    first_row: int
    count: int
    low: float
    high: float
    log_y: bool = False

    def dot_column(self, update: float) -> int:
        """The dot column (0 .. 2·columns−1) of an update: ``round(update · (2C−1) / (count−1))``."""
        return int(np.rint(update * (2 * self.columns - 1) / max(self.count - 1, 1)))

    def cell_column(self, update: float) -> int:
        """The character column, in a line of :attr:`text`, holding an update."""
        return self.left + self.dot_column(update) // 2


def render_terminal(schedules: Sequence[Schedule], width: int, *, rows: int = ROWS,
                    steps: int | None = None, log_y: bool = False, title: str | None = None,
                    overlay: Overlay | None = None, overlay_name: str = "logged",
                    curves: Sequence[tuple[Summary, Envelope]] | None = None) -> TerminalPlot:
    """The braille plot of one or more schedules, ``width`` columns wide and ``rows`` rows high.

    Args:
        schedules: the curves (each over ``steps`` or its own ``total_steps`` updates).
        width: the terminal's width in columns (the plot uses all but the last).
        rows: height of the plot area.
        steps: updates to draw (default: each run; the axis spans the longest).
        log_y: a logarithmic LR axis (updates with LR <= 0 are not drawn).
        title: the first line (default: the labels, joined by "vs").
        overlay: a run's logged LR (:func:`warmupctl.calc.actual.align`), drawn over the curves.
        overlay_name: how the legend names the log (its file name).
        curves: :func:`warmupctl.render.plot.walk_curves` of ``schedules``, walked here when None.
    """
    if not schedules:
        raise ValueError("render_terminal: no schedule to draw")
    if curves is None:
        curves = walk_curves(schedules, PlotOptions(steps=steps))
    counts = [steps or s.total_steps for s in schedules]
    count = max(counts)
    if overlay is not None:
        count = max(count, overlay.last_update + 1)
    transform = _log10 if log_y else (lambda v: v)
    low, high = _y_range(curves, overlay, transform)
    if log_y and not math.isfinite(low):  # nothing positive to draw: a linear axis instead
        log_y, transform = False, (lambda v: v)
        low, high = _y_range(curves, overlay, transform)

    labels = _y_labels(low, high, rows, log_y)
    label_width = max(len(text) for text in labels.values())
    left = label_width + 2
    columns = max(MIN_COLUMNS, width - left - 1)
    plot = TerminalPlot(Text(), left, columns, rows, 1, count, low, high, log_y)
    width_px, height_px = 2 * columns, 4 * rows

    def to_row(values: NDArray[np.float64]) -> NDArray[np.float64]:
        with np.errstate(all="ignore"):
            scaled = (transform(values) - low) / (high - low) * (height_px - 1)
        return np.clip(scaled, 0, height_px - 1)

    # One dot grid per curve (later curves over earlier ones), then the log.
    owners = np.full((rows, columns), -1, dtype=np.int64)
    bits = np.zeros((rows, columns), dtype=np.int64)
    for index, (_, envelope) in enumerate(curves):
        x, y = envelope.points()
        grid = _trace(np.rint(x * (width_px - 1) / max(count - 1, 1)), to_row(y), width_px, height_px)
        _merge(bits, owners, _cells(grid), index)
    worst_cell = None
    if overlay is not None:
        grid = np.zeros((height_px, width_px), dtype=bool)
        xs = np.rint(overlay.updates * (width_px - 1) / max(count - 1, 1)).astype(np.int64)
        ys = to_row(overlay.logged)
        keep = np.isfinite(ys) & (xs < width_px)
        grid[height_px - 1 - np.rint(ys[keep]).astype(np.int64), xs[keep]] = True
        _merge(bits, owners, _cells(grid), len(curves))
        top = overlay.largest
        if top.abs_diff > 0:
            y = to_row(np.array([top.logged]))[0]
            if math.isfinite(y):
                worst_cell = ((height_px - 1 - int(round(y))) // 4, plot.dot_column(top.update) // 2)

    warmups = _warmup_marks(schedules, counts, plot)
    text = Text(no_wrap=True, overflow="ignore")
    text.append((title or " vs ".join(s.label for s in schedules))[: left + columns], style="bold")
    text.append("\n")
    for r in range(rows):
        label = labels.get(r)
        text.append((label or "").rjust(label_width) + (" ┤" if label is not None else " │"),
                    style=NEUTRAL_STYLE)
        for c in range(columns):
            if worst_cell == (r, c):
                text.append(WORST_MARK, style="bold red")
            elif bits[r, c]:
                owner = int(owners[r, c])
                text.append(chr(BRAILLE + int(bits[r, c])),
                            style=LOGGED_STYLE if owner == len(curves) else STYLES[owner % len(STYLES)])
            elif c in warmups:
                text.append(WARMUP_MARK, style=warmups[c])
            else:
                text.append(" ")
        text.append("\n")
    _x_axis(text, plot, warmups)
    _legend(text, schedules, curves, counts, overlay, overlay_name, plot, max(width - 1, plot.left + 20))
    text.rstrip()
    return TerminalPlot(text, left, columns, rows, 1, count, low, high, log_y)


def _log10(values):
    with np.errstate(all="ignore"):
        array = np.asarray(values, dtype=np.float64)
        return np.where(array > 0, np.log10(np.where(array > 0, array, 1.0)), np.nan)


def _y_range(curves: Any, overlay: Overlay | None, transform: Any) -> tuple[float, float]:
    """Bottom and top of the LR axis: every curve's (and the log's) lowest and highest value; 0 is
    kept in view on a linear axis, as the image plot does."""
    values = [v for summary, _ in curves for v in (summary.min_lr, summary.peak_lr)]
    if overlay is not None:
        values += [float(np.min(overlay.logged)), float(np.max(overlay.logged))]
    if transform is _log10:  # the smallest positive LR: the envelope holds every column's lowest
        for _, envelope in curves:
            y = envelope.points()[1]
            positive = y[np.isfinite(y) & (y > 0)]
            if len(positive):
                values.append(float(np.min(positive)))
        if overlay is not None and np.any(overlay.logged > 0):
            values.append(float(np.min(overlay.logged[overlay.logged > 0])))
    mapped = np.asarray(transform(np.array(values, dtype=np.float64)), dtype=np.float64)
    mapped = mapped[np.isfinite(mapped)]
    if not len(mapped):
        return (math.nan, math.nan) if transform is _log10 else (0.0, 1.0)
    low, high = float(np.min(mapped)), float(np.max(mapped))
    if transform is not _log10:
        low = min(low, 0.0)
    if high <= low:  # a flat line: give it some room
        pad = abs(high) * 0.5 or 1.0
        low, high = (low - pad, high + pad) if transform is _log10 or low < 0 else (low, high + pad)
    return low, high


def _y_labels(low: float, high: float, rows: int, log_y: bool) -> dict[int, str]:
    """LR labels: the highest value on the top row, the lowest on the bottom row, and between them
    round values (1, 2, 2.5 or 5 times a power of ten; powers of ten on a log axis) on the row that
    holds them, at least three rows from any other label."""
    height_px = 4 * rows
    labels = {0: short_lr(10.0 ** high if log_y else high), rows - 1: short_lr(10.0 ** low if log_y else low)}
    span = high - low
    if not span > 0 or rows < 7:
        return labels
    if log_y:
        step = max(1.0, float(math.ceil(span / max(rows // 4, 1))))
    else:
        raw = span / max(rows // 4, 1)
        power = 10.0 ** math.floor(math.log10(raw))
        step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    tick = math.ceil(low / step) * step
    while tick < high:
        row = int((height_px - 1 - (tick - low) / span * (height_px - 1)) // 4)
        if all(abs(row - other) >= 3 for other in labels):
            labels[row] = short_lr(10.0 ** tick if log_y else tick)
        tick += step
    return labels


def _trace(x: NDArray[np.float64], y: NDArray[np.float64], width_px: int,
           height_px: int) -> NDArray[np.bool_]:
    """The dots of a line through ``(x, y)`` (dot coordinates, y up; NaN breaks the line): each dot
    column spans its points' lowest and highest y, dot columns between two points take the straight
    line between them, and each column reaches its left neighbour's range, so the line is unbroken."""
    lo = np.full(width_px, np.inf)
    hi = np.full(width_px, -np.inf)
    finite = np.isfinite(y)
    xi = x.astype(np.int64)
    inside = finite & (xi >= 0) & (xi < width_px)
    np.minimum.at(lo, xi[inside], np.rint(y[inside]))
    np.maximum.at(hi, xi[inside], np.rint(y[inside]))
    # Between consecutive points more than one dot column apart (a short schedule), the straight line.
    gaps = np.flatnonzero((np.diff(xi) > 1) & finite[:-1] & finite[1:])
    for i in gaps.tolist():
        x0, x1, y0, y1 = int(xi[i]), int(xi[i + 1]), float(y[i]), float(y[i + 1])
        for c in range(x0 + 1, min(x1, width_px)):
            v = round(y0 + (y1 - y0) * (c - x0) / (x1 - x0))
            lo[c], hi[c] = min(lo[c], v), max(hi[c], v)
    drawn = np.isfinite(lo)
    left_lo, left_hi = np.roll(lo, 1), np.roll(hi, 1)
    joined = drawn & np.roll(drawn, 1)
    joined[0] = False
    lo2 = np.where(joined, np.minimum(lo, left_hi), lo)
    hi2 = np.where(joined, np.maximum(hi, left_lo), hi)
    grid = np.zeros((height_px, width_px), dtype=bool)
    rows = np.arange(height_px)[:, None]
    with np.errstate(invalid="ignore"):
        grid |= (rows >= (height_px - 1 - hi2)[None, :]) & (rows <= (height_px - 1 - lo2)[None, :])
    return grid


def _cells(grid: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Dot grid (4R × 2C, row 0 at the top) -> braille bits per cell (R × C)."""
    height_px, width_px = grid.shape
    cells = np.zeros((height_px // 4, width_px // 2), dtype=np.int64)
    for dy in range(4):
        for dx in range(2):
            cells |= grid[dy::4, dx::2].astype(np.int64) * DOTS[dy][dx]
    return cells


def _merge(bits: NDArray[np.int64], owners: NDArray[np.int64], cells: NDArray[np.int64], index: int) -> None:
    """Add a series' dots; a cell takes the colour of the last series with a dot in it."""
    bits |= cells
    owners[cells != 0] = index


def _warmup_marks(schedules: Sequence[Schedule], counts: Sequence[int], plot: TerminalPlot) -> dict[int, str]:
    """Plot column -> style of each warmup end inside the run (grey where curves share it)."""
    marks: dict[int, str] = {}
    for i, (schedule, count) in enumerate(zip(schedules, counts)):
        warmup = schedule.warmup_steps
        if 0 < warmup < count:
            column = plot.dot_column(warmup) // 2
            marks[column] = NEUTRAL_STYLE if column in marks else STYLES[i % len(STYLES)]
    return marks


def _nice(value: float) -> int:
    """The smallest of 1, 2, 5 × 10^k that is >= value."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(int(m * power) for m in (1, 2, 5, 10) if m * power >= value)


def _x_axis(text: Text, plot: TerminalPlot, warmups: dict[int, str]) -> None:
    """The axis line (ticks ``┬``, warmup ends ``┴``) and the update labels under it."""
    last = plot.count - 1
    spacing = len(str(last)) + 3
    step = _nice(last * spacing / max(plot.columns, 1)) if last > 0 else 1
    ticks = list(range(0, last + 1, step))
    if ticks[-1] != last:
        if plot.cell_column(last) - plot.cell_column(ticks[-1]) < spacing:
            ticks.pop()
        ticks.append(last)
    line = ["─"] * plot.columns
    below = [" "] * (plot.left + plot.columns)
    end = -1
    for tick in ticks:
        column = plot.dot_column(tick) // 2
        label = str(tick)
        start = min(max(plot.left + column - len(label) // 2, plot.left),
                    plot.left + plot.columns - len(label))
        if start <= end:
            continue  # would touch the previous label
        line[column] = "┬"
        below[start:start + len(label)] = label
        end = start + len(label)
    for column in warmups:
        line[column] = WARMUP_AXIS
    text.append(" " * (plot.left - 1) + "└", style=NEUTRAL_STYLE)
    for column, char in enumerate(line):
        text.append(char, style=warmups.get(column, NEUTRAL_STYLE) if char == WARMUP_AXIS else NEUTRAL_STYLE)
    text.append("\n")
    text.append("".join(below).rstrip() + "\n", style=NEUTRAL_STYLE)


def _legend(text: Text, schedules: Sequence[Schedule], curves: Any, counts: Sequence[int],
            overlay: Overlay | None, overlay_name: str, plot: TerminalPlot, width: int) -> None:
    """One entry per curve (its label, peak and warmup end), then the log's; an entry longer than
    ``width`` continues on indented lines, so nothing is cut."""
    pad = " " * plot.left

    def line(mark: str, style: str, label: str, details: Sequence[str]) -> None:
        rows = [Text(pad)]
        rows[0].append(mark + " ", style=style)
        indent = pad + " " * (len(mark) + 1)
        for piece, piece_style in [(word, "") for word in label.split(" ")] + [
                (detail, NEUTRAL_STYLE) for detail in details]:
            current = rows[-1]
            gap = "" if current.plain.endswith(" ") else (" " if piece_style == "" else "  ")
            if len(current.plain) + len(gap) + len(piece) > width and current.plain.strip(" ━⣿"):
                rows.append(Text(indent))
                current, gap = rows[-1], ""
            while len(current.plain) + len(gap) + len(piece) > width:  # a word longer than a line
                room = max(width - len(current.plain) - len(gap), 1)
                current.append(gap + piece[:room], style=piece_style)
                piece, gap = piece[room:], ""
                rows.append(Text(indent))
                current = rows[-1]
            current.append(gap + piece, style=piece_style)
        for row in rows:
            text.append_text(row)
            text.append("\n")

    for i, (schedule, (summary, _), count) in enumerate(zip(schedules, curves, counts)):
        details = [f"peak {summary.peak_lr:.4g} @ {summary.peak_step}"]
        if 0 < schedule.warmup_steps < count:
            details.append(f"{WARMUP_MARK} warmup end @ {schedule.warmup_steps}")
        details.append(f"final {summary.final_lr:.4g} @ {summary.final_step}")
        line("━━", STYLES[i % len(STYLES)], schedule.label, details)
    if overlay is not None:
        top = overlay.largest
        if overlay.exact == overlay.count:
            verdict = f"equal at all {overlay.count} logged updates"
        else:
            verdict = (f"{WORST_MARK} max |Δ| {top.abs_diff:.3g} @ update {top.update} "
                       f"({overlay.count} logged)")
        line("⣿⣿", LOGGED_STYLE, f"{overlay_name} ({_offset_words(overlay.offset)}): {verdict}", [])


def _offset_words(offset: int) -> str:
    return meaning(offset).split(":")[0]


def build_overlay_table(overlay: Overlay, name: str) -> Table:
    """``summary --actual``: what the log holds, how it was aligned, and its largest deviation."""
    table = Table(title=Text(f"logged LR: {name}"), show_header=False)
    table.add_column("what", style="cyan")
    table.add_column("value", overflow="fold")
    span = f"{overlay.first_update}..{overlay.last_update}"
    table.add_row("values", f"{overlay.count} (updates {span})")
    table.add_row("alignment", overlay.alignment())
    table.add_row("exact", f"{overlay.exact} of {overlay.count} equal the computed LR bit for bit")
    if overlay.float32_exact is not None:
        table.add_row("float32", f"{overlay.float32_exact} of {overlay.count} equal it rounded to float32")
    top = overlay.largest
    where = f"update {top.update} (step {top.step}" + (f", line {top.line})" if top.line else ")")
    table.add_row("largest |Δ|", f"{top.abs_diff:.6g} at {where}" if top.abs_diff else "0")
    if top.abs_diff:
        table.add_row("  logged", repr(top.logged))
        table.add_row("  computed", repr(top.computed))
        table.add_row("  relative", f"{top.rel_diff:.3g}")
    from warmupctl.calc.explained import skipped_where

    skipped_at = skipped_where(overlay.skipped)
    if skipped_at is not None:  # the lag of a log whose optimizer steps were skipped (fp16/AMP overflow)
        count = overlay.skipped["count"]
        at = f": {skipped_at}" if skipped_at else ""
        table.add_row("skipped", f"{count} optimizer step{'s' if count != 1 else ''}{at} (fp16/AMP "
                                 "overflow: the scheduler was not stepped, so the log lags); warmupctl "
                                 "explain says more")
    return table

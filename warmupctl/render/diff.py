"""The report of ``warmupctl diff``: a Rich report, JSON, or GitHub Actions annotations. Never prints.

* ``build_report``: a headline (``same`` / ``different`` and why) and a table of both sides: what
  they are, their length, the first differing update, the largest absolute and relative differences
  and the key events (changed ones marked). LRs at full precision: two values one ulp apart print
  differently.
* ``report_json``: one object with sorted keys and ``format_version``; see :func:`report_document`.
* ``github_annotations``: workflow commands (``::error file=F,line=L,title=T::message``) naming the
  golden table and the line of the first difference, then the headline as a plain log line.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from warmupctl.calc.compare import Comparison, EventChange, Events, Point, Side
from warmupctl.render.text import FORMAT_VERSION, dumps, number

KINDS = {"spec": "spec", "csv": "CSV table", "json": "JSON table", "log": "logged LR"}
TITLE = "warmupctl diff"


def _g(value: float) -> str:
    return f"{value:.3g}"


def _tolerances(c: Comparison) -> str:
    return f"rtol {_g(c.rtol)}, atol {_g(c.atol)}"


def headline(c: Comparison) -> str:
    """One line: the verdict and its reason."""
    a, b = c.a.name, c.b.name
    if c.same:
        if c.identical:
            return f"same: {a} and {b} agree on all {c.compared} updates, bit for bit"
        top = c.largest_abs
        assert top is not None
        return (f"same: {a} and {b} agree on all {c.compared} updates within {_tolerances(c)} "
                f"(largest difference {_g(top.abs_diff)} at update {top.step})")
    reasons = []
    if c.differing:
        reasons.append(f"{c.differing} of {c.compared} updates differ beyond {_tolerances(c)}")
    if c.steps_mismatch is not None:
        reasons.append(_rows_differ(c))
    if c.length_mismatch:
        reasons.append(f"{a} has {c.a.length} updates, {b} {c.b.length}")
    return "different: " + "; ".join(reasons)


def _rows_differ(c: Comparison) -> str:
    m = c.steps_mismatch
    assert m is not None

    def where(name: str, step: int, line: int | None) -> str:
        return f"update {step} in {name}" + (f" (line {line})" if line is not None else "")

    return (f"the rows stop naming the same updates at row {m.row + 1}: "
            f"{where(c.a.name, m.step_a, m.line_a)}, {where(c.b.name, m.step_b, m.line_b)}")


# ------------------------------------------------------------------------------------------------
# Rich
# ------------------------------------------------------------------------------------------------


def _what(side: Side) -> str:
    if side.kind == "spec":
        return f"spec: {side.label}"
    rows = side.events.rows
    text = f"{KINDS[side.kind]}, {rows} row{'s' if rows != 1 else ''}"
    if side.label != side.name:  # a JSON table names its schedule
        text += f" of {side.label}"
    if not side.events.dense:
        text += f" (updates {side.events.first_step}..{side.events.final_step})"
    return text


def _at(step: int, line: int | None) -> str:
    return f"update {step}" + (f", line {line}" if line is not None else "")


def _point_rows(table: Table, what: str, p: Point, style: str = "") -> None:
    """Three rows: where (with the table lines), both LRs, the difference."""
    table.add_row(what, _at(p.step, p.line_a), _at(p.step, p.line_b), style=style)
    table.add_row("  LR", number(p.a), number(p.b), style=style)
    table.add_row("  |A−B|, relative", _g(p.abs_diff), _g(p.rel_diff), style=style)


def _event_rows(table: Table, a: Events, b: Events, changes: tuple[EventChange, ...]) -> None:
    changed = {change.event for change in changes}

    def row(what: str, x: str, y: str, *events: str) -> None:
        moved = any(e in changed for e in events)
        table.add_row(what + (" (changed)" if moved else ""), x, y, style="bold red" if moved else "")

    first = f"LR at update {a.first_step}"
    if a.first_step == b.first_step:
        row(first, number(a.first_lr), number(b.first_lr), first)
    if a.warmup_steps is not None or b.warmup_steps is not None:
        row("warmup end", _warmup(a), _warmup(b), "warmup end", "warmup end LR")
    row("peak", f"{number(a.peak_lr)} @ {a.peak_step}", f"{number(b.peak_lr)} @ {b.peak_step}",
        "peak step", "peak LR")
    row("final LR", f"{number(a.final_lr)} @ {a.final_step}", f"{number(b.final_lr)} @ {b.final_step}",
        "final step", "final LR")


def _warmup(e: Events) -> str:
    if e.warmup_steps is None:
        return "– (a table does not say)"
    if not e.warmup_steps:
        return "none"
    return f"update {e.warmup_steps}" + (
        f": {number(e.warmup_end_lr)}" if e.warmup_end_lr is not None else "")


def build_report(c: Comparison) -> RenderableType:
    """The terminal report: the headline, then both sides side by side (fits 80 columns, the width
    of a CI log, for runs up to 10^7 updates)."""
    verdict = Text(headline(c), style="bold green" if c.same else "bold red")
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1, 0, 0),
                  show_edge=False)
    table.add_column("", overflow="fold")
    table.add_column(f"A: {c.a.name}", overflow="fold")
    table.add_column(f"B: {c.b.name}", overflow="fold")
    table.add_row("what", _what(c.a), _what(c.b))
    mismatch = c.length_mismatch
    table.add_row("updates" + (" (differ)" if mismatch else ""), str(c.a.length), str(c.b.length),
                  style="bold red" if mismatch else "")
    if c.steps_mismatch is not None:
        m = c.steps_mismatch
        table.add_row(f"row {m.row + 1} (differs)", _at(m.step_a, m.line_a), _at(m.step_b, m.line_b),
                      style="bold red")
    if c.first is not None:
        _point_rows(table, "first difference", c.first, "bold red")
    if c.largest_abs is not None and c.largest_abs.abs_diff > 0:
        _point_rows(table, "largest |A−B|", c.largest_abs)
        if c.largest_rel is not None and c.largest_rel.step != c.largest_abs.step:
            _point_rows(table, "largest relative", c.largest_rel)
    _event_rows(table, c.a.events, c.b.events, c.changes if not c.same else ())
    footer = Text(f"compared {c.compared} updates; same when |A−B| <= max(atol, rtol·max(|A|,|B|)); "
                  f"{_tolerances(c)}", style="dim")
    return Group(verdict, table, footer)


# ------------------------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------------------------


def _point(p: Point | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"step": p.step, "a": p.a, "b": p.b, "abs_diff": p.abs_diff, "rel_diff": p.rel_diff,
            "line_a": p.line_a, "line_b": p.line_b}


def _side(side: Side) -> dict[str, Any]:
    return {"name": side.name, "kind": side.kind, "label": side.label, "length": side.length,
            "events": side.events.as_dict(), "spec": dict(side.spec) if side.spec is not None else None,
            "source": side.source}


def report_document(c: Comparison) -> dict[str, Any]:
    """The JSON report: ``same``, the sides (with the resolved spec of a spec side and its key
    events), the counts, the first and largest differences (``null`` when none), the length and
    step mismatches, the changed events (only when the schedules differ) and the tolerances."""
    m = c.steps_mismatch
    return {
        "format_version": FORMAT_VERSION,
        "same": c.same,
        "identical": c.identical,
        "a": _side(c.a),
        "b": _side(c.b),
        "compared": c.compared,
        "differing": c.differing,
        "first_difference": _point(c.first),
        "largest_abs_difference": _point(c.largest_abs),
        "largest_rel_difference": _point(c.largest_rel),
        "length_mismatch": c.length_mismatch,
        "steps_mismatch": None if m is None else {
            "row": m.row, "step_a": m.step_a, "step_b": m.step_b, "line_a": m.line_a, "line_b": m.line_b},
        "changed_events": [] if c.same else [
            {"event": e.event, "a": e.a, "b": e.b} for e in c.changes],
        "rtol": c.rtol,
        "atol": c.atol,
    }


def report_json(c: Comparison) -> str:
    return dumps(report_document(c)) + "\n"


# ------------------------------------------------------------------------------------------------
# GitHub Actions
# ------------------------------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    """Workflow-command message escaping (actions/toolkit ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Property escaping (actions/toolkit ``escapeProperty``)."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(message: str, file: str | None, line: int | None, title: str) -> str:
    props = []
    if file is not None:
        props.append(f"file={_escape_property(file)}")
        if line is not None:
            props.append(f"line={line}")
    props.append(f"title={_escape_property(title)}")
    return f"::error {','.join(props)}::{_escape_data(message)}"


def _golden(c: Comparison) -> tuple[Side, str]:
    """The side to annotate: B when it is a table (the usual golden), else A when it is one, else B."""
    if c.b.is_table or not c.a.is_table:
        return c.b, "b"
    return c.a, "a"


def _annotatable(side: Side) -> str | None:
    return None if side.name.startswith("<") else side.name


def github_annotations(c: Comparison) -> str:
    """One ``::error`` per problem (first difference, step mismatch, length), on the golden's line,
    and the headline as a plain log line."""
    golden, which = _golden(c)
    file = _annotatable(golden)
    lines: list[str] = []
    a, b = c.a.name, c.b.name
    if c.first is not None:
        p = c.first
        line = p.line(which)
        where = f" (line {line})" if line is not None else ""
        message = (f"the LR of update {p.step} changed: {a} gives {number(p.a)}, {b} has {number(p.b)}"
                   f"{where}; {c.differing} of {c.compared} updates differ beyond {_tolerances(c)}")
        if c.largest_abs is not None:
            message += f"; largest difference {_g(c.largest_abs.abs_diff)} at update {c.largest_abs.step}"
        lines.append(_command(message, file, line, f"{TITLE}: schedule changed"))
    if c.steps_mismatch is not None:
        m = c.steps_mismatch
        line = m.line(which)
        lines.append(_command(_rows_differ(c),
                              file, line, f"{TITLE}: rows differ"))
    if c.length_mismatch:
        lines.append(_command(f"{a} has {c.a.length} updates, {b} has {c.b.length}", file,
                              golden.last_line, f"{TITLE}: length changed"))
    lines.append(f"{TITLE}: {headline(c)}")
    return "\n".join(lines) + "\n"

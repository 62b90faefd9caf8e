"""The series of a schedule besides its LR in reports: ``summary``'s table, ``diff``'s verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from warmupctl.calc.compare import Comparison, SeriesComparison
from warmupctl.calc.summary import Summary
from warmupctl.render.table import fmt


def build_series_summary_table(summaries: Mapping[str, Summary]) -> Text:
    """One line per series: its value at update 0, its largest and smallest (with the update), its
    final value and its mean. Lines of words, not a grid: a narrow terminal wraps between values,
    never inside a name or a number."""
    out = Text("series besides lr\n", style="bold")
    for name, s in summaries.items():
        out.append(f"{name}", style="cyan")
        out.append(f": at update 0 {fmt(s.first_lr)}, max {fmt(s.peak_lr)} @ {s.peak_step}, "
                   f"min {fmt(s.min_lr)} @ {s.min_step}, final {fmt(s.final_lr)} @ "
                   f"{s.final_step}, mean {fmt(s.mean_lr)}\n")
    return out


def series_verdicts(sc: SeriesComparison, a: str, b: str) -> list[str]:
    """One line per series: ``same``, where it first differs, or which side lacks it."""
    lines = []
    for name, c in sc.compared.items():
        if c.same:
            lines.append(f"series {name}: same")
        elif c.first is not None:
            p = c.first
            lines.append(f"series {name}: differs from update {p.step} ({a}: {p.a!r}, {b}: "
                         f"{p.b!r}); {c.differing} of {c.compared} updates differ")
        else:
            lines.append(f"series {name}: {a} has {c.a.length} updates, {b} has {c.b.length}")
    lines.extend(f"series {name}: only in {a}" for name in sc.only_a)
    lines.extend(f"series {name}: only in {b}" for name in sc.only_b)
    return lines


def series_report(sc: SeriesComparison, a: str, b: str) -> Text:
    """The verdicts as text for the terminal report, the changed ones in red."""
    out = Text()
    for line in series_verdicts(sc, a, b):
        out.append(line + "\n", style=None if line.endswith(": same") else "red")
    if not sc.same:
        out.append(f"different: the series {', '.join(sc.changed)} changed\n", style="bold red")
    return out


def series_document(sc: SeriesComparison) -> dict[str, Any]:
    """The ``series`` part of ``diff --format json``: ``same``, the ``changed`` names, and per
    series the first difference and counts."""
    def point(c: Comparison) -> dict[str, Any] | None:
        p = c.first
        return None if p is None else {"step": p.step, "a": p.a, "b": p.b,
                                       "abs_diff": p.abs_diff, "rel_diff": p.rel_diff}

    return {
        "same": sc.same,
        "changed": list(sc.changed),
        "compared": {name: {"same": c.same, "compared": c.compared, "differing": c.differing,
                            "length_mismatch": c.length_mismatch, "first_difference": point(c)}
                     for name, c in sc.compared.items()},
        "only_a": list(sc.only_a),
        "only_b": list(sc.only_b),
    }

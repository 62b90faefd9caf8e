"""Rich renderables for ``warmupctl check``: each schedule's findings, then the counts. Pure: the CLI
prints them or writes them to a file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import RenderableType
from rich.text import Text

from warmupctl.calc.lints import Finding
from warmupctl.engine import Schedule

#: Severity -> style of its word.
STYLES = {"warning": "yellow", "advice": "cyan"}


def build_lint_report(results: Sequence[tuple[Schedule, Sequence[Finding]]],
                      total: Mapping[str, int]) -> list[RenderableType]:
    """A Rich list: per schedule its findings (code, name, severity, update, message, hint), then
    ``N warnings, M advice`` from ``total`` (:func:`warmupctl.calc.lints.counts`)."""
    out: list[RenderableType] = []
    for schedule, findings in results:
        title = f"{schedule.label} ({schedule.source}, {schedule.total_steps} updates)"
        out.append(Text(title, style="bold"))
        if not findings:
            out.append(Text("  no findings", style="green"))
        for finding in findings:
            line = Text("  ")
            line.append(f"{finding.id} {finding.name}", style="magenta")
            line.append(f"  {finding.severity}", style=STYLES[finding.severity])
            where = f"update {finding.step}: " if finding.step is not None else ""
            line.append(f"  {where}{finding.message}")
            out.append(line)
            if finding.hint:
                out.append(Text(f"      hint: {finding.hint}", style="dim"))
    summary = f"{total['warning']} warning{'s' if total['warning'] != 1 else ''}, {total['advice']} advice"
    out.append(Text(summary, style="bold"))
    return out

"""Rich renderables for ``warmupctl check``: each schedule's findings, then the counts. Pure: the CLI
prints them or writes them to a file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from warmupctl.calc.lints import Finding
from warmupctl.engine import Schedule

#: Severity -> style of its word.
STYLES = {"warning": "yellow", "advice": "cyan", "info": "blue"}
#: Severity -> the GitHub workflow command that annotates it (info is the library's convention: no
#: annotation, so a pull request shows what needs a look).
GITHUB_COMMANDS = {"warning": "warning", "advice": "notice"}
TITLE = "warmupctl check"
#: Columns of indent of a finding's message and hint under its code line.
INDENT = 6


def build_lint_report(results: Sequence[tuple[Schedule, Sequence[Finding]]],
                      total: Mapping[str, int]) -> list[RenderableType]:
    """A Rich list: per schedule its findings (code, name, severity, update, message, hint), then
    ``N warnings, M advice, K info`` from ``total`` (:func:`warmupctl.calc.lints.counts`)."""
    out: list[RenderableType] = []
    for schedule, findings in results:
        title = f"{schedule.label} ({schedule.source}, {schedule.total_steps} updates)"
        out.append(Text(title, style="bold"))
        if not findings:
            out.append(Text("  no findings", style="green"))
        for finding in findings:
            line = Text()
            line.append(f"{finding.id} {finding.name}", style="magenta")
            line.append(f"  {finding.severity}", style=STYLES[finding.severity])
            where = f"update {finding.step}: " if finding.step is not None else ""
            line.append(f"  {where}{finding.message}")
            out.append(Hanging(line, first=2, rest=INDENT))
            if finding.hint:
                out.append(Hanging(Text(f"hint: {finding.hint}", style="dim"), first=INDENT, rest=INDENT))
    out.append(Text(tally(total), style="bold"))
    return out


class Hanging:
    """``text`` with a hanging indent: its first line ``first`` columns in, the lines it wraps onto
    ``rest`` columns in, so a finding's code line stays one line where it fits and its message wraps
    under itself rather than at column 0."""

    def __init__(self, text: Text, first: int, rest: int) -> None:
        self.text, self.first, self.rest = text, first, rest

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        plain = self.text.plain
        first = self.text.wrap(console, max(options.max_width - self.first, 20))[0]
        first.rstrip()
        cut = len(first.plain)
        while cut < len(plain) and plain[cut] == " ":
            cut += 1
        yield Segment(" " * self.first)
        yield from first.render(console)
        yield Segment.line()
        if cut >= len(plain):
            return
        rest = self.text.divide([cut])[-1]
        for line in rest.wrap(console, max(options.max_width - self.rest, 20)):
            line.rstrip()
            yield Segment(" " * self.rest)
            yield from line.render(console)
            yield Segment.line()


def tally(total: Mapping[str, int]) -> str:
    """``1 warning, 0 advice, 2 info``."""
    return (f"{total['warning']} warning{'s' if total['warning'] != 1 else ''}, {total['advice']} advice, "
            f"{total['info']} info")


def github_annotations(results: Sequence[tuple[Schedule, Sequence[Finding]]],
                       files: Sequence[str | None], total: Mapping[str, int]) -> str:
    """GitHub Actions workflow commands: ``::warning`` per warning and ``::notice`` per advice, on
    the spec file (``files[i]`` for ``results[i]``; None: flags or standard input, no file), then
    the tally as a plain log line. Info findings are left to the table and JSON formats."""
    from warmupctl.render.diff import _escape_data, _escape_property

    lines = []
    for (schedule, findings), file in zip(results, files):
        for finding in findings:
            command = GITHUB_COMMANDS.get(finding.severity)
            if command is None:
                continue
            props = [f"file={_escape_property(file)}"] if file else []
            props.append(f"title={_escape_property(f'{TITLE}: {finding.id} {finding.name}')}")
            where = f"update {finding.step}: " if finding.step is not None else ""
            hint = f" (hint: {finding.hint})" if finding.hint else ""
            message = f"{schedule.label}: {where}{finding.message}{hint}"
            lines.append(f"::{command} {','.join(props)}::{_escape_data(message)}")
    lines.append(f"{TITLE}: {tally(total)}")
    return "\n".join(lines) + "\n"

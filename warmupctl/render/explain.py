"""``warmupctl explain``: the report of :func:`warmupctl.calc.explain.explain` as a Rich table, a JSON
document, and the inferred schedule as a spec file. Pure builders: nothing here prints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warmupctl.calc.explain import Explanation, Report

#: The version of the JSON document (its keys only grow within a version).
EXPLAIN_FORMAT_VERSION = 1


def params_text(explanation: Explanation) -> str:
    """The parameters of every cause, ``key=value``, lists shortened."""
    parts = [f"offset={explanation.offset}"]
    for cause in explanation.causes:
        for key, value in cause.params.items():
            if key == "windows" or (cause.name == "offset" and key == "offset"):
                continue
            if isinstance(value, list):
                shown = ",".join(map(str, value[:8])) + (f",… ({len(value)})" if len(value) > 8 else "")
                parts.append(f"{key}=[{shown}]")
            elif isinstance(value, float):
                parts.append(f"{key}={value:.6g}")
            else:
                parts.append(f"{key}={value}")
    return " ".join(parts)


def _residual(explanation: Explanation) -> str:
    return "0" if explanation.residual == 0 else f"{explanation.residual:.3g}"


def build_explain(report: Report, log_line: str, spec_yaml: str | None = None):
    """A Rich renderable: the explanations ranked, the best one in words, the deviations left."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    title = f"why the log differs from {report.label}"
    table = Table(title=Text(title))
    table.add_column("#", justify="right")
    table.add_column("cause", style="cyan")
    table.add_column("parameters", overflow="fold")
    table.add_column("residual", justify="right")
    table.add_column("explains", justify="center")
    for rank, e in enumerate((report.best, *report.runners_up), 1):
        table.add_row(str(rank), "+".join(c.name for c in e.causes) or "none", params_text(e),
                      _residual(e), "yes" if e.explained else "no")
    parts: list[Any] = [Text(log_line), table]
    best = report.best
    verdict = ("explains every logged value within the log's rounding "
               f"(relative {report.tolerance:.3g})" if best.explained else
               "nothing explains the log: the closest explanation leaves the deviations below")
    parts.append(Text(f"best: {best.describe()}\n{verdict}"))
    if not best.explained and report.worst:
        worst = Table(title=Text("largest deviations left"))
        for column in ("step", "update", "line", "logged", "predicted", "relative"):
            worst.add_column(column, justify="right")
        for w in report.worst:
            worst.add_row(str(w.step), str(w.update), "" if w.line is None else str(w.line),
                          repr(w.logged), repr(w.predicted), f"{w.rel_diff:.3g}")
        parts.append(worst)
    for note in report.notes:
        parts.append(Text(f"note: {note}"))
    if spec_yaml:
        heading = ("inferred schedule (save it as a spec file):" if best.explained else
                   "the closest schedule inferred (it does not explain the log):")
        parts.append(Text(heading, style="bold"))
        parts.append(Text(spec_yaml.rstrip("\n"), no_wrap=True, overflow="ignore"))
    return Group(*parts)


def explain_document(report: Report, log: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document: the log, the best explanation's cause and parameters as numbers, the
    residual, the runners-up."""
    return {"format_version": EXPLAIN_FORMAT_VERSION, "log": dict(log), **report.as_dict()}


def spec_yaml(spec: Mapping[str, Any], comment: str) -> str:
    """A spec mapping as a YAML spec file, with a comment saying where it came from."""
    import yaml

    body = yaml.safe_dump(dict(spec), sort_keys=False, default_flow_style=None)
    return "".join(f"# {line}\n" for line in comment.splitlines()) + body

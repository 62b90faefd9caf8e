"""A run's log explained against its schedule, as the surfaces show it: the skipped optimizer steps
in words, and the best explanation's curve as a drawable :class:`~warmupctl.engine.Schedule`.

:func:`explain_log` runs :func:`warmupctl.calc.explain.explain` on a read log
(:class:`warmupctl.spec.logs.RunLog`) with the spec's own rebuilder, as ``warmupctl explain LOG
SPEC`` does; :func:`explained_curve` turns its best explanation into what ``plot --actual`` and
``explain --plot`` draw (one builder for both): the curve, its legend text (``explained: skipped 4
(updates 20, 50, …)``) and the updates to mark.

Example:
    >>> skipped_words({"count": 4, "updates": [20, 50, 80, 110]})
    '4 (updates 20, 50, 80, 110)'
    >>> skipped_words({"count": 9, "updates": list(range(9))}, limit=3)
    '9 (updates 0, 1, 2, … 9 in all)'
    >>> skipped_words({"count": 3, "updates": None, "windows": [{"first": 0, "last": 24, "count": 2},
    ...                                                       {"first": 25, "last": 49, "count": 1}]})
    '3 (2 among updates 0..24, 1 among updates 25..49)'
    >>> skipped_words({"count": 0, "updates": []}) is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from warmupctl.engine import Schedule

if TYPE_CHECKING:
    from warmupctl.calc.explain import Explanation, Report
    from warmupctl.spec.logs import RunLog

#: Updates (or windows of them) named before "…".
SHOWN = 5


def skipped_words(skipped: Mapping[str, Any] | None, limit: int = SHOWN) -> str | None:
    """The skipped optimizer steps of a log (``Overlay.skipped``, or a ``skipped`` cause's
    parameters) in words: the count, then where (:func:`skipped_where`); None when there are none."""
    where = skipped_where(skipped, limit)
    if where is None:
        return None
    count = int(skipped["count"])  # type: ignore[index]
    return f"{count} ({where})" if where else str(count)


def skipped_where(skipped: Mapping[str, Any] | None, limit: int = SHOWN) -> str | None:
    """Where the skipped optimizer steps are: the first ``limit`` updates (then "…" and the total),
    or the windows that hold them when the log does not say which updates exactly (a log written
    every n updates); "" when it says neither, None when none were skipped.

    >>> skipped_where({"count": 2, "updates": [7, 9]})
    'updates 7, 9'
    """
    if not skipped or not skipped.get("count"):
        return None
    updates = skipped.get("updates")
    if updates:
        shown = ", ".join(map(str, updates[:limit]))
        more = f", … {len(updates)} in all" if len(updates) > limit else ""
        return f"update{'s' if len(updates) != 1 else ''} {shown}{more}"
    windows: Sequence[Mapping[str, int]] = skipped.get("windows") or ()
    parts = [f"{w['count']} among updates {w['first']}..{w['last']}" for w in windows[:limit]]
    more = f", … {len(windows)} windows" if len(windows) > limit else ""
    return ", ".join(parts) + more


def explain_log(schedule: Schedule, log: RunLog, offset: int | None = None,
                families: bool = True) -> Report:
    """:func:`warmupctl.calc.explain.explain` of a read log against ``schedule`` (its spec rebuilt for
    the fitted causes, as ``warmupctl explain LOG SPEC`` does)."""
    from warmupctl.calc.explain import explain
    from warmupctl.calc.infer import planned, rebuilder

    return explain(schedule, log.steps, log.lrs, rounding=log.rounding, convention=log.offset,
                   offset=offset, rebuild=rebuilder(schedule.spec), planned=planned(schedule.spec),
                   facts=log.facts, lines=log.lines, families=families, kind=log.kind)


@dataclass(frozen=True, eq=False)
class ExplainedCurve:
    """What a plot draws of an explanation.

    Attributes:
        schedule: the LR the explanation says each update used, as a schedule to draw.
        label: its legend text (``explained: skipped 4 (updates 20, 50, …)``).
        offset: ``update = step − offset`` under the explanation (the log is drawn with it).
        skipped: the skipped updates to mark (empty when none, or when only windows are known).
        windows: ``(first, last, count)`` of each window of skipped updates, when the updates
            themselves are not known (a log written every n updates).
        explained: the explanation reproduces every logged value within the log's rounding.
    """

    schedule: Schedule
    label: str
    offset: int
    skipped: tuple[int, ...] = ()
    windows: tuple[tuple[int, int, int], ...] = ()
    explained: bool = True


def cause_words(explanation: Explanation) -> str:
    """The causes of an explanation in a few words with their main numbers, for a legend:
    ``skipped 4 (updates 20, 50, …)``, ``per-micro-batch (grad_accum 4)``."""
    parts = []
    for cause in explanation.causes:
        if cause.name == "offset":
            continue
        if cause.name == "skipped":
            windows = cause.params.get("windows") or ()
            if cause.params.get("updates") or not windows:
                parts.append(f"skipped {skipped_words(cause.params, limit=3)}")
            else:  # where the log does not say which updates: the windows, shortest
                spans = ", ".join(f"{w['first']}..{w['last']}" for w in windows[:3])
                parts.append(f"skipped {cause.params['count']} (among updates {spans}"
                             f"{', …' if len(windows) > 3 else ''})")
            continue
        numbers = [f"{key} {_number(value)}" for key, value in cause.params.items()
                   if isinstance(value, (int, float, str)) and not isinstance(value, bool)]
        parts.append(f"{cause.name} ({', '.join(numbers[:3])})" if numbers else cause.name)
    return " + ".join(parts)


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def explained_curve(schedule: Schedule, report: Report) -> ExplainedCurve | None:
    """The best explanation of ``report`` as a curve to draw over the plan; None when it is the plan
    itself (no cause, or only the logging convention) or has no curve."""
    best = report.best
    if best.curve is None or not any(c.name != "offset" for c in best.causes):
        return None
    curve = best.curve
    total = max(schedule.total_steps, int(best.updates[-1]) + 1)
    words = cause_words(best)
    label = f"explained: {words}" if best.explained else f"closest explanation: {words} (does not " \
        "explain every value)"
    drawn = Schedule(fn=lambda k: np.asarray(curve(np.asarray(k, dtype=np.int64)), dtype=np.float64),
                     total_steps=total, label=label)
    skipped: tuple[int, ...] = ()
    windows: tuple[tuple[int, int, int], ...] = ()
    for cause in best.causes:
        if cause.name == "skipped":
            skipped = tuple(int(u) for u in cause.params.get("updates") or ())
            if not skipped:
                windows = tuple((int(w["first"]), int(w["last"]), int(w["count"]))
                                for w in cause.params.get("windows") or ())
    return ExplainedCurve(drawn, label, best.offset, skipped, windows, best.explained)

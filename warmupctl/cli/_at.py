"""``--at``: the updates a table shows, as numbers (negative ones count from the end) or words.

Parsed before any spec is loaded (:func:`parse_at`), resolved against each schedule once loaded
(:func:`resolve_at`); rows at or past a run's end are marked (:func:`past_end_marks`).
"""

from __future__ import annotations

from typing import Any

from warmupctl.core.errors import SpecError

#: Words ``--at`` accepts for an update, with what they name.
AT_WORDS: dict[str, str] = {
    "start": "update 0",
    "warmup_end": "the update where the warmup hands over (the table's 'warmup end')",
    "peak": "the first update at the highest LR",
    "last": "the run's last update, total_steps - 1",
}
_SOURCE = "command line"


def complete_at(incomplete: str) -> list[str]:
    """Shell completion of the word after the last comma: ``0,pe`` -> ``0,peak``."""
    head, comma, tail = incomplete.rpartition(",")
    return [f"{head}{comma}{word}" for word in AT_WORDS if word.startswith(tail)]


def parse_at(text: str) -> list[int | str]:
    """``--at 0,1,500,-1,peak`` -> ``[0, 1, 500, -1, "peak"]``: whole numbers (negative ones count
    from the end) and the words of :data:`AT_WORDS`, checked before any spec is loaded."""
    from warmupctl.core.values import as_int, did_you_mean
    from warmupctl.spec.resolve import MAX_TOTAL_STEPS

    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise SpecError("expected update indices such as 0,10,100,-1", source=_SOURCE, path="--at",
                        value=text)
    parsed: list[int | str] = []
    for item in items:
        word = item.lower().replace("-", "_")
        if word in AT_WORDS:
            parsed.append(word)
            continue
        if item[:1].isalpha():
            near = did_you_mean(word, AT_WORDS)
            raise SpecError("not an update", source=_SOURCE, path="--at", value=item,
                            hint=near or "give numbers (-1: the last update) or " + ", ".join(AT_WORDS))
        try:
            step = as_int(item, "--at")
        except SpecError as exc:
            raise exc.located(source=_SOURCE) from None
        # Bounded like a run's length, so that no index plus a step_offset wraps around int64.
        if abs(step) > MAX_TOTAL_STEPS:
            raise SpecError(f"update {step:.3g} is beyond {MAX_TOTAL_STEPS:.0e}, the longest run "
                            "warmupctl evaluates", source=_SOURCE, path="--at", value=item)
        parsed.append(step)
    return parsed


def resolve_at(items: list[int | str], schedules: list[Any]) -> list[int]:
    """The updates ``items`` name, in increasing order (duplicates dropped): a negative index counts
    from the end of each schedule's run (-1: its last update), a word names each schedule's update
    (several specs side by side: one row per spec)."""
    from warmupctl.calc.summary import summarize

    out: list[int] = []
    peaks: dict[int, int] = {}
    for item in items:
        for index, schedule in enumerate(schedules):
            total = schedule.total_steps
            if isinstance(item, int):
                step = item if item >= 0 else total + item
                if step < 0:
                    raise SpecError(f"{item} counts back past update 0 of a {total}-update run",
                                    source=_SOURCE, path="--at", value=item,
                                    hint=f"-1 is the last update, -{total} update 0")
            elif item == "start":
                step = 0
            elif item == "last":
                step = total - 1
            elif item == "warmup_end":
                if schedule.warmup_steps <= 0:
                    raise SpecError(f"{schedule.label} has no warmup", source=_SOURCE, path="--at",
                                    value=item)
                step = schedule.warmup_steps
            else:  # peak
                if index not in peaks:
                    peaks[index] = summarize(schedule).peak_step
                step = peaks[index]
            if step not in out:
                out.append(step)
            if isinstance(item, int) and item >= 0:
                break  # the same update for every spec
    return sorted(out)


def past_end_marks(schedule: Any, rows: Any, marks: dict[int, str]) -> dict[int, str]:
    """``past end`` on the rows at or beyond ``total_steps`` (beside any event already there)."""
    total = schedule.total_steps
    return {step: f"{marks[step]}, past end" if step in marks else "past end"
            for step in (int(r) for r in rows) if step >= total}


def largest_index(items: list[int | str]) -> int | None:
    """The largest update ``items`` name without knowing the run (non-negative numbers), or None."""
    known = [item for item in items if isinstance(item, int) and item >= 0]
    return max(known) if known else None

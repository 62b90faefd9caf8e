"""What every log reader shares: the checked :class:`RunLog`, the value rules, and the registry.

A reader is a :class:`LogFormat`: a name, a title, a ``detect`` that claims a file only on positive
evidence of its own content (keys, header, line shape — never the file name), and a ``read`` that
returns one :class:`Series` per learning-rate series the file holds (param groups, optimizers, runs).
:func:`warmupctl.spec.logs.read_log` tries the formats in registry order and picks the series.

Rules, each broken one a :class:`~warmupctl.core.errors.SpecError` naming the file and the line (or
the entry, ``log_history[12].learning_rate``): a step is a whole number >= 0 (``10.0`` is read as 10,
as W&B writes integers); an LR is a finite number; a step logged twice must carry the same LR (it is
kept once: a resumed run can log a step again). Values are put in step order.
"""

from __future__ import annotations

import array
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import SpecError
from warmupctl.core.registry import add_once
from warmupctl.core.values import kind_of

#: Logs larger than this are refused before reading: a run logged every update for 10^6 updates is
#: about 200 MB of trainer_state.json, and a JSON file is parsed whole.
MAX_LOG_BYTES = 512 * 1024 * 1024
#: Bytes read to tell a format from another.
SNIFF_BYTES = 4096
#: float32's relative rounding: half a unit in the last place of a 24-bit significand.
FLOAT32_ROUNDING = 2.0 ** -24

_WORDS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Source:
    """A log file's content: its name for messages, its bytes and, when it is text, its text."""

    name: str
    data: bytes
    text: str | None

    @property
    def head(self) -> str:
        """The start of the text (empty for a binary file), to detect a format."""
        return (self.text or "")[:SNIFF_BYTES]


@dataclass(frozen=True, eq=False)
class RunLog:
    """A run's logged LRs, checked: ``steps`` strictly increasing, ``lrs`` finite.

    Attributes:
        name: the file name as given, for messages.
        kind: the format's registry name (``trainer_state``, ``tensorboard``, ``llamafactory``, ...).
        steps: the logger's step of each value, as written in the file.
        lrs: the logged LRs, float64.
        lines: the line (or record) of the file that holds each value (1-based).
        step_field, lr_field: the fields (columns, tags) they were read from.
        float32: the logger stored the values as float32 (TensorBoard).
        skipped: entries or rows without an LR (evaluation entries, other metrics' rows).
        reordered: the file did not list the steps in order (they were sorted).
        repeated: steps logged more than once with the same LR (kept once).
        series: every LR series in the file, in file order (``lr_field`` is the one read).
        facts: what the log itself states about the run: ``max_steps``, ``logging_steps``,
            ``global_step`` (trainer_state.json), ``total_steps`` (LLaMA-Factory, Megatron).
        unit: what a step counts: ``update`` or ``epoch`` (Ultralytics, timm).
        rounding: the relative rounding of the logged values (0: written exactly; 2^-24 for float32;
            half a unit of the last printed digit for a text log).
        offset: the convention of the logger when it is known (``update = step − offset``), else None.
        skipped_updates: updates the log itself reports as skipped (Megatron), else None.
        convention: why ``offset`` is the logger's (a sentence), when the format fixes it.
    """

    name: str
    kind: str
    steps: NDArray[np.int64]
    lrs: NDArray[np.float64]
    lines: NDArray[np.int64]
    step_field: str
    lr_field: str
    float32: bool = False
    skipped: int = 0
    reordered: bool = False
    repeated: int = 0
    series: tuple[str, ...] = ()
    facts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    unit: str = "update"
    rounding: float = 0.0
    offset: int | None = None
    skipped_updates: tuple[int, ...] | None = None
    convention: str | None = None

    def describe(self) -> str:
        """One line: what was read, from where."""
        what = title_of(self.kind)
        count = len(self.steps)
        text = (f"{self.name}: {what}, {count} logged LR{'s' if count != 1 else ''} "
                f"('{self.lr_field}' at '{self.step_field}' {self.steps[0]}..{self.steps[-1]})")
        extra = []
        if self.skipped:
            unit = ("entry", "entries") if self.kind == "trainer_state" else ("row", "rows")
            extra.append(f"{self.skipped} {unit[self.skipped != 1]} without an LR skipped")
        if self.repeated:
            extra.append(f"{self.repeated} repeated step{'s' if self.repeated != 1 else ''} kept once")
        if self.reordered:
            extra.append("steps sorted (the file lists them out of order)")
        others = [s for s in self.series if s != self.lr_field]
        if others:
            extra.append(f"{len(self.series)} LR series ({', '.join(others[:6])} not read; "
                         "--actual-series NAME picks one)")
        return text + (f"; {', '.join(extra)}" if extra else "")

    def as_dict(self) -> dict[str, Any]:
        return {"format": self.kind, "series": self.lr_field, "all_series": list(self.series),
                "count": len(self.steps), "first_step": int(self.steps[0]),
                "last_step": int(self.steps[-1]), "unit": self.unit, "facts": dict(self.facts)}


# ------------------------------------------------------------------------------------------------
# The registry
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFormat:
    """One kind of log: detected from its content, read into its LR series.

    Attributes:
        name: the registry name (``RunLog.kind``).
        title: what it is, in words (``transformers trainer_state.json``).
        detect: claims a :class:`Source` on positive evidence of its own content.
        read: ``(source, series) -> RunLog``: ``series`` the name asked for, or None for the first.
        short: a few words for the list of formats in an error (the title if empty; None: said by
            another format's words).
    """

    name: str
    title: str
    detect: Callable[[Source], bool]
    read: Callable[[Source, str | None], RunLog]
    short: str | None = ""


FORMATS: dict[str, LogFormat] = {}


def register(fmt: LogFormat) -> LogFormat:
    return add_once(FORMATS, fmt.name, fmt, "log format")


def title_of(kind: str) -> str:
    fmt = FORMATS.get(kind)
    return fmt.title if fmt else kind


def formats_sentence() -> str:
    """The formats that exist, for the message refusing a file none of them claims."""
    return ", ".join(f.short or f.title for f in FORMATS.values() if f.short is not None)


# ------------------------------------------------------------------------------------------------
# Collecting values
# ------------------------------------------------------------------------------------------------


class Values:
    """Steps, LRs and lines as typed arrays (8 bytes a value, not a Python object)."""

    def __init__(self) -> None:
        self.steps, self.lrs, self.lines = array.array("q"), array.array("d"), array.array("q")
        self.digits = 17

    def add(self, step: int, lr: float, line: int) -> None:
        self.steps.append(step)
        self.lrs.append(lr)
        self.lines.append(line)

    def __len__(self) -> int:
        return len(self.steps)

    def extend(self, steps: NDArray[np.int64], lrs: NDArray[np.float64], lines: NDArray[np.int64]) -> None:
        """Many values at once (a column parsed whole)."""
        self.steps.frombytes(np.ascontiguousarray(steps, dtype=np.int64).tobytes())
        self.lrs.frombytes(np.ascontiguousarray(lrs, dtype=np.float64).tobytes())
        self.lines.frombytes(np.ascontiguousarray(lines, dtype=np.int64).tobytes())

    def finish(self, name: str, kind: str, step_field: str, lr_field: str, *, float32: bool = False,
               skipped: int = 0, **extra: Any) -> RunLog:
        steps = np.frombuffer(self.steps, dtype=np.int64).copy()
        lrs = np.frombuffer(self.lrs, dtype=np.float64).copy()
        lines = np.frombuffer(self.lines, dtype=np.int64).copy()
        reordered = bool(len(steps) > 1 and np.any(np.diff(steps) < 0))
        if reordered:
            order = np.argsort(steps, kind="stable")
            steps, lrs, lines = steps[order], lrs[order], lines[order]
        same = np.flatnonzero(np.diff(steps) == 0)
        if len(same):
            clash = same[lrs[same] != lrs[same + 1]]
            if len(clash):
                i = int(clash[0])
                raise SpecError(
                    f"step {int(steps[i])} is logged twice with different LRs: {float(lrs[i])!r} "
                    f"(line {int(lines[i])}) and {float(lrs[i + 1])!r} (line {int(lines[i + 1])})",
                    source=name, path=f"line {int(lines[i + 1])}",
                    hint="a resumed run logs its steps again: export one segment, or keep one of them")
            keep = np.ones(len(steps), dtype=bool)
            keep[same + 1] = False
            steps, lrs, lines = steps[keep], lrs[keep], lines[keep]
        if "rounding" not in extra:
            extra["rounding"] = FLOAT32_ROUNDING if float32 else (
                0.0 if self.digits >= 17 else 0.5 * 10.0 ** (1 - self.digits))
        return RunLog(name=name, kind=kind, steps=steps, lrs=lrs, lines=lines, step_field=step_field,
                      lr_field=lr_field, float32=float32, skipped=skipped, reordered=reordered,
                      repeated=len(same), **extra)


def significant_digits(text: str) -> int:
    """How many significant digits a printed number carries (``6.000E-05`` -> 4, ``0.000125`` -> 3).

    >>> significant_digits("6.000E-05"), significant_digits("0.000125"), significant_digits("1e-05")
    (4, 3, 1)
    """
    mantissa = re.split(r"[eE]", text.strip().lstrip("+-"), maxsplit=1)[0]
    digits = mantissa.replace(".", "").lstrip("0")
    if "." not in mantissa:
        digits = digits.rstrip("0") or digits  # 100 -> 1 digit known for sure
    return max(1, len(digits))


def pick_series(found: Sequence[str], wanted: str | None, name: str, what: str = "LR series") -> str:
    """The series to read: ``wanted`` (it must exist) or the first found."""
    if not found:
        raise SpecError(f"no {what}", source=name)
    if wanted is None:
        return found[0]
    if wanted in found:
        return wanted
    from warmupctl.core.values import did_you_mean

    close = did_you_mean(wanted, list(found))
    raise SpecError(f"no LR series named {wanted!r} in this log", source=name, path="--actual-series",
                    value=wanted, hint=close or f"it has {', '.join(found[:12])}")


def step_value(value: Any, fail: Callable[[str, Any], SpecError]) -> int:
    """A logged step: a whole number >= 0 (an integral float such as 10.0 counts)."""
    if isinstance(value, bool):
        raise fail("the step is not a whole number", value)
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise fail("the step is not a whole number", value)
        value = int(value)
    if not isinstance(value, int):
        raise fail(f"the step is not a whole number ({kind_of(value)})", value)
    if value < 0:
        raise fail("the step is negative", value)
    if value >= 2**62:
        raise fail("the step is out of range", value)
    return value


def lr_value(value: Any, fail: Callable[[str, Any], SpecError]) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"the learning rate is not a number ({kind_of(value)})", value)
    try:
        lr = float(value)
    except OverflowError:
        raise fail("the learning rate is out of range", value) from None
    if not math.isfinite(lr):
        raise fail(f"the learning rate is {'NaN' if math.isnan(lr) else 'infinite'}", value)
    return lr


def text_step(cell: str, fail: Callable[[str, Any], SpecError], column: str) -> int:
    """A step written as text (a CSV cell, a log line)."""
    try:
        number: Any = int(cell) if re.fullmatch(r"[+-]?\d{1,30}", cell) else float(cell)
    except ValueError:
        raise fail(f"{column!r} is not a whole number", cell) from None
    return step_value(number, fail)


def text_lr(cell: str, fail: Callable[[str, Any], SpecError], column: str) -> float:
    try:
        lr = float(cell)
    except ValueError:
        raise fail(f"{column!r} is not a number", cell) from None
    return lr_value(lr, fail)


def is_lr_name(column: str) -> bool:
    """A column or tag named like an LR: ``lr`` or ``learning_rate`` as a word of its name (also
    ``learning-rate``, ``lr-AdamW``, ``lr/pg0``); W&B's ``__MIN``/``__MAX`` companions, Lightning's
    ``-momentum`` and ``-weight_decay`` columns and the planned ``base_lr`` are not one."""
    lowered = column.strip().lower()
    if lowered.endswith(("__min", "__max", "-momentum", "-weight_decay", "_step")):
        return False
    words = [w for w in _WORDS.split(lowered.replace("_", " ")) if w]
    if "base" in words or "init" in words or "initial" in words or "max" in words or "min" in words:
        return False
    joined = " ".join(words)
    return "lr" in words or "learning rate" in joined or "learningrate" in words


def fields_text(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit]) + (f", … ({len(names)} in all)" if len(names) > limit else "")
    return f"the fields {shown}" if names else "no fields"

"""A run's logged learning rate, read back for ``--actual FILE`` (``plot``, ``diff``, ``summary``).

Three kinds of file, told apart by their content (not their name):

* **transformers' ``trainer_state.json``** — an object with ``log_history``, a list of entries. The
  Trainer writes one entry every ``logging_steps`` updates with ``loss``, ``grad_norm``,
  ``learning_rate``, ``epoch`` and ``step``; evaluation entries and the final ``train_runtime`` entry
  have no ``learning_rate`` and are skipped. A bare ``log_history`` list is read too.
* **a TensorBoard export** — the CSV of the scalar's download link (header ``Wall time,Step,Value``),
  or its JSON (a list of ``[wall_time, step, value]``). TensorBoard stores scalars as float32
  (``Summary.Value.simple_value``), so these values are the logged LR rounded to float32.
* **a W&B (or any other) CSV export** — a step column (``train/global_step``, which transformers'
  ``WandbCallback`` logs, then ``global_step``, ``trainer/global_step``, ``Step``, ``step``, and
  ``_step``, W&B's own count of ``wandb.log`` calls, last) and exactly one column whose name holds
  ``lr`` or ``learning_rate`` as a word (``train/learning_rate``, ``lr-AdamW``, ``run-7 - train/lr``);
  W&B's ``__MIN``/``__MAX`` companion columns are ignored, and rows where the LR cell is empty (other
  metrics logged at other steps) are skipped.

Rules, each broken one a :class:`~warmupctl.core.errors.SpecError` naming the file and the line (CSV) or
the entry (``log_history[12].learning_rate``): a step is a whole number >= 0 (``10.0`` is read as 10,
as W&B writes integers); an LR is a finite number; a step logged twice must carry the same LR (it is
kept once: a resumed run can log a step again). Values are put in step order.

Which optimizer update a logged value belongs to is *not* decided here: transformers changed it in
4.51 (see :mod:`warmupctl.calc.actual`), and other loggers log what their loop logs.
"""

from __future__ import annotations

import array
import csv
import io
import json
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import SpecError
from warmupctl.core.values import did_you_mean, kind_of

#: Logs larger than this are refused before reading: a run logged every update for 10^6 updates is
#: about 200 MB of trainer_state.json, and a JSON file is parsed whole.
MAX_LOG_BYTES = 512 * 1024 * 1024
#: Bytes read to tell JSON from CSV.
SNIFF_BYTES = 4096

#: Step columns of a CSV export, the most trustworthy first: ``_step`` counts W&B's log calls, which
#: equal updates only when the loop logs once per update.
STEP_COLUMNS = ("train/global_step", "global_step", "trainer/global_step", "Step", "step", "_step")
#: TensorBoard's CSV header (its "Download CSV" link).
TENSORBOARD_HEADER = ("wall time", "step", "value")

HINT_TRAINER = ("the Trainer logs learning_rate with the training loss every logging_steps updates "
                "(logging_strategy 'steps'); a log with none was written with logging turned off")
HINT_CSV = ("a TensorBoard export has the header 'Wall time,Step,Value'; a W&B export needs a step "
            "column (Step, train/global_step or _step) and one column named like 'lr' or "
            "'learning_rate'")

_WORDS = re.compile(r"[^a-z0-9]+")
_WHITESPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True, eq=False)
class RunLog:
    """A run's logged LRs, checked: ``steps`` strictly increasing, ``lrs`` finite.

    Attributes:
        name: the file name as given, for messages.
        kind: ``"trainer_state"``, ``"tensorboard"`` or ``"csv"`` (W&B or another export).
        steps: the logger's step of each value, as written in the file.
        lrs: the logged LRs, float64.
        lines: the line of the file that holds each value (1-based).
        step_field, lr_field: the fields (columns) they were read from.
        float32: the logger stored the values as float32 (TensorBoard).
        skipped: entries or rows without an LR (evaluation entries, other metrics' rows).
        reordered: the file did not list the steps in order (they were sorted).
        repeated: steps logged more than once with the same LR (kept once).
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

    def describe(self) -> str:
        """One line: what was read, from where."""
        what = {"trainer_state": "transformers trainer_state.json",
                "tensorboard": "TensorBoard export (float32 values)",
                "csv": "CSV export"}[self.kind]
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
        return text + (f"; {', '.join(extra)}" if extra else "")


def parse_offset(text: str | None, option: str = "--actual-offset") -> int | None:
    """``auto`` (or None) -> None; a whole number -> that number of updates.

    The offset says which update a logged value belongs to: ``update = step - offset``.
    """
    if text is None or text.strip().lower() == "auto":
        return None
    cleaned = text.strip()
    if re.fullmatch(r"[+-]?\d{1,6}", cleaned):
        return int(cleaned)
    raise SpecError("expected auto or a whole number of updates", source="command line", path=option,
                    value=text, hint="auto tries both transformers conventions; 1: update = step − 1 "
                    "(transformers >= 4.51), 0: update = step (transformers <= 4.50)")


def check_offset(log: RunLog, offset: int, option: str = "--actual-offset") -> None:
    """Every logged value must land on an update >= 0."""
    first = int(log.steps[0])
    if first - offset < 0:
        raise SpecError(f"puts the value logged at step {first} ({log.name}, line {int(log.lines[0])}) "
                        f"at update {first - offset}", source="command line", path=option,
                        value=offset, hint="update = step − offset must be >= 0: try auto or 0")


def read_log(path: str) -> RunLog:
    """Read and check a run's log (see the module docstring)."""
    data = _read(path)
    text = _decode(data, path)
    stripped = text.lstrip()
    if not stripped:
        raise SpecError("empty file: no logged LR", source=path,
                        hint="give a trainer_state.json, or a TensorBoard or W&B CSV export")
    if stripped[0] in "{[":
        return _from_json(text, path)
    return _from_csv(text, path)


def _read(path: str) -> bytes:
    if path == "-":
        raise SpecError("a run's log is read from a file, not standard input", source="command line",
                        path="--actual", value=path, hint="save it to a file and give its path")
    if not os.path.exists(path):
        raise SpecError("no such file", source=path, path="--actual", hint="check the path")
    if os.path.isdir(path):
        state = os.path.join(path, "trainer_state.json")
        raise SpecError("is a folder, not a log", source=path, path="--actual",
                        hint=f"give {state}" if os.path.exists(state) else
                        "give a trainer_state.json or a CSV export")
    try:
        if os.path.getsize(path) > MAX_LOG_BYTES:
            raise SpecError(f"larger than {MAX_LOG_BYTES >> 20} MiB", source=path, path="--actual",
                            hint="export the LR alone, or fewer steps")
        with open(path, "rb") as handle:
            return handle.read(MAX_LOG_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", source=path) from None


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:SNIFF_BYTES]:
        raise SpecError("binary file, not a log (a TensorBoard event file?)", source=name,
                        hint="export the scalar from TensorBoard as CSV (its download link)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SpecError(f"not UTF-8 text (byte {exc.start})", source=name, path=f"line {line}",
                        hint="save the file as UTF-8") from None


# ------------------------------------------------------------------------------------------------
# Collecting values
# ------------------------------------------------------------------------------------------------


class _Values:
    """Steps, LRs and lines as typed arrays (8 bytes a value, not a Python object)."""

    def __init__(self) -> None:
        self.steps, self.lrs, self.lines = array.array("q"), array.array("d"), array.array("q")

    def add(self, step: int, lr: float, line: int) -> None:
        self.steps.append(step)
        self.lrs.append(lr)
        self.lines.append(line)

    def __len__(self) -> int:
        return len(self.steps)

    def finish(self, name: str, kind: str, step_field: str, lr_field: str, *, float32: bool = False,
               skipped: int = 0) -> RunLog:
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
        return RunLog(name=name, kind=kind, steps=steps, lrs=lrs, lines=lines, step_field=step_field,
                      lr_field=lr_field, float32=float32, skipped=skipped, reordered=reordered,
                      repeated=len(same))


def _step_value(value: Any, fail) -> int:
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


def _lr_value(value: Any, fail) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"the learning rate is not a number ({kind_of(value)})", value)
    try:
        lr = float(value)
    except OverflowError:
        raise fail("the learning rate is out of range", value) from None
    if not math.isfinite(lr):
        raise fail(f"the learning rate is {'NaN' if math.isnan(lr) else 'infinite'}", value)
    return lr


# ------------------------------------------------------------------------------------------------
# JSON: trainer_state.json, a bare log_history, TensorBoard's JSON export
# ------------------------------------------------------------------------------------------------


def _json(text: str, name: str) -> Any:
    def integer(digits: str) -> int:
        if len(digits) > 40:
            raise SpecError(f"an integer of {len(digits)} digits is not a step or an LR", source=name)
        return int(digits)

    try:
        return json.loads(text, parse_int=integer)
    except json.JSONDecodeError as exc:
        raise SpecError(f"JSON syntax error at column {exc.colno}: {exc.msg}", source=name,
                        path=f"line {exc.lineno}",
                        hint="a truncated file? (a run still writing it, or a copy cut short)") from None
    except RecursionError:
        raise SpecError("JSON nested too deep to be a log", source=name) from None


def _item_lines(text: str, key: str | None) -> list[int]:
    """The line (1-based) where each element of a list starts: the list under the top-level ``key``
    of an object, or the top-level list itself (``key`` None). The text is valid JSON (parsed
    before), so this walks it with the decoder, one value at a time."""
    decoder = json.JSONDecoder()

    def skip(pos: int) -> int:
        return _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]

    pos = skip(0)
    if key is not None:  # find the value of ``key`` in the top-level object
        pos = skip(pos + 1)
        while text[pos] != "}":
            name, pos = decoder.raw_decode(text, pos)
            pos = skip(skip(pos) + 1)  # the ':'
            if name == key:
                break
            _, pos = decoder.raw_decode(text, pos)
            pos = skip(pos)
            if text[pos] == ",":
                pos = skip(pos + 1)
        else:
            return []
    lines: list[int] = []
    pos = skip(pos + 1)  # past '['
    line, counted = 1, 0
    while pos < len(text) and text[pos] != "]":
        line += text.count("\n", counted, pos)
        counted = pos
        lines.append(line)
        _, pos = decoder.raw_decode(text, pos)
        pos = skip(pos)
        if text[pos] == ",":
            pos = skip(pos + 1)
    return lines


def _from_json(text: str, name: str) -> RunLog:
    data = _json(text, name)
    if isinstance(data, dict):
        if "log_history" not in data:
            keys = sorted(map(str, data))
            close = did_you_mean("log_history", keys)
            raise SpecError("not a trainer_state.json: no log_history", source=name,
                            hint=close or f"the object has {_fields(keys)}; "
                            "transformers writes trainer_state.json into each checkpoint folder")
        history = data["log_history"]
        if not isinstance(history, list):
            raise SpecError(f"log_history is {kind_of(history)}, not a list of entries", source=name,
                            path="log_history")
        return _from_history(history, _item_lines(text, "log_history"), name, "log_history")
    # A list: a bare log_history (entries are objects) or TensorBoard's JSON ([wall, step, value]).
    if data and all(isinstance(item, list) for item in data):
        return _from_tensorboard_json(data, _item_lines(text, None), name)
    if all(isinstance(item, dict) for item in data):
        return _from_history(data, _item_lines(text, None), name, "")
    raise SpecError("a JSON list that is neither log_history entries nor TensorBoard's "
                    "[wall_time, step, value] rows", source=name,
                    hint="give trainer_state.json, or TensorBoard's JSON or CSV export")


def _fields(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit]) + (f", … ({len(names)} in all)" if len(names) > limit else "")
    return f"the fields {shown}" if names else "no fields"


def _from_history(history: list[Any], lines: list[int], name: str, prefix: str) -> RunLog:
    values = _Values()
    seen: set[str] = set()
    skipped = 0
    for i, entry in enumerate(history):
        path = f"{prefix}[{i}]"
        line = lines[i] if i < len(lines) else 0
        if not isinstance(entry, dict):
            raise SpecError(f"an entry is {kind_of(entry)}, not an object", source=name,
                            path=f"{path} (line {line})", value=entry)
        seen.update(map(str, entry))
        if "learning_rate" not in entry:
            skipped += 1
            continue

        def fail(message: str, value: Any, key: str = "learning_rate", path: str = path,
                 line: int = line) -> SpecError:
            return SpecError(message, source=name, path=f"{path}.{key} (line {line})", value=value)

        lr = _lr_value(entry["learning_rate"], fail)
        if "step" not in entry:
            raise SpecError(f"an entry with a learning_rate has no step (it has {_fields(sorted(entry))})",
                            source=name, path=f"{path} (line {line})",
                            hint="each log_history entry names the update count it was logged at")
        step = _step_value(entry["step"], lambda m, v, p=path, ln=line: fail(m, v, "step", p, ln))
        values.add(step, lr, line)
    if not len(values):
        if not history:
            raise SpecError(f"{prefix or 'the list'} is empty: nothing was logged", source=name,
                            path=prefix or None, hint=HINT_TRAINER)
        raise SpecError(f"no entry has a learning_rate ({len(history)} "
                        f"entr{'ies' if len(history) != 1 else 'y'} with {_fields(sorted(seen))})",
                        source=name, path=prefix or None, hint=HINT_TRAINER)
    return values.finish(name, "trainer_state", "step", "learning_rate", skipped=skipped)


def _from_tensorboard_json(rows: list[Any], lines: list[int], name: str) -> RunLog:
    values = _Values()
    for i, row in enumerate(rows):
        line = lines[i] if i < len(lines) else 0

        def fail(message: str, value: Any, i: int = i, line: int = line) -> SpecError:
            return SpecError(message, source=name, path=f"[{i}] (line {line})", value=value)

        if len(row) != 3:
            raise fail(f"a row of {len(row)} values, not [wall_time, step, value]", row)
        values.add(_step_value(row[1], fail), _lr_value(row[2], fail), line)
    return values.finish(name, "tensorboard", "step", "value", float32=True)


# ------------------------------------------------------------------------------------------------
# CSV: TensorBoard's and W&B's exports
# ------------------------------------------------------------------------------------------------


def _is_lr_column(column: str) -> bool:
    """A column named like an LR: ``lr`` or ``learning_rate`` as a word of its name; W&B's
    ``__MIN``/``__MAX`` companions are not one."""
    lowered = column.strip().lower()
    if lowered.endswith(("__min", "__max")):
        return False
    words = [w for w in _WORDS.split(lowered.replace("_", " ")) if w]
    joined = " ".join(words)
    return "lr" in words or "learning rate" in joined or "learningrate" in words


def _from_csv(text: str, name: str) -> RunLog:
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(rows)]
    except (csv.Error, StopIteration) as exc:
        raise SpecError(f"not a CSV file: {exc}", source=name, path="line 1", hint=HINT_CSV) from None
    if tuple(cell.lower() for cell in header) == TENSORBOARD_HEADER:
        return _csv_values(rows, name, header, 1, 2, "tensorboard", float32=True)
    step_column = next((c for c in STEP_COLUMNS if c in header), None)
    if step_column is None:
        lowered = [c.lower() for c in header]
        step_column = next((header[lowered.index(c.lower())] for c in STEP_COLUMNS
                            if c.lower() in lowered), None)
    candidates = [c for c in header if c != step_column and _is_lr_column(c)]
    if not candidates:
        raise SpecError(f"no learning-rate column (the header has {_fields(header)})", source=name,
                        path="line 1", hint=HINT_CSV)
    if len(candidates) > 1:
        raise SpecError("more than one learning-rate column: "
                        + ", ".join(repr(c) for c in candidates[:6]), source=name, path="line 1",
                        hint="export one run's LR: a single column named like 'lr' or 'learning_rate'")
    if step_column is None:
        raise SpecError(f"no step column (the header has {_fields(header)})", source=name, path="line 1",
                        hint="name it one of " + ", ".join(STEP_COLUMNS))
    return _csv_values(rows, name, header, header.index(step_column), header.index(candidates[0]), "csv")


def _csv_values(rows: Iterator[list[str]], name: str, header: list[str], step_at: int, lr_at: int,
                kind: str, float32: bool = False) -> RunLog:
    values = _Values()
    skipped = 0
    line = 1
    width = len(header)
    try:
        for cells in rows:
            line = rows.line_num  # type: ignore[attr-defined]  # csv.reader counts quoted newlines
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line (a trailing one is common)
            if len(cells) != width:
                raise SpecError(f"{len(cells)} cells, the header has {width}", source=name,
                                path=f"line {line}", value=",".join(cells))

            def fail(message: str, value: Any, line: int = line) -> SpecError:
                return SpecError(message, source=name, path=f"line {line}", value=value)

            lr_cell, step_cell = cells[lr_at].strip(), cells[step_at].strip()
            if not lr_cell:
                skipped += 1  # W&B: this row logged other metrics
                continue
            try:
                lr = float(lr_cell)
            except ValueError:
                raise fail(f"{header[lr_at]!r} is not a number", lr_cell) from None
            if not step_cell:
                raise fail(f"an LR with no {header[step_at]!r}", ",".join(cells))
            try:
                step_number: Any = int(step_cell) if re.fullmatch(r"[+-]?\d{1,30}", step_cell) \
                    else float(step_cell)
            except ValueError:
                raise fail(f"{header[step_at]!r} is not a whole number", step_cell) from None
            values.add(_step_value(step_number, fail), _lr_value(lr, fail), line)
    except csv.Error as exc:
        raise SpecError(f"CSV syntax error: {exc}", source=name, path=f"line {line + 1}") from None
    if not len(values):
        problem = (f"every row's {header[lr_at]!r} is empty" if skipped else "no rows after the header")
        raise SpecError(problem, source=name, path="line 2", hint=HINT_CSV)
    return values.finish(name, kind, header[step_at], header[lr_at], float32=float32, skipped=skipped)

"""CSV logs: Ultralytics ``results.csv``, timm ``summary.csv``, Lightning ``CSVLogger`` ``metrics.csv``,
and a W&B (or any other) export.

* **Ultralytics** (``ultralytics/engine/trainer.py``, ``BaseTrainer._do_train`` and
  ``save_metrics``; read at 8.3): one row per epoch, ``epoch`` counted from 1 (from 0, with every
  column padded to 23 characters, in 8.0.x: ``tests/data/logs/public``), and ``lr/pg0``,
  ``lr/pg1``, ``lr/pg2`` — the three param groups in the order ``build_optimizer`` makes them
  (the optimizer is built on the biases, then the weights with decay and the norm weights are
  added) read at the end of the epoch, before ``scheduler.step()``. ``lr/pg0``, the biases, warms
  down from ``warmup_bias_lr`` (``j == 0`` in the warmup's ``np.interp``), the others up from 0,
  so they differ during warmup (the 8.0 log of ``tests/data/logs/public`` shows it). Steps are
  epochs.
* **timm** (``timm/utils/summary.py``, ``update_summary``; ``train.py`` passes the mean LR of the
  param groups; read at 1.0): one row per epoch, ``epoch`` from 0, ``lr`` last. Steps are epochs.
* **Lightning** (``lightning/pytorch/callbacks/lr_monitor.py``, ``LearningRateMonitor``; read at
  2.5): columns ``lr-<Optimizer>`` (one param group), ``lr-<Optimizer>/pg<i>`` (several), or the
  scheduler's name; ``-momentum`` and ``-weight_decay`` columns are not LRs. The monitor logs at
  ``on_train_batch_start`` with ``step`` the updates done so far: the LR the next update uses.
* **A W&B (or any other) CSV export** — a step column (``train/global_step``, which transformers'
  ``WandbCallback`` logs, then ``global_step``, ``trainer/global_step``, ``Step``, ``step``, and
  ``_step``, W&B's own count of ``wandb.log`` calls, last) and the columns whose name holds ``lr`` or
  ``learning_rate`` as a word; W&B's ``__MIN``/``__MAX`` companion columns are ignored.

Rows where the chosen LR cell is empty (other metrics logged at other steps) are skipped.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import replace
from typing import Any

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.spec.logs import _base as kit

#: Step columns of a CSV export, the most trustworthy first: ``_step`` counts W&B's log calls, which
#: equal updates only when the loop logs once per update.
STEP_COLUMNS = ("train/global_step", "global_step", "trainer/global_step", "Step", "step", "_step")
HINT_CSV = ("a TensorBoard export has the header 'Wall time,Step,Value'; a W&B export needs a step "
            "column (Step, train/global_step or _step) and one column named like 'lr' or "
            "'learning_rate'")


def _header(source: kit.Source) -> list[str] | None:
    """The first line as CSV cells, or None when it is not a CSV header."""
    head = source.head.lstrip("\ufeff")
    if not head or head.lstrip()[:1] in "{[":
        return None
    first = head.split("\n", 1)[0]
    if "," not in first:
        return None
    try:
        return [cell.strip() for cell in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return None


def _columns(text: str, step_at: int, lr_at: int,
             width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The step and LR columns of a plain CSV (no quotes, no blank lines or empty cells, every step a
    whole number >= 0 and every LR finite) parsed whole; None for anything else, which the
    row-by-row reader then reads and, where a rule is broken, names the line. A log of 10^6 rows is
    read in about a second instead of several."""
    text = text.lstrip("\ufeff")
    if '"' in text or "\r" in text or "\n" not in text:
        return None
    body = text[text.index("\n") + 1:]
    if body.endswith("\n"):
        body = body[:-1]
    if not body:
        return None
    cell = "[^,\n]+"
    row = cell + ("(?:," + cell + ")") * (width - 1)
    if re.fullmatch(f"(?:{row}\n)*{row}", body) is None:  # every row: width non-empty cells
        return None
    flat = body.replace("\n", ",").split(",")
    try:
        steps = np.array(list(map(int, flat[step_at::width])), dtype=np.int64)
        lrs = np.array(list(map(float, flat[lr_at::width])), dtype=np.float64)
    except (ValueError, OverflowError):
        return None
    if (steps < 0).any() or (steps >= 2**62).any() or not np.isfinite(lrs).all():
        return None
    return steps, lrs, np.arange(2, len(steps) + 2, dtype=np.int64)


def _fail(name: str, line: int):
    def fail(message: str, value: Any) -> SpecError:
        return SpecError(message, source=name, path=f"line {line}", value=value)

    return fail


def _read(source: kit.Source, series: str | None, kind: str, step_column: str, lr_columns: list[str],
          **extra: Any) -> kit.RunLog:
    name = source.name
    rows = csv.reader(io.StringIO((source.text or "").lstrip("\ufeff"), newline=""))
    try:
        header = [cell.strip() for cell in next(rows)]
    except (csv.Error, StopIteration) as exc:
        raise SpecError(f"not a CSV file: {exc}", source=name, path="line 1", hint=HINT_CSV) from None
    chosen = kit.pick_series(lr_columns, series, name)
    step_at, lr_at = header.index(step_column), header.index(chosen)
    values = kit.Values()
    skipped = 0
    line = 1
    width = len(header)
    digits = 1
    fast = None if kind == "ultralytics" else _columns(source.text or "", step_at, lr_at, width)
    if fast is not None:
        values.extend(*fast)
        return values.finish(name, kind, header[step_at], chosen, series=tuple(lr_columns), **extra)
    try:
        for cells in rows:
            line = rows.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line (a trailing one is common)
            if len(cells) != width:
                raise SpecError(f"{len(cells)} cells, the header has {width}", source=name,
                                path=f"line {line}", value=",".join(cells))
            lr_cell, step_cell = cells[lr_at].strip(), cells[step_at].strip()
            if not lr_cell:
                skipped += 1  # this row logged other metrics
                continue
            # The common row (a whole step, a finite LR) is read without building an error.
            try:
                step, lr = int(step_cell), float(lr_cell)
                if step < 0 or step >= 2**62 or not math.isfinite(lr):
                    raise ValueError
            except ValueError:
                fail = _fail(name, line)
                lr = kit.text_lr(lr_cell, fail, header[lr_at])
                if not step_cell:
                    raise fail(f"an LR with no {header[step_at]!r}", ",".join(cells)) from None
                step = kit.text_step(step_cell, fail, header[step_at])
            values.add(step, lr, line)
            if kind in ("ultralytics",):
                digits = max(digits, kit.significant_digits(lr_cell))
    except csv.Error as exc:
        raise SpecError(f"CSV syntax error: {exc}", source=name, path=f"line {line + 1}") from None
    if not len(values):
        problem = (f"every row's {header[lr_at]!r} is empty" if skipped else "no rows after the header")
        raise SpecError(problem, source=name, path="line 2", hint=HINT_CSV)
    values.digits = digits if kind == "ultralytics" else 17
    return values.finish(name, kind, header[step_at], chosen, skipped=skipped,
                         series=tuple(lr_columns), **extra)


# --- Ultralytics -------------------------------------------------------------------------------------


def _ultralytics_columns(header: list[str]) -> list[str]:
    return [c for c in header if c.startswith("lr/pg")]


def detect_ultralytics(source: kit.Source) -> bool:
    header = _header(source)
    return bool(header and "epoch" in header and _ultralytics_columns(header))


def read_ultralytics(source: kit.Source, series: str | None) -> kit.RunLog:
    header = _header(source) or []
    log = _read(source, series, "ultralytics", "epoch", _ultralytics_columns(header), unit="epoch",
                offset=1, convention="the log's own: Ultralytics writes an epoch's LR at its end, "
                "epochs from 1")
    if int(log.steps[0]) == 0:  # 8.0.x: epochs written from 0, in columns padded to 23 characters
        return replace(log, offset=0, convention="the log's own: Ultralytics 8.0 writes an epoch's "
                       "LR at its end, epochs from 0")
    return log


# --- timm ----------------------------------------------------------------------------------------------


def detect_timm(source: kit.Source) -> bool:
    header = _header(source)
    return bool(header and header[0] == "epoch" and "lr" in header and "train_loss" in header)


def read_timm(source: kit.Source, series: str | None) -> kit.RunLog:
    return _read(source, series, "timm", "epoch", ["lr"], unit="epoch")


# --- Lightning -----------------------------------------------------------------------------------------


def _lightning_columns(header: list[str]) -> list[str]:
    return [c for c in header if c.startswith("lr-") and kit.is_lr_name(c)]


def detect_lightning(source: kit.Source) -> bool:
    header = _header(source)
    return bool(header and "step" in header and "epoch" in header and _lightning_columns(header))


def read_lightning(source: kit.Source, series: str | None) -> kit.RunLog:
    header = _header(source) or []
    return _read(source, series, "lightning", "step", _lightning_columns(header), offset=0,
                 convention="the log's own: LearningRateMonitor logs before the update")


# --- any other CSV (W&B) -------------------------------------------------------------------------------


def detect_csv(source: kit.Source) -> bool:
    return _header(source) is not None


def read_csv(source: kit.Source, series: str | None) -> kit.RunLog:
    header = _header(source) or []
    step_column = next((c for c in STEP_COLUMNS if c in header), None)
    if step_column is None:
        lowered = [c.lower() for c in header]
        step_column = next((header[lowered.index(c.lower())] for c in STEP_COLUMNS
                            if c.lower() in lowered), None)
    candidates = [c for c in header if c != step_column and kit.is_lr_name(c)]
    if not candidates:
        raise SpecError(f"no learning-rate column (the header has {kit.fields_text(header)})",
                        source=source.name, path="line 1", hint=HINT_CSV)
    if step_column is None:
        raise SpecError(f"no step column (the header has {kit.fields_text(header)})", source=source.name,
                        path="line 1", hint="name it one of " + ", ".join(STEP_COLUMNS))
    return _read(source, series, "csv", step_column, candidates)


ULTRALYTICS = kit.register(kit.LogFormat("ultralytics", "Ultralytics results.csv", detect_ultralytics,
                                         read_ultralytics, "Ultralytics"))
TIMM = kit.register(kit.LogFormat("timm", "timm summary.csv", detect_timm, read_timm, "timm"))
LIGHTNING = kit.register(kit.LogFormat("lightning", "Lightning CSVLogger metrics.csv", detect_lightning,
                                       read_lightning, "Lightning metrics.csv"))

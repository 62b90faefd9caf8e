"""Text logs of Megatron-LM and fairseq: the LR printed on each logging line with its iteration.

* **Megatron-LM** (``megatron/training/training.py``, ``training_log``; read at core_r0.9 and main):
  every ``log_interval`` iterations a line ``iteration  100/  500000 | consumed samples: ... |
  learning rate: 6.000000E-05 | ... | number of skipped iterations:   0 | ...``. The iteration is
  counted after the update, and the LR is read after ``opt_param_scheduler.step()``: the LR of the
  next update (``update = iteration``, offset 0). ``/ 500000`` is ``--train-iters`` (a fact). An
  iteration whose update is skipped (fp16 overflow, ``update_successful`` false) does not step the
  scheduler; the lines count them, and their sum is kept as the fact ``skipped_iterations``. Older
  versions print the LR with ``{:.3E}`` (4 significant digits): the values are as rounded as printed.
* **fairseq** (``fairseq/trainer.py``, ``Trainer.set_num_updates`` -> ``lr_step_update``, which
  logs ``lr`` after stepping the scheduler with the new update count; ``fairseq/logging/
  progress_bar.py`` prints it with ``{:g}``: 6 significant digits, trailing zeros dropped, so the
  rounding is that of 6 digits whatever a value shows): ``train_inner`` lines ``epoch 001:    100
  / 1563 loss=9.867, ..., num_updates=100, lr=1.25e-05, ...`` (the simple and tqdm formats), ``|
  num_updates 100 | lr 1.25e-05 |`` (epoch summaries) or the JSON format (``"num_updates": "100",
  "lr": "1.25e-05"``; its end-of-epoch summaries prefix the keys with their tag:
  ``"train_num_updates": "104", "train_lr": "2.79871e-07"``). ``lr`` at ``num_updates`` n is the LR
  update n will use (offset 0): the JSON log of fairseq's own
  ``examples/fully_sharded_data_parallel/README.md`` (tests/data/logs/public) shows it.
"""

from __future__ import annotations

import re
from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.spec.logs import _base as kit

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
MEGATRON_LINE = re.compile(r"iteration\s+(\d+)\s*/\s*(\d+)\s*\|(.*)")
MEGATRON_LR = re.compile(r"(?<![a-z] )learning rate:\s*(" + _NUMBER + ")")
MEGATRON_SKIPPED = re.compile(r"number of skipped iterations:\s*(\d+)")
#: ``num_updates`` and ``lr``, or ``train_num_updates`` and ``train_lr`` (the JSON epoch summaries
#: prefix each key with their tag); ``valid_num_updates`` is not a training update count.
FAIRSEQ_UPDATES = re.compile(r"(?<![\w/])(?:train_)?num_updates[\"']?\s*[=: ]\s*[\"']?(\d+)")
FAIRSEQ_LR = re.compile(r"(?<![\w/])(?:train_)?lr[\"']?\s*[=: ]\s*[\"']?(" + _NUMBER + ")")
#: fairseq prints a logged float with ``{:g}``: 6 significant digits, trailing zeros dropped
#: (``2e-05`` is 2.00000e-05), so a value's own digits undercount its precision.
FAIRSEQ_DIGITS = 6


def detect_megatron(source: kit.Source) -> bool:
    text = source.text or ""
    if "learning rate" not in text:
        return False
    for match in MEGATRON_LINE.finditer(text):
        return bool(MEGATRON_LR.search(match.group(3)))
    return False


def _fail(name: str, line: int):
    def fail(message: str, value: Any) -> SpecError:
        return SpecError(message, source=name, path=f"line {line}", value=value)

    return fail


def read_megatron(source: kit.Source, series: str | None) -> kit.RunLog:
    _only(series, "learning rate", source.name)
    values = kit.Values()
    digits = 1
    total = 0
    skipped_iterations = 0
    for number, line in enumerate((source.text or "").splitlines(), 1):
        match = MEGATRON_LINE.search(line)
        if not match:
            continue
        lr = MEGATRON_LR.search(match.group(3))
        if not lr:
            continue
        fail = _fail(source.name, number)
        values.add(kit.text_step(match.group(1), fail, "iteration"), kit.text_lr(lr.group(1), fail,
                                                                                 "learning rate"), number)
        digits = max(digits, kit.significant_digits(lr.group(1)))
        total = int(match.group(2))
        skipped = MEGATRON_SKIPPED.search(match.group(3))
        if skipped:
            skipped_iterations += int(skipped.group(1))
    values.digits = digits
    facts = {"max_steps": total} if total > 0 else {}
    facts["skipped_iterations"] = skipped_iterations
    return values.finish(source.name, "megatron", "iteration", "learning rate", offset=0,
                         series=("learning rate",), facts=facts,
                         convention="the log's own: Megatron-LM prints it after the scheduler step")


#: A line holding both ``num_updates`` and ``lr`` (one pass of the regex engine over the whole text).
FAIRSEQ_LINE = re.compile(r"^(?=[^\n]*(?<![\w/])(?:train_)?num_updates[\"']?\s*[=: ]\s*[\"']?\d)"
                          r"(?=[^\n]*(?<![\w/])(?:train_)?lr[\"']?\s*[=: ]\s*[\"']?[-+.\d])",
                          re.MULTILINE)


def detect_fairseq(source: kit.Source) -> bool:
    text = source.text or ""
    return "num_updates" in text and FAIRSEQ_LINE.search(text) is not None


def read_fairseq(source: kit.Source, series: str | None) -> kit.RunLog:
    _only(series, "lr", source.name)
    values = kit.Values()
    digits = FAIRSEQ_DIGITS
    for number, line in enumerate((source.text or "").splitlines(), 1):
        updates, lr = FAIRSEQ_UPDATES.search(line), FAIRSEQ_LR.search(line)
        if not (updates and lr):
            continue
        fail = _fail(source.name, number)
        values.add(kit.text_step(updates.group(1), fail, "num_updates"), kit.text_lr(lr.group(1), fail, "lr"),
                   number)
        digits = max(digits, kit.significant_digits(lr.group(1)))
    values.digits = digits
    return values.finish(source.name, "fairseq", "num_updates", "lr", offset=0, series=("lr",),
                         convention="the log's own: fairseq logs lr after the scheduler step")


def _only(series: str | None, name: str, source: str) -> None:
    if series not in (None, name):
        raise SpecError(f"no LR series named {series!r} in this log", source=source, path="--actual-series",
                        value=series, hint=f"this log has one: {name}")


MEGATRON = kit.register(kit.LogFormat("megatron", "Megatron-LM training log", detect_megatron, read_megatron,
                                   "Megatron-LM"))
FAIRSEQ = kit.register(kit.LogFormat("fairseq", "fairseq training log", detect_fairseq, read_fairseq,
                                 "fairseq logs"))

"""JSON Lines logs: LLaMA-Factory's ``trainer_log.jsonl`` and MMEngine's ``vis_data/*.json`` scalars.

* **LLaMA-Factory** (``src/llamafactory/train/callbacks.py``, ``LogCallback.on_log``): one object a
  line, written on each of the Trainer's log events, with ``current_steps`` (``state.global_step``),
  ``total_steps`` (``state.max_steps``, a fact: the run's length) and the Trainer's logged LR (so
  the Trainer's convention), as ``lr`` in recent versions and ``learning_rate`` in older ones (the
  log of tests/data/logs/public, LLaMA-Factory on transformers 4.41). A line without it (the final
  summary) is skipped.
* **MMEngine** (``mmengine/visualization/vis_backend.py``, ``LocalVisBackend.add_scalars``, and
  ``mmengine/hooks/runtime_info_hook.py``, which logs ``lr`` — or ``<optimizer>.lr`` for several
  optimizers — of the first param group; read at v0.10): one object a line with ``step`` (the
  iteration, 1-based) and the scalars. ``base_lr`` is the configured LR, not the schedule's, and is
  not read as a series. The LR is read in ``before_train_iter`` and logged in ``after_train_iter``
  at ``step = runner.iter + 1``: the value at step s is the LR of iteration s − 1 (offset 1, as a
  real log of tests/data/logs/public shows).
"""

from __future__ import annotations

from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.spec.logs import _base as kit
from warmupctl.spec.logs._json import first_json_line, json_lines


def _fail(name: str, line: int, key: str):
    def fail(message: str, value: Any) -> SpecError:
        return SpecError(message, source=name, path=f"line {line}: {key}", value=value)

    return fail


def _read_lines(source: kit.Source, series: str | None, kind: str, step_key: str,
                lr_keys: list[str] | None) -> tuple[kit.Values, str, list[str], int, dict[str, Any]]:
    """Read every line; return the chosen series' values, its name, all series, rows without it and
    the last line's object."""
    rows = list(json_lines(source.text or "", source.name))
    found: list[str] = []
    if lr_keys is None:
        for _, obj in rows:
            if isinstance(obj, dict):
                found.extend(k for k in obj if k not in found and kit.is_lr_name(k)
                             and isinstance(obj[k], (int, float)))
    else:
        found = lr_keys
    chosen = kit.pick_series(found, series, source.name)
    values = kit.Values()
    skipped = 0
    last: dict[str, Any] = {}
    for line, obj in rows:
        if not isinstance(obj, dict):
            raise SpecError("a line is not a JSON object", source=source.name, path=f"line {line}",
                            value=obj)
        last = obj
        if chosen not in obj:
            skipped += 1
            continue
        if step_key not in obj:
            raise SpecError(f"a line with {chosen!r} has no {step_key!r}", source=source.name,
                            path=f"line {line}")
        step = kit.step_value(obj[step_key], _fail(source.name, line, step_key))
        values.add(step, kit.lr_value(obj[chosen], _fail(source.name, line, chosen)), line)
    if not len(values):
        raise SpecError(f"no line has {chosen!r}", source=source.name)
    return values, chosen, found, skipped, last


def detect_llamafactory(source: kit.Source) -> bool:
    first = first_json_line(source.head)
    return isinstance(first, dict) and "current_steps" in first and "total_steps" in first


def read_llamafactory(source: kit.Source, series: str | None) -> kit.RunLog:
    # ``lr`` since LLaMA-Factory 0.8.x; ``learning_rate`` (the Trainer's own key) before.
    head = source.text or ""
    keys = [key for key in ("lr", "learning_rate") if f'"{key}"' in head]
    values, chosen, found, skipped, last = _read_lines(source, series, "llamafactory",
                                                       "current_steps", keys or ["lr"])
    facts = {}
    total = last.get("total_steps")
    if isinstance(total, int) and not isinstance(total, bool) and total > 0:
        facts["max_steps"] = total
    return values.finish(source.name, "llamafactory", "current_steps", chosen, skipped=skipped,
                         series=tuple(found), facts=facts)


def detect_mmengine(source: kit.Source) -> bool:
    first = first_json_line(source.head)
    if not isinstance(first, dict) or "step" not in first or "current_steps" in first:
        return False
    return any(kit.is_lr_name(k) for k in first) or "loss" in first or "data_time" in first


def read_mmengine(source: kit.Source, series: str | None) -> kit.RunLog:
    values, chosen, found, skipped, _ = _read_lines(source, series, "mmengine", "step", None)
    return values.finish(source.name, "mmengine", "step", chosen, skipped=skipped,
                         series=tuple(found), offset=1,
                         convention="the log's own: MMEngine logs an iteration's LR at step = "
                                    "iterations done")


LLAMAFACTORY = kit.register(kit.LogFormat("llamafactory", "LLaMA-Factory trainer_log.jsonl",
                                          detect_llamafactory, read_llamafactory, "LLaMA-Factory jsonl"))
MMENGINE = kit.register(kit.LogFormat("mmengine", "MMEngine vis_data scalars (JSON Lines)", detect_mmengine,
                                      read_mmengine, "MMEngine scalars"))

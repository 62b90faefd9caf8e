"""transformers' ``trainer_state.json`` (and a bare ``log_history`` list).

The Trainer (``transformers/trainer.py``, ``Trainer._maybe_log_save_evaluate`` and
``TrainerState.save_to_json``; read in 4.26, 4.51 and 5.23) writes one ``log_history`` entry every
``logging_steps`` updates with ``loss``, ``grad_norm``, ``learning_rate``, ``epoch`` and ``step``
(``state.global_step``); evaluation entries and the final ``train_runtime`` entry have no
``learning_rate`` and are skipped. The state's own ``max_steps``, ``logging_steps`` and
``global_step`` are facts about the run (the length the scheduler was built for, the logging period,
how far the run got): they are kept in ``RunLog.facts`` and used instead of any guess.

Which update a value belongs to changed in 4.51 (see :mod:`warmupctl.calc.actual`). The file does not
name the version that wrote it, but a state the Trainer wrote whole (every field of
:data:`TRAINER_FIELDS`) without ``stateful_callbacks`` (a field of TrainerState since 4.41,
``trainer_callback.py``) predates 4.51: its convention is offset 0. A later one, or a file that holds
``log_history`` alone, is left to the alignment (offset 1 from 4.51).
"""

from __future__ import annotations

from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.core.values import did_you_mean, kind_of
from warmupctl.spec.logs import _base as kit
from warmupctl.spec.logs._json import item_lines, load_json

HINT_TRAINER = ("the Trainer logs learning_rate with the training loss every logging_steps updates "
                "(logging_strategy 'steps'); a log with none was written with logging turned off")
#: Fields of ``TrainerState`` that ``save_to_json`` writes in every version read (4.26 to 5.23).
TRAINER_FIELDS = frozenset({"global_step", "max_steps", "num_train_epochs", "total_flos",
                            "is_world_process_zero", "is_hyper_param_search"})
#: The state's keys kept as facts (whole numbers > 0 only).
FACT_KEYS = ("max_steps", "logging_steps", "global_step", "num_train_epochs", "train_batch_size")


def detect(source: kit.Source) -> bool:
    head = source.head.lstrip()
    if head.startswith("{"):
        return '"log_history"' in (source.text or "") or '"global_step"' in head
    if head.startswith("["):
        return head[1:].lstrip().startswith("{")
    return False


def read(source: kit.Source, series: str | None) -> kit.RunLog:
    text = source.text or ""
    name = source.name
    data = load_json(text, name)
    if series not in (None, "learning_rate"):
        raise SpecError(f"no LR series named {series!r} in this log", source=name,
                        path="--actual-series",
                        value=series, hint="a trainer_state.json has one: learning_rate")
    if isinstance(data, dict):
        if "log_history" not in data:
            keys = sorted(map(str, data))
            close = did_you_mean("log_history", keys)
            raise SpecError("not a trainer_state.json: no log_history", source=name,
                            hint=close or f"the object has {kit.fields_text(keys)}; "
                            "transformers writes trainer_state.json into each checkpoint folder")
        history = data["log_history"]
        if not isinstance(history, list):
            raise SpecError(f"log_history is {kind_of(history)}, not a list of entries", source=name,
                            path="log_history")
        facts = {key: data[key] for key in FACT_KEYS
                 if isinstance(data.get(key), int) and not isinstance(data.get(key), bool)
                 and data[key] > 0}
        # ``stateful_callbacks`` entered TrainerState in 4.41 and is written by every later version; a
        # state without it was written before 4.51, which logged the LR after lr_scheduler.step(). Only
        # a state the Trainer wrote whole says so: every version's save_to_json writes the dataclass's
        # fields (TRAINER_FIELDS); a file with log_history alone is someone's own, its convention unknown.
        written_whole = set(data) >= TRAINER_FIELDS
        convention = None if "stateful_callbacks" in data or not written_whole else 0
        return _from_history(history, item_lines(text, "log_history"), name, "log_history", facts,
                             convention)
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        return _from_history(data, item_lines(text, None), name, "", {}, None)
    raise SpecError("a JSON list that is neither log_history entries nor TensorBoard's "
                    "[wall_time, step, value] rows", source=name,
                    hint="give trainer_state.json, or TensorBoard's JSON or CSV export")


def _from_history(history: list[Any], lines: list[int], name: str, prefix: str,
                  facts: dict[str, int], convention: int | None) -> kit.RunLog:
    values = kit.Values()
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

        lr = kit.lr_value(entry["learning_rate"], fail)
        if "step" not in entry:
            raise SpecError("an entry with a learning_rate has no step "
                            f"(it has {kit.fields_text(sorted(entry))})",
                            source=name, path=f"{path} (line {line})",
                            hint="each log_history entry names the update count it was logged at")
        step = kit.step_value(entry["step"], lambda m, v, p=path, ln=line: fail(m, v, "step", p, ln))
        values.add(step, lr, line)
    if not len(values):
        if not history:
            raise SpecError(f"{prefix or 'the list'} is empty: nothing was logged", source=name,
                            path=prefix or None, hint=HINT_TRAINER)
        raise SpecError(f"no entry has a learning_rate ({len(history)} "
                        f"entr{'ies' if len(history) != 1 else 'y'} with {kit.fields_text(sorted(seen))})",
                        source=name, path=prefix or None, hint=HINT_TRAINER)
    why = None if convention is None else (
        "the log's own: no stateful_callbacks, so transformers < 4.51")
    return values.finish(name, "trainer_state", "step", "learning_rate", skipped=skipped,
                         series=("learning_rate",), facts=facts, offset=convention, convention=why)


FORMAT = kit.register(kit.LogFormat("trainer_state", "transformers trainer_state.json", detect, read,
                                    "trainer_state.json"))

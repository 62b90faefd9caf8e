"""Megatron-LM ``--yaml-cfg`` files, and launch scripts that pass one.

Megatron-LM's experimental YAML arguments (``megatron/training/yaml_arguments.py``, read at commit
d98e8a64 of 2026-08-22 and a52112da of 2026-04-21): ``parse_args`` sees ``--yaml-cfg FILE`` and replaces
the whole argparse namespace by the file (``load_yaml``: "argparse arguments will be ignored"), so
every other flag of the command line is dropped. The file nests the model under ``language_model:``
and the parallelism under ``model_parallel:``; the training arguments (``lr``, ``min_lr``,
``lr_decay_style``, ``lr_warmup_*``, ``lr_decay_*``, ``train_iters``/``train_samples``,
``global_batch_size``, ``rampup_batch_size``, ``seq_length``, the weight-decay schedule) are top-level
keys with the argparse destinations' names, which ``validate_yaml`` checks as ``validate_args`` does
(iteration- or sample-based, no ramp with ``train_iters``). They go to the same
``get_optimizer_param_scheduler`` as the command line: :mod:`.megatron` translates them.

``load_yaml`` resolves ``${NAME}`` in any value from the environment (a ``!pathex`` implicit
resolver): a schedule key that holds one is refused, naming the variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import _kit as kit
from warmupctl.spec.configs import megatron

TITLE = "Megatron-LM --yaml-cfg file"
#: The sections only a Megatron YAML config has (the model and the parallelism).
SECTIONS = ("language_model", "model_parallel")
_ENV = re.compile(r"\$\{(.*?)\}")
#: Top-level keys that shape the schedule, checked for ``${NAME}``.
SCHEDULE_KEYS = (*megatron.MEGATRON_ARGS, *megatron.RAMP_ARGS, *megatron.WD_ARGS, "lr", "global_batch_size",
                 "step_batch_size_schedule")


def _claim(mapping: Mapping[str, Any]) -> str | None:
    if all(isinstance(mapping.get(section), Mapping) for section in SECTIONS):
        return ", ".join(SECTIONS)
    return None


def _environment(mapping: Mapping[str, Any], source: str) -> None:
    for key in SCHEDULE_KEYS:
        value = mapping.get(key)
        found = _ENV.search(value) if isinstance(value, str) else None
        if found:
            raise SpecError(f"holds ${{{found.group(1)}}}, which Megatron takes from the environment",
                            source=source, path=key, value=value,
                            hint="write the value in the file; warmupctl does not read the environment of "
                                 "the run")


def translate_yaml(mapping: Mapping[str, Any], source: str, overrides: Mapping[str, Any],
                   before: tuple[str, ...] = ()) -> kit.Translation:
    """A ``--yaml-cfg`` mapping as Megatron arguments (``before``: notes of the script that named it)."""
    _environment(mapping, source)
    flat = {key: value for key, value in mapping.items() if key not in SECTIONS}
    translation = megatron.translate_arguments(flat, source, overrides)
    notes = (*before, f"{source} read as a {TITLE}: its top-level keys are the training arguments "
                      "(language_model: and model_parallel: hold no schedule)", *translation.notes[1:])
    return kit.Translation("megatron_yaml", TITLE, translation.source, translation.spec, notes,
                           translation.origins, translation.applied)


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    return translate_yaml(mapping, request.source, request.overrides)


def from_script(raw: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    """A script's arguments with ``--yaml-cfg FILE``: Megatron reads FILE and ignores the rest."""
    from warmupctl.spec.configs.deepspeed import locate_file
    from warmupctl.spec.load import load_mapping

    spelled = {kit.normalized(str(key)): str(key) for key in raw}
    key = spelled["yaml_cfg"]
    value = raw[key]
    if not isinstance(value, str) or "${" in value:
        raise SpecError("names no file warmupctl can open", source=request.source, path=key, value=value,
                        hint="write the YAML file's path after --yaml-cfg (Megatron reads its arguments "
                             "from it)")
    notes: list[str] = []
    where = locate_file(value, request.path, request.source, key, "Megatron YAML config", notes)
    ignored = [spelled[name] for name in spelled if name in SCHEDULE_KEYS]
    if ignored:
        notes.append(f"{key} {value}: Megatron replaces the command line by the file and ignores the "
                     f"script's {', '.join(ignored)}")
    source, mapping = load_mapping(where)
    if _claim(mapping) is None and not megatron.claim(mapping):
        raise SpecError("is not a Megatron YAML config (no language_model:, model_parallel: or training "
                        "arguments)", source=source, hint=f"named by {key} in {request.source}")
    return translate_yaml(mapping, source, request.overrides, tuple(notes))


FORMAT = kit.register(kit.ConfigFormat(
    "megatron_yaml", TITLE, _claim, _translate, markers=frozenset(SECTIONS), shared=megatron.SHARED,
    outranks=("megatron", "open_instruct", "transformers", "deepspeed"), overrides=("total_steps", "lr"),
    refusals=megatron.FORMAT.refusals,
))

"""DeepSpeed JSON: its ``scheduler`` block, alone or as transformers' DeepSpeed integration reads it.

Alone, the ``scheduler`` block is the schedule (``"auto"`` has nothing to fill it from). Named by Trainer
arguments (``deepspeed: ds.json``) or given with ``--deepspeed ds.json``, transformers' integration
(transformers 5.23.0 ``integrations/deepspeed.py``, ``HfTrainerDeepSpeedConfig``) fills ``"auto"`` from the
Trainer arguments (:mod:`.transformers` does that with the helpers here): ``fill_match`` takes the Trainer's
value for ``"auto"`` and raises ValueError for a number that disagrees; ``get_value`` reads a dotted key.
The scheduler types are DeepSpeed's ``deepspeed/runtime/lr_schedules.py`` (DeepSpeed 0.16).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.frameworks._registry import LibrarySchedule
from warmupctl.spec.configs import _kit as kit
from warmupctl.spec.library import find_schedule
from warmupctl.spec.load import load_mapping, parse_text

TITLE = "DeepSpeed config"
MARKERS = frozenset({"train_batch_size", "train_micro_batch_size_per_gpu", "zero_optimization", "scheduler",
                     "optimizer", "gradient_clipping", "steps_per_print", "fp16", "bf16",
                     "wall_clock_breakdown", "zero_allow_untested_optimizer"})
#: Markers that count only as blocks (a Megatron dump has ``optimizer: adam`` and ``fp16: false``).
NESTED = frozenset({"scheduler", "optimizer", "fp16", "bf16", "zero_optimization"})


@dataclass(frozen=True)
class DeepSpeedConfig:
    """A DeepSpeed config read for a Trainer: its mapping, where it is, and its scheduler block."""

    config: Mapping[str, Any]
    source: str
    prefix: str  # "" for a file of its own, "deepspeed." for a mapping inside the Trainer arguments
    block: Mapping[str, Any] | None

    @property
    def name(self) -> str:
        """How notes call it: its file, or the Trainer arguments' inline ``deepspeed`` mapping."""
        return f"the DeepSpeed config in {self.source}" if self.prefix else self.source

    def origin(self, key: str, **extra: Any) -> kit.Origin:
        return kit.Origin(self.source, self.prefix + key, **extra)

    def error(self, message: str, key: str, value: Any = SpecError._NO_VALUE,
              hint: str | None = None) -> SpecError:
        return SpecError(message, source=self.source, path=self.prefix + key, value=value, hint=hint)


def named_config(raw: Mapping[str, Any], spelled: Mapping[str, str], source: str, path: str | None,
                  override: str | None, notes: list[str]) -> DeepSpeedConfig | None:
    """The DeepSpeed config the Trainer arguments name (``deepspeed:``) or ``--deepspeed`` gives."""
    named = raw.get("deepspeed")
    if override is not None:
        if named not in (None, "", override):
            notes.append(f"--deepspeed {override} replaces the arguments' deepspeed: {named}")
        ds_source, mapping = load_mapping(override)
        return block_of(mapping, ds_source, "")
    if named in (None, ""):
        return None
    key = spelled.get("deepspeed", "deepspeed")
    if isinstance(named, Mapping):
        return block_of(v.as_mapping(dict(named), key), source, key + ".")
    text = v.as_str(named, key)
    if text.lstrip().startswith("{"):
        return block_of(parse_text(text, f"{source}: {key}"), source, key + ".")
    where = locate_file(text, path, source, key, "DeepSpeed config", notes)
    ds_source, mapping = load_mapping(where)
    return block_of(mapping, ds_source, "")


def locate_file(text: str, path: str | None, source: str, key: str, what: str, notes: list[str]) -> str:
    """A file a config names, found as its trainer finds it: ``open(name)`` reads it from the working
    directory; failing that, next to the config (where it is when the config was copied with it).
    The note says which file was read."""
    if os.path.isabs(text):
        candidates = [text]
    else:
        folder = os.path.dirname(path) if path and path != "-" else ""
        candidates = [text] + ([os.path.join(folder, text)] if folder else [])
    for index, where in enumerate(candidates):
        if os.path.isfile(where):
            if index == 0 and not os.path.isabs(text):
                notes.append(f"{key}: {text} read from the working directory (as the trainer opens it)")
            elif index:
                notes.append(f"{key}: {text} is not in the working directory, where the trainer opens "
                             f"it; read {where}, next to {source}")
            return where
    raise SpecError(f"names a {what} that does not exist", source=source, path=key, value=text,
                    hint=f"looked for {' and '.join(candidates)} (the trainer opens it from the directory "
                         "it runs in); run warmupctl there, or pass --deepspeed FILE")


def block_of(config: Mapping[str, Any], source: str, prefix: str) -> DeepSpeedConfig:
    block = config.get("scheduler")
    if block is not None:
        block = v.as_mapping(block, prefix + "scheduler")
    return DeepSpeedConfig(config, source, prefix, block)


def value_at(ds: DeepSpeedConfig, key: str) -> Any:
    """``HfDeepSpeedConfig.get_value``: a dotted key, None when any part is absent."""
    node: Any = ds.config
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def fill(ds: DeepSpeedConfig, key: str, value: Any, hf_key: str, must_match: bool = True) -> Any:
    """``HfTrainerDeepSpeedConfig.fill_match``: "auto" takes the Trainer's value; a different value
    is the mismatch transformers raises ValueError for (None: the key is absent, nothing to do)."""
    given = value_at(ds, key)
    if given is None:
        return None
    if given == kit.AUTO:
        return value
    if must_match and not _same(given, value):
        raise ds.error(f"does not match the Trainer's {hf_key} {value}", key, given,
                       "transformers raises ValueError: 'Please correct the following DeepSpeed config "
                       "values that mismatch TrainingArguments values'; set it to \"auto\"")
    return given


def _same(given: Any, value: Any) -> bool:
    """``given == value``, reading a numeric string as its number (YAML 1.1 keeps ``3e-4`` a string)."""
    if isinstance(value, (int, float)) and isinstance(given, str):
        try:
            return float(given) == float(value)
        except ValueError:
            return False
    return bool(given == value)



def scheduler_entry(ds: DeepSpeedConfig) -> tuple[LibrarySchedule, str, dict[str, Any]]:
    block = ds.block
    assert block is not None
    kind = block.get("type")
    if kind is None:
        raise ds.error("the scheduler block has no type", "scheduler.type",
                       hint="e.g. \"type\": \"WarmupDecayLR\"")
    kind = v.as_str(kind, ds.prefix + "scheduler.type")
    names = kit.library_names("deepspeed")
    if kind not in names:
        raise ds.error("unknown DeepSpeed scheduler", "scheduler.type", kind,
                       v.did_you_mean(kind, names) or v.one_of(names))
    params = block.get("params") or {}
    params = dict(v.as_mapping(params, ds.prefix + "scheduler.params"))
    return find_schedule(f"deepspeed.{kind}"), kind, params


def no_auto(ds: DeepSpeedConfig, params: Mapping[str, Any], hint: str) -> None:
    for key, value in params.items():
        if value == kit.AUTO:
            raise ds.error('"auto" with nothing to fill it from', f"scheduler.params.{key}", value, hint)

#: Scheduler params a flag fills when they are "auto" (transformers fills them from the Trainer the same
#: way: ``trainer_config_process`` and ``trainer_config_finalize``).
_FROM_FLAGS = {"warmup_max_lr": "lr", "total_num_steps": "total_steps", "warmup_num_steps": "warmup_steps"}


def _translate_alone(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    """A DeepSpeed config on its own: its scheduler block, with numbers, or "auto" filled from flags."""
    source = request.source
    ds = block_of(mapping, source, "")
    flags = {k: val for k, val in request.overrides.items() if val is not None}
    with_trainer = ('"auto" is filled by the transformers Trainer: import the Trainer arguments with '
                    f"--deepspeed {source}, or name it in them (deepspeed: {os.path.basename(source)}); or "
                    "give it with --lr, --total-steps or --warmup-steps")
    if ds.block is None:
        raise ds.error("has no scheduler block: the schedule comes from the client (e.g. the HF Trainer's "
                       "lr_scheduler_type)", "scheduler",
                       hint=f"give the trainer's arguments with --deepspeed {source}: warmupctl table "
                            f"ARGS.yaml --deepspeed {source}")
    entry, kind, params = scheduler_entry(ds)
    notes = [f"{source} read as a DeepSpeed config: its scheduler block {kind}"]
    filled = []
    for key, flag in _FROM_FLAGS.items():
        if flag not in flags:
            continue
        if key not in params and not (key == "warmup_max_lr" and entry.lr != "unused"):
            if flag == "warmup_steps":
                raise SpecError(f"{kind} has no warmup_num_steps", source="command line",
                                path="--warmup-steps", value=flags[flag],
                                hint="change the scheduler block itself")
            continue
        value = flags[flag]
        if params.get(key) == kit.AUTO:
            params[key] = v.as_count(value, f"--{flag.replace('_', '-')}") if flag != "lr" else \
                v.as_nonnegative(value, "--lr")
            filled.append(f"{key} {params[key]} (--{flag.replace('_', '-')})")
        elif key in params and not _same(params[key], v.as_float(value, f"--{flag.replace('_', '-')}")):
            raise SpecError(f"the config says {key} {params[key]}", source="command line",
                            path=f"--{flag.replace('_', '-')}", value=value,
                            hint=f"set {key} to \"auto\" to fill it from the flag, or drop the flag")
    if filled and params.get("warmup_min_lr") == kit.AUTO:
        params["warmup_min_lr"] = 0
        filled.append("warmup_min_lr 0 (as transformers fills it)")
    if filled:
        notes.append('"auto" filled from the command line: ' + ", ".join(filled))
    no_auto(ds, params, with_trainer)
    spec: dict[str, Any] = {"schedule": f"deepspeed.{kind}"}
    origins = {"schedule": ds.origin("scheduler.type"), "args": ds.origin("scheduler.params"),
               "total_steps": ds.origin("scheduler", hint="pass --total-steps N (the run's length in "
                                                          "updates), or import it with the Trainer "
                                                          "arguments")}
    optimizer = value_at(ds, "optimizer")
    lr = optimizer.get("params", {}).get("lr") if isinstance(optimizer, Mapping) else None
    if entry.lr != "unused":
        if "lr" in flags:
            lr = v.as_nonnegative(flags["lr"], "--lr")
            notes.append(f"the optimizer's lr is --lr {lr}")
        if lr == kit.AUTO:
            raise ds.error('"auto" with nothing to fill it from', "optimizer.params.lr", lr, with_trainer)
        if lr is not None:
            spec["lr"] = v.as_float(lr, "optimizer.params.lr")
    origins["lr"] = ds.origin("optimizer.params.lr", hint=None if optimizer is not None else
                              "the config has no optimizer block: the optimizer and its lr come from the "
                              "training script; import the Trainer arguments with --deepspeed, or pass --lr")
    spec["args"] = params
    if "total_steps" in flags and "total_num_steps" not in params:
        spec["total_steps"] = v.as_count(flags["total_steps"], "--total-steps", minimum=1)
        notes.append(f"--total-steps {spec['total_steps']}: the run's length ({kind} has none of its own)")
    return kit.Translation("deepspeed", TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=frozenset(flags) & {"lr", "total_steps", "warmup_steps"})


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    return _translate_alone(mapping, request)


def _claim(mapping: Mapping[str, Any]) -> str | None:
    """DeepSpeed's markers, not counting jsonargparse class configs (``optimizer: {class_path: ...}``
    in a LightningCLI YAML): a DeepSpeed block has ``type``/``params``, never ``class_path``."""
    own = {k: x for k, x in mapping.items() if not (isinstance(x, Mapping) and "class_path" in x)}
    return kit.marker_claim(MARKERS, NESTED)(own)


FORMAT = kit.register(kit.ConfigFormat(
    "deepspeed", TITLE, _claim, _translate, markers=MARKERS,
    overrides=("lr", "total_steps", "warmup_steps"),
))

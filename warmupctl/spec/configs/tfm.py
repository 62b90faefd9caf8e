"""TF Model Garden experiment YAML (``trainer.optimizer_config``, ``trainer.train_steps``).

``tfm.core`` trainers (tensorflow/models ``official/core/base_trainer.py``) build the optimizer's
learning rate with ``OptimizerFactory(trainer.optimizer_config).build_learning_rate()``
(:mod:`warmupctl.frameworks.tfm`) and run ``trainer.train_steps`` optimizer updates. The config's
``learning_rate: {type: cosine, cosine: {...}}`` and ``warmup: {type: linear, linear: {...}}`` oneofs
are read as the factory reads them: only the block the ``type`` names; a field the block leaves out
takes its dataclass default (``official/modeling/optimization/configs/learning_rate_config.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import _kit as kit

TITLE = "TF Model Garden experiment"
#: ``learning_rate.<type>`` fields -> the library spec's args (``power``: the decay's exponent).
FIELDS = {"learning_rate": "learning_rate", "initial_learning_rate": "initial_learning_rate",
          "decay_steps": "decay_steps", "alpha": "alpha", "end_learning_rate": "end_learning_rate",
          "power": "power", "cycle": "cycle", "decay_rate": "decay_rate", "staircase": "staircase",
          "boundaries": "boundaries", "values": "values", "offset": "offset"}
WARMUP_FIELDS = {"warmup_steps": "warmup_steps", "warmup_learning_rate": "warmup_learning_rate",
                 "power": "warmup_power"}
#: Fields that do not change the LR (a schedule's TensorBoard name).
NAMES = frozenset({"name"})


def _claim(mapping: Mapping[str, Any]) -> str | None:
    trainer = mapping.get("trainer")
    if isinstance(trainer, Mapping) and isinstance(trainer.get("optimizer_config"), Mapping):
        return "trainer.optimizer_config"
    return None


def _oneof(config: Mapping[str, Any], key: str, source: str) -> tuple[str | None, Mapping[str, Any], str]:
    """``(type, the block it names, its path)`` of a oneof such as ``learning_rate``."""
    block = config.get(key)
    path = f"trainer.optimizer_config.{key}"
    if block is None:
        return None, {}, path
    block = v.as_mapping(block, path)
    kind = block.get("type")
    if kind is None:
        others = [str(name) for name in block if name != "type"]
        if others:
            raise SpecError("has no type: the factory reads only the block its type names", path=path,
                            value=others, hint=f"add type: {others[0]}")
        return None, {}, path
    kind = v.as_str(kind, f"{path}.type")
    inner = block.get(kind) or {}
    return kind, v.as_mapping(inner, f"{path}.{kind}"), f"{path}.{kind}"


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    trainer = mapping["trainer"]
    config = v.as_mapping(trainer["optimizer_config"], "trainer.optimizer_config")
    notes = [f"{source} read as a {TITLE}: OptimizerFactory.build_learning_rate"]
    decay, block, path = _oneof(config, "learning_rate", source)
    if decay is None:
        raise SpecError("has no learning_rate type", path="trainer.optimizer_config.learning_rate",
                        hint="the factory raises 'Learning rate type must be specified'")
    args: dict[str, Any] = {"decay": decay}
    origins = {"args.decay": kit.Origin(source, "trainer.optimizer_config.learning_rate.type")}
    for key, value in block.items():
        if key in NAMES:
            continue
        if key not in FIELDS:
            raise SpecError(f"is not a field of the {decay} learning rate config", path=f"{path}.{key}",
                            value=value, hint=v.did_you_mean(str(key), FIELDS) or v.one_of(sorted(FIELDS)))
        args[FIELDS[key]] = value
        origins[f"args.{FIELDS[key]}"] = kit.Origin(source, f"{path}.{key}")
    if decay == "polynomial" and "power" not in block:
        args["power"] = 1.0
    warmup, wblock, wpath = _oneof(config, "warmup", source)
    if warmup is not None:
        args["warmup"] = warmup
        origins["args.warmup"] = kit.Origin(source, "trainer.optimizer_config.warmup.type")
        for key, value in wblock.items():
            if key in NAMES:
                continue
            if key not in WARMUP_FIELDS:
                raise SpecError(f"is not a field of the {warmup} warmup config", path=f"{wpath}.{key}",
                                value=value, hint=v.one_of(sorted(WARMUP_FIELDS)))
            args[WARMUP_FIELDS[key]] = value
            origins[f"args.{WARMUP_FIELDS[key]}"] = kit.Origin(source, f"{wpath}.{key}")
    spec: dict[str, Any] = {"schedule": "tfm.build_learning_rate", "args": args}
    steps = request.overrides.get("total_steps")
    if steps is not None:
        spec["total_steps"] = v.as_count(steps, "--total-steps", minimum=1)
        notes.append(f"--total-steps {spec['total_steps']} sets trainer.train_steps")
    elif trainer.get("train_steps") is not None:
        spec["total_steps"] = v.as_count(trainer["train_steps"], "trainer.train_steps", minimum=1)
    origins["total_steps"] = kit.Origin(source, "trainer.train_steps",
                                        hint="give trainer.train_steps (or --total-steps)")
    optimizer = config.get("optimizer")
    if isinstance(optimizer, Mapping) and optimizer.get("type"):
        notes.append(f"optimizer {optimizer['type']}: the table is the LR it reads at each update")
    if config.get("ema"):
        notes.append("ema averages the weights, not the LR: no change to the schedule")
    return kit.Translation("tfm", TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=frozenset(k for k in ("total_steps",) if steps is not None))


FORMAT = kit.register(kit.ConfigFormat(
    "tfm", TITLE, _claim, _translate, markers=frozenset({"trainer.optimizer_config"}),
    overrides=("total_steps",),
    refusals=MappingProxyType({"lr": "the LR is in trainer.optimizer_config.learning_rate",
                               "warmup_steps": "the warmup is trainer.optimizer_config.warmup"}),
))

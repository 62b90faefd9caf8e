"""fairseq training configs: hydra YAML (``fairseq-hydra-train``) and ``fairseq-train`` arguments.

Restated from fairseq 0.12.2: the trainer builds the scheduler next to the optimizer and calls
``step_update(0)`` (``fairseq/trainer.py``, ``Trainer._build_optimizer``); after every optimizer update
``train_step`` calls ``set_num_updates``, whose ``lr_step_update`` calls ``step_update(num_updates)``;
``lr_step(epoch)`` and ``lr_step_begin_epoch`` at epoch ends call ``step_update`` again with the same
count (only ``fixed``'s ``force_anneal`` and ``reduce_lr_on_plateau`` act on epochs). So update ``k``
runs at the scheduler's ``step_update(k)``: :mod:`warmupctl.frameworks.fairseq`'s schedules.
``update_freq`` (gradient accumulation) makes one update out of that many batches; the scheduler counts
updates. ``fairseq_cli/train.py`` stops once ``num_updates >= max_update`` (0: no limit) or after
``max_epoch`` epochs (0: no limit), so a run of ``max_update`` updates unless the epochs end first.

Where the values are (hydra keys; the ``fairseq-train`` flag of each is :data:`FLAGS`):

* ``optimization.lr`` (a list; the schedulers read ``lr[0]``, default ``[0.25]``),
  ``optimization.max_update``, ``optimization.max_epoch``, ``optimization.update_freq``;
* ``lr_scheduler._name`` and the scheduler's own fields (``warmup_updates``, ``warmup_init_lr``,
  ``end_learning_rate``, ``power``, ``total_num_update``, tri_stage's ``phase_ratio``,
  ``init_lr_scale``, ``final_lr_scale``, ...), whose ``lr`` and ``max_update`` default to the
  ``optimization`` values (``II("optimization.lr")``); without ``lr_scheduler`` fairseq's
  ``fixed`` is used (the registry's default);
* ``dataset.batch_size`` / ``max_tokens``: the batches of an epoch, which only matter for a run
  counted in epochs; those depend on the data (sizes and, with ``max_tokens``, lengths; batches
  rounded to ``required_batch_size_multiple`` by ``data_utils.batch_by_size``), and with ``fp16`` an
  update whose gradients overflow is skipped without counting (``Trainer.train_step``), so such a
  run needs ``--total-steps``.

``reduce_lr_on_plateau`` follows the validation loss and is refused. ``fairseq-hydra-train
--config-dir D --config-name N`` reads ``D/N.yaml`` (beside the script or from the working
directory) with the command's ``key=value`` overrides.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.frameworks._registry import LIBRARY_SCHEDULES, load_libraries
from warmupctl.spec.configs import _kit as kit

TITLE = "fairseq config"
#: fairseq 0.12.2 ``OptimizationConfig.lr`` default.
DEFAULT_LR = [0.25]

#: ``fairseq-train`` flags (argparse destinations) -> (group, key) of the hydra config: one table.
FLAGS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "lr": ("optimization", "lr"),
    "max_update": ("optimization", "max_update"),
    "max_epoch": ("optimization", "max_epoch"),
    "update_freq": ("optimization", "update_freq"),
    "stop_min_lr": ("optimization", "stop_min_lr"),
    "stop_time_hours": ("optimization", "stop_time_hours"),
    "lr_scheduler": ("lr_scheduler", "_name"),
    "batch_size": ("dataset", "batch_size"),
    "max_sentences": ("dataset", "batch_size"),
    "max_tokens": ("dataset", "max_tokens"),
    "task": ("task", "_name"),
    "arch": ("model", "_name"),
    "reset_lr_scheduler": ("checkpoint", "reset_lr_scheduler"),
    "reset_optimizer": ("checkpoint", "reset_optimizer"),
    "restore_file": ("checkpoint", "restore_file"),
    "criterion": ("criterion", "_name"),
    **{name: ("lr_scheduler", name) for name in (
        "warmup_updates", "warmup_init_lr", "end_learning_rate", "power", "total_num_update",
        "force_anneal", "lr_shrink", "min_lr", "t_mult", "lr_period_updates", "max_lr", "shrink_min",
        "lr_deacy_period", "lr_decay", "warmup_steps", "hold_steps", "decay_steps", "phase_ratio",
        "init_lr_scale", "final_lr_scale")},
})
#: Flags only fairseq-train takes (evidence for a command's arguments).
FLAG_MARKERS = frozenset({"warmup_updates", "max_update", "max_epoch", "update_freq", "total_num_update",
                          "warmup_init_lr", "end_learning_rate", "lr_period_updates", "lr_deacy_period",
                          "force_anneal"})
#: ``--lr-scheduler`` is evidence next to one of these (axolotl has an ``lr_scheduler`` key too).
WITH_SCHEDULER = frozenset({"arch", "criterion", "task"})
#: Groups of the hydra config (FairseqConfig's fields).
GROUPS = frozenset({"common", "common_eval", "distributed_training", "dataset", "optimization",
                    "checkpoint", "bmuf", "generation", "eval_lm", "interactive", "model", "task",
                    "criterion", "optimizer", "lr_scheduler", "scoring", "bpe", "tokenizer", "ema"})
#: warmupctl's own keys that are fairseq-train flags too.
SHARED = frozenset({"lr", "min_lr", "power", "warmup_steps", "decay_steps"})
_REF = re.compile(r"\$\{([^{}]*)\}")
#: Where :func:`hydra_mapping` records the YAML a ``fairseq-hydra-train`` command ran, for the notes.
COMMAND_KEY = "_fairseq_hydra_train_"


def _claim(mapping: Mapping[str, Any]) -> str | None:
    scheduler, optimization = mapping.get("lr_scheduler"), mapping.get("optimization")
    if isinstance(scheduler, Mapping) and "_name" in scheduler:
        return "lr_scheduler._name"
    if isinstance(optimization, Mapping) and any(k in optimization for k in ("max_update", "max_epoch")):
        return "optimization.max_update" if "max_update" in optimization else "optimization.max_epoch"
    common, task = mapping.get("common"), mapping.get("task")
    if isinstance(common, Mapping) and isinstance(task, Mapping) and "_name" in task:
        return "common, task._name"
    hits = [str(k) for k in mapping if kit.normalized(str(k)) in FLAG_MARKERS]
    names = {kit.normalized(str(k)): str(k) for k in mapping}
    if not hits and "lr_scheduler" in names and WITH_SCHEDULER & set(names):
        hits = [names["lr_scheduler"], *(names[k] for k in sorted(WITH_SCHEDULER & set(names)))]
    return ", ".join(hits) if hits else None


def _listed(value: Any, key: str, cast: type) -> list[Any]:
    """fairseq's ``eval_str_list``: ``"0.1,0.2"``, ``"[16]"``, ``0.1`` or a list, as a list."""
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise SpecError("is not a number or a list of numbers", path=key, value=value) from None
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    return [v.as_int(x, key) if cast is int else v.as_float(x, key) for x in items]


class _Config:
    """A fairseq config as hydra groups, whichever way it was written, with each value's spelling."""

    def __init__(self, mapping: Mapping[str, Any], source: str, notes: list[str]) -> None:
        self.source = source
        self.groups: dict[str, dict[str, Any]] = {}
        self.where: dict[tuple[str, str], str] = {}
        self.flags = not any(isinstance(mapping.get(g), Mapping) for g in ("optimization", "lr_scheduler",
                                                                             "common", "task"))
        if not self.flags:
            command = mapping.get(COMMAND_KEY)
            if isinstance(command, Mapping):
                notes.append(f"fairseq-hydra-train runs {command['config']}"
                             + (f" with {' '.join(command['overrides'])}" if command["overrides"] else ""))
            for group, block in mapping.items():
                if group == COMMAND_KEY:
                    continue
                if isinstance(block, Mapping):
                    self.groups[str(group)] = dict(block)
                    self.where.update({(str(group), str(k)): f"{group}.{k}" for k in block})
                elif str(group) == "lr_scheduler" and isinstance(block, str):
                    self.groups["lr_scheduler"] = {"_name": block}
                    self.where[("lr_scheduler", "_name")] = "lr_scheduler"
            return
        raw, spelled = kit.unique_keys(mapping, source)
        for name, value in raw.items():
            place = FLAGS.get(name)
            if place is not None:
                self.groups.setdefault(place[0], {})[place[1]] = value
                self.where[place] = spelled[name]
        if self.groups.get("lr_scheduler", {}).get("_name") is None:
            self.groups.setdefault("lr_scheduler", {})["_name"] = "fixed"
            notes.append("no --lr-scheduler: fairseq-train's default is fixed")

    def at(self, group: str, key: str) -> str:
        return self.where.get((group, key), f"{group}.{key}")

    def get(self, group: str, key: str, default: Any = None) -> Any:
        """A value, its ``${a.b}`` references resolved; a script's unknown variable refused."""
        value = self.groups.get(group, {}).get(key, default)
        for _ in range(10):
            if not (isinstance(value, str) and "${" in value):
                return value
            ref = _REF.search(value)
            name = ref.group(1) if ref else value
            if self.flags or "." not in name or ":" in name:
                raise SpecError(f"holds ${{{name}}}, which is not set to a literal value", source=self.source,
                                path=self.at(group, key), value=value,
                                hint="write the value (warmupctl does not run scripts or resolvers)")
            ref_group, _, ref_key = name.partition(".")
            if ref_key not in self.groups.get(ref_group, {}):
                raise SpecError(f"refers to ${{{name}}}, which the file does not set", source=self.source,
                                path=self.at(group, key), hint="write the value here")
            value = self.groups[ref_group][ref_key]
        raise SpecError("the ${...} references loop", source=self.source, path=self.at(group, key))


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    notes: list[str] = []
    config = _Config(mapping, source, notes)
    load_libraries()
    sched = config.groups.get("lr_scheduler")
    name = config.get("lr_scheduler", "_name") if sched else None
    if name is None:
        name = "fixed"
        notes.append("no lr_scheduler: fairseq's config defaults to fixed (fairseq/config/config.yaml)")
    if name == "reduce_lr_on_plateau":
        raise SpecError("follows the validation loss, which no config holds",
                        path=config.at("lr_scheduler", "_name"), value=name,
                        hint="fairseq's reduce_lr_on_plateau shrinks the LR when the loss stops improving; "
                             "warmupctl cannot know when: compare with the run's log (--actual)")
    entry = LIBRARY_SCHEDULES.get(f"fairseq.{name}")
    if entry is None:
        known = sorted(k.partition(".")[2] for k in LIBRARY_SCHEDULES if k.startswith("fairseq."))
        raise SpecError("is not a fairseq scheduler warmupctl computes",
                        path=config.at("lr_scheduler", "_name"), value=name,
                        hint="one of " + ", ".join(known))
    declared = {a.name for a in entry.args}

    lr_at = config.at("optimization", "lr")
    if request.overrides.get("lr") is not None:
        lr = [v.as_positive(request.overrides["lr"], "--lr")]
        notes.append(f"--lr {lr[0]:g} sets optimization.lr")
        lr_at = "--lr"
    elif config.get("optimization", "lr") is not None:
        lr = _listed(config.get("optimization", "lr"), lr_at, float)
    else:
        lr = list(DEFAULT_LR)
        notes.append(f"no optimization.lr: fairseq's default is {DEFAULT_LR}")
    max_update = v.as_int(config.get("optimization", "max_update", 0) or 0,
                          config.at("optimization", "max_update"))
    max_epoch = v.as_int(config.get("optimization", "max_epoch", 0) or 0,
                         config.at("optimization", "max_epoch"))
    if request.overrides.get("total_steps") is not None:
        max_update = v.as_count(request.overrides["total_steps"], "--total-steps", minimum=1)
        notes.append(f"--total-steps {max_update} sets optimization.max_update (fairseq's run length)")

    args: dict[str, Any] = {}
    origins: dict[str, kit.Origin] = {"lr": kit.Origin(source, lr_at), "args.lr": kit.Origin(source, lr_at)}
    for key in (sched or {}):
        if key in ("_name",):
            continue
        value = config.get("lr_scheduler", key)
        if key in ("lr", "max_update") and not config.flags:
            if key == "lr":
                lr = _listed(value, config.at("lr_scheduler", key), float)
                notes.append(f"lr_scheduler.lr {kit.show(lr)} is what the scheduler reads")
                origins["lr"] = origins["args.lr"] = kit.Origin(source, config.at("lr_scheduler", key))
            else:
                max_update = v.as_int(value, config.at("lr_scheduler", key))
            continue
        if config.flags and key not in declared:
            notes.append(f"{config.at('lr_scheduler', key)} is not an argument of fairseq's {name}: "
                         "not applied")
            continue
        if key == "phase_ratio" and isinstance(value, str):
            value = _listed(value, config.at("lr_scheduler", key), float)
        args[key] = value
        origins[f"args.{key}"] = kit.Origin(source, config.at("lr_scheduler", key))
    args["lr"] = lr
    if "max_update" in declared:
        args["max_update"] = max_update
        origins["args.max_update"] = kit.Origin(source, config.at("optimization", "max_update"))

    spec: dict[str, Any] = {"schedule": f"fairseq.{name}", "args": args}
    if max_update > 0:
        spec["total_steps"] = max_update
        run = f"{max_update} updates (optimization.max_update)"
        if max_epoch > 0:
            notes.append(f"max_epoch {max_epoch} also bounds the run: if its epochs end before update "
                         f"{max_update}, training stops there")
    elif max_epoch > 0:
        batching = ", ".join(f"{k} {kit.show(config.get('dataset', k))}" for k in ("batch_size", "max_tokens")
                             if config.get("dataset", k) is not None) or "the dataset's batching"
        raise SpecError(f"the run is max_epoch {max_epoch} epochs, whose updates fairseq counts from "
                        f"the batches of the data ({batching})", source="command line",
                        path="--total-steps",
                        hint="pass --total-steps N: the num_updates fairseq logs at the end of training "
                             "(or max_epoch × the updates of one epoch it logs)")
    else:
        run = "no max_update or max_epoch: fairseq trains until stopped"
    notes.insert(0, f"{source} read as {TITLE}: lr_scheduler {name} -> fairseq.{name}, stepped after "
                    f"every update (Trainer.lr_step_update); {run}")
    freq = config.get("optimization", "update_freq")
    if freq is not None:
        freqs = _listed(freq, config.at("optimization", "update_freq"), int)
        if freqs != [1]:
            notes.append(f"update_freq {kit.show(freqs)}: one optimizer update per {freqs[0]} batches "
                         "(the scheduler counts updates)" if len(freqs) == 1 else
                         f"update_freq {kit.show(freqs)}: per-epoch accumulation; the scheduler counts "
                         "updates")
    stop = config.get("optimization", "stop_min_lr")
    if stop is not None and v.as_float(stop, config.at("optimization", "stop_min_lr")) > 0:
        notes.append(f"stop_min_lr {stop}: fairseq stops training once the LR falls to it or below")
    restore = config.get("checkpoint", "restore_file")
    reset = bool(config.get("checkpoint", "reset_optimizer"))
    if restore == "???":
        notes.append("checkpoint.restore_file is ??? (given on the command line): "
                     + ("with reset_optimizer the updates start at 0" if reset
                        else "a resumed run continues at the checkpoint's num_updates"))
    elif restore not in (None, "checkpoint_last.pt"):
        notes.append(f"restore_file {restore} with reset_optimizer: the updates start at 0 (the "
                     "checkpoint's num_updates is not restored: Trainer.load_checkpoint)"
                     if reset else
                     f"restore_file {restore}: training resumes at the checkpoint's num_updates, and "
                     "update k here is the run's update k")
    origins["total_steps"] = kit.Origin(source, config.at("optimization", "max_update"),
                                        hint="fairseq runs max_update updates (0: no limit): set it, or "
                                         "pass --total-steps N")
    return kit.Translation("fairseq", TITLE, source, spec, tuple(notes), MappingProxyType(origins))


def hydra_mapping(words: tuple[str, ...], source: str, path: str | None) -> dict[str, Any]:
    """The config ``fairseq-hydra-train --config-dir D --config-name N k=v ...`` runs: ``D/N.yaml`` (from
    the script's folder, else the working directory) with the ``key=value`` overrides applied."""
    from warmupctl.spec.load import load_mapping

    options: dict[str, str] = {}
    overrides: list[str] = []
    rest = list(words)
    while rest:
        word = rest.pop(0)
        if word in ("--config-dir", "--config-name", "-cd", "-cn") and rest:
            options[{"-cd": "--config-dir", "-cn": "--config-name"}.get(word, word)] = rest.pop(0)
        elif word.startswith(("--config-dir=", "--config-name=")):
            key, _, value = word.partition("=")
            options[key] = value
        elif "=" in word and not word.startswith("-"):
            overrides.append(word.lstrip("+"))
    if "--config-name" not in options:
        raise SpecError("fairseq-hydra-train is run without --config-name", source=source,
                        hint="the schedule is in the YAML it names: import that file")
    name = options["--config-name"]
    file = name if name.endswith(".yaml") else f"{name}.yaml"
    relative = os.path.join(options.get("--config-dir", "."), file)
    places = [relative] if os.path.isabs(relative) else [
        *([os.path.join(os.path.dirname(path), relative)] if path not in (None, "-") else []), relative]
    found = next((p for p in places if os.path.isfile(p)), None)
    if found is None:
        raise SpecError(f"runs fairseq-hydra-train on {relative}, which is not beside it", source=source,
                        value=relative, hint=f"import {relative} itself (add the command's overrides: "
                        f"{' '.join(overrides) or 'none'})")
    _, config = load_mapping(found)
    config[COMMAND_KEY] = {"config": found, "overrides": list(overrides)}
    for item in overrides:
        key, _, text = item.partition("=")
        group, dot, field = key.partition(".")
        if not dot or "." in field:
            continue
        from warmupctl.spec.load import parse_text

        block = config.setdefault(group, {})
        if isinstance(block, dict):
            block[field] = parse_text(f"v: {text}", source).get("v") if text else None
    return config


FORMAT = kit.register(kit.ConfigFormat(
    "fairseq", TITLE, _claim, _translate, markers=frozenset({"lr_scheduler", "optimization", *FLAG_MARKERS}),
    shared=SHARED, overrides=("total_steps", "lr"), outranks=("deepspeed",),
    refusals=MappingProxyType({"warmup_steps": "fairseq's warmup is lr_scheduler.warmup_updates "
                                               "(--warmup-updates): change it in the config"}),
))

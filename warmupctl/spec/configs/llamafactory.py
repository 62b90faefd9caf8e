"""LLaMA-Factory YAML, v0 (``llamafactory-cli train``) and v1 (``llamafactory.v1``).

Follows LLaMA-Factory main at commit ff6d4d12 (2026-08):

* **v0** passes its YAML to ``HfArgumentParser`` (``src/llamafactory/hparams/parser.py``): the
  training keys are transformers' ``Seq2SeqTrainingArguments``, and the Trainer builds the schedule
  (:mod:`.transformers` reads them, counting as the transformers release in use; without
  ``--library-version`` or an installed transformers, the newest release LLaMA-Factory's
  ``pyproject.toml`` allows: ``transformers>=4.55.0,<=5.8.0``). Its own keys (``stage``,
  ``finetuning_type``, ``template``, ``cutoff_len``, ...) do not touch the schedule; ``max_samples``
  and ``val_size`` change the training set's size, which ``--dataset-size`` gives; so does packing
  (``packing``, on by default for ``stage: pt`` at ``parser.py``'s ``data_args.packing = ... stage ==
  "pt"``, and ``neat_packing``), which makes the rows blocks of ``cutoff_len`` tokens
  (``data/processor/pretrain.py``). ``deepspeed:`` is
  opened by the Trainer from the directory it runs in (the repository root for the examples):
  warmupctl looks there first, then next to the YAML, and says which file it read.
* **v1** (``src/llamafactory/v1/core/base_trainer.py`` ``_init_lr_scheduler``): without
  ``lr_scheduler_config`` the LR is constant (``LambdaLR(lambda _: 1.0)``) at ``learning_rate`` for
  ``max_steps`` updates (or ``num_train_epochs`` × batches); with one, ``LRSchedulerPlugin(name)``,
  which registers no scheduler at ff6d4d12 (``v1/plugins/trainer_plugins/lr_scheduler.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import _kit as kit
from warmupctl.spec.configs import transformers as hf

V0_TITLE = "LLaMA-Factory config"
V1_TITLE = "LLaMA-Factory v1 config"
V0_MARKERS = frozenset({"stage", "finetuning_type", "template", "cutoff_len", "lora_target", "plot_loss",
                        "max_samples", "val_size", "dataset_dir", "overwrite_cache"})
V1_MARKERS = frozenset({"model_class", "dist_config", "train_dataset", "lr_scheduler_config", "optim_config",
                        "kernel_config", "batching_strategy", "mp_replicate_size", "mp_shard_size"})
#: The newest transformers LLaMA-Factory ff6d4d12 allows (pyproject.toml).
TRANSFORMERS_PIN = ("5.8.0", "the newest LLaMA-Factory ff6d4d12 allows (pyproject.toml: transformers<=5.8.0)")


def _v0(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    translation = hf._transformers(mapping, request, fallback=TRANSFORMERS_PIN, title=V0_TITLE,
                                   kind="llamafactory")
    extra = [f"{key} {kit.show(mapping[key])} changes the training set's size: --dataset-size is the rows "
             "left"
             for key in ("max_samples", "val_size") if mapping.get(key) is not None]
    packed = _packing(mapping)
    counted = not (mapping.get("max_steps") or 0) > 0 and request.overrides.get("total_steps") is None
    if packed and counted:
        extra.append(f"{packed}: the training rows are the packed sequences of up to cutoff_len tokens, not "
                     "the data set's rows: --dataset-size is their number")
    if extra:
        translation = replace(translation, notes=(*translation.notes, *extra))
    return translation


def _packing(mapping: Mapping[str, Any]) -> str | None:
    """Why the training set is packed (``parser.py``: ``packing`` defaults to ``stage == "pt"``;
    ``neat_packing`` turns it on), or None when it is not."""
    if mapping.get("neat_packing"):
        return "neat_packing packs the data"
    if mapping.get("packing") is not None:
        return "packing packs the data" if mapping["packing"] is True else None
    if mapping.get("stage") == "pt":
        return "stage pt packs the data (packing defaults to true for pt)"
    return None


def _v1(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    if mapping.get("lr_scheduler_config") is not None:
        raise SpecError("LLaMA-Factory v1 builds it with LRSchedulerPlugin, which registers no scheduler "
                        "at ff6d4d12", path="lr_scheduler_config", value=mapping["lr_scheduler_config"],
                        hint="without lr_scheduler_config the LR is constant; warmupctl does not guess a "
                             "plugin's schedule")
    if mapping.get("learning_rate") is None:
        raise SpecError("has no learning_rate", path="learning_rate", hint="LLaMA-Factory v1 requires it")
    lr = v.as_positive(request.overrides.get("lr", mapping["learning_rate"]), "learning_rate")
    total = request.overrides.get("total_steps") or mapping.get("max_steps")
    if not total:
        raise SpecError("the run is num_train_epochs × batches of the dataset", path="max_steps",
                        hint="pass --total-steps N (the LR is constant, so only the table's length is "
                             "missing), or add max_steps")
    total = v.as_count(total, "max_steps", minimum=1)
    notes = [f"{source} read as {V1_TITLE}: no lr_scheduler_config, so LambdaLR(lambda _: 1.0): a "
             f"constant {lr:g} for {total} updates (base_trainer.py _init_lr_scheduler)"]
    for key in ("warmup_steps", "warmup_ratio", "lr_scheduler_type", "min_lr"):
        if mapping.get(key) is not None:
            notes.append(f"{key} {kit.show(mapping[key])} is not a LLaMA-Factory v1 argument: it does "
                         "nothing")
    spec = {"schedule": "transformers.constant", "lr": lr,  # get_constant_schedule: LambdaLR(lambda _: 1)
            "args": {"num_training_steps": total}}
    origins = {"lr": kit.Origin(source, "learning_rate"),
               "args.num_training_steps": kit.Origin(source, "max_steps")}
    return kit.Translation("llamafactory_v1", V1_TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=request.given("lr", "total_steps"))


V0 = kit.register(kit.ConfigFormat(
    "llamafactory", V0_TITLE, kit.marker_claim(V0_MARKERS), _v0, markers=V0_MARKERS, shared=hf.SHARED,
    facts=("dataset_size", "devices"), outranks=("transformers",), overrides=hf.FORMAT_OVERRIDES,
    with_deepspeed=True,
))
V1 = kit.register(kit.ConfigFormat(
    "llamafactory_v1", V1_TITLE, kit.marker_claim(V1_MARKERS), _v1, markers=V1_MARKERS,
    shared=frozenset({"micro_batch_size"}), outranks=("transformers", "llamafactory"),
    overrides=("lr", "total_steps"),
))

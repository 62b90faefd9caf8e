"""torchtune recipe configs (``recipes/configs/**.yaml``), as the recipes count and step.

Follows torchtune commit bd2a0fc7 (2026-04), ``recipes/lora_finetune_single_device.py`` and the other
finetune recipes: the dataloader drops its last incomplete batch (``drop_last=True``, after a
distributed sampler that pads each of the ``--devices`` ranks to ``ceil(rows / devices)``);
``steps_per_epoch = len(dataloader) // gradient_accumulation_steps``, capped by
``max_steps_per_epoch``; the optimizer steps on ``(idx + 1) % gradient_accumulation_steps == 0`` (the
leftover micro-batches never step) and the loop stops at the cap; the scheduler
``lr_scheduler._component_`` is instantiated with ``num_training_steps = epochs × steps_per_epoch``
and stepped after each update, at ``optimizer.lr``. Without ``lr_scheduler`` the LR is constant.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import KEYS
from warmupctl.spec.configs import _kit as kit

TITLE = "torchtune recipe config"
COSINE = ("torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup",
          "torchtune.training.get_cosine_schedule_with_warmup",
          "torchtune.modules.get_cosine_schedule_with_warmup")


def _claim(mapping: Mapping[str, Any]) -> str | None:
    hits = [str(key) for key, value in mapping.items()
            if isinstance(value, Mapping) and str(value.get("_component_", "")).startswith("torchtune.")]
    return ", ".join(f"{key}._component_" for key in hits) if hits else None


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    optimizer = mapping.get("optimizer")
    if optimizer is None:
        # generation, evaluation and quantization recipes (recipes/configs/*_generation*.yaml,
        # eleuther_evaluation.yaml, quantization.yaml) build no optimizer: there is no schedule.
        raise SpecError("has no optimizer: the recipe trains nothing, so it has no LR schedule",
                        path="optimizer",
                        hint="give the training recipe's config (the one with optimizer: and epochs:)")
    if not isinstance(optimizer, Mapping) or optimizer.get("lr") is None:
        raise SpecError("the recipe's optimizer has no lr", path="optimizer.lr",
                        hint="torchtune instantiates optimizer._component_ with its lr; add it")
    lr = v.as_positive(request.overrides.get("lr", optimizer["lr"]), "optimizer.lr")
    if isinstance(mapping.get("dataset"), Mapping) and mapping["dataset"].get("packed"):
        raise SpecError("a packed dataset's rows are packs made from the tokenized data",
                        path="dataset.packed",
                        value=True, hint="warmupctl cannot count them from the config; no table rather than "
                                         "a guess")
    if mapping.get("epochs") is None:
        # the PPO recipes (recipes/configs/*/..._ppo_*.yaml) count num_steps and ppo_epochs their own
        # way (ppo_full_finetune_single_device.py); the epoch-based recipes all set epochs.
        own = [key for key in ("num_steps", "ppo_epochs") if key in mapping]
        raise SpecError("the recipe has no epochs" + (f": it counts its own steps ({', '.join(own)}), as "
                                                      "torchtune's PPO recipe does" if own else ""),
                        path="epochs", value=None,
                        hint="warmupctl reads the epoch-based recipes (finetune, LoRA, DPO, distillation); "
                             "no table rather than a guess")
    rows = request.facts.get("dataset_size")
    devices = request.facts.get("devices")
    if rows is None or devices is None:
        raise SpecError("the recipe counts updates from the dataset", path="epochs",
                        value=mapping.get("epochs"),
                        hint="pass --dataset-size N (rows of the dataset) and --devices N (1 for the "
                             "single-device recipes)")
    batch = v.as_count(mapping.get("batch_size"), "batch_size", minimum=1)
    accum = v.as_count(mapping.get("gradient_accumulation_steps", 1),
                       "gradient_accumulation_steps", minimum=1)
    epochs = v.as_count(mapping.get("epochs"), "epochs", minimum=1)
    per_rank = -(-rows // devices)
    batches = per_rank // batch
    steps = batches // accum
    how = f"{epochs} epochs × ({per_rank} rows per rank // batch {batch} = {batches} batches) // {accum}"
    cap = mapping.get("max_steps_per_epoch")
    if cap is not None and v.as_count(cap, "max_steps_per_epoch", minimum=1) < steps:
        steps = int(cap)
        how += f", capped by max_steps_per_epoch {cap}"
    n = epochs * steps
    if n < 1:
        raise SpecError("gives no update: an epoch has fewer batches than one accumulation",
                        path="batch_size",
                        value=batch, hint="torchtune's dataloader drops the last incomplete batch")
    notes = [f"{source} read as {TITLE}: {n} updates ({how})"]
    scheduler = mapping.get("lr_scheduler")
    origins = {"lr": kit.Origin(source, "optimizer.lr")}
    if scheduler is None:
        notes.append("no lr_scheduler: a constant optimizer.lr")
        spec: dict[str, Any] = {"schedule": "transformers.constant", "lr": lr,
                                "args": {"num_training_steps": n}}
    else:
        scheduler = v.as_mapping(scheduler, "lr_scheduler")
        component = scheduler.get("_component_")
        if component not in COSINE:
            raise SpecError("is not a scheduler warmupctl reads", path="lr_scheduler._component_",
                            value=component,
                            hint="warmupctl reads torchtune.training.lr_schedulers."
                                 "get_cosine_schedule_with_warmup")
        args = {key: val for key, val in scheduler.items() if key != "_component_"}
        unknown = sorted(set(args) - {"num_warmup_steps", "num_cycles"})
        if unknown:
            raise SpecError("is not an argument of get_cosine_schedule_with_warmup",
                            path=f"lr_scheduler.{unknown[0]}",
                            value=args[unknown[0]], hint="it takes num_warmup_steps and num_cycles")
        spec = {"schedule": "torchtune.get_cosine_schedule_with_warmup", "lr": lr,
                "args": {**args, "num_training_steps": n}}
        origins["args.num_warmup_steps"] = kit.Origin(source, "lr_scheduler.num_warmup_steps")
        notes.append(f"lr_scheduler {kit.show(args)} with num_training_steps {n}")
    return kit.Translation("torchtune", TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=request.given("lr"))


FORMAT = kit.register(kit.ConfigFormat(
    "torchtune", TITLE, _claim, _translate, shared=frozenset(KEYS), facts=("dataset_size", "devices"),
    outranks=("transformers", "deepspeed", "megatron", "timm"), overrides=("lr",),
    refusals=MappingProxyType({"total_steps": "torchtune's run is epochs × steps per epoch: set epochs or "
                                              "max_steps_per_epoch"}),
))

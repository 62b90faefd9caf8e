"""open-instruct training configs (``open_instruct/finetune.py`` and ``dpo_tune_cache.py``).

Follows open-instruct main at commit e6c3044a (2026-08). Both scripts run their own accelerate loop:

* the scheduler is transformers' ``get_scheduler(lr_scheduler_type, num_warmup_steps=int(N ×
  warmup_ratio), num_training_steps=N)`` (``finetune.py`` ``_create_scheduler``; the DPO script calls it
  directly), built BEFORE ``accelerator.prepare`` from the whole dataloader:
  ``N = epochs × ceil(ceil(rows / per_device_train_batch_size) / gradient_accumulation_steps)``
  (``num_train_epochs`` in finetune.py, default 2; ``num_epochs`` in the DPO script, default 1), or
  ``max_train_steps × num_processes`` when ``max_train_steps`` is given;
* ``accelerator.prepare`` wraps it in accelerate's ``AcceleratedScheduler``, which steps it once per
  process per update (:mod:`warmupctl.frameworks.accelerate`): update k runs at its step
  ``k × processes``; the run has ``epochs × ceil(ceil(ceil(rows / batch) / processes) / accumulation)``
  updates (or ``max_train_steps``).

Defaults (finetune.py ``FlatArguments``; DPO ``olmo_core_utils.TrainingConfig``): learning_rate 2e-5,
lr_scheduler_type linear, per_device_train_batch_size 8, gradient_accumulation_steps 1, warmup_ratio
0.03 (finetune) or 0.1 (DPO).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import _kit as kit

TITLE = "open-instruct config"
MARKERS = frozenset({"dataset_mixer", "dataset_mixer_list", "dataset_mixer_list_splits", "reduce_loss",
                     "try_launch_beaker_eval_jobs", "use_slow_tokenizer", "dataset_transform_fn",
                     "final_lr_ratio", "use_flash_attn", "dpo_beta", "dpo_loss_type", "hf_metadata_dataset",
                     "keep_last_n_checkpoints", "max_train_samples", "with_tracking"})
#: TrainingArguments keys open-instruct's arguments (finetune.py, dpo_tune_cache.py at e6c3044a) lack;
#: alignment-handbook's recipes pair them with ``dataset_mixer``, which its DataArguments had too.
_TRAINER_ONLY = frozenset({"dataset_splits", "eval_strategy", "evaluation_strategy", "save_strategy",
                           "per_device_eval_batch_size", "optim"})
_markers = kit.marker_claim(MARKERS)


def _claim(mapping: Mapping[str, Any]) -> str | None:
    """open-instruct's markers, except ``dataset_mixer`` alone beside TrainingArguments-only keys (an
    alignment-handbook recipe, run by TRL's Trainer)."""
    hits = _markers(mapping)
    if hits == "dataset_mixer" and any(key in mapping for key in _TRAINER_ONLY):
        return None
    return hits


#: The scheduler types finetune.py's argument parser accepts.
CHOICES = ("linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup")


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    raw = dict(mapping)
    source = request.source
    dpo = "num_epochs" in raw or any(str(key).startswith("dpo_") for key in raw)
    script = "dpo_tune_cache.py" if dpo else "finetune.py"
    for key in ("sequence_parallel_size",):
        if raw.get(key) not in (None, 1):
            raise SpecError("rebuilds the scheduler per micro-batch after prepare", path=key, value=raw[key],
                            hint="warmupctl does not model open-instruct's sequence parallelism")
    if raw.get("final_lr_ratio") is not None:
        raise SpecError("stretches the linear schedule to a fractional num_training_steps",
                        path="final_lr_ratio", value=raw["final_lr_ratio"],
                        hint="warmupctl's transformers.linear takes whole updates; no table rather than a "
                             "rounded one")
    lr = v.as_positive(request.overrides.get("lr", raw.get("learning_rate", 2e-5)), "learning_rate")
    name = v.as_str(raw.get("lr_scheduler_type", "linear"), "lr_scheduler_type")
    if name not in CHOICES or name not in kit.library_names("transformers"):
        raise SpecError(f"{script} accepts only {', '.join(CHOICES)}", path="lr_scheduler_type", value=name)
    batch = v.as_count(raw.get("per_device_train_batch_size", 8), "per_device_train_batch_size", minimum=1)
    accum = v.as_count(raw.get("gradient_accumulation_steps", 1), "gradient_accumulation_steps", minimum=1)
    ratio = v.as_fraction(raw.get("warmup_ratio", 0.1 if dpo else 0.03), "warmup_ratio")
    processes = request.facts.get("devices")
    if processes is None:
        raise SpecError("accelerate steps the scheduler once per process per update", path="warmup_ratio",
                        hint="pass --devices N (the processes accelerate launches; 1 for one GPU)")
    notes = [f"{source} read as {TITLE} ({script}: num_epochs)" if dpo else
             f"{source} read as {TITLE} ({script}: num_train_epochs)"]
    total_flag = request.overrides.get("total_steps")
    steps = total_flag if total_flag is not None else raw.get("max_train_steps")
    if steps is not None:
        key = "--total-steps" if total_flag is not None else "max_train_steps"
        updates = v.as_count(steps, key, minimum=1)
        n = updates * processes
        how = f"max_train_steps {updates} × {processes} processes"
        if total_flag is not None:
            notes.append(f"--total-steps {updates} is max_train_steps")
    else:
        rows = request.facts.get("dataset_size") or raw.get("dataset_size")
        if rows is None:
            raise SpecError("the run is epochs of the dataset",
                            path="num_epochs" if dpo else "num_train_epochs",
                            hint="pass --dataset-size N (training rows after max_train_samples) or "
                                 "--total-steps N (max_train_steps)")
        rows = v.as_count(rows, "--dataset-size", minimum=1)
        epoch_key = "num_epochs" if dpo else "num_train_epochs"
        epochs = v.as_count(raw.get(epoch_key, 1 if dpo else 2), epoch_key, minimum=1)
        batches = math.ceil(rows / batch)
        n = epochs * math.ceil(batches / accum)
        updates = epochs * math.ceil(math.ceil(batches / processes) / accum)
        how = (f"{epoch_key} {epochs} × ceil({batches} batches of {batch} / accumulation {accum}), from the "
               "whole dataloader before prepare")
        notes.append(f"the run has {updates} updates: {epochs} × ceil(ceil({batches} / {processes} "
                     f"processes) / {accum})")
    w = int(n * ratio)
    notes.append(f"get_scheduler({name}, num_warmup_steps=int({n} × {ratio:g}) = {w}, num_training_steps={n} "
                 f"({how}))")
    inner: dict[str, Any] = {"schedule": f"transformers.{name}", "lr": lr,
                             "args": {"num_warmup_steps": w, "num_training_steps": n}}
    if name == "constant":
        del inner["args"]["num_warmup_steps"]
    spec: dict[str, Any] = {"schedule": "accelerate.AcceleratedScheduler", "lr": lr,
                            "args": {"scheduler": inner, "num_processes": processes}, "total_steps": updates}
    origins = {"lr": kit.Origin(source, "learning_rate"),
               "args.scheduler": kit.Origin(source, "lr_scheduler_type")}
    return kit.Translation("open_instruct", TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=request.given("lr", "total_steps"))


FORMAT = kit.register(kit.ConfigFormat(
    "open_instruct", TITLE, _claim, _translate, markers=MARKERS,
    shared=frozenset({"warmup_ratio", "dataset_size"}), facts=("dataset_size", "devices"),
    outranks=("transformers",), overrides=("lr", "total_steps"),
))

"""axolotl YAML: the run length axolotl computes, its warmup rule and the scheduler it builds.

Follows axolotl main at commit 067b021c (2026-07):

* batch (``utils/config/__init__.py`` ``normalize_config``): ``batch_size = micro_batch_size ×
  gradient_accumulation_steps`` (or the deprecated ``batch_size``, from which the accumulation is
  ``batch_size // micro_batch_size``), times the processes (``WORLD_SIZE`` ÷ context- and
  tensor-parallel sizes) when there are several. Defaults: micro_batch_size 1, accumulation 1,
  num_epochs 1.0, lr_scheduler cosine (``utils/schemas``).
* run length (``utils/trainer.py`` ``calculate_total_num_steps``): without packing
  ``ceil(len(train_dataset) × num_epochs / batch_size)``; ``utils/data/sft.py`` takes
  ``min(that, max_steps)`` and logs "Maximum number of steps set at N". With ``sample_packing`` the
  count comes from packing the tokenized lengths (``MultipackBatchSampler``): not knowable from the
  YAML, so ``--total-steps`` (that log line's N) is required. ``core/builders/base.py`` hands the
  Trainer ``max_steps = cfg.max_steps or total_num_steps``.
* warmup (``_configure_warmup_and_logging``): ``warmup_steps`` if set; else
  ``int(warmup_ratio × total_num_steps)``; else ``min(int(0.03 × total_num_steps), 100)``; a warmup of
  1 becomes 2.
* scheduler (``core/trainers/mixins/scheduler.py`` ``create_scheduler``): ``one_cycle`` is torch's
  ``OneCycleLR(max_lr=learning_rate, total_steps=N, pct_start=W/N, anneal_strategy="cos",
  **lr_scheduler_kwargs)``; ``rex`` is ``RexLR(max_lr, min_lr = learning_rate × cosine_min_lr_ratio or
  0)``; ``cosine`` with ``lr_quadratic_warmup`` or ``cosine_min_lr_ratio`` (and
  ``cosine_constant_lr_ratio``) axolotl's own (:mod:`warmupctl.frameworks.axolotl`); any other name is
  transformers' ``get_scheduler`` with ``lr_scheduler_kwargs``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import _kit as kit
from warmupctl.spec.configs import transformers as hf
from warmupctl.spec.configs.deepspeed import TITLE as DS_TITLE
from warmupctl.spec.configs.deepspeed import DeepSpeedConfig, block_of, locate_file
from warmupctl.spec.load import load_mapping

TITLE = "axolotl config"
#: Keys only axolotl's YAML has; any one claims the file.
MARKERS = frozenset({"base_model", "sequence_len", "sample_packing", "cosine_min_lr_ratio",
                     "cosine_constant_lr_ratio", "lr_quadratic_warmup", "pad_to_sequence_len",
                     "val_set_size", "lora_target_linear", "eval_sample_packing", "pretraining_dataset"})
#: warmupctl's own keys that axolotl uses too.
SHARED = frozenset({"micro_batch_size", "warmup_steps", "warmup_ratio", "dataset_size"})
#: Keys that change per-group LRs or the scheduler in ways the table (the base LR) does not show.
_GROUP_KEYS = ("lr_groups", "loraplus_lr_ratio", "loraplus_lr_embedding", "embedding_lr",
               "embedding_lr_scale", "lr_embedding")
#: axolotl's bundled DeepSpeed configs (deepspeed_configs/*.json at 067b021c): none has a scheduler block.
_BUNDLED_DEEPSPEED = "deepspeed_configs/"


def _claim(mapping: Mapping[str, Any]) -> str | None:
    hits = [str(key) for key in mapping if str(key) in MARKERS]
    return ", ".join(hits) if hits else None


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    raw = dict(mapping)
    source = request.source
    notes: list[str] = []

    def at(key: str, **extra: Any) -> kit.Origin:
        return kit.Origin(source, key, **extra)

    for key in ("jagged_restart_steps", "relora_steps"):
        if raw.get(key):
            raise SpecError("restarts the schedule in a way warmupctl does not model", path=key,
                            value=raw[key],
                            hint="axolotl wraps its scheduler (JaggedLRRestartScheduler/ReLoRA); no table is "
                                 "given rather than a wrong one")
    if raw.get("learning_rate") is None:
        raise SpecError("axolotl requires learning_rate", path="learning_rate",
                        hint="e.g. learning_rate: 2e-5")
    lr = v.as_positive(request.overrides.get("lr", raw["learning_rate"]), "learning_rate")
    n, base, n_how = _total_steps(raw, request, notes)
    w = _warmup(raw, base, notes)
    ds = _deepspeed(raw, request, notes)
    for key in _GROUP_KEYS:
        if raw.get(key) is not None:
            notes.append(f"{key} {kit.show(raw[key])} gives some parameters another LR: the table shows "
                         "learning_rate's group")
    origins = {"lr": at("learning_rate"), "args": at("lr_scheduler_kwargs"), "schedule": at("lr_scheduler")}
    title = TITLE
    if ds is not None and ds.block is not None:
        spec = _with_deepspeed_scheduler(raw, request, ds, lr, n, w, notes, origins)
        scheduler = f"{raw.get('lr_scheduler') or 'cosine'} (not used)"
        title = f"{TITLE} + {DS_TITLE}"
    else:
        spec, scheduler = _scheduler(raw, lr, n, w, notes)
    notes.insert(0, f"{source} read as {title}: lr_scheduler {scheduler} -> {spec['schedule']}; "
                    f"{n} updates ({n_how}), warmup {w}")
    return kit.Translation("axolotl", title, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=request.given("lr", "total_steps"))


def _micro_and_accumulation(raw: Mapping[str, Any]) -> tuple[int, int, int]:
    """``(micro_batch_size, gradient_accumulation_steps, batch per process)`` as normalize_config
    derives them (the deprecated ``batch_size`` gives the accumulation when it is not set)."""
    micro = _count(raw, "micro_batch_size", 1)
    if raw.get("gradient_accumulation_steps") is None and raw.get("batch_size") is not None:
        batch = v.as_count(raw["batch_size"], "batch_size", minimum=1)
        return micro, batch // micro, batch
    accum = _count(raw, "gradient_accumulation_steps", 1)
    return micro, accum, micro * accum


def _count(raw: Mapping[str, Any], key: str, default: int) -> int:
    value = raw.get(key)
    return default if value is None else v.as_count(value, key, minimum=1)


def _total_steps(raw: Mapping[str, Any], request: kit.Request,
                 notes: list[str]) -> tuple[int, int | None, str]:
    """``(N, total_num_steps, how)``: the Trainer's ``max_steps`` N, and the count axolotl derives the
    warmup from (``min(its count, max_steps)``; None when the dataset's size is unknown)."""
    flag = request.overrides.get("total_steps")
    max_steps = raw.get("max_steps")
    max_steps = v.as_count(max_steps, "max_steps", minimum=1) if max_steps else None
    if flag is not None:
        n = v.as_count(flag, "--total-steps", minimum=1)
        if max_steps is not None:
            notes.append(f"--total-steps {n} is axolotl's total_num_steps (its log line \"Maximum number of "
                         f"steps set at N\"), the warmup's base; the Trainer runs max_steps {max_steps}")
            return max_steps, n, "max_steps"
        notes.append(f"--total-steps {n} is axolotl's total_num_steps (its log line \"Maximum number of "
                     f"steps set at N\"); the Trainer gets max_steps {n}")
        return n, n, "--total-steps"
    if raw.get("sample_packing"):
        if max_steps is not None:
            raise SpecError("with sample_packing axolotl counts updates by packing the tokenized data",
                            path="sample_packing", value=raw["sample_packing"],
                            hint="pass --total-steps N: the N of axolotl's log line \"Maximum number of "
                                 "steps set at N\" (min(packed count, max_steps))")
        raise SpecError("with sample_packing axolotl counts updates by packing the tokenized data",
                        path="sample_packing", value=raw["sample_packing"],
                        hint="pass --total-steps N: the N of axolotl's log line \"Maximum number of steps "
                             "set at N\" (axolotl preprocess prints it too)")
    dataset = request.facts.get("dataset_size") or raw.get("dataset_size")
    if dataset is None:
        if max_steps is not None:
            return max_steps, None, "max_steps"
        if raw.get("pretraining_dataset"):
            raise SpecError("a streamed pretraining dataset needs max_steps", path="pretraining_dataset",
                            hint="axolotl runs max_steps updates over a streamed dataset; add max_steps")
        raise SpecError("axolotl counts updates from the dataset's size", path="num_epochs",
                        value=raw.get("num_epochs", 1.0),
                        hint="pass --dataset-size N (rows after axolotl's preprocessing) and --devices N, or "
                             "--total-steps N from axolotl's log line \"Maximum number of steps set at N\"")
    dataset = v.as_count(dataset, "--dataset-size", minimum=1)
    if raw.get("val_set_size"):  # the eval split is taken before the training rows are counted
        notes.append(f"val_set_size {kit.show(raw['val_set_size'])} changes the training set's size: "
                     "--dataset-size is the rows left")
    micro, accum, batch = _micro_and_accumulation(raw)
    devices = request.facts.get("devices")
    if devices is None:
        raise SpecError("axolotl's batch counts every process", path="micro_batch_size", value=micro,
                        hint="pass --devices N (the WORLD_SIZE axolotl runs with; 1 for one GPU)")
    parallel = _count(raw, "context_parallel_size", 1) * _count(raw, "tensor_parallel_size", 1)
    processes = devices // parallel if devices != 1 else 1
    batch *= processes
    epochs = v.as_positive(raw.get("num_epochs", 1.0), "num_epochs")
    counted = int(math.ceil(dataset * epochs / batch))
    how = (f"ceil({dataset} rows × num_epochs {epochs:g} / batch {batch} = micro_batch_size {micro} × "
           f"accumulation {accum} × {processes} processes)")
    if max_steps is not None and max_steps < counted:
        notes.append(f"max_steps {max_steps} is shorter than the {counted} updates of {how}")
        return max_steps, max_steps, "max_steps"
    if max_steps is not None:
        notes.append(f"the warmup comes from {counted} updates ({how}); the Trainer runs max_steps "
                     f"{max_steps}")
        return max_steps, counted, "max_steps"
    return counted, counted, how


def _warmup(raw: Mapping[str, Any], n: int | None, notes: list[str]) -> int:
    if raw.get("warmup_steps") is not None:
        w = v.as_count(raw["warmup_steps"], "warmup_steps")
        how = "warmup_steps"
    elif n is None:
        key = "warmup_ratio" if raw.get("warmup_ratio") is not None else "max_steps"
        raise SpecError("axolotl takes the warmup from min(its own count, max_steps), which needs the "
                        "dataset's size", path=key, value=raw.get(key),
                        hint="pass --dataset-size N and --devices N, or --total-steps N from axolotl's log "
                             "line \"Maximum number of steps set at N\"")
    elif raw.get("warmup_ratio") is not None:
        ratio = v.as_fraction(raw["warmup_ratio"], "warmup_ratio")
        w = max(int(ratio * n), 0)
        how = f"int(warmup_ratio {ratio:g} × {n})"
    else:
        w = min(int(0.03 * n), 100)
        how = f"axolotl's default min(int(0.03 × {n}), 100)"
    if w == 1:
        notes.append("a warmup of 1 update becomes 2 (axolotl)")
        w = 2
    notes.append(f"warmup {w}: {how}")
    return w


def _deepspeed(raw: Mapping[str, Any], request: kit.Request, notes: list[str]) -> DeepSpeedConfig | None:
    """The DeepSpeed config axolotl hands the Trainer (``deepspeed:`` or ``--deepspeed``), or None."""
    named = request.deepspeed or raw.get("deepspeed")
    if not named:
        return None
    if isinstance(named, Mapping):
        config = block_of(named, request.source, "deepspeed.")
    else:
        text = v.as_str(named, "deepspeed")
        try:
            where = request.deepspeed or locate_file(text, request.path, request.source, "deepspeed",
                                                     "DeepSpeed config", notes)
        except SpecError:
            if text.startswith(_BUNDLED_DEEPSPEED) and request.deepspeed is None:
                notes.append(f"deepspeed: {text} is one of axolotl's bundled configs, which have no "
                             "scheduler block: axolotl's scheduler runs")
                return None
            raise
        config = block_of(load_mapping(where)[1], where, "")
    if config.block is None:
        notes.append(f"{config.name} has no scheduler block: axolotl's lr_scheduler runs")
    return config


def _with_deepspeed_scheduler(raw: Mapping[str, Any], request: kit.Request, ds: DeepSpeedConfig, lr: float,
                              n: int, w: int, notes: list[str],
                              origins: dict[str, kit.Origin]) -> dict[str, Any]:
    """DeepSpeed's scheduler, as the Trainer axolotl builds ends up with it.

    axolotl passes ``deepspeed`` to TrainingArguments with ``learning_rate``, ``per_device_train_batch_size
    = micro_batch_size``, ``gradient_accumulation_steps``, ``warmup_steps = W`` and ``max_steps = N``; the
    transformers DeepSpeed integration then fills the config's "auto" values from them and, because the
    config has a scheduler block, builds DeepSpeed's scheduler instead of the Trainer's (axolotl's
    ``create_scheduler`` never runs): the rule of :mod:`warmupctl.spec.configs.transformers`.
    """
    micro, accum, _ = _micro_and_accumulation(raw)
    name = v.as_str(raw.get("lr_scheduler") or "cosine", "lr_scheduler")
    kwargs = dict(v.as_mapping(raw.get("lr_scheduler_kwargs") or {}, "lr_scheduler_kwargs"))
    trainer = hf.trainer_arguments(lr=lr, scheduler=name, kwargs=kwargs, max_steps=n, per_device=micro,
                                   grad_accum=accum, world=request.facts.get("devices"))
    trainer = hf.batch_against_deepspeed(trainer, ds, notes)
    spec = hf.deepspeed_with_trainer(ds, trainer, hf.optimizer_lr(ds, trainer), n, w, notes, origins)
    ignored = [key for key in ("cosine_min_lr_ratio", "cosine_constant_lr_ratio", "lr_quadratic_warmup")
               if raw.get(key) is not None]
    notes.append("axolotl hands deepspeed: to the Trainer, so DeepSpeed's scheduler is used (warmup_steps "
                 f"{w} and max_steps {n} as axolotl computes them fill its \"auto\" values)"
                 + (f"; {', '.join(ignored)} of axolotl's own cosine do not apply" if ignored else ""))
    return spec


def _scheduler(raw: Mapping[str, Any], lr: float, n: int, w: int,
               notes: list[str]) -> tuple[dict[str, Any], str]:
    name = v.as_str(raw.get("lr_scheduler") or "cosine", "lr_scheduler")
    kwargs = dict(v.as_mapping(raw.get("lr_scheduler_kwargs") or {}, "lr_scheduler_kwargs"))
    min_ratio = raw.get("cosine_min_lr_ratio")
    constant = raw.get("cosine_constant_lr_ratio")
    if name == "one_cycle":
        args = {"max_lr": lr, "total_steps": n, "pct_start": w / n, "anneal_strategy": "cos", **kwargs}
        return {"schedule": "torch.OneCycleLR", "lr": lr, "args": args}, name
    if name == "rex":
        floor = lr * v.as_fraction(min_ratio, "cosine_min_lr_ratio") if min_ratio is not None else 0.0
        return {"schedule": "axolotl.rex", "lr": lr, "args": {"max_lr": lr, "min_lr": floor, "total_steps": n,
                                                              "num_warmup_steps": w}}, name
    own = None
    if name == "cosine" and raw.get("lr_quadratic_warmup") is True:
        own = ("axolotl.cosine_with_quadratic_warmup", {})
        if min_ratio is not None:
            notes.append("lr_quadratic_warmup wins over cosine_min_lr_ratio (axolotl warns and uses the "
                         "quadratic warmup)")
    elif name == "cosine" and min_ratio and constant:
        own = ("axolotl.cosine_with_warmup_decay_constant",
               {"min_lr_ratio": v.as_fraction(min_ratio, "cosine_min_lr_ratio"),
                "constant_lr_ratio": v.as_fraction(constant, "cosine_constant_lr_ratio")})
    elif name == "cosine" and min_ratio:
        own = ("axolotl.cosine_with_min_lr",
               {"min_lr_ratio": v.as_fraction(min_ratio, "cosine_min_lr_ratio")})
    if own is not None:
        if kwargs:
            notes.append(f"lr_scheduler_kwargs {kit.show(kwargs)} are not used by {own[0]}")
        return {"schedule": own[0], "lr": lr,
                "args": {"num_warmup_steps": w, "num_training_steps": n, **own[1]}}, name
    if min_ratio is not None or constant is not None:
        notes.append(f"cosine_min_lr_ratio/cosine_constant_lr_ratio are used only with lr_scheduler cosine "
                     f"(or rex); {name} ignores them")
    names = kit.library_names("transformers")
    if name not in names:
        raise SpecError("unknown lr_scheduler", path="lr_scheduler", value=name,
                        hint=v.did_you_mean(name, [*names, "one_cycle", "rex"])
                        or v.one_of([*names, "one_cycle", "rex"]))
    args: dict[str, Any] = {"num_warmup_steps": w, "num_training_steps": n}
    if name in ("constant",):
        args.pop("num_warmup_steps")
        if w:
            notes.append(f"warmup {w} is not used: transformers' get_scheduler builds constant without one")
    if kwargs and name in ("constant", "constant_with_warmup", "inverse_sqrt"):
        notes.append(f"lr_scheduler_kwargs {kit.show(kwargs)} are not used: get_scheduler passes none "
                     f"to {name}")
    else:
        args.update(kwargs)
    return {"schedule": f"transformers.{name}", "lr": lr, "args": args}, name


FORMAT = kit.register(kit.ConfigFormat(
    "axolotl", TITLE, _claim, _translate, markers=MARKERS, shared=SHARED, facts=("dataset_size", "devices"),
    outranks=("transformers", "deepspeed"), overrides=("lr", "total_steps"), with_deepspeed=True,
    refusals=MappingProxyType({"warmup_steps": "set warmup_steps in the axolotl config"}),
))

"""timm ``args.yaml`` (what ``train.py`` saves: its argparse namespace).

With ``train.py``'s defaults for what is left out: ``create_scheduler_v2(**scheduler_kwargs(args),
updates_per_epoch=ceil(len(loader_train) / grad_accum_steps))`` at ``lr``, or at
``lr_base × (global batch / lr_base_size)`` (square root for ada*/lamb optimizers) when ``lr`` is
unset. ``len(loader_train)`` needs ``dataset_size`` (and ``world_size``): the training loader drops
its last incomplete batch (timm 1.0 ``train.py``, ``data/loader.py``, ``scheduler/scheduler_factory.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import steps as arithmetic
from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import _kit as kit

TITLE = "timm args.yaml"
MARKERS = frozenset({"sched", "lr_base", "lr_base_size", "lr_base_scale", "sched_on_updates", "warmup_lr",
                     "cooldown_epochs", "lr_cycle_mul", "lr_cycle_decay", "lr_cycle_limit", "lr_k_decay",
                     "lr_noise", "decay_milestones", "patience_epochs", "grad_accum_steps"})
#: warmupctl's own keys that are train.py arguments too.
SHARED = frozenset({"lr", "epochs", "min_lr", "warmup_epochs", "decay_epochs", "dataset_size"})

#: timm 1.0 ``train.py`` argparse defaults of what the schedule reads (args.yaml saves every one).
TIMM_DEFAULTS: dict[str, Any] = {
    "sched": "cosine", "sched_on_updates": False, "lr": None, "lr_base": 0.1, "lr_base_size": 256,
    "lr_base_scale": "", "lr_noise": None, "lr_noise_pct": 0.67, "lr_noise_std": 1.0,
    "lr_cycle_mul": 1.0, "lr_cycle_decay": 0.5, "lr_cycle_limit": 1, "lr_k_decay": 1.0,
    "warmup_lr": 1e-5, "min_lr": 0.0, "epochs": 300, "decay_milestones": [90, 180, 270],
    # None lets create_scheduler_v2 pick 90 (step) or 0.2 (wsd, rsqrt); train.py's args.yaml has a value.
    "decay_epochs": None, "warmup_epochs": 5, "warmup_prefix": False, "cooldown_epochs": 0,
    "patience_epochs": 10, "decay_rate": 0.1, "batch_size": 128, "grad_accum_steps": 1, "opt": "sgd",
    "seed": 42, "lr_decay_fn": None, "lr_stable_timescale": None, "start_epoch": None,
}

#: ``create_scheduler_v2`` keyword <- args.yaml key (``scheduler_kwargs`` in scheduler_factory.py).
TIMM_ARGS: dict[str, str] = {
    "sched": "sched", "num_epochs": "epochs", "decay_epochs": "decay_epochs",
    "decay_milestones": "decay_milestones", "warmup_epochs": "warmup_epochs",
    "cooldown_epochs": "cooldown_epochs", "patience_epochs": "patience_epochs",
    "decay_rate": "decay_rate", "min_lr": "min_lr", "warmup_lr": "warmup_lr",
    "warmup_prefix": "warmup_prefix", "noise": "lr_noise", "noise_pct": "lr_noise_pct",
    "noise_std": "lr_noise_std", "noise_seed": "seed", "cycle_mul": "lr_cycle_mul",
    "cycle_decay": "lr_cycle_decay", "cycle_limit": "lr_cycle_limit", "k_decay": "lr_k_decay",
    "decay_fn": "lr_decay_fn", "stable_timescale": "lr_stable_timescale",
}


def _timm(raw_mapping: Mapping[str, Any], source: str, facts: Mapping[str, int]) -> kit.Translation:
    given, spelled = kit.unique_keys(raw_mapping, source)
    raw = {**TIMM_DEFAULTS, **{k: x for k, x in given.items() if x is not None or k in ("lr",)}}
    notes: list[str] = []

    def at(key: str, **extra: Any) -> kit.Origin:
        if key.startswith("--"):
            return kit.Origin("command line", key, **extra)
        return kit.Origin(source, spelled.get(key, key), **extra)

    batch = v.as_count(raw["batch_size"], "batch_size", minimum=1)
    accum = max(1, v.as_int(raw["grad_accum_steps"], "grad_accum_steps"))  # train.py: max(1, ...)
    world, _ = kit.one_of(given, ("world_size",), "processes (GPUs) training together")
    if "devices" in facts:
        world = facts["devices"]
    upe, upe_key = _timm_updates_per_epoch(given, facts, batch, accum, world, notes)

    lr, lr_key = _timm_lr(raw, batch, accum, world, notes)
    args = {name: raw[key] for name, key in TIMM_ARGS.items()}
    args["step_on_epochs"] = not v.as_bool(raw["sched_on_updates"], "sched_on_updates")
    args["updates_per_epoch"] = upe
    start = raw.get("start_epoch")
    if start:
        notes.append(f"start_epoch {start} is not replayed: the table starts at the run's first update")
    origins = {"lr": at(lr_key), "args.updates_per_epoch": at(upe_key),
               "args.step_on_epochs": at("sched_on_updates"), "args": kit.Origin(source, "")}
    for name, key in TIMM_ARGS.items():
        origins[f"args.{name}"] = at(key)
    spec = {"schedule": "timm.create_scheduler_v2", "lr": lr, "args": args}
    notes.insert(0, f"{source} read as {TITLE}: create_scheduler_v2(sched={raw['sched']})")
    return kit.Translation("timm", TITLE, source, spec, tuple(notes), MappingProxyType(origins))


def _timm_updates_per_epoch(given: Mapping[str, Any], facts: Mapping[str, int], batch: int, accum: int,
                            world: int | None, notes: list[str]) -> tuple[int, str]:
    """``(len(loader_train) + grad_accum_steps - 1) // grad_accum_steps`` (timm 1.0 train.py)."""
    if given.get("updates_per_epoch") is not None and "dataset_size" not in facts:
        return v.as_count(given["updates_per_epoch"], "updates_per_epoch", minimum=1), "updates_per_epoch"
    dataset, key = kit.one_of(given, ("dataset_size",), "samples in one epoch")
    if "dataset_size" in facts:
        dataset, key = facts["dataset_size"], "--dataset-size"
    if dataset is None:
        raise SpecError("timm places each epoch's LR on updates: the run needs its dataset size",
                        path="dataset_size",
                        hint="add dataset_size (training samples per epoch; with batch_size, world_size "
                             "and grad_accum_steps) or updates_per_epoch, or pass --dataset-size N")
    assert key is not None
    # The training loader drops its last incomplete batch (create_loader: drop_last=is_training), after
    # a DistributedSampler that pads each process to ceil(N / world) samples.
    facts_ = arithmetic.BatchFacts(micro_batch_size=batch, devices=world or 1, grad_accum=accum,
                                   dataset_size=dataset, drop_last=True)
    batches = arithmetic.sampled_batches(facts_)
    upe = arithmetic.ceil_div(batches, accum)
    if upe < 1:
        raise SpecError("gives no update: an epoch has no full batch", path=key, value=dataset,
                        hint=f"timm's training loader drops the last incomplete batch of {batch}")
    where = f" on {world} processes" if world and world > 1 else ""
    notes.append(f"updates_per_epoch {upe}: dataset_size {dataset}{where} in batches of {batch} is "
                 f"{batches} batches per process (timm's training loader drops the last incomplete "
                 f"one), ÷ grad_accum_steps {accum} rounded up")
    if world is None:
        notes.append("world_size not given: one process assumed (add world_size, or --devices N)")
    return upe, key


def _timm_lr(raw: Mapping[str, Any], batch: int, accum: int, world: int | None,
             notes: list[str]) -> tuple[float, str]:
    """``args.lr``, or train.py's ``lr_base`` scaled by the global batch when it is unset (or 0)."""
    if raw.get("lr"):
        return v.as_positive(raw["lr"], "lr"), "lr"
    base = v.as_positive(raw["lr_base"], "lr_base")
    size = v.as_count(raw["lr_base_size"], "lr_base_size", minimum=1)
    scale = raw.get("lr_base_scale") or ""
    if not scale:
        optimizer = v.as_str(raw.get("opt") or "sgd", "opt").lower()
        scale = "sqrt" if any(o in optimizer for o in ("ada", "lamb")) else "linear"
    scale = v.as_choice(scale, "lr_base_scale", ("linear", "sqrt"))
    global_batch = batch * (world or 1) * accum
    ratio = global_batch / size
    if scale == "sqrt":
        ratio = ratio**0.5
    lr = base * ratio
    notes.append(f"lr {lr:.6g} = lr_base {kit.number(base)} × ({global_batch} / lr_base_size {size})"
                 f"{'^0.5' if scale == 'sqrt' else ''}: train.py scales lr_base by the global batch "
                 f"(batch_size × world_size × grad_accum_steps, {scale}) when lr is unset")
    return lr, "lr_base"



def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    translation = _timm(mapping, request.source, request.facts)
    lr = request.overrides.get("lr")
    if lr is None:
        return translation
    value = v.as_positive(lr, "--lr")
    notes = (*translation.notes, f"--lr {value} is train.py's lr (lr_base scaling does not apply)")
    spec = {**translation.spec, "lr": value}
    return kit.Translation(translation.kind, translation.title, translation.source, spec, notes,
                           translation.origins, applied=frozenset({"lr"}))


FORMAT = kit.register(kit.ConfigFormat(
    "timm", TITLE, kit.marker_claim(MARKERS), _translate, markers=MARKERS, shared=SHARED,
    facts=("dataset_size", "devices"), overrides=("lr",),
    refusals=MappingProxyType({
        "total_steps": "timm's run is epochs × updates_per_epoch: change epochs (and dataset_size)",
        "warmup_steps": "timm's warmup is warmup_epochs (in updates with sched_on_updates): change it"}),
))

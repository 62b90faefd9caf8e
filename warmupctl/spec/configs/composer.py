"""Composer / llm-foundry training YAML (``scripts/train/yamls/**``), as llm-foundry builds its Trainer.

Follows llm-foundry 0.22.0 (main at 8c8dd48f, 2025-07): ``llmfoundry/command_utils/train.py``
(``train``: ``build_scheduler(scheduler.pop('name'), scheduler)``, ``build_optimizer``,
``Trainer(max_duration=..., schedulers=..., device_train_microbatch_size=...)``),
``llmfoundry/optim/__init__.py`` (the scheduler names: ``constant_with_warmup``,
``cosine_with_warmup``, ``linear_decay_with_warmup`` are Composer's ``ConstantWithWarmupScheduler``,
``CosineAnnealingWithWarmupScheduler``, ``LinearWithWarmupScheduler``; ``inv_sqrt_with_warmup`` is
llm-foundry's own), ``llmfoundry/utils/config_utils.py`` (``TrainConfig``, whose unknown top-level
keys raise ValueError, and ``calculate_batch_size_info``: ``global_train_batch_size`` split over the
devices, ``device_train_microbatch_size`` only splits a device's batch) and ``${variables.x}``
references (OmegaConf), with Composer 0.32.1's Trainer (:mod:`warmupctl.frameworks.composer`).

Composer makes one optimizer update per global batch, whatever the microbatching, and its scheduler
reads the timestamp: batches, ``global_train_batch_size`` samples per batch, and tokens. llm-foundry
counts a batch's tokens from its attention mask: ``global_train_batch_size × max_seq_len`` for the
concatenated ``text`` loader, but data-dependent for padded ``finetuning`` batches (refused where a
token count is needed). An epoch is the dataloader's length, counted from ``--dataset-size`` and
``--devices`` (each rank reads ``ceil(rows / devices)`` rows in batches of its share of the global
batch; ``drop_last`` drops the partial one), or ``train_subset_num_batches`` when it is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.frameworks.composer import UNITS, Time, parse_time
from warmupctl.spec.configs import _kit as kit
from warmupctl.spec.configs._interpolation import resolve_references

TITLE = "Composer/llm-foundry config"
#: llm-foundry's scheduler registry (llmfoundry/optim/__init__.py) -> Composer's class.
NAMES = {"constant_with_warmup": "ConstantWithWarmupScheduler",
         "cosine_with_warmup": "CosineAnnealingWithWarmupScheduler",
         "linear_decay_with_warmup": "LinearWithWarmupScheduler"}
#: Keys only Composer/llm-foundry configs have at the top level.
MARKERS = frozenset({"max_duration", "global_train_batch_size", "device_train_microbatch_size",
                     "device_train_batch_size", "eval_interval_ba"})
_TIME_KEYS = ("t_warmup", "t_max", "milestones", "step_size", "t_0", "decay_period")
#: Composer algorithms that set the LR themselves.
_LR_ALGORITHMS = {"swa": "Composer's SWA algorithm replaces the LR with its own swa_lr schedule"}


def _used_units(args: Mapping[str, Any], top: Time, path: str) -> dict[str, str]:
    """Each unit the scheduler compares with, and the first key that needs it."""
    units: dict[str, str] = {}
    for key in _TIME_KEYS:
        values = args.get(key, "1dur" if key == "t_max" else None)
        for index, value in enumerate(values if isinstance(values, list) else [values]):
            if value is None:
                continue
            where = f"{path}.{key}" + (f"[{index}]" if isinstance(values, list) else "")
            unit = parse_time(value, where).unit
            if unit == "dur":  # a fraction of max_duration, in its unit
                units.setdefault(top.unit, "max_duration")
            else:
                units.setdefault(unit, where)
    units.setdefault(top.unit, "max_duration")
    return units


def _dataloader_len(mapping: Mapping[str, Any], request: kit.Request, batch: int,
                    why: str) -> tuple[int, str]:
    """Batches per epoch: ``train_subset_num_batches``, else counted from the flags."""
    subset = mapping.get("train_subset_num_batches")
    if subset is not None and v.as_int(subset, "train_subset_num_batches") > 0:
        return int(subset), f"train_subset_num_batches {subset}"
    rows, devices = request.facts.get("dataset_size"), request.facts.get("devices")
    if rows is None or devices is None:
        raise SpecError("counts epochs: Composer converts them with the dataloader's length", path=why,
                        hint="pass --dataset-size N (rows of the training set) and --devices N (GPUs)")
    if batch % devices:
        raise SpecError(f"does not split over {devices} devices", path="global_train_batch_size",
                        value=batch,
                        hint="llm-foundry raises ValueError: the global batch must split evenly")
    loader = mapping.get("train_loader")
    loader = loader if isinstance(loader, Mapping) else {}
    found = loader.get("dataset")
    dataset: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    drop = v.as_bool(loader.get("drop_last", True), "train_loader.drop_last")
    streaming = loader.get("name") == "text" or dataset.get("remote") is not None \
        or dataset.get("streams") is not None
    share = batch // devices
    per_batch, packing = share, _packing(dataset)
    if packing != 1.0:  # BinPackCollator: int(device batch × ratio) rows are packed into each batch
        per_batch = int(share * packing)
    if streaming:
        if devices != 1:
            raise SpecError("counts epochs of a streaming dataset, which shards its samples over the devices "
                            "its own way", path=why, value=devices,
                            hint="warmupctl counts its epoch on --devices 1 only; give max_duration in ba")
        per_rank, split = rows, f"{rows} rows"
    elif drop and rows % devices:  # torch's DistributedSampler(drop_last=True) drops the tail
        per_rank, split = rows // devices, f"{rows} rows // {devices} devices = {rows // devices} per rank"
    else:
        per_rank = -(-rows // devices)
        split = f"ceil({rows} rows / {devices} devices) = {per_rank} per rank"
    count = per_rank // per_batch if drop else -(-per_rank // per_batch)
    if count < 1:
        raise SpecError("gives no batch in an epoch", path="global_train_batch_size", value=batch,
                        hint=f"{rows} rows over {devices} devices fill no batch of {per_batch}")
    rows_per = f"{per_batch} rows per device batch" + (f" (packing_ratio {packing:g} × {share})"
                                                      if packing != 1.0 else "")
    how = f"{split}, {'//' if drop else 'ceil /'} {rows_per}"
    return count, how


def _packing(dataset: Mapping[str, Any]) -> float:
    """The finetuning loader's ``packing_ratio`` (1: no packing)."""
    ratio = dataset.get("packing_ratio")
    if ratio is None:
        return 1.0
    if ratio == "auto":
        raise SpecError("is profiled from the tokenized data", path="train_loader.dataset.packing_ratio",
                        value=ratio,
                        hint="write the ratio llm-foundry logs ('Using packing ratio X') instead")
    ratio = v.as_float(ratio, "train_loader.dataset.packing_ratio")
    if ratio < 1:
        raise SpecError("must be at least 1", path="train_loader.dataset.packing_ratio", value=ratio,
                        hint="llm-foundry raises ValueError")
    return ratio


def _translate(raw: Mapping[str, Any], request: kit.Request) -> kit.Translation:  # noqa: C901 - one key at a time
    source = request.source

    def get(key: str, default: Any = None) -> Any:
        return resolve_references(raw.get(key, default), raw, (), key, source)

    if raw.get("schedulers") is not None:
        raise SpecError("is the hparams YAML of Composer before 0.12", path="schedulers",
                        hint="warmupctl reads llm-foundry's scheduler: {name: ..., t_warmup: ...}")
    scheduler = get("scheduler")
    if not isinstance(scheduler, Mapping):
        raise SpecError("has no scheduler mapping", path="scheduler", value=scheduler,
                        hint="llm-foundry requires scheduler: {name: cosine_with_warmup, t_warmup: 100ba}")
    scheduler = {key: resolve_references(val, raw, ("scheduler",), f"scheduler.{key}", source)
                 for key, val in scheduler.items()}
    name = scheduler.get("name")
    if name is None:
        raise SpecError("has no name", path="scheduler", value=kit.show(scheduler),
                        hint="without a name the training script builds its scheduler itself; write that "
                             "scheduler as a library spec (schedule: composer.<Scheduler>, args: ...)")
    if name not in NAMES:
        hint = ("llm-foundry's own InverseSquareRootWithWarmupScheduler is not read"
                if name == "inv_sqrt_with_warmup" else f"llm-foundry registers {', '.join(NAMES)}")
        raise SpecError("is not a scheduler warmupctl reads", path="scheduler.name", value=name, hint=hint)
    args = {key: val for key, val in scheduler.items() if key != "name"}
    optimizer = get("optimizer")
    if not isinstance(optimizer, Mapping) or optimizer.get("lr") is None:
        raise SpecError("the optimizer has no lr", path="optimizer.lr",
                        hint="llm-foundry builds optimizer.name with the mapping's lr; add it")
    given = resolve_references(optimizer["lr"], raw, ("optimizer",), "optimizer.lr", source)
    lr_raw = request.overrides.get("lr", given)
    lr = v.as_positive(lr_raw, "optimizer.lr")

    duration = get("max_duration")
    if duration is None:
        raise SpecError("is missing", path="max_duration",
                        hint="Composer's run is max_duration ('4800ba', '2ep', '1e9tok')")
    if isinstance(duration, int) and not isinstance(duration, bool):
        duration = f"{duration}ep"  # the Trainer reads an int max_duration as epochs
    top = parse_time(duration, "max_duration", units=("ba", "ep", "sp", "tok"))
    units = _used_units(args, top, "scheduler")

    notes: list[str] = []
    batch, batch_key = _global_batch(raw, get, request)
    spec: dict[str, Any] = {"schedule": f"composer.{NAMES[name]}", "lr": lr, "args": args,
                            "max_duration": duration}
    origins = {"args": kit.Origin(source, "scheduler"), "lr": kit.Origin(source, "optimizer.lr"),
               "max_duration": kit.Origin(source, "max_duration")}
    if batch is not None:
        spec["samples_per_batch"] = batch
        origins["samples_per_batch"] = kit.Origin(source, batch_key)
    elif "sp" in units or "tok" in units or "ep" in units:
        unit = next(unit for unit in ("sp", "tok", "ep") if unit in units)
        raise SpecError(f"counts {UNITS[unit]}: Composer needs the global batch size", path=units[unit],
                        hint="add global_train_batch_size: N (llm-foundry requires it)")
    loader = get("train_loader")
    dataset = loader.get("dataset") if isinstance(loader, Mapping) else None
    if "sp" in units and isinstance(dataset, Mapping) and dataset.get("packing_ratio") not in (None, 1, 1.0):
        raise SpecError("counts samples, and a packed batch's samples depend on its data", path=units["sp"],
                        hint="train_loader.dataset.packing_ratio packs rows into each batch: give the time "
                             "in ba")
    if "tok" in units:
        spec["tokens_per_batch"] = _tokens(raw, get, units["tok"], batch or 0)
        notes.append(f"{spec['tokens_per_batch']} tokens per batch: global_train_batch_size {batch} × "
                     "max_seq_len, as llm-foundry counts a batch's attention mask when every sample is a "
                     "full max_seq_len of concatenated tokens (convert_dataset_hf --concat_tokens); raw text "
                     "samples shorter than that count fewer tokens")
    if "ep" in units:
        assert batch is not None
        count, how = _dataloader_len(raw, request, batch, units["ep"])
        spec["updates_per_epoch"] = count
        notes.append(f"an epoch is {count} batches ({how})")
    ratio = get("scale_schedule_ratio")
    if ratio is not None:
        spec["scale_schedule_ratio"] = v.as_positive(ratio, "scale_schedule_ratio")
        origins["scale_schedule_ratio"] = kit.Origin(source, "scale_schedule_ratio")
        notes.append("scale_schedule_ratio is the Composer Trainer's argument (llm-foundry's TrainConfig "
                     "refuses it: pass it where your script builds the Trainer)")
    notes.extend(_reported(raw, get))
    unused = [f"--{fact.replace('_', '-')}" for fact in ("dataset_size", "devices") if fact in request.facts
              and not ("ep" in units or (fact == "devices" and batch_key == "device_train_batch_size"))]
    if unused:
        notes.append(f"{' and '.join(unused)} not used: no time of this run is in epochs")
    updates = {"ba": f"{top.value} updates", "ep": f"{top.value} epochs"}.get(
        top.unit, f"{top} at {batch} samples per batch")
    notes.insert(0, f"{source} read as {TITLE}: scheduler {name} -> composer.{NAMES[name]} {kit.show(args)}; "
                    f"max_duration {top} ({updates}, one update per global batch)")
    return kit.Translation("composer", TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=request.given("lr"))


def _global_batch(raw: Mapping[str, Any], get: Any, request: kit.Request) -> tuple[int | None, str]:
    """The samples of one batch over all devices: ``global_train_batch_size``, else
    ``device_train_batch_size`` × ``--devices`` (older configs)."""
    if raw.get("global_train_batch_size") is not None:
        return v.as_count(get("global_train_batch_size"), "global_train_batch_size", minimum=1), \
            "global_train_batch_size"
    if raw.get("device_train_batch_size") is not None:
        devices = request.facts.get("devices")
        per_device = v.as_count(get("device_train_batch_size"), "device_train_batch_size", minimum=1)
        if devices is None:
            raise SpecError("is per device", path="device_train_batch_size", value=per_device,
                            hint="pass --devices N: the global batch is device_train_batch_size × devices")
        return per_device * devices, "device_train_batch_size"
    return None, "global_train_batch_size"


def _tokens(raw: Mapping[str, Any], get: Any, key: str, batch: int) -> int:
    loader = get("train_loader")
    kind = loader.get("name") if isinstance(loader, Mapping) else None
    if kind != "text":
        raise SpecError("counts tokens, and this loader's batch has as many tokens as its data", path=key,
                        hint=f"llm-foundry counts a batch's unpadded tokens; train_loader.name is {kind!r}, "
                             "not 'text' (concatenated max_seq_len samples): give the time in ba instead")
    seq = get("max_seq_len")
    if seq is None:
        raise SpecError("counts tokens: Composer needs max_seq_len", path=key,
                        hint="add max_seq_len: N (llm-foundry requires it)")
    return batch * v.as_count(seq, "max_seq_len", minimum=1)


def _reported(raw: Mapping[str, Any], get: Any) -> list[str]:
    """Notes (or refusals) for the keys that could change the schedule and are not applied."""
    notes = []
    micro = raw.get("device_train_microbatch_size")
    if micro is not None:
        notes.append(f"device_train_microbatch_size {get('device_train_microbatch_size')} splits each "
                     "device's batch; Composer still makes one update per global batch")
    if raw.get("step_schedulers_every_batch") is not None and not get("step_schedulers_every_batch"):
        raise SpecError("steps the scheduler once per epoch", path="step_schedulers_every_batch", value=False,
                        hint="warmupctl reads Composer's default, a step after every batch")
    algorithms = get("algorithms")
    if isinstance(algorithms, Mapping):
        for algorithm, why in _LR_ALGORITHMS.items():
            if algorithm in algorithms:
                raise SpecError("changes the LR itself", path=f"algorithms.{algorithm}", hint=why)
    if raw.get("load_path") is not None or raw.get("autoresume"):
        notes.append("a resumed run continues this schedule from the checkpoint's timestamp")
    return notes


FORMAT = kit.register(kit.ConfigFormat(
    "composer", TITLE, kit.marker_claim(MARKERS), _translate, markers=MARKERS,
    facts=("dataset_size", "devices"),
    outranks=("transformers", "deepspeed", "megatron", "timm", "lightning", "llamafactory_v1"),
    overrides=("lr",),
    refusals=MappingProxyType({
        "total_steps": "Composer's run is max_duration: set max_duration: Nba in the config",
        "warmup_steps": "Composer's warmup is scheduler.t_warmup: set it in the config ('100ba')"}),
))

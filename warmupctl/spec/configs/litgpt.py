"""litgpt configs (``config_hub/pretrain/*.yaml``, ``config_hub/finetune/*/*.yaml``), as its scripts count.

Follows Lightning-AI/litgpt 0.5.13 (commit 26857050, 2026-06). The config is the ``setup()`` arguments
of one script; keys it leaves out take that ``setup()``'s defaults (its ``TrainArgs(...)``), not the
dataclass's. Which script reads it is told by the arguments only one of them has: ``model_name`` /
``model_config`` (``litgpt pretrain``) or ``checkpoint_dir`` (``litgpt finetune_lora``, ``finetune_full``,
``finetune_adapter``, ``finetune_adapter_v2``: the same schedule).

Both scripts: ``devices`` per node (``auto`` is every GPU the machine has), ``num_nodes``;
``TrainArgs.batch_size = global_batch_size // (devices × num_nodes)`` and ``gradient_accumulation_iters
A = batch_size // micro_batch_size`` (asserted positive). The LR is ``optimizer.init_args.lr`` (a
``class_path`` mapping) or the default of the optimizer class a name string picks (``"AdamW"``:
``torch.optim.AdamW``, lr 0.001).

``pretrain.py``: ``validate_args`` refuses ``train.epochs`` and requires ``max_tokens``; ``fit`` runs
``max_iters = (max_tokens // world_size) // (micro_batch_size × model.max_seq_length)`` micro-batch
iterations (``max_seq_length`` is ``train.max_seq_length``, else the model's ``block_size``);
``TrainArgs.warmup_iters`` is ``min(max_iters, lr_warmup_steps × A)`` (or a fraction of
``len(train_dataloader)``); the LR is ``get_lr(...)`` per iteration (``litgpt.get_lr``).
``train.max_steps`` only warns there.

Finetuning (``finetune/lora.py`` ``main`` and ``fit``): ``validate_args`` refuses ``max_tokens``,
``max_norm``, ``tie_embeddings`` and ``lr_warmup_fraction`` and requires ``epochs``;
``steps_per_epoch = len(train_dataloader) // A``, the scheduler gets ``max_steps = min(epochs ×
steps_per_epoch, train.max_steps)`` and ``warmup_steps = lr_warmup_steps`` (``litgpt.get_lr_scheduler``);
the loop's window counter runs on across epochs, so the run has ``min(train.max_steps, epochs ×
len(train_dataloader) // A)`` updates (a few more than the scheduler's ``max_steps`` when an epoch's
micro-batches are not a multiple of A). ``len(train_dataloader)`` is ``ceil(ceil(rows / world_size) /
micro_batch_size)``: the SFT data modules batch without ``drop_last`` after Fabric's distributed sampler.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import KEYS
from warmupctl.spec.configs import _kit as kit

TITLE = "litgpt config"

#: TrainArgs fields; any of them under ``train:`` claims the file.
TRAIN_KEYS = frozenset({"lr_warmup_steps", "lr_warmup_fraction", "global_batch_size", "micro_batch_size",
                        "epochs", "max_tokens", "max_steps", "min_lr", "save_interval", "log_interval"})

#: The ``TrainArgs(...)`` each script's ``setup()`` defaults to (the schedule's fields).
PRETRAIN_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "global_batch_size": 512, "micro_batch_size": 4, "max_tokens": int(3e12), "max_norm": 1.0, "min_lr": 4e-5,
    "lr_warmup_steps": 2000, "tie_embeddings": False, "lr_warmup_fraction": None, "epochs": None,
    "max_steps": None, "max_time": None, "max_seq_length": None})
FINETUNE_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "global_batch_size": 16, "micro_batch_size": 1, "lr_warmup_steps": 100, "epochs": 5,
    "max_seq_length": None, "lr_warmup_fraction": None, "max_tokens": None, "max_steps": None,
    "max_time": None, "max_norm": None, "tie_embeddings": None, "min_lr": 6e-5})

#: torch.optim classes a name string may pick, with their default lr (torch 2.13.0).
OPTIMIZER_LR: Mapping[str, float] = MappingProxyType({"AdamW": 1e-3, "Adam": 1e-3, "SGD": 1e-3})

#: Data modules whose train loader drops the last incomplete micro-batch (litgpt/data: streaming ones).
DROP_LAST = frozenset({"LitData", "TextFiles", "TinyLlama", "OpenWebText", "TinyStories", "MicroLlama"})


def _claim(mapping: Mapping[str, Any]) -> str | None:
    train = mapping.get("train")
    if isinstance(train, Mapping) and TRAIN_KEYS & {str(key) for key in train}:
        return "train: " + ", ".join(sorted(TRAIN_KEYS & {str(key) for key in train}))
    return None


def _script(mapping: Mapping[str, Any]) -> str:
    pretrain = [key for key in ("model_name", "model_config") if key in mapping]
    finetune = [key for key in ("checkpoint_dir",) if key in mapping]
    if pretrain and finetune:
        raise SpecError(f"is an argument of litgpt finetune, next to {pretrain[0]} of litgpt pretrain",
                        path="checkpoint_dir", value=mapping["checkpoint_dir"],
                        hint="keep the arguments of the script you run")
    if not pretrain and not finetune:
        raise SpecError("does not say which litgpt script reads it: pretrain and finetune build different "
                        "schedules", path="train",
                        hint="add model_name: NAME (litgpt pretrain) or checkpoint_dir: DIR "
                             "(litgpt finetune_*), as the command line you run gives it")
    return "pretrain" if pretrain else "finetune"


def _devices(mapping: Mapping[str, Any], request: kit.Request) -> tuple[int, str]:
    nodes = v.as_count(mapping.get("num_nodes", 1), "num_nodes", minimum=1)
    given = request.facts.get("devices")
    if given is not None:
        devices, how = given, f"--devices {given}"
    else:
        raw = mapping.get("devices", "auto" if "model_name" in mapping or "model_config" in mapping else 1)
        if raw in ("auto", -1):
            raise SpecError("is every GPU of the machine (torch.cuda.device_count())", path="devices",
                            value=raw,
                            hint="pass --devices N: the GPUs per node litgpt runs on")
        devices, how = v.as_count(raw, "devices", minimum=1), f"devices {raw}"
    return devices * nodes, (f"{how} × num_nodes {nodes}" if nodes > 1 else how)


def _lr(mapping: Mapping[str, Any], request: kit.Request) -> tuple[float, str]:
    if request.overrides.get("lr") is not None:
        return v.as_positive(request.overrides["lr"], "--lr"), "--lr"
    optimizer = mapping.get("optimizer", "AdamW")
    if isinstance(optimizer, Mapping):
        init = optimizer.get("init_args") or {}
        if isinstance(init, Mapping) and init.get("lr") is not None:
            return v.as_positive(init["lr"], "optimizer.init_args.lr"), "optimizer.init_args.lr"
        name, path = str(optimizer.get("class_path", "")), "optimizer.class_path"
    else:
        name, path = str(optimizer), "optimizer"
    short = name.removeprefix("torch.optim.")
    if short in OPTIMIZER_LR:
        return OPTIMIZER_LR[short], f"{path} {name}'s default lr"
    raise SpecError("gives no lr warmupctl knows", path=path,
                    value=optimizer if path == "optimizer" else name,
                    hint="litgpt uses the optimizer class's default lr: write optimizer: {class_path: ..., "
                         "init_args: {lr: ...}}, or pass --lr")


def _train(mapping: Mapping[str, Any], defaults: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    train = v.as_mapping(mapping.get("train") or {}, "train")
    merged = {**defaults, **train}
    missing = [key for key in ("global_batch_size", "micro_batch_size", "lr_warmup_steps", "epochs",
                               "max_tokens", "min_lr") if key not in train and defaults.get(key) is not None]
    return merged, missing


def _accumulation(train: Mapping[str, Any], world: int) -> tuple[int, int]:
    global_batch = v.as_count(train["global_batch_size"], "train.global_batch_size", minimum=1)
    micro = v.as_count(train["micro_batch_size"], "train.micro_batch_size", minimum=1)
    per_rank = global_batch // world
    if per_rank // micro < 1:
        raise SpecError(f"gives no micro-batch per update: global_batch_size {global_batch} // {world} "
                        f"processes = {per_rank} < micro_batch_size {micro}", path="train.global_batch_size",
                        value=global_batch, hint="litgpt's TrainArgs asserts gradient_accumulation_iters > 0")
    return per_rank // micro, micro


def _warmup_steps(train: Mapping[str, Any], request: kit.Request) -> int:
    if request.overrides.get("warmup_steps") is not None:
        return v.as_count(request.overrides["warmup_steps"], "--warmup-steps")
    if train.get("lr_warmup_fraction") and train.get("lr_warmup_steps"):
        raise SpecError("and train.lr_warmup_steps are both set", path="train.lr_warmup_fraction",
                        value=train["lr_warmup_fraction"],
                        hint="litgpt's TrainArgs raises ValueError: choose one")
    return v.as_count(train.get("lr_warmup_steps") or 0, "train.lr_warmup_steps")


def _pretrain(mapping: Mapping[str, Any], request: kit.Request, lr: float, lr_how: str) -> kit.Translation:
    source = request.source
    train, missing = _train(mapping, PRETRAIN_DEFAULTS)
    if request.overrides.get("total_steps") is not None:
        raise SpecError("does not apply to litgpt pretrain", source="command line", path="--total-steps",
                        value=request.overrides["total_steps"],
                        hint="pretrain.py runs until train.max_tokens (train.max_steps only warns): "
                             "set max_tokens")
    if train.get("epochs") is not None:
        raise SpecError("is not supported by litgpt pretrain", path="train.epochs", value=train["epochs"],
                        hint="pretrain.py's validate_args raises ValueError; it runs train.max_tokens")
    if train.get("max_tokens") is None:
        raise SpecError("is required by litgpt pretrain", path="train.max_tokens", value=None,
                        hint="pretrain.py's validate_args raises ValueError without it")
    world, world_how = _devices(mapping, request)
    accum, micro = _accumulation(train, world)
    tokens = v.as_count(train["max_tokens"], "train.max_tokens", minimum=1)
    if request.facts.get("seq_len") is not None:
        seq, seq_how = request.facts["seq_len"], f"--seq-len {request.facts['seq_len']}"
    elif train.get("max_seq_length"):
        seq = v.as_count(train["max_seq_length"], "train.max_seq_length", minimum=1)
        seq_how = f"train.max_seq_length {seq}"
    else:
        raise SpecError("is not set, so pretrain.py counts tokens per iteration with the model's block_size",
                        path="train.max_seq_length", value=None,
                        hint="pass --seq-len N: the block_size of "
                             f"{mapping.get('model_name') or 'the model'} (litgpt/config.py)")
    horizon = (tokens // world) // (micro * seq)
    if horizon < accum:
        raise SpecError(f"gives {horizon} micro-batch iterations, fewer than one update of {accum}",
                        path="train.max_tokens", value=tokens,
                        hint="pretrain.py would not step the optimizer")
    if train.get("lr_warmup_fraction") and request.overrides.get("warmup_steps") is None:
        raise SpecError("is a fraction of len(train_dataloader) of the streaming dataset",
                        path="train.lr_warmup_fraction", value=train["lr_warmup_fraction"],
                        hint="warmupctl cannot count the streamed batches; pass --warmup-steps N "
                             "(train.lr_warmup_steps, in optimizer steps)")
    steps = _warmup_steps(train, request)
    warmup = min(horizon, steps * accum)
    floor = v.as_nonnegative(train["min_lr"], "train.min_lr")
    notes = [f"{source} read as {TITLE} (litgpt pretrain: model_name): max_iters {horizon} "
             f"(max_tokens {tokens} // {world} processes ({world_how}) // (micro_batch_size {micro} × "
             f"max_seq_length {seq} ({seq_how}))), {horizon // accum} updates of A = {accum} micro-batches "
             f"(global_batch_size {train['global_batch_size']} // {world} // {micro}); "
             f"lr {kit.number(lr)} ({lr_how})",
             f"warmup_iters {warmup}: min(max_iters, lr_warmup_steps {steps} × {accum})"]
    if train.get("max_steps") is not None:
        notes.append(f"train.max_steps {train['max_steps']} is not applied: pretrain.py only warns about it "
                     "and runs max_tokens")
    notes += _common_notes(mapping, train, missing, "pretrain")
    spec = {"schedule": "litgpt.get_lr", "lr": lr,
            "args": {"warmup_iters": warmup, "max_iters": horizon, "min_lr": floor,
                     "gradient_accumulation_iters": accum}}
    origins = {"lr": kit.Origin(source, "optimizer.init_args.lr"),
               "args.min_lr": kit.Origin(source, "train.min_lr"),
               "args.max_iters": kit.Origin(source, "train.max_tokens")}
    return _translation(source, spec, notes, origins, request)


def _finetune(mapping: Mapping[str, Any], request: kit.Request, lr: float, lr_how: str) -> kit.Translation:
    source = request.source
    train, missing = _train(mapping, FINETUNE_DEFAULTS)
    for key in ("max_tokens", "max_norm", "tie_embeddings", "lr_warmup_fraction"):
        if train.get(key) is not None:
            raise SpecError("is not supported by litgpt finetune", path=f"train.{key}", value=train[key],
                            hint="the finetune scripts' validate_args raise ValueError")
    if train.get("epochs") is None:
        raise SpecError("is required by litgpt finetune", path="train.epochs", value=None,
                        hint="the finetune scripts' validate_args raise ValueError without it")
    epochs = v.as_count(train["epochs"], "train.epochs", minimum=1)
    if train.get("lr_warmup_steps") is None and request.overrides.get("warmup_steps") is None:
        raise SpecError("is null: litgpt's LambdaLR computes step / None", path="train.lr_warmup_steps",
                        value=None, hint="torch raises TypeError; set lr_warmup_steps")
    cap = request.overrides.get("total_steps", train.get("max_steps"))
    cap_path = "--total-steps" if request.overrides.get("total_steps") is not None else "train.max_steps"
    cap = None if cap is None else v.as_count(cap, cap_path, minimum=1)
    world, world_how = _devices(mapping, request)
    accum, micro = _accumulation(train, world)
    rows = request.facts.get("dataset_size")
    if rows is None:
        raise SpecError("counts updates from len(train_dataloader)", path="train.epochs", value=epochs,
                        hint="pass --dataset-size N: the rows of the training split (after the data module's "
                             "val_split_fraction)")
    data = mapping.get("data")
    module = str(data.get("class_path", "") if isinstance(data, Mapping) else data or "").rsplit(".", 1)[-1]
    per_rank = -(-rows // world)
    batches = per_rank // micro if module in DROP_LAST else -(-per_rank // micro)
    per_epoch = batches // accum
    end = min(epochs * per_epoch, cap) if cap is not None else epochs * per_epoch
    run = min(epochs * batches // accum, cap) if cap is not None else epochs * batches // accum
    if run < 1:
        raise SpecError("gives no update: the epochs have fewer micro-batches than one accumulation",
                        path="train.global_batch_size", value=train["global_batch_size"],
                        hint=f"{epochs} × {batches} micro-batches < {accum}")
    warmup = _warmup_steps(train, request)
    division = (f"{per_rank} // micro_batch_size {micro} (drop_last)" if module in DROP_LAST
                else f"ceil({per_rank} / micro_batch_size {micro})")
    notes = [f"{source} read as {TITLE} (litgpt finetune: checkpoint_dir): len(train_dataloader) {batches} = "
             f"{division}, {per_rank} rows per process = ceil({rows} / {world} ({world_how})); "
             f"scheduler max_steps {end} = "
             + (f"min(epochs {epochs} × ({batches} // A {accum}), {cap_path} {cap})" if cap is not None
                else f"epochs {epochs} × ({batches} // A {accum})")
             + f"; lr {kit.number(lr)} ({lr_how}); warmup_steps {warmup} (train.lr_warmup_steps)"]
    if run != end:
        notes.append(f"the run has {run} updates ({epochs} × {batches} micro-batches // {accum}: the window "
                     f"counter runs on across epochs), {run - end} past the scheduler's max_steps {end}")
    if train.get("min_lr") is not None and "min_lr" in v.as_mapping(mapping.get("train") or {}, "train"):
        notes.append(f"train.min_lr {train['min_lr']} is not used by the finetune scripts: "
                     "the cosine decays to 0")
    notes += _common_notes(mapping, train, missing, "finetune")
    spec = {"schedule": "litgpt.get_lr_scheduler", "lr": lr, "total_steps": run,
            "args": {"warmup_steps": warmup, "max_steps": end}}
    origins = {"lr": kit.Origin(source, "optimizer.init_args.lr"),
               "args.warmup_steps": kit.Origin(source, "train.lr_warmup_steps"),
               "args.max_steps": kit.Origin(source, "train.epochs")}
    return _translation(source, spec, notes, origins, request)


def _common_notes(mapping: Mapping[str, Any], train: Mapping[str, Any], missing: list[str],
                  script: str) -> list[str]:
    notes = []
    if missing:
        notes.append(f"not in train: {', '.join(missing)}: litgpt {script}'s setup() defaults "
                     + ", ".join(f"{key} {train[key]}" for key in missing))
    if train.get("max_time"):
        notes.append(f"train.max_time {train['max_time']} s may stop the run earlier; "
                     "the table assumes it does not")
    if mapping.get("resume"):
        notes.append(f"resume {mapping['resume']}: a resumed run continues at its checkpoint's "
                     "iteration; the table starts at update 0")
    return notes


def _translation(source: str, spec: dict[str, Any], notes: list[str], origins: dict[str, kit.Origin],
                 request: kit.Request) -> kit.Translation:
    return kit.Translation("litgpt", TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=request.given("lr", "total_steps", "warmup_steps"))


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    script = _script(mapping)
    lr, lr_how = _lr(mapping, request)
    if script == "pretrain":
        return _pretrain(mapping, request, lr, lr_how)
    return _finetune(mapping, request, lr, lr_how)


FORMAT = kit.register(kit.ConfigFormat(
    "litgpt", TITLE, _claim, _translate, markers=frozenset({"train"}), shared=frozenset(KEYS),
    facts=("dataset_size", "devices", "seq_len"),
    outranks=("transformers", "deepspeed", "megatron", "timm", "lightning"),
    overrides=("lr", "total_steps", "warmup_steps"),
))

"""OpenMMLab / MMEngine configs (``param_scheduler``, ``optim_wrapper``, ``train_cfg``), as its Runner
reads them.

The file is read by :mod:`warmupctl.spec.configs.mmengine_py` (``.py``, ``_base_`` merged) or is a
YAML/JSON dump of the same keys. Restated from mmengine 0.10.7:

* ``mmengine/runner/runner.py``: ``build_train_loop`` (``type``, else ``by_epoch`` picks
  ``EpochBasedTrainLoop(max_epochs)`` or ``IterBasedTrainLoop(max_iters)``; an epoch loop runs
  ``max_epochs × len(train_dataloader)`` iterations), ``_build_param_scheduler`` (the schedulers in
  list order, a missing ``end`` from the loop), ``scale_lr`` (``auto_scale_lr``: with ``enable`` the
  LR is multiplied by ``devices × batch_size / base_batch_size``);
* ``mmengine/optim/optimizer/optimizer_wrapper.py``: ``accumulative_counts`` (one optimizer update every
  A iterations, and at the last one);
* ``mmengine/dataset/sampler.py`` ``DefaultSampler`` (each rank gets ``ceil(N / devices)`` samples)
  and torch's ``DataLoader`` (``ceil`` of that over ``batch_size``, no ``drop_last`` by default):
  ``len(train_dataloader)``, which needs ``--dataset-size`` and ``--devices``.

The schedule itself is :mod:`warmupctl.frameworks.mmengine` (``mmengine.param_scheduler``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import steps as arithmetic
from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import _kit as kit
from warmupctl.spec.configs.mmengine_py import Unreadable

TITLE = "MMEngine config"
MARKERS = frozenset({"param_scheduler", "optim_wrapper"})
#: Scheduler types of other parameters (momentum, weight decay): they never change the LR.
NON_LR = ("Momentum", "WeightDecay")
#: Scheduler hooks that are MMEngine's own stepping (anything else replaces it).
OWN_HOOKS = ("ParamSchedulerHook",)


def _claim(mapping: Mapping[str, Any]) -> str | None:
    hits = [key for key in ("param_scheduler", "optim_wrapper")
            if key in mapping and isinstance(mapping[key], (Mapping, list, tuple, Unreadable))]
    return ", ".join(hits) if hits else None


def _get(mapping: Mapping[str, Any], *path: str) -> Any:
    """A nested value, or None; an :class:`Unreadable` on the way is the error naming its line."""
    value: Any = mapping
    for i, key in enumerate(path):
        if isinstance(value, Unreadable):
            raise value.error(".".join(path[:i]))
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    if isinstance(value, Unreadable):
        raise value.error(".".join(path))
    return value


def _plain(value: Any, key: str) -> Any:
    """Lists and dicts with no :class:`Unreadable` inside (tuples as lists)."""
    if isinstance(value, Unreadable):
        raise value.error(key)
    if isinstance(value, Mapping):
        return {str(k): _plain(x, f"{key}.{k}") for k, x in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(x, f"{key}[{i}]") for i, x in enumerate(value)]
    return value


def _loop(mapping: Mapping[str, Any]) -> tuple[str, int]:
    """``("epochs", max_epochs)`` or ``("iters", max_iters)`` of ``train_cfg``."""
    cfg = _get(mapping, "train_cfg")
    if not isinstance(cfg, Mapping):
        raise SpecError("the run's length is in train_cfg", path="train_cfg",
                        hint="train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12) (or max_iters)")
    kind = cfg.get("type")
    by_epoch = cfg.get("by_epoch")
    if kind is None and by_epoch is None:
        by_epoch = "max_epochs" in cfg
    if kind in ("EpochBasedTrainLoop",) or (kind is None and by_epoch):
        return "epochs", v.as_count(_get(cfg, "max_epochs"), "train_cfg.max_epochs", minimum=1)
    if kind in ("IterBasedTrainLoop",) or (kind is None and not by_epoch):
        return "iters", v.as_count(_get(cfg, "max_iters"), "train_cfg.max_iters", minimum=1)
    raise SpecError("is a train loop warmupctl does not know", path="train_cfg.type", value=kind,
                    hint="EpochBasedTrainLoop or IterBasedTrainLoop (a custom loop may step differently)")


def _epoch_length(mapping: Mapping[str, Any], facts: Mapping[str, int], notes: list[str]) -> int:
    if _get(mapping, "train_dataloader", "batch_size") is None:
        raise SpecError("an epoch's iterations need the batch size", path="train_dataloader.batch_size",
                        hint="a schedule file alone has no train_dataloader: give the model's config "
                             "that inherits it (its _base_ list names the dataset file)")
    batch = v.as_count(_get(mapping, "train_dataloader", "batch_size"), "train_dataloader.batch_size",
                       minimum=1)
    missing = [flag for flag, key in (("--dataset-size", "dataset_size"), ("--devices", "devices"))
               if key not in facts]
    if missing:
        raise SpecError(f"an epoch's iterations need {' and '.join(missing)}", source="command line",
                        path=missing[0], hint=f"len(train_dataloader) = ceil(ceil(N / devices) / "
                        f"{batch}): the config holds neither the dataset's size nor the GPU count")
    n, devices = facts["dataset_size"], facts["devices"]
    drop_last = bool(_get(mapping, "train_dataloader", "drop_last") or False)
    # DefaultSampler pads each rank to ceil(N / devices) samples, as torch's DistributedSampler does.
    length = arithmetic.sampled_batches(arithmetic.BatchFacts(micro_batch_size=batch, devices=devices,
                                                              dataset_size=n, drop_last=drop_last))
    per_rank = arithmetic.ceil_div(n, devices)
    if length < 1:
        raise SpecError("gives no iteration per epoch", source="command line", path="--dataset-size",
                        value=n, hint=f"fewer samples per GPU ({per_rank}) than batch_size {batch}")
    notes.append(f"len(train_dataloader) {length}: ceil({n} / {devices} devices) = {per_rank} samples "
                 f"per GPU, {'floor' if drop_last else 'ceil'} over batch_size {batch}")
    return length


def _schedulers(mapping: Mapping[str, Any], notes: list[str]) -> list[dict[str, Any]]:
    raw = _get(mapping, "param_scheduler")
    if raw is None:
        notes.append("no param_scheduler: MMEngine keeps the optimizer's LR constant")
        return []
    items = [raw] if isinstance(raw, Mapping) else raw
    if isinstance(raw, Mapping) and not {"type"} <= set(raw):
        raise SpecError("a dict of schedulers per optimizer is not read", path="param_scheduler",
                        hint="warmupctl reads one optimizer's list of schedulers")
    out = []
    for i, item in enumerate(_plain(items, "param_scheduler")):
        kind = str(item.get("type", "")).rsplit(".", 1)[-1]
        if kind.startswith(NON_LR) or "Momentum" in kind:
            notes.append(f"param_scheduler[{i}] {kind} schedules another parameter, not the LR")
            continue
        out.append({("type" if k == "type" else k): (kind if k == "type" else x) for k, x in item.items()
                    if k != "_scope_"})
    return out


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    notes = [f"{source} read as {TITLE}: the Runner's param_scheduler replayed"]
    hook = _get(mapping, "default_hooks", "param_scheduler")
    if isinstance(hook, Mapping) and str(hook.get("type", "ParamSchedulerHook")) not in OWN_HOOKS:
        raise SpecError("a custom scheduler hook sets the LR", path="default_hooks.param_scheduler.type",
                        value=hook.get("type"), hint="warmupctl replays MMEngine's ParamSchedulerHook; "
                        "this hook (e.g. mmyolo's YOLOv5ParamSchedulerHook) computes the LR its own way")
    lr = _get(mapping, "optim_wrapper", "optimizer", "lr")
    if lr is None:
        raise SpecError("the optimizer's LR is needed", path="optim_wrapper.optimizer.lr",
                        hint="optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, ...))")
    lr = v.as_positive(lr, "optim_wrapper.optimizer.lr")
    unit, length = _loop(mapping)
    schedulers = _schedulers(mapping, notes)
    needs_epochs = unit == "epochs" or any(s.get("by_epoch", True) for s in schedulers)
    facts = request.facts
    spec: dict[str, Any] = {"schedule": "mmengine.param_scheduler"}
    scale = _get(mapping, "auto_scale_lr")
    if isinstance(scale, Mapping) and scale.get("enable"):
        base = v.as_count(scale.get("base_batch_size"), "auto_scale_lr.base_batch_size", minimum=1)
        batch = v.as_count(_get(mapping, "train_dataloader", "batch_size"), "train_dataloader.batch_size",
                           minimum=1)
        if "devices" not in facts:
            raise SpecError("auto_scale_lr needs the GPU count", source="command line", path="--devices",
                            hint=f"MMEngine scales lr by devices × {batch} / {base}")
        factor = facts["devices"] * batch / base
        notes.append(f"auto_scale_lr: lr {lr:g} × {facts['devices']} × {batch} / {base} = {lr * factor:g}")
        lr = lr * factor
    elif isinstance(scale, Mapping):
        notes.append("auto_scale_lr is off (enable=False; mmdet's --auto-scale-lr turns it on): "
                     "the optimizer's lr is used as written")
    spec["lr"] = lr
    if needs_epochs:
        spec["updates_per_epoch"] = _epoch_length(mapping, facts, notes)
    accumulate = _get(mapping, "optim_wrapper", "accumulative_counts")
    if accumulate is not None and v.as_count(accumulate, "optim_wrapper.accumulative_counts", minimum=1) > 1:
        spec["accumulative_counts"] = int(accumulate)
    if not schedulers:
        schedulers = [{"type": "ConstantLR", "factor": 1.0, "by_epoch": False}]
    args: dict[str, Any] = {"param_scheduler": schedulers}
    args["max_epochs" if unit == "epochs" else "max_iters"] = length
    spec["args"] = args
    custom = _get(mapping, "optim_wrapper", "paramwise_cfg", "custom_keys")
    if isinstance(custom, Mapping) and any(isinstance(x, Mapping) and "lr_mult" in x
                                           for x in custom.values()):
        notes.append(f"paramwise_cfg.custom_keys scale the LR of some parameters "
                     f"({kit.show(_plain(custom, 'custom_keys'))}); the table shows the base LR")
    origins = {"lr": kit.Origin(source, "optim_wrapper.optimizer.lr"),
               "args.param_scheduler": kit.Origin(source, "param_scheduler"),
               "args.max_epochs": kit.Origin(source, "train_cfg.max_epochs"),
               "args.max_iters": kit.Origin(source, "train_cfg.max_iters"),
               "accumulative_counts": kit.Origin(source, "optim_wrapper.accumulative_counts"),
               "updates_per_epoch": kit.Origin("command line", "--dataset-size")}
    return kit.Translation("mmengine", TITLE, source, spec, tuple(notes), MappingProxyType(origins))


FORMAT = kit.register(kit.ConfigFormat(
    "mmengine", TITLE, _claim, _translate, markers=MARKERS, facts=("dataset_size", "devices"),
))

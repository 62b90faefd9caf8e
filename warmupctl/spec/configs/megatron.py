"""Megatron-LM arguments (``--lr-decay-style`` or ``lr_decay_style``, as flags or a YAML of them).

The training arguments of ``megatron.get_optimizer_param_scheduler`` (megatron/training/training.py,
arguments.py), with ``--lr`` and ``--global-batch-size``: :mod:`warmupctl.frameworks.megatron` computes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.spec.configs._base import (
    ConfigFormat,
    Origin,
    Request,
    Translation,
    marker_claim,
    show,
    unique_keys,
)
from warmupctl.spec.configs._registry import register

TITLE = "Megatron-LM arguments"
MARKERS = frozenset({"lr_decay_style", "lr_warmup_iters", "lr_warmup_samples", "lr_warmup_fraction",
                     "lr_warmup_init", "train_iters", "train_samples", "lr_decay_iters", "lr_decay_samples",
                     "global_batch_size", "lr_wsd_decay_style", "lr_wsd_decay_iters",
                     "lr_wsd_decay_samples", "rampup_batch_size"})
#: warmupctl's own keys that are Megatron arguments too.
SHARED = frozenset({"lr", "min_lr", "micro_batch_size"})

#: ``get_optimizer_param_scheduler``'s training arguments (megatron/training/arguments.py names).
MEGATRON_ARGS = (
    "min_lr", "lr_warmup_init", "lr_decay_style", "lr_wsd_decay_style", "train_iters", "train_samples",
    "lr_decay_iters", "lr_decay_samples", "lr_warmup_iters", "lr_warmup_samples", "lr_warmup_fraction",
    "lr_wsd_decay_iters", "lr_wsd_decay_samples",
)


def _megatron(raw_mapping: Mapping[str, Any], source: str, overrides: Mapping[str, Any]) -> Translation:
    raw, spelled = unique_keys(raw_mapping, source)
    notes = [f"{source} read as {TITLE}: get_optimizer_param_scheduler"]
    if overrides.get("total_steps") is not None:
        if raw.get("train_samples") is not None:
            raise SpecError("the run is counted in samples (train_samples)", source="command line",
                            path="--total-steps", value=overrides["total_steps"],
                            hint="change train_samples in the config itself")
        raw["train_iters"] = v.as_count(overrides["total_steps"], "--total-steps", minimum=1)
        spelled.setdefault("train_iters", "--total-steps")
        notes.append(f"--total-steps {raw['train_iters']} sets train_iters (Megatron's run length)")
    if overrides.get("lr") is not None:
        raw["lr"] = v.as_positive(overrides["lr"], "--lr")
        notes.append(f"--lr {raw['lr']} sets lr (Megatron's peak)")

    def at(key: str, **extra: Any) -> Origin:
        return Origin(source, spelled.get(key, key), **extra)

    spec: dict[str, Any] = {"schedule": "megatron.get_optimizer_param_scheduler"}
    if raw.get("lr") is not None:
        spec["lr"] = raw["lr"]
    args = {name: raw[name] for name in MEGATRON_ARGS if raw.get(name) is not None}
    gbs = raw.get("global_batch_size")
    if gbs is None and raw.get("micro_batch_size") is not None and raw.get("data_parallel_size"):
        micro = v.as_count(raw["micro_batch_size"], spelled["micro_batch_size"], minimum=1)
        parallel = v.as_count(raw["data_parallel_size"], spelled["data_parallel_size"], minimum=1)
        gbs = micro * parallel
        notes.append(f"global_batch_size {gbs}: micro_batch_size {micro} × data_parallel_size {parallel} "
                     "(Megatron's default without --global-batch-size)")
    if gbs is not None:
        spec["global_batch_size"] = gbs
    elif raw.get("train_samples") is not None and not raw.get("train_iters"):
        raise SpecError("a run counted in samples needs the global batch size", path="global_batch_size",
                        hint="add global_batch_size (samples per optimizer update): Megatron steps its "
                             "scheduler by that many samples per update")
    if raw.get("rampup_batch_size"):
        notes.append(f"rampup_batch_size {show(raw['rampup_batch_size'])} is not modelled: warmupctl "
                     "assumes the full global batch from the first update")
    spec["args"] = args
    origins = {"lr": at("lr", more="Megatron's --lr, the peak"), "args": Origin(source, ""),
               "global_batch_size": at("global_batch_size"), "total_steps": at("train_iters")}
    for name in MEGATRON_ARGS:
        origins[f"args.{name}"] = at(name)
    return Translation("megatron", TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                       applied=frozenset(k for k in ("total_steps", "lr") if overrides.get(k) is not None))


def _translate(mapping: Mapping[str, Any], request: Request) -> Translation:
    return _megatron(mapping, request.source, request.overrides)


FORMAT = register(ConfigFormat(
    "megatron", TITLE, marker_claim(MARKERS), _translate, markers=MARKERS, shared=SHARED,
    overrides=("total_steps", "lr"),
    refusals=MappingProxyType({"warmup_steps": "Megatron's warmup is lr_warmup_iters (or samples, or "
                                               "lr_warmup_fraction): change it in the config"}),
))

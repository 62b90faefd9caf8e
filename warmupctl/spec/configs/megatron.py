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
from warmupctl.spec.configs import _kit as kit

TITLE = "Megatron-LM arguments"
MARKERS = frozenset({"lr_decay_style", "lr_warmup_iters", "lr_warmup_samples", "lr_warmup_fraction",
                     "lr_warmup_init", "train_iters", "train_samples", "lr_decay_iters", "lr_decay_samples",
                     "global_batch_size", "lr_wsd_decay_style", "lr_wsd_decay_iters",
                     "lr_wsd_decay_samples", "rampup_batch_size", "yaml_cfg"})
#: warmupctl's own keys that are Megatron arguments too.
SHARED = frozenset({"lr", "min_lr", "micro_batch_size"})

#: ``get_optimizer_param_scheduler``'s training arguments (megatron/training/arguments.py names).
MEGATRON_ARGS = (
    "min_lr", "lr_warmup_init", "lr_decay_style", "lr_wsd_decay_style", "train_iters", "train_samples",
    "lr_decay_iters", "lr_decay_samples", "lr_warmup_iters", "lr_warmup_samples", "lr_warmup_fraction",
    "lr_wsd_decay_iters", "lr_wsd_decay_samples",
)


#: The weight-decay schedule (the series ``weight_decay``): top-level keys of the library spec.
WD_ARGS = ("weight_decay", "start_weight_decay", "end_weight_decay", "weight_decay_incr_style")

#: Arguments that shape the batch ramp-up (megatron-core 0.16.1's RampupBatchsizeNumMicroBatchesCalculator).
RAMP_ARGS = ("rampup_batch_size", "micro_batch_size", "decrease_batch_size_if_needed", "seq_length")
#: Functional-test YAMLs of Megatron-LM hold the flags under this key.
NESTED = "MODEL_ARGS"


def claim(mapping: Mapping[str, Any]) -> str | None:
    """Megatron's argument names, at the top or under ``MODEL_ARGS:``."""
    flat = kit.marker_claim(MARKERS)(mapping)
    if flat:
        return flat
    nested = mapping.get(NESTED)
    if isinstance(nested, Mapping):
        inner = kit.marker_claim(MARKERS)(nested)
        return f"{NESTED}: {inner}" if inner else None
    return None


def translate_arguments(raw_mapping: Mapping[str, Any], source: str, overrides: Mapping[str, Any]
                        ) -> kit.Translation:
    """Megatron's training arguments (flags or their destinations) as its library spec."""
    notes = [f"{source} read as {TITLE}: get_optimizer_param_scheduler"]
    if not kit.marker_claim(MARKERS)(raw_mapping) and isinstance(raw_mapping.get(NESTED), Mapping):
        raw_mapping = raw_mapping[NESTED]
        notes.append(f"the arguments are those under {NESTED}")
    raw, spelled = kit.unique_keys(raw_mapping, source)
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
    for name in (*MEGATRON_ARGS, *RAMP_ARGS, "lr", "global_batch_size", "step_batch_size_schedule"):
        value = raw.get(name)
        if isinstance(value, str) and "${" in value:
            variable = value[value.index("${") + 2:value.index("}", value.index("${"))]
            raise SpecError(f"holds ${variable}, which the script does not set to a literal value",
                            source=source, path=spelled[name], value=value,
                            hint=f"set {variable}=... in the script (or write the value after "
                                 f"{spelled[name]}); warmupctl does not run the script")
    if raw.get("step_batch_size_schedule") is not None:
        if raw.get("global_batch_size") is not None:
            raise SpecError("Cannot specify both --step-batch-size-schedule and --global-batch-size",
                            source=source, path=spelled["step_batch_size_schedule"],
                            value=raw["step_batch_size_schedule"],
                            hint="Megatron-LM's validate_args raises ValueError for this pair")
        raise SpecError("the step batch-size schedule is not modelled", source=source,
                        path=spelled["step_batch_size_schedule"], value=raw["step_batch_size_schedule"],
                        hint="warmupctl models --rampup-batch-size (megatron-core 0.16.1); "
                             "Megatron-LM's step schedules (from 2026-04-21) move the LR in ways it "
                             "does not replay yet")

    def at(key: str, **extra: Any) -> kit.Origin:
        return kit.Origin(source, spelled.get(key, key), **extra)

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
    for name in RAMP_ARGS:
        if raw.get("rampup_batch_size") is not None and raw.get(name) is not None:
            args[name] = raw[name]
    if raw.get("seq_length") is not None:  # tokens per sample: the tokens column of tables and plots
        args["seq_length"] = raw["seq_length"]
    if raw.get("decoupled_lr") is not None:
        notes.append(f"decoupled_lr {kit.show(raw['decoupled_lr'])} applies to the embedding and output "
                     "layers only; the table shows the LR of every other parameter")
    for name in WD_ARGS:  # schedule-bearing too: the series weight_decay (never dropped in silence)
        if raw.get(name) is not None:
            spec[name] = raw[name]
    spec["args"] = args
    origins = {"lr": at("lr", more="Megatron's --lr, the peak"), "args": kit.Origin(source, ""),
               "global_batch_size": at("global_batch_size"), "total_steps": at("train_iters")}
    for name in (*MEGATRON_ARGS, *RAMP_ARGS):
        origins[f"args.{name}"] = at(name)
    for name in WD_ARGS:
        origins[name] = at(name)
    applied = frozenset(k for k in ("total_steps", "lr") if overrides.get(k) is not None)
    return kit.Translation("megatron", TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=applied)


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    if any(kit.normalized(str(key)) == "yaml_cfg" for key in mapping):
        from warmupctl.spec.configs.megatron_yaml import from_script  # --yaml-cfg replaces the rest

        return from_script(mapping, request)
    return translate_arguments(mapping, request.source, request.overrides)


FORMAT = kit.register(kit.ConfigFormat(
    "megatron", TITLE, claim, _translate, markers=MARKERS, shared=SHARED,
    overrides=("total_steps", "lr"),
    refusals=MappingProxyType({"warmup_steps": "Megatron's warmup is lr_warmup_iters (or samples, or "
                                               "lr_warmup_fraction): change it in the config"}),
))

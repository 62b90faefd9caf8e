"""diffusers training-script arguments: an ``accelerate launch train_*.py --flags`` command, or its
argparse keys as YAML/JSON, read as the example script computes its scheduler.

Follows huggingface/diffusers ``examples/`` at commit 58eb52c0 (2026-08, 0.40.0.dev0). Every script
builds ``get_scheduler(lr_scheduler, num_warmup_steps=W_s, num_training_steps=N_s, ...)`` before
``accelerator.prepare``; accelerate then wraps it in ``AcceleratedScheduler``, which steps it only when
the gradients sync (once per update) and then ``num_processes`` times
(:mod:`warmupctl.frameworks.accelerate`): update ``k`` runs at its step ``k × P``. The run has
``R = max_train_steps`` updates, or ``num_train_epochs × ceil(ceil(L / P) / accumulation)``, with
``L = ceil(rows / train_batch_size)`` batches before sharding (no ``drop_last``; accelerate's even
sharding gives each process ``ceil(L / P)``), except in the scripts that batch by aspect-ratio bucket
(:data:`BUCKETED`), whose epochs are refused. The scripts differ in ``W_s`` and ``N_s`` (diffusers
PR #8312 fixed some of them, not all); :data:`SCRIPTS` gives each script's family:

* ``sharded`` (``train_dreambooth_lora.py``, ``train_text_to_image.py``, ...): ``W_s = W × P``,
  ``N_s = max_train_steps × P`` or ``num_train_epochs × P × ceil(ceil(L / P) / accumulation)``: the
  schedule ends with the run;
* ``processes`` (``train_dreambooth_lora_sana.py``, ...): ``W_s = W × P``, ``N_s = M × P`` where
  ``M = max_train_steps`` or ``num_train_epochs × ceil(L / accumulation)`` counted before sharding:
  the schedule is P times longer than the run when it counts epochs;
* ``accumulation`` (``train_text_to_image_sdxl.py``, ...): ``W_s = W × accumulation``, ``N_s = M ×
  accumulation``;
* ``plain`` (``train_t2i_adapter_sdxl.py``): ``W_s = W``, ``N_s = M``.

``--scale_lr`` multiplies ``learning_rate`` by ``gradient_accumulation_steps × train_batch_size × P``.
``num_cycles=lr_num_cycles`` and ``power=lr_power`` reach ``get_scheduler`` only in the scripts that
pass them. Defaults that every script in :data:`SCRIPTS` shares are used (``lr_scheduler`` constant,
``lr_warmup_steps`` 500, ``gradient_accumulation_steps`` 1, ``lr_num_cycles`` 1, ``lr_power`` 1.0);
those that differ between scripts (``learning_rate``, ``train_batch_size``, ``num_train_epochs``) must
be given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import KEYS
from warmupctl.spec.configs import _kit as kit
from warmupctl.spec.configs.shell import LAUNCH_KEY, SCRIPT_KEY

TITLE = "diffusers training-script arguments"
COMMIT = "diffusers 58eb52c0, examples/"
MARKERS = frozenset({"lr_warmup_steps", "lr_num_cycles", "lr_power", "pretrained_model_name_or_path",
                     "train_text_encoder", "max_train_steps_per_epoch"})


class Script(NamedTuple):
    """How one example script builds its scheduler."""

    family: str  #: sharded, processes, accumulation or plain (module docstring)
    cycles_and_power: bool  #: passes num_cycles=lr_num_cycles, power=lr_power to get_scheduler


#: Scripts whose loader batches by aspect-ratio bucket (``BucketBatchSampler``): an epoch's batches depend
#: on the images, not on the rows alone.
BUCKETED = frozenset({
    "train_dreambooth_lora_flux2.py", "train_dreambooth_lora_flux2_img2img.py",
    "train_dreambooth_lora_flux2_klein.py", "train_dreambooth_lora_flux2_klein_img2img.py",
    "train_dreambooth_lora_flux_kontext.py", "train_dreambooth_lora_ideogram4.py",
    "train_dreambooth_lora_z_image.py", "train_dreambooth_lora_krea2.py",
    "train_dreambooth_lora_qwen_image.py"})


_S, _P, _A = "sharded", "processes", "accumulation"
#: The example scripts at the cited commit whose scheduler warmupctl reproduces, by file name.
SCRIPTS: Mapping[str, Script] = MappingProxyType({
    **{name: Script(_S, True) for name in (
        "train_dreambooth_lora_flux_advanced.py", "train_dreambooth_lora_sd15_advanced.py",
        "train_dreambooth_lora_sdxl_advanced.py", "train_controlnet.py", "train_controlnet_sdxl.py",
        "train_dreambooth.py", "train_dreambooth_flux.py", "train_dreambooth_lora.py",
        "train_dreambooth_lora_flux.py", "train_dreambooth_lora_flux2.py",
        "train_dreambooth_lora_flux2_img2img.py",
        "train_dreambooth_lora_flux2_klein.py", "train_dreambooth_lora_flux2_klein_img2img.py",
        "train_dreambooth_lora_flux_kontext.py", "train_dreambooth_lora_ideogram4.py",
        "train_dreambooth_lora_sdxl.py", "train_dreambooth_lora_z_image.py", "train_control_flux.py",
        "train_control_lora_flux.py")},
    **{name: Script(_S, False) for name in (
        "train_lcm_distill_lora_sdxl.py", "train_custom_diffusion.py", "train_instruct_pix2pix.py",
        "train_text_to_image.py", "train_text_to_image_lora.py")},
    **{name: Script(_P, True) for name in (
        "train_cogvideox_image_to_video_lora.py", "train_cogvideox_lora.py", "train_controlnet_sd3.py",
        "train_dreambooth_lora_hidream.py", "train_dreambooth_lora_krea2.py",
        "train_dreambooth_lora_lumina2.py",
        "train_dreambooth_lora_qwen_image.py", "train_dreambooth_lora_sana.py", "train_dreambooth_sd3.py")},
    **{name: Script(_A, False) for name in (
        "train_instruct_pix2pix_sdxl.py", "train_text_to_image_decoder.py",
        "train_text_to_image_lora_decoder.py", "train_text_to_image_lora_prior.py",
        "train_text_to_image_prior.py", "train_text_to_image_lora_sdxl.py",
        "train_text_to_image_sdxl.py")},
    "train_t2i_adapter_sdxl.py": Script("plain", True),
})
#: Arguments that decide len(train_dataset), which --dataset-size must give.
DATASET_SHAPING = ("repeats", "max_train_samples", "with_prior_preservation", "num_class_images")
#: get_scheduler's names the scripts can use (piecewise_constant needs step_rules, which no script passes).
NAMES = ("linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup")


def _claim(mapping: Mapping[str, Any]) -> str | None:
    return kit.marker_claim(MARKERS)(mapping)


def _count(raw: Mapping[str, Any], key: str, spelled: Mapping[str, str], default: int | None = None,
           minimum: int = 0) -> int | None:
    value = raw.get(key, default)
    if value is None:
        return None
    if isinstance(value, str) and "${" in value:  # shell.UNKNOWN: a variable the script does not set
        raise SpecError("holds a variable the script does not set literally", path=spelled.get(key, key),
                        value=value, hint="give the value itself")
    return v.as_count(value, spelled.get(key, key), minimum=minimum)


def _required(raw: Mapping[str, Any], key: str, spelled: Mapping[str, str]) -> int:
    """A count whose argparse default differs between the scripts: it must be given."""
    value = _count(raw, key, spelled, minimum=1)
    if value is None:
        raise SpecError("is not given, and its default differs between the diffusers scripts", path=key,
                        hint=f"give --{key} as the command does")
    return value


def _processes(raw: Mapping[str, Any], request: kit.Request) -> tuple[int, str]:
    if request.facts.get("devices") is not None:
        return request.facts["devices"], f"--devices {request.facts['devices']}"
    launch = raw.get(LAUNCH_KEY)
    if isinstance(launch, Mapping):
        flags, _ = kit.unique_keys(launch, "accelerate launch")
        if flags.get("num_processes") is not None:
            count = v.as_count(flags["num_processes"], "accelerate launch --num_processes", minimum=1)
            return count, f"accelerate launch --num_processes {count}"
        raise SpecError("has no --num_processes (--multi_gpu runs one process per GPU of the machine)",
                        path="accelerate launch",
                        hint="pass --devices N: the processes accelerate launches (its --num_processes, or "
                             "its config file's num_processes)")
    raise SpecError("accelerate steps the scheduler once per process per update", path="lr_scheduler",
                    hint="pass --devices N: the processes accelerate launches (1 for one GPU)")


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    raw, spelled = kit.unique_keys(mapping, source)
    script_name = raw.get(SCRIPT_KEY)
    processes, processes_how = _processes(raw, request)
    accum = _count(raw, "gradient_accumulation_steps", spelled, 1, minimum=1) or 1
    script = None
    if script_name is not None:
        base = str(script_name).rsplit("/", 1)[-1]
        script = SCRIPTS.get(base)
        if script is None:
            raise SpecError("is not a diffusers example script whose scheduler warmupctl knows",
                            path=SCRIPT_KEY, value=base,
                            hint=f"the scripts scale lr_warmup_steps and the length differently ({COMMIT}); "
                                 "docs/configs.md lists those warmupctl reads")
    elif processes > 1 or accum > 1:
        raise SpecError("does not say which diffusers script reads it, and the scripts scale the schedule "
                        f"differently with {processes} processes and accumulation {accum}", path=SCRIPT_KEY,
                        hint="add training_script: train_dreambooth_lora.py (the script you launch)")
    family = script.family if script else "sharded"  # with one process and no accumulation all agree
    name = v.as_str(raw.get("lr_scheduler", "constant"), spelled.get("lr_scheduler", "lr_scheduler"))
    if name not in NAMES:
        raise SpecError("is not a scheduler the diffusers scripts can build",
                        path=spelled.get("lr_scheduler"),
                        value=name, hint="get_scheduler takes " + ", ".join(NAMES)
                        + " (piecewise_constant needs step_rules, which the scripts do not pass)")
    if request.overrides.get("lr") is not None:
        lr, lr_path = v.as_positive(request.overrides["lr"], "--lr"), "--lr"
    elif raw.get("learning_rate") is not None:
        lr, lr_path = v.as_positive(raw["learning_rate"], spelled["learning_rate"]), spelled["learning_rate"]
    else:
        raise SpecError("is not given, and its default differs between the scripts", path="learning_rate",
                        hint="give --learning_rate as the command does, or pass --lr")
    warmup = _count(raw, "lr_warmup_steps", spelled, 500) or 0
    if request.overrides.get("warmup_steps") is not None:
        warmup = v.as_count(request.overrides["warmup_steps"], "--warmup-steps")
    cap_flag = request.overrides.get("total_steps")
    cap = v.as_count(cap_flag, "--total-steps", minimum=1) if cap_flag is not None else \
        _count(raw, "max_train_steps", spelled, minimum=1)
    which = (f"{script_name} as diffusers 58eb52c0 has it: {family}" if script
             else "no training_script: one process, no accumulation")
    notes = [f"{source} read as {TITLE} ({which}; {processes} processes from {processes_how})"]
    if cap is not None:
        run = cap
        scheduler_total = cap * {"sharded": processes, "processes": processes, "accumulation": accum,
                                 "plain": 1}[family]
        how = f"max_train_steps {cap}" + (" (--total-steps sets it)" if cap_flag is not None else "")
    else:
        rows = request.facts.get("dataset_size")
        if script is not None and str(script_name).rsplit("/", 1)[-1] in BUCKETED:
            raise SpecError(f"is counted by {script_name}'s aspect-ratio buckets (BucketBatchSampler): an "
                            "epoch's batches depend on the images", path="num_train_epochs",
                            value=raw.get("num_train_epochs"),
                            hint="give max_train_steps, or pass --total-steps N (it sets max_train_steps)")
        if rows is None:
            raise SpecError("the run is num_train_epochs of the dataset", path="num_train_epochs",
                            value=raw.get("num_train_epochs"),
                            hint="pass --dataset-size N (the training rows) or --total-steps N "
                                 "(max_train_steps)")
        epochs = _required(raw, "num_train_epochs", spelled)
        batch = _required(raw, "train_batch_size", spelled)
        batches = math.ceil(rows / batch)
        run = epochs * math.ceil(math.ceil(batches / processes) / accum)
        before = epochs * math.ceil(batches / accum)
        scheduler_total = {"sharded": run * processes, "processes": before * processes,
                           "accumulation": before * accum, "plain": before}[family]
        how = (f"num_train_epochs {epochs} × ceil(ceil({batches} batches (ceil({rows} / train_batch_size "
               f"{batch})) / {processes} processes) / accumulation {accum})")
        shaping = [spelled[key] for key in DATASET_SHAPING if raw.get(key) not in (None, False)]
        if shaping:
            notes.append(f"{', '.join(shaping)} change the rows of an epoch: --dataset-size {rows} must be "
                         "len(train_dataset) after them (DreamBooth: instance images × repeats, or "
                         "num_class_images when larger, with prior preservation)")
    factor = {"sharded": processes, "processes": processes, "accumulation": accum, "plain": 1}[family]
    w_s = warmup * factor
    notes.append(f"the run has {run} updates ({how}); get_scheduler({name}, num_warmup_steps={w_s} "
                 f"(lr_warmup_steps {warmup} × {factor}), num_training_steps={scheduler_total}), stepped "
                 f"{processes} times per update by accelerate")
    if name != "constant" and scheduler_total > run * processes:
        notes.append(f"the run ends at the scheduler's step {run * processes} of its {scheduler_total}: "
                     f"{script_name or 'the script'} counts the schedule "
                     + ("in micro-batches while accelerate steps it per update" if family == "accumulation"
                        else "before sharding the data over the processes")
                     + " (diffusers PR #8312 fixed this in the dreambooth and text_to_image scripts)")
    if raw.get("scale_lr") is not None and v.as_bool(raw["scale_lr"], spelled["scale_lr"]):
        batch = _required(raw, "train_batch_size", spelled)
        given_lr = lr
        lr = lr * accum * batch * processes
        notes.append(f"scale_lr: learning_rate {kit.number(given_lr)} × accumulation {accum} × "
                     f"train_batch_size {batch} × {processes} processes = {kit.number(lr)}")
    inner_args: dict[str, Any] = {"num_training_steps": scheduler_total}
    if name != "constant":
        inner_args["num_warmup_steps"] = w_s
    passes = script.cycles_and_power if script else None
    for key, arg, wanted, default in (("lr_num_cycles", "num_cycles", "cosine_with_restarts", 1),
                                      ("lr_power", "power", "polynomial", 1.0)):
        given = raw.get(key)
        if name == wanted:
            if passes is False:
                if given is not None:
                    notes.append(f"{spelled[key]} {given} is not passed to get_scheduler by {script_name}: "
                                 f"{arg} stays {default}")
                continue
            if passes is None and given is not None:
                raise SpecError(f"reaches get_scheduler only in some scripts ({wanted})", path=spelled[key],
                                value=given, hint="add training_script: the script you launch")
            inner_args[arg] = given if given is not None else default
        elif given is not None and given != default:
            notes.append(f"{spelled[key]} {given} has no effect on lr_scheduler {name}")
    if warmup and name == "constant" and "lr_warmup_steps" in raw:
        notes.append(f"lr_warmup_steps {warmup} has no effect on lr_scheduler constant")
    inner = {"schedule": f"diffusers.{name}", "lr": lr, "args": inner_args}
    spec = {"schedule": "accelerate.AcceleratedScheduler",
            "args": {"scheduler": inner, "num_processes": processes}, "total_steps": run}
    origins = {"args.scheduler.lr": kit.Origin(source, lr_path),
               "args.scheduler": kit.Origin(source, spelled.get("lr_scheduler", "lr_scheduler"))}
    return kit.Translation("diffusers", TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=request.given("lr", "total_steps", "warmup_steps"))


FORMAT = kit.register(kit.ConfigFormat(
    "diffusers", TITLE, _claim, _translate, markers=MARKERS, shared=frozenset(KEYS),
    facts=("dataset_size", "devices"),
    outranks=("transformers", "deepspeed", "megatron", "timm", "lightning"),
    overrides=("lr", "total_steps", "warmup_steps"),
))

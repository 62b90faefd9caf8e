"""transformers ``TrainingArguments`` (YAML/JSON, HfArgumentParser files of TRL and alignment-handbook).

``Trainer.create_scheduler`` calls ``get_scheduler(lr_scheduler_type, num_warmup_steps=W,
num_training_steps=N, scheduler_specific_kwargs=lr_scheduler_kwargs)`` at ``learning_rate``
(transformers 5.23.0 ``trainer.py``, ``optimization.py``). N is ``max_steps`` when > 0, else
``num_train_epochs`` epochs of updates counted as the Trainer counts them
(:mod:`warmupctl.core.steps`); TrainingArguments holds no dataset size, so the config (or
``--dataset-size``) adds ``dataset_size`` (alias ``num_examples``), and ``world_size`` (alias
``n_gpu``, default 1). W is ``TrainingArguments.get_warmup_steps(N)``: 5.x ``warmup_steps`` is a ratio
below 1 (``ceil(N × w)``) and a count from 1 (``int(w)``); 4.x ``warmup_ratio`` gives ``ceil(N × ratio)``
unless ``warmup_steps > 0`` (``training_args.py``).

With a DeepSpeed config (``deepspeed:`` or ``--deepspeed``), transformers' integration fills its
``"auto"`` values from these arguments and its ``scheduler`` block replaces ``lr_scheduler_type``
(``integrations/deepspeed.py``: ``deepspeed_optim_sched`` builds no Trainer scheduler then).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from warmupctl.core import steps as arithmetic
from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.core.rounding import ratio_to_steps, transformers_ratio_to_steps
from warmupctl.spec.configs import _kit as kit
from warmupctl.spec.configs._versions import parse_pairs, version_of
from warmupctl.spec.configs.deepspeed import (
    TITLE as DS_TITLE,
)
from warmupctl.spec.configs.deepspeed import (
    DeepSpeedConfig,
    fill,
    named_config,
    no_auto,
    scheduler_entry,
    value_at,
)

TITLE = "transformers TrainingArguments"
MARKERS = frozenset({"lr_scheduler_type", "learning_rate", "per_device_train_batch_size", "num_train_epochs",
                     "lr_scheduler_kwargs", "max_steps", "output_dir", "per_device_eval_batch_size",
                     "dataloader_drop_last"})
#: The flags that set TrainingArguments: --total-steps is max_steps, --lr is learning_rate.
FORMAT_OVERRIDES = ("total_steps", "lr", "warmup_steps")
#: warmupctl's own keys that are TrainingArguments keys too (or facts the reader takes).
SHARED = frozenset({"warmup_steps", "warmup_ratio", "dataset_size", "loop"})


#: transformers' scheduler types that follow a metric, not the update count.
_METRIC_DRIVEN = {"reduce_lr_on_plateau", "greedy"}
#: get_scheduler passes lr_scheduler_kwargs to every type but these (transformers 5.23.0
#: optimization.py: constant gets no argument, constant_with_warmup and inverse_sqrt only W).
_NO_KWARGS = {"constant", "constant_with_warmup", "inverse_sqrt"}


#: The releases whose arithmetic differs, each with what changed (``trainer.py``
#: ``set_initial_training_values`` and ``training_args.py`` ``get_warmup_steps``/``__post_init__`` of
#: each release, read from the published wheels).
#: 4.52 (PR #37923): updates per epoch ceil instead of floor; 5.0: ``warmup_steps`` below 1 a ratio
#: and ``warmup_ratio`` copied over it; 5.15: no ``warmup_ratio``.
ERAS: tuple[tuple[tuple[int, int, int], str], ...] = (
    ((4, 51, 3), "≤ 4.51"), ((4, 57, 6), "4.52-4.57"), ((5, 14, 0), "5.0-5.14"), ((5, 25, 0), "≥ 5.15"),
)


@dataclass(frozen=True)
class _Trainer:
    """The Trainer facts a schedule depends on, validated (TrainingArguments' defaults for the rest)."""

    lr: float
    scheduler: str
    kwargs: dict[str, Any]
    max_steps: int
    epochs: Any
    per_device: int
    grad_accum: int
    world: int | None
    dataset: int | None
    drop_last: bool
    version: tuple[int, int, int]

    @property
    def loop(self) -> str:
        """The epoch count of this release (:data:`warmupctl.core.steps.LOOPS`): transformers PR
        #37923, first released in 4.52.0, made ``num_update_steps_per_epoch`` a ceiling."""
        return "transformers" if self.version >= (4, 52, 0) else "transformers_4_51"


def _trainer_facts(raw: Mapping[str, Any], facts: Mapping[str, int], version: tuple[int, int, int]
                   ) -> _Trainer:
    lr = v.as_nonnegative(raw.get("learning_rate", 5e-5), "learning_rate")
    scheduler = v.as_str(raw.get("lr_scheduler_type", "linear"), "lr_scheduler_type")
    scheduler = scheduler.removeprefix("SchedulerType.").lower()
    if scheduler in _METRIC_DRIVEN:
        raise SpecError("follows the evaluation metric, not the update count", path="lr_scheduler_type",
                        value=scheduler, hint="warmupctl cannot know the metrics of a run")
    names = kit.library_names("transformers")
    if scheduler not in names:
        raise SpecError("unknown lr_scheduler_type", path="lr_scheduler_type", value=scheduler,
                        hint=v.did_you_mean(scheduler, names) or v.one_of(names))
    kwargs = raw.get("lr_scheduler_kwargs") or {}
    if isinstance(kwargs, str):
        # TrainingArguments.__post_init__ parses a JSON string (the --lr_scheduler_kwargs '{...}' form).
        try:
            kwargs = json.loads(kwargs)
        except json.JSONDecodeError as exc:
            raise SpecError(f"not JSON: {exc.msg}", path="lr_scheduler_kwargs", value=kwargs,
                            hint='e.g. {"min_lr_rate": 0.1}') from None
    kwargs = dict(v.as_mapping(kwargs, "lr_scheduler_kwargs"))

    def count(key: str, default: int, minimum: int = 1) -> int:
        return v.as_count(raw.get(key, default), key, minimum=minimum)

    # Command-line facts win over the file's, as a flag wins over a spec's key.
    world = facts.get("devices") or kit.one_of(raw, ("world_size", "n_gpu"), "processes training together")[0]
    dataset = facts.get("dataset_size") or kit.one_of(raw, ("dataset_size", "num_examples"),
                                                   "samples in one epoch")[0]
    drop = raw.get("dataloader_drop_last", False)
    if raw.get("loop") is not None:
        raise SpecError("the Trainer's count follows its version, not a loop key", path="loop",
                        value=raw["loop"], hint="remove it and say the version: library_version: "
                                               "{transformers: 4.51.3} or --library-version "
                                               "transformers=4.51.3")
    return _Trainer(
        lr=lr, scheduler=scheduler, kwargs=kwargs,
        max_steps=v.as_int(raw.get("max_steps", -1), "max_steps"),
        epochs=raw.get("num_train_epochs", 3.0),
        per_device=count("per_device_train_batch_size", 8),
        grad_accum=count("gradient_accumulation_steps", 1),
        world=world, dataset=dataset,
        drop_last=v.as_bool(drop, "dataloader_drop_last") if drop is not None else False,
        version=version,
    )


def _training_steps(t: _Trainer, notes: list[str]) -> tuple[int, str]:
    """N, as ``Trainer.set_initial_training_values`` computes it, and the key it came from."""
    if t.max_steps > 0:
        if t.dataset is not None:
            notes.append(f"max_steps {t.max_steps} overrides num_train_epochs (as the Trainer does)")
        notes.append(f"num_training_steps {t.max_steps}: max_steps")
        return t.max_steps, "max_steps"
    if t.dataset is None:
        raise SpecError(f"max_steps is {t.max_steps} and no dataset size", path="max_steps",
                        hint="add max_steps or dataset_size (samples in one epoch; with "
                             "per_device_train_batch_size, gradient_accumulation_steps and world_size), "
                             "or pass --dataset-size N or --total-steps N")
    epochs = v.as_positive(t.epochs, "num_train_epochs")
    if t.world is None:
        raise SpecError("the Trainer counts each process's share of the dataset", path="num_train_epochs",
                        value=t.epochs, hint="pass --devices N (the processes training together; 1 for one "
                                             "GPU) or add world_size")
    world = t.world
    facts = arithmetic.BatchFacts(micro_batch_size=t.per_device, devices=world, grad_accum=t.grad_accum,
                                  dataset_size=t.dataset, drop_last=t.drop_last)
    amount = arithmetic.exact(epochs)
    count = arithmetic.epoch_count(facts, amount, t.loop)
    assert count.total is not None  # the transformers loops run fractional epochs
    how = arithmetic.describe_epochs(facts, amount, count)
    if count.note:
        how += f"; {count.note}"
    notes.append(f"num_training_steps {count.total}: num_train_epochs {kit.number(epochs)} give "
                 f"{count.total} updates ({how})")
    return count.total, "num_train_epochs"


def _warmup_steps(raw: Mapping[str, Any], t: _Trainer, n: int, notes: list[str]) -> tuple[int, str]:
    """W = ``TrainingArguments.get_warmup_steps(N)`` of the release in use.

    4.x: ``warmup_steps`` (an int) if > 0, else ``ceil(N × warmup_ratio)``. 5.0-5.14: ``__post_init__``
    copies a ``warmup_ratio`` that is not None over ``warmup_steps``; then ``int(w)`` from 1 on, else
    ``ceil(N × w)``. 5.15 and later have no ``warmup_ratio`` field (TrainingArguments raises TypeError,
    HfArgumentParser ValueError on the unused key).
    """
    ratio_given = raw.get("warmup_ratio") is not None
    if t.version < (5, 0, 0):
        ratio = v.as_float(raw.get("warmup_ratio", 0.0), "warmup_ratio")
        if not 0.0 <= ratio <= 1.0:
            raise SpecError("transformers raises ValueError: warmup_ratio must lie in range [0,1]",
                            path="warmup_ratio", value=raw["warmup_ratio"])
        given = raw.get("warmup_steps", 0)
        value = v.as_float(given, "warmup_steps")
        if value != int(value) or value < 0:
            raise SpecError("transformers 4.x takes warmup_steps as a count of updates", path="warmup_steps",
                            value=given, hint="a ratio is warmup_ratio before 5.0 (warmup_steps < 1 is one "
                                              "from 5.0): say the version with --library-version")
        steps = int(value)
        if steps > 0:
            if ratio > 0:
                notes.append(f"warmup_steps {steps} wins over warmup_ratio {kit.number(ratio)} (transformers "
                             "4.x get_warmup_steps)")
            notes.append(f"num_warmup_steps {steps}: warmup_steps")
            return steps, "warmup_steps"
        return _ratio(ratio, n, "warmup_ratio", notes), "warmup_ratio"
    key = "warmup_steps"
    if ratio_given:
        if t.version >= (5, 15, 0):
            raise SpecError("transformers 5.15 and later have no warmup_ratio (TrainingArguments raises "
                            "TypeError)", path="warmup_ratio", value=raw["warmup_ratio"],
                            hint="write it as warmup_steps (below 1 it is a ratio), or say the version "
                                 "this config runs under: --library-version transformers=4.57.6")
        if raw.get("warmup_steps") not in (None, 0):
            notes.append(f"warmup_ratio {kit.number(v.as_float(raw['warmup_ratio'], 'warmup_ratio'))} "
                         f"overwrites warmup_steps {raw['warmup_steps']} (transformers 5.0-5.14 "
                         "TrainingArguments.__post_init__)")
        key = "warmup_ratio"
    given = raw.get(key, 0)
    value = v.as_float(given, key)
    if value < 0:
        raise SpecError("transformers raises ValueError: warmup_steps must be a positive integer or a "
                        "ratio in [0, 1)", path=key, value=given)
    if value < 1:
        return _ratio(value, n, key, notes), key
    steps = int(value)
    if isinstance(given, float) and value == 1.0:
        notes.append(f"{key} 1.0 is one update, not 100 % (transformers 5.x: from 1 on it counts)")
    elif steps != value:
        notes.append(f"{key} {kit.number(value)} is truncated to {steps} updates (int(), transformers 5.x)")
    notes.append(f"num_warmup_steps {steps}: {key}")
    return steps, key


def _lengths(raw: Mapping[str, Any], t: _Trainer, notes: list[str]) -> tuple[int, str, int, str]:
    n, n_key = _training_steps(t, notes)
    w, w_key = _warmup_steps(raw, t, n, notes)
    return n, n_key, w, w_key


def _other_releases(raw: Mapping[str, Any], t: _Trainer, n: int, w: int) -> list[str]:
    """What the other releases would give where they differ from ``(n, w)``, one line each."""
    lines = []
    own = next(i for i, (last, _) in enumerate(ERAS) if t.version <= last or last == ERAS[-1][0])
    for index, (last, label) in enumerate(ERAS):
        if index == own:
            continue
        try:
            other_n, _, other_w, _ = _lengths(raw, replace(t, version=last), [])
        except SpecError as exc:
            lines.append(f"{label} refuses it ({exc.path}: {exc.message})")
            continue
        if (other_n, other_w) != (n, w):
            lines.append(f"{label} gives num_training_steps {other_n}, num_warmup_steps {other_w}")
    return lines


def _ratio(ratio: float, n: int, key: str, notes: list[str]) -> int:
    if ratio == 0:
        notes.append(f"no warmup: {key} 0")
        return 0
    steps = transformers_ratio_to_steps(ratio, n)
    exact = ratio_to_steps(ratio, n)
    line = f"num_warmup_steps {steps}: {key} {kit.number(ratio)} of {n} updates, math.ceil(N × ratio)"
    if steps != exact:
        line += (f" in floating point ({n} × {kit.number(ratio)} = {n * ratio!r}, one more than the "
                 f"{exact} of the decimal)")
    notes.append(line)
    return steps


def _transformers(raw_mapping: Mapping[str, Any], request: kit.Request,
                  fallback: tuple[str, str] | None = None, title: str = TITLE,
                  kind: str = "transformers") -> kit.Translation:
    source = request.source
    raw, spelled = kit.unique_keys(raw_mapping, source)
    notes: list[str] = []
    raw = _apply_overrides(raw, request, notes)
    version = version_of("transformers", request.versions,
                         parse_pairs(raw.get("library_version"), "library_version"), source, fallback)
    t = _trainer_facts(raw, request.facts, version.parts)
    path, deepspeed = request.path, request.deepspeed
    ds = named_config(raw, spelled, source, path, deepspeed, notes)
    optimizer_lr = t.lr
    if ds is not None:
        t = _batch_against_deepspeed(t, ds, notes)
        optimizer_lr = _optimizer_lr(ds, t)
    n, n_key, w, w_key = _lengths(raw, t, notes)
    notes.insert(0, f"counted as {version.said}")
    others = _other_releases(raw, t, n, w)
    if others:
        notes.insert(1, "other transformers releases differ: " + "; ".join(others))

    def at(key: str, **extra: Any) -> kit.Origin:
        return kit.Origin(source, spelled.get(key, key), **extra)

    origins = {"lr": at("learning_rate"), "schedule": at("lr_scheduler_type"),
               "args.num_training_steps": at(n_key), "total_steps": at(n_key),
               "args.num_warmup_steps": at(w_key), "args": at("lr_scheduler_kwargs")}
    if ds is not None and ds.block is not None:
        spec = _deepspeed_with_trainer(ds, t, optimizer_lr, n, w, notes, origins)
        title = f"{title} + {DS_TITLE}"
    else:
        spec = _trainer_spec(t, n, w, notes, origins, at)
        if ds is not None:
            notes.append(f"{ds.name} has no scheduler block: the Trainer's lr_scheduler_type "
                         f"{t.scheduler} runs (DeepSpeed's engine steps it after each update, as the "
                         "Trainer would)")
    notes.insert(0, f"{source} read as {title}: {spec['schedule']}")
    return kit.Translation(kind, title, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=request.given(*FORMAT_OVERRIDES))


def _trainer_spec(t: _Trainer, n: int, w: int, notes: list[str], origins: dict[str, kit.Origin],
                  at: Any) -> dict[str, Any]:
    """``get_scheduler(lr_scheduler_type, optimizer, W, N, lr_scheduler_kwargs)`` as a library spec."""
    args: dict[str, Any] = {"num_warmup_steps": w, "num_training_steps": n}
    if t.scheduler == "constant" and not w:
        del args["num_warmup_steps"]
    if t.kwargs and t.scheduler in _NO_KWARGS:
        notes.append(f"lr_scheduler_kwargs {kit.show(t.kwargs)} are not used: transformers' get_scheduler "
                     f"passes none to {t.scheduler}")
    elif t.kwargs:
        for key, value in t.kwargs.items():
            if key in ("num_warmup_steps", "num_training_steps"):
                raise SpecError(f"transformers raises TypeError: get_scheduler already passes {key}",
                                path=f"lr_scheduler_kwargs.{key}", value=value,
                                hint="set warmup_steps or max_steps instead")
            args[key] = value
            origins[f"args.{key}"] = at(f"lr_scheduler_kwargs.{key}")
    return {"schedule": f"transformers.{t.scheduler}", "lr": t.lr, "args": args}



def _batch_against_deepspeed(t: _Trainer, ds: DeepSpeedConfig, notes: list[str]) -> _Trainer:
    """``trainer_config_process``'s batch checks; the world size comes from ``train_batch_size``
    when the Trainer arguments do not say it (DeepSpeed requires batch = micro × accumulation × world)."""
    fill(ds, "train_micro_batch_size_per_gpu", t.per_device, "per_device_train_batch_size")
    fill(ds, "gradient_accumulation_steps", t.grad_accum, "gradient_accumulation_steps")
    total = value_at(ds, "train_batch_size")
    if total is None or total == kit.AUTO:
        return t
    total = v.as_count(total, ds.prefix + "train_batch_size", minimum=1)
    if t.world is not None:
        fill(ds, "train_batch_size", t.world * t.per_device * t.grad_accum,
              "train_batch_size (calculated: world_size × per_device_train_batch_size × "
              "gradient_accumulation_steps)")
        return t
    per_process = t.per_device * t.grad_accum
    if total % per_process:
        raise ds.error(f"is not a multiple of per_device_train_batch_size × gradient_accumulation_steps "
                       f"= {per_process}", "train_batch_size", total,
                       "DeepSpeed requires train_batch_size = micro batch × accumulation × world size")
    world = total // per_process
    notes.append(f"world_size {world}: train_batch_size {total} of {ds.name} ÷ "
                 f"(per_device_train_batch_size {t.per_device} × gradient_accumulation_steps "
                 f"{t.grad_accum})")
    return replace(t, world=world)


#: Scheduler params transformers fills from the Trainer (``trainer_config_process``/``_finalize``).
_FILLED = ("warmup_min_lr", "warmup_max_lr", "warmup_num_steps", "total_num_steps")

def _deepspeed_with_trainer(ds: DeepSpeedConfig, t: _Trainer, lr: float, n: int, w: int, notes: list[str],
                            origins: dict[str, kit.Origin]) -> dict[str, Any]:
    """The DeepSpeed scheduler the Trainer ends up with: its block, "auto" filled from the Trainer."""
    entry, kind, params = scheduler_entry(ds)
    trainer_values = {"warmup_min_lr": (0, "warmup_min_lr", False),
                      "warmup_max_lr": (t.lr, "learning_rate", True),
                      "warmup_num_steps": (w, "get_warmup_steps(num_training_steps)", True),
                      "total_num_steps": (n, "num_training_steps (calculated)", True)}
    filled = []
    for key in _FILLED:
        if key in params:
            value, hf_key, must = trainer_values[key]
            was_auto = params[key] == kit.AUTO
            params[key] = fill(ds, f"scheduler.params.{key}", value, hf_key, must)
            if was_auto:
                filled.append(f"{key} {kit.number(value) if isinstance(value, float) else value}")
                origins[f"args.{key}"] = ds.origin(f"scheduler.params.{key}",
                                                   more=f'"auto" was filled with the Trainer\'s {hf_key}')
    no_auto(ds, params, "transformers fills only warmup_min_lr, warmup_max_lr, warmup_num_steps and "
                         "total_num_steps; write a number")
    notes.append(f"DeepSpeed's scheduler block ({kind}) replaces the Trainer's lr_scheduler_type "
                 f"{t.scheduler}, as transformers' DeepSpeed integration does (deepspeed_optim_sched "
                 "builds no Trainer scheduler when the config has one)")
    if t.kwargs:
        notes.append(f"lr_scheduler_kwargs {kit.show(t.kwargs)} are not used either")
    if filled:
        notes.append(f"\"auto\" filled from the Trainer arguments: {', '.join(filled)}")
    spec: dict[str, Any] = {"schedule": f"deepspeed.{kind}"}
    if entry.lr != "unused":
        spec["lr"] = lr
    spec["args"] = params
    if "total_num_steps" not in params:
        spec["total_steps"] = n  # the Trainer stops after N updates
    origins.update({"schedule": ds.origin("scheduler.type"), "args": ds.origin("scheduler.params")})
    return spec


def _optimizer_lr(ds: DeepSpeedConfig, t: _Trainer) -> float:
    """The optimizer's LR: DeepSpeed's optimizer block ("auto": learning_rate), or the Trainer's."""
    optimizer = value_at(ds, "optimizer")
    if not isinstance(optimizer, Mapping):
        return t.lr
    params = optimizer.get("params")
    if not isinstance(params, Mapping) or params.get("lr") is None:
        raise ds.error("the optimizer block has no lr: DeepSpeed would use its optimizer's own default",
                       "optimizer.params", hint='add "lr": "auto" (the Trainer fills it with '
                                                "learning_rate) or a number")
    value = fill(ds, "optimizer.params.lr", t.lr, "learning_rate")
    return v.as_float(value, ds.prefix + "optimizer.params.lr")



def _apply_overrides(raw: dict[str, Any], request: kit.Request, notes: list[str]) -> dict[str, Any]:
    """``--total-steps`` is the Trainer's ``max_steps``; ``--lr`` its ``learning_rate``; ``--warmup-steps``
    its ``warmup_steps``."""
    out = dict(raw)
    total = request.overrides.get("total_steps")
    if total is not None:
        count = v.as_count(total, "--total-steps", minimum=1)
        notes.append(f"--total-steps {count} sets max_steps (was {raw.get('max_steps', -1)}): the Trainer "
                     "runs and schedules that many updates; a warmup ratio is taken of it")
        out["max_steps"] = count
    lr = request.overrides.get("lr")
    if lr is not None:
        notes.append(f"--lr {lr} sets learning_rate (was {raw.get('learning_rate', 5e-5)})")
        out["learning_rate"] = v.as_nonnegative(lr, "--lr")
    warmup = request.overrides.get("warmup_steps")
    if warmup is not None:
        out["warmup_steps"] = v.as_count(warmup, "--warmup-steps")
        replaced = " and drops warmup_ratio" if out.pop("warmup_ratio", None) is not None else ""
        notes.append(f"--warmup-steps {out['warmup_steps']} sets warmup_steps{replaced}")
    return out


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    return _transformers(mapping, request)


FORMAT = kit.register(kit.ConfigFormat(
    "transformers", TITLE, kit.marker_claim(MARKERS), _translate, markers=MARKERS, shared=SHARED,
    facts=("dataset_size", "devices"), with_deepspeed=True, overrides=FORMAT_OVERRIDES,
))


def trainer_arguments(*, lr: float, scheduler: str, kwargs: dict[str, Any], max_steps: int, per_device: int,
                      grad_accum: int, world: int | None) -> _Trainer:
    """The TrainingArguments another trainer hands the Trainer (axolotl), for the DeepSpeed rules here."""
    return _Trainer(lr=lr, scheduler=scheduler, kwargs=kwargs, max_steps=max_steps, epochs=None,
                    per_device=per_device, grad_accum=grad_accum, world=world, dataset=None, drop_last=False,
                    version=(5, 23, 0))


#: transformers' DeepSpeed integration, for trainers that hand TrainingArguments a DeepSpeed config
#: (axolotl): the batch checks, the scheduler block with "auto" filled, the optimizer's LR.
batch_against_deepspeed = _batch_against_deepspeed
deepspeed_with_trainer = _deepspeed_with_trainer
optimizer_lr = _optimizer_lr

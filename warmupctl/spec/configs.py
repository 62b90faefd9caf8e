"""Training configs -> library specs: the schedule a real config resolves to.

A training config is not written for warmupctl: it is what a training stack reads. This module
recognises four kinds (:data:`KINDS`) and translates each into a library spec mapping
(``schedule: transformers.cosine``, ``lr:``, ``args:``) that :mod:`warmupctl.spec.library` resolves,
doing on the way what the training stack does before it builds its scheduler:

* **transformers** ``TrainingArguments`` as YAML or JSON (a ``to_json_string()`` dump, or the keys of
  an ``HfArgumentParser`` YAML): ``get_scheduler(lr_scheduler_type, num_warmup_steps=W,
  num_training_steps=N, scheduler_specific_kwargs=lr_scheduler_kwargs)`` at ``learning_rate``.
  N is ``max_steps`` when > 0, else ``num_train_epochs`` epochs of updates counted as the Trainer
  counts them (:mod:`warmupctl.core.steps`); TrainingArguments holds no dataset size, so the config
  (or ``--dataset-size``) adds ``dataset_size`` (alias ``num_examples``), and ``world_size`` (alias
  ``n_gpu``, default 1). W is ``TrainingArguments.get_warmup_steps(N)``: 5.x ``warmup_steps`` is a
  ratio below 1 (``ceil(N × w)``) and a count from 1 (``int(w)``); 4.x ``warmup_ratio`` gives
  ``ceil(N × ratio)`` unless ``warmup_steps > 0`` (transformers 5.23.0 / 4.x ``training_args.py``).
* **deepspeed** JSON. Alone, its ``scheduler`` block is the schedule (``"auto"`` has nothing to fill
  it). Named by the Trainer arguments (``deepspeed: ds.json``, relative to the arguments file) or
  given with ``warmupctl import ARGS --deepspeed ds.json``, it goes through transformers' integration
  (``integrations/deepspeed.py``, ``HfTrainerDeepSpeedConfig``): ``"auto"`` is filled from the
  Trainer arguments (``warmup_min_lr`` 0, ``warmup_max_lr`` and ``optimizer.params.lr``
  ``learning_rate``, ``warmup_num_steps`` W, ``total_num_steps`` N, the batch sizes), a value that
  disagrees with them is the ValueError transformers raises, and a ``scheduler`` block replaces
  ``lr_scheduler_type`` (``deepspeed_optim_sched`` builds no Trainer scheduler then).
* **timm** ``args.yaml`` (what ``train.py`` saves: its argparse namespace), with ``train.py``'s
  defaults for what is left out: ``create_scheduler_v2(**scheduler_kwargs(args),
  updates_per_epoch=ceil(len(loader_train) / grad_accum_steps))`` at ``lr``, or at
  ``lr_base × (global batch / lr_base_size)`` (square root for ada*/lamb optimizers) when ``lr`` is
  unset. ``len(loader_train)`` needs ``dataset_size`` (and ``world_size``): the training loader drops
  its last incomplete batch (timm 1.0 ``train.py``, ``data/loader.py``).
* **megatron** arguments (``--lr-decay-style`` or ``lr_decay_style``): the training arguments of
  ``megatron.get_optimizer_param_scheduler``, with ``--lr`` and ``--global-batch-size``.

A translation keeps where each value came from (:class:`Origin`), so an error the library resolver
raises about ``args.num_warmup_steps`` names the config's ``warmup_steps`` instead, and notes that
say what was derived and what the stack overrides.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from warmupctl.core import steps as arithmetic
from warmupctl.core.rounding import ratio_to_steps, transformers_ratio_to_steps
from warmupctl.engine import Schedule
from warmupctl.core.errors import SpecError
from warmupctl.frameworks._registry import LibrarySchedule, load_libraries
from warmupctl.core import values as v
from warmupctl.spec.library import find_schedule
from warmupctl.spec.load import load_mapping, parse_text
from warmupctl.core.vocabulary import KEYS

AUTO = "auto"


@dataclass(frozen=True)
class ConfigKind:
    """One kind of training config.

    Attributes:
        name: ``transformers``, ``deepspeed``, ``timm``, ``megatron``.
        title: what the notes call it.
        markers: keys only this kind has (none of them a native key); any one identifies it.
        nested: markers that count only when their value is a mapping (DeepSpeed's ``optimizer``
            block, not Megatron's ``optimizer: adam``).
        facts: the command-line facts it takes (``dataset_size``, ``devices``).
    """

    name: str
    title: str
    markers: frozenset[str]
    nested: frozenset[str] = frozenset()
    facts: tuple[str, ...] = ()


KINDS: dict[str, ConfigKind] = {
    kind.name: kind
    for kind in (
        ConfigKind(
            "transformers", "transformers TrainingArguments",
            frozenset({"lr_scheduler_type", "learning_rate", "per_device_train_batch_size",
                       "num_train_epochs", "lr_scheduler_kwargs", "max_steps", "output_dir",
                       "per_device_eval_batch_size", "dataloader_drop_last"}),
            facts=("dataset_size", "devices"),
        ),
        ConfigKind(
            "deepspeed", "DeepSpeed config",
            frozenset({"train_batch_size", "train_micro_batch_size_per_gpu", "zero_optimization",
                       "scheduler", "optimizer", "gradient_clipping", "steps_per_print", "fp16",
                       "bf16", "wall_clock_breakdown", "zero_allow_untested_optimizer"}),
            nested=frozenset({"scheduler", "optimizer", "fp16", "bf16", "zero_optimization"}),
        ),
        ConfigKind(
            "timm", "timm args.yaml",
            frozenset({"sched", "lr_base", "lr_base_size", "lr_base_scale", "sched_on_updates",
                       "warmup_lr", "cooldown_epochs", "lr_cycle_mul", "lr_cycle_decay",
                       "lr_cycle_limit", "lr_k_decay", "lr_noise", "decay_milestones",
                       "patience_epochs", "grad_accum_steps"}),
            facts=("dataset_size", "devices"),
        ),
        ConfigKind(
            "megatron", "Megatron-LM arguments",
            frozenset({"lr_decay_style", "lr_warmup_iters", "lr_warmup_samples", "lr_warmup_fraction",
                       "lr_warmup_init", "train_iters", "train_samples", "lr_decay_iters",
                       "lr_decay_samples", "global_batch_size", "lr_wsd_decay_style",
                       "lr_wsd_decay_iters", "lr_wsd_decay_samples", "rampup_batch_size"}),
        ),
    )
}


@dataclass(frozen=True)
class Origin:
    """Where a key of the translated spec came from.

    Attributes:
        source: the file.
        path: the key path in it (``""``: the same name at the top level).
        hint: replaces the resolver's hint (which speaks of the library spec's keys).
        more: added to the resolver's hint.
    """

    source: str
    path: str
    hint: str | None = None
    more: str | None = None


@dataclass(frozen=True)
class Translation:
    """A config translated into a library spec.

    Attributes:
        kind: a :data:`KINDS` name.
        title: what it was read as ("transformers TrainingArguments + DeepSpeed config").
        source: the config file.
        spec: the library spec mapping (plain YAML/JSON data).
        notes: what was derived and what the training stack overrides, one line each.
        origins: spec key path (or prefix) -> :class:`Origin`, for errors.
    """

    kind: str
    title: str
    source: str
    spec: Mapping[str, Any]
    notes: tuple[str, ...] = ()
    origins: Mapping[str, Origin] = field(default_factory=lambda: MappingProxyType({}))

    def locate(self, exc: SpecError) -> SpecError:
        """Move an error about the translated spec onto the config key it came from."""
        if exc.source not in (None, self.source):
            return exc  # a flag, or a file that was read already located its own error
        path = exc.path or ""
        best = max((key for key in self.origins
                    if path == key or path.startswith((key + ".", key + "["))), key=len, default=None)
        if best is None:
            return exc.located(source=self.source)
        origin = self.origins[best]
        rest = path[len(best):]
        where = origin.path + rest if origin.path else rest.lstrip(".")
        hint = origin.hint or exc.hint
        if origin.more:
            hint = f"{hint}; {origin.more}" if hint else origin.more
        return SpecError(exc.message, source=origin.source, path=where or None, value=exc.value,
                         hint=hint)

    def annotate(self, schedule: Schedule) -> Schedule:
        """The schedule with the translation's notes before its own."""
        return replace(schedule, notes=(*self.notes, *schedule.notes))

    def text(self, fmt: str = "yaml") -> str:
        """The spec as a file: YAML with a comment header (the notes), or JSON."""
        spec = _plain(self.spec)
        if fmt == "json":
            return json.dumps(spec, indent=2) + "\n"
        import yaml

        notes = self.notes or (f"{self.source} read as {self.title}",)
        header = "".join(f"# {line}\n" for note in notes for line in note.splitlines())
        return header + yaml.safe_dump(spec, sort_keys=False, default_flow_style=False, allow_unicode=True)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(x) for k, x in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(x) for x in value]
    return value


# --------------------------------------------------------------------------------------------------
# What kind of file is this?
# --------------------------------------------------------------------------------------------------


def normalized(key: str) -> str:
    """A command-line spelling as the argparse destination: ``--lr-decay-style`` -> ``lr_decay_style``.

    Examples:
        >>> normalized("--lr-warmup-fraction"), normalized("learning_rate")
        ('lr_warmup_fraction', 'learning_rate')
    """
    return key.lstrip("-").replace("-", "_")


def detect(mapping: Mapping[str, Any]) -> str | None:
    """The :data:`KINDS` name whose marker keys the mapping has, or None.

    Examples:
        >>> detect({"lr_scheduler_type": "cosine", "learning_rate": 2e-5})
        'transformers'
        >>> detect({"--lr-decay-style": "cosine", "--train-iters": 100}), detect({"kind": "cosine"})
        ('megatron', None)
    """
    counts: dict[str, int] = {}
    for kind in KINDS.values():
        hits = 0
        for key, value in mapping.items():
            name = normalized(str(key))
            if name in kind.markers and (name not in kind.nested or isinstance(value, Mapping)):
                hits += 1
        if hits:
            counts[kind.name] = hits
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        first, second = (KINDS[name].title for name, _ in ranked[:2])
        raise SpecError(f"looks like both a {first} and a {second}",
                        hint="keep one kind of config per file")
    return ranked[0][0]


def config_kind(mapping: Mapping[str, Any]) -> str | None:
    """The config kind of a spec file's mapping; None for warmupctl's own specs.

    A mapping with ``schedule`` is a library spec; one with a kind's marker keys is that config; one
    with any native key, or only near-misses of native keys, is a native spec (whose unknown keys get
    a did-you-mean there). Anything else is a config of an unknown kind: a :class:`SpecError` listing
    the kinds warmupctl reads.
    """
    if "schedule" in mapping:
        return None
    kind = detect(mapping)
    if kind is not None:
        return kind
    if any(key in KEYS for key in mapping) or all(v.did_you_mean(str(key), KEYS) for key in mapping):
        return None  # native, or native with typos only: its did-you-mean says more than "unknown kind"
    raise SpecError(
        "neither a warmupctl spec nor a training config warmupctl knows", value=sorted(mapping),
        hint="warmupctl reads native specs (kind:, lr:, total_steps: ...), library specs "
             "(schedule: library.Name) and " + ", ".join(k.title for k in KINDS.values()),
    )


# --------------------------------------------------------------------------------------------------
# Translation
# --------------------------------------------------------------------------------------------------


def translate(
    mapping: Mapping[str, Any],
    *,
    source: str,
    path: str | None = None,
    facts: Mapping[str, int] | None = None,
    deepspeed: str | None = None,
) -> Translation:
    """Translate a config mapping (its kind found by :func:`config_kind`) into a library spec.

    Args:
        mapping: the parsed file.
        source: its display name, for errors and notes.
        path: its path on disk; a ``deepspeed:`` file named in Trainer arguments is relative to it.
        facts: ``dataset_size`` and ``devices`` from the command line (validated counts); they win
            over the file's ``dataset_size`` and ``world_size``.
        deepspeed: a DeepSpeed config to combine with Trainer arguments (``--deepspeed``).
    """
    kind = config_kind(mapping)
    if kind is None:
        raise SpecError("is a warmupctl spec, not a training config", source=source,
                        hint="use it as it is: warmupctl table FILE")
    facts = dict(facts or {})
    unused = [key for key in facts if key not in KINDS[kind].facts]
    if unused:
        flag = "--" + unused[0].replace("_", "-")
        raise SpecError(f"does not apply to a {KINDS[kind].title}", source="command line", path=flag,
                        hint="it sets the facts of transformers TrainingArguments and timm args.yaml")
    if deepspeed is not None and kind != "transformers":
        raise SpecError(f"--deepspeed goes with transformers TrainingArguments, not a {KINDS[kind].title}",
                        source="command line", path="--deepspeed", value=deepspeed,
                        hint="import the Trainer arguments that use this DeepSpeed config")
    try:
        if kind == "transformers":
            return _transformers(mapping, source, path, facts, deepspeed)
        if kind == "deepspeed":
            return _deepspeed_alone(mapping, source)
        if kind == "timm":
            return _timm(mapping, source, facts)
        return _megatron(mapping, source)
    except SpecError as exc:
        raise exc.located(source=source) from None


def _unique_keys(mapping: Mapping[str, Any], source: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The mapping with argparse spellings (``--lr-decay-style`` -> ``lr_decay_style``), and the
    original spelling of each key; a key written twice is an error."""
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in mapping.items():
        name = normalized(str(key))
        if name in out:
            raise SpecError(f"{spelled[name]!r} and {key!r} are the same argument", source=source,
                            path=str(key), hint="keep one of them")
        out[name] = value
        spelled[name] = str(key)
    return out, spelled


def _library_names(library: str) -> list[str]:
    return sorted(name.partition(".")[2] for name in load_libraries()
                  if name.startswith(library + ".") and not name.partition(".")[2].startswith("get_"))


def _number(value: float) -> str:
    return f"{value:g}"


# --- transformers ----------------------------------------------------------------------------------

#: transformers' scheduler types that follow a metric, not the update count.
_METRIC_DRIVEN = {"reduce_lr_on_plateau", "greedy"}
#: get_scheduler passes lr_scheduler_kwargs to every type but these (transformers 5.23.0
#: optimization.py: constant gets no argument, constant_with_warmup and inverse_sqrt only W).
_NO_KWARGS = {"constant", "constant_with_warmup", "inverse_sqrt"}


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
    loop: str
    v4: bool


def _trainer_facts(raw: Mapping[str, Any], facts: Mapping[str, int]) -> _Trainer:
    lr = v.as_nonnegative(raw.get("learning_rate", 5e-5), "learning_rate")
    scheduler = v.as_str(raw.get("lr_scheduler_type", "linear"), "lr_scheduler_type")
    scheduler = scheduler.removeprefix("SchedulerType.").lower()
    if scheduler in _METRIC_DRIVEN:
        raise SpecError("follows the evaluation metric, not the update count", path="lr_scheduler_type",
                        value=scheduler, hint="warmupctl cannot know the metrics of a run")
    names = _library_names("transformers")
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
    world = facts.get("devices") or _one_of(raw, ("world_size", "n_gpu"), "processes training together")[0]
    dataset = facts.get("dataset_size") or _one_of(raw, ("dataset_size", "num_examples"),
                                                   "samples in one epoch")[0]
    drop = raw.get("dataloader_drop_last", False)
    v4 = raw.get("warmup_ratio") is not None
    loop = v.as_choice(raw.get("loop", "transformers_v4" if v4 else "transformers"), "loop",
                       ("transformers", "transformers_v4"))
    return _Trainer(
        lr=lr, scheduler=scheduler, kwargs=kwargs,
        max_steps=v.as_int(raw.get("max_steps", -1), "max_steps"),
        epochs=raw.get("num_train_epochs", 3.0),
        per_device=count("per_device_train_batch_size", 8),
        grad_accum=count("gradient_accumulation_steps", 1),
        world=world, dataset=dataset,
        drop_last=v.as_bool(drop, "dataloader_drop_last") if drop is not None else False,
        loop=loop, v4=v4,
    )


def _one_of(raw: Mapping[str, Any], keys: tuple[str, ...], what: str) -> tuple[int | None, str | None]:
    """A count given under one of several names (they must agree when several are given)."""
    given = [(key, v.as_count(raw[key], key, minimum=1)) for key in keys if raw.get(key) is not None]
    if not given:
        return None, None
    for key, value in given[1:]:
        if value != given[0][1]:
            raise SpecError(f"disagrees with {given[0][0]} {given[0][1]}", path=key, value=raw[key],
                            hint=f"give the {what} once")
    return given[0][1], given[0][0]


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
                             "or pass --dataset-size N")
    epochs = v.as_positive(t.epochs, "num_train_epochs")
    world = t.world or 1
    facts = arithmetic.BatchFacts(micro_batch_size=t.per_device, devices=world, grad_accum=t.grad_accum,
                                  dataset_size=t.dataset, drop_last=t.drop_last)
    amount = arithmetic.exact(epochs)
    count = arithmetic.epoch_count(facts, amount, t.loop)
    assert count.total is not None  # the transformers loops run fractional epochs
    how = arithmetic.describe_epochs(facts, amount, count)
    if count.note:
        how += f"; {count.note}"
    notes.append(f"num_training_steps {count.total}: num_train_epochs {_number(epochs)} give "
                 f"{count.total} updates ({how})")
    if t.world is None:
        notes.append("world_size not given: one process assumed (add world_size, or --devices N)")
    if t.v4 and t.loop == "transformers_v4" and count.last_window:
        notes.append("counted as transformers 4.x (the arguments have warmup_ratio); add "
                     "'loop: transformers' if your version counts the trailing window as 5.x does")
    return count.total, "num_train_epochs"


def _warmup_steps(raw: Mapping[str, Any], t: _Trainer, n: int, notes: list[str]) -> tuple[int, str]:
    """W = ``TrainingArguments.get_warmup_steps(N)`` (5.x, or 4.x when warmup_ratio is set)."""
    if t.v4:
        ratio = v.as_float(raw["warmup_ratio"], "warmup_ratio")
        if not 0.0 <= ratio <= 1.0:
            raise SpecError("transformers raises ValueError: warmup_ratio must lie in range [0,1]",
                            path="warmup_ratio", value=raw["warmup_ratio"])
        steps = v.as_count(raw.get("warmup_steps", 0), "warmup_steps")
        if steps > 0:
            if ratio > 0:
                notes.append(f"warmup_steps {steps} wins over warmup_ratio {_number(ratio)} (transformers "
                             "4.x; 5.0-5.1 let warmup_ratio overwrite warmup_steps, 5.2 dropped it)")
            notes.append(f"num_warmup_steps {steps}: warmup_steps")
            return steps, "warmup_steps"
        return _ratio(ratio, n, "warmup_ratio", notes), "warmup_ratio"
    value = v.as_float(raw.get("warmup_steps", 0), "warmup_steps")
    if value < 0:
        raise SpecError("transformers raises ValueError: warmup_steps must be a positive integer or a "
                        "ratio in [0, 1)", path="warmup_steps", value=raw.get("warmup_steps"))
    if value < 1:
        return _ratio(value, n, "warmup_steps", notes), "warmup_steps"
    steps = int(value)
    if isinstance(raw.get("warmup_steps"), float) and value == 1.0:
        notes.append("warmup_steps 1.0 is one update, not 100 % (transformers 5.x: from 1 on it counts)")
    elif steps != value:
        notes.append(f"warmup_steps {_number(value)} is truncated to {steps} updates "
                     "(int(), transformers 5.x)")
    notes.append(f"num_warmup_steps {steps}: warmup_steps")
    return steps, "warmup_steps"


def _ratio(ratio: float, n: int, key: str, notes: list[str]) -> int:
    if ratio == 0:
        notes.append(f"no warmup: {key} 0")
        return 0
    steps = transformers_ratio_to_steps(ratio, n)
    exact = ratio_to_steps(ratio, n)
    line = f"num_warmup_steps {steps}: {key} {_number(ratio)} of {n} updates, math.ceil(N × ratio)"
    if steps != exact:
        line += (f" in floating point ({n} × {_number(ratio)} = {n * ratio!r}, one more than the "
                 f"{exact} of the decimal)")
    notes.append(line)
    return steps


def _transformers(
    raw_mapping: Mapping[str, Any], source: str, path: str | None, facts: Mapping[str, int],
    deepspeed: str | None,
) -> Translation:
    raw, spelled = _unique_keys(raw_mapping, source)
    t = _trainer_facts(raw, facts)
    notes: list[str] = []
    ds = _deepspeed_of(raw, spelled, source, path, deepspeed, notes)
    optimizer_lr = t.lr
    if ds is not None:
        t = _batch_against_deepspeed(t, ds, notes)
        optimizer_lr = _optimizer_lr(ds, t)
    n, n_key = _training_steps(t, notes)
    w, w_key = _warmup_steps(raw, t, n, notes)

    def at(key: str, **extra: Any) -> Origin:
        return Origin(source, spelled.get(key, key), **extra)

    origins = {"lr": at("learning_rate"), "schedule": at("lr_scheduler_type"),
               "args.num_training_steps": at(n_key), "total_steps": at(n_key),
               "args.num_warmup_steps": at(w_key), "args": at("lr_scheduler_kwargs")}
    if ds is not None and ds.block is not None:
        spec = _deepspeed_with_trainer(ds, t, optimizer_lr, n, w, notes, origins)
        title = f"{KINDS['transformers'].title} + {KINDS['deepspeed'].title}"
    else:
        spec = _trainer_spec(t, n, w, notes, origins, at)
        title = KINDS["transformers"].title
        if ds is not None:
            notes.append(f"{ds.name} has no scheduler block: the Trainer's lr_scheduler_type "
                         f"{t.scheduler} runs (DeepSpeed's engine steps it after each update, as the "
                         "Trainer would)")
    notes.insert(0, f"{source} read as {title}: {spec['schedule']}")
    return Translation("transformers", title, source, spec, tuple(notes), MappingProxyType(origins))


def _trainer_spec(t: _Trainer, n: int, w: int, notes: list[str], origins: dict[str, Origin],
                  at: Any) -> dict[str, Any]:
    """``get_scheduler(lr_scheduler_type, optimizer, W, N, lr_scheduler_kwargs)`` as a library spec."""
    args: dict[str, Any] = {"num_warmup_steps": w, "num_training_steps": n}
    if t.scheduler == "constant" and not w:
        del args["num_warmup_steps"]
    if t.kwargs and t.scheduler in _NO_KWARGS:
        notes.append(f"lr_scheduler_kwargs {_show(t.kwargs)} are not used: transformers' get_scheduler "
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


def _show(value: Any) -> str:
    return json.dumps(value, separators=(", ", ": "), default=str)


# --- DeepSpeed -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DeepSpeed:
    """A DeepSpeed config read for a Trainer: its mapping, where it is, and its scheduler block."""

    config: Mapping[str, Any]
    source: str
    prefix: str  # "" for a file of its own, "deepspeed." for a mapping inside the Trainer arguments
    block: Mapping[str, Any] | None

    @property
    def name(self) -> str:
        """How notes call it: its file, or the Trainer arguments' inline ``deepspeed`` mapping."""
        return f"the DeepSpeed config in {self.source}" if self.prefix else self.source

    def origin(self, key: str, **extra: Any) -> Origin:
        return Origin(self.source, self.prefix + key, **extra)

    def error(self, message: str, key: str, value: Any = SpecError._NO_VALUE,
              hint: str | None = None) -> SpecError:
        return SpecError(message, source=self.source, path=self.prefix + key, value=value, hint=hint)


def _deepspeed_of(raw: Mapping[str, Any], spelled: Mapping[str, str], source: str, path: str | None,
                  override: str | None, notes: list[str]) -> _DeepSpeed | None:
    """The DeepSpeed config the Trainer arguments name (``deepspeed:``) or ``--deepspeed`` gives."""
    named = raw.get("deepspeed")
    if override is not None:
        if named not in (None, "", override):
            notes.append(f"--deepspeed {override} replaces the arguments' deepspeed: {named}")
        ds_source, mapping = load_mapping(override)
        return _deepspeed_block(mapping, ds_source, "")
    if named in (None, ""):
        return None
    key = spelled.get("deepspeed", "deepspeed")
    if isinstance(named, Mapping):
        return _deepspeed_block(v.as_mapping(dict(named), key), source, key + ".")
    text = v.as_str(named, key)
    if text.lstrip().startswith("{"):
        return _deepspeed_block(parse_text(text, f"{source}: {key}"), source, key + ".")
    # Relative to the arguments file, which is where a user reads it from; stdin: the working folder.
    folder = os.path.dirname(path) if path and path != "-" else ""
    where = text if os.path.isabs(text) else os.path.join(folder, text)
    if not os.path.isfile(where):
        raise SpecError("names a DeepSpeed config that does not exist", source=source, path=key,
                        value=text, hint=f"looked for {where} (relative to the arguments file)")
    ds_source, mapping = load_mapping(where)
    return _deepspeed_block(mapping, ds_source, "")


def _deepspeed_block(config: Mapping[str, Any], source: str, prefix: str) -> _DeepSpeed:
    block = config.get("scheduler")
    if block is not None:
        block = v.as_mapping(block, prefix + "scheduler")
    return _DeepSpeed(config, source, prefix, block)


def _ds_value(ds: _DeepSpeed, key: str) -> Any:
    """``HfDeepSpeedConfig.get_value``: a dotted key, None when any part is absent."""
    node: Any = ds.config
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _fill(ds: _DeepSpeed, key: str, value: Any, hf_key: str, must_match: bool = True) -> Any:
    """``HfTrainerDeepSpeedConfig.fill_match``: "auto" takes the Trainer's value; a different value
    is the mismatch transformers raises ValueError for (None: the key is absent, nothing to do)."""
    given = _ds_value(ds, key)
    if given is None:
        return None
    if given == AUTO:
        return value
    if must_match and not _same(given, value):
        raise ds.error(f"does not match the Trainer's {hf_key} {value}", key, given,
                       "transformers raises ValueError: 'Please correct the following DeepSpeed config "
                       "values that mismatch TrainingArguments values'; set it to \"auto\"")
    return given


def _same(given: Any, value: Any) -> bool:
    """``given == value``, reading a numeric string as its number (YAML 1.1 keeps ``3e-4`` a string)."""
    if isinstance(value, (int, float)) and isinstance(given, str):
        try:
            return float(given) == float(value)
        except ValueError:
            return False
    return bool(given == value)


def _batch_against_deepspeed(t: _Trainer, ds: _DeepSpeed, notes: list[str]) -> _Trainer:
    """``trainer_config_process``'s batch checks; the world size comes from ``train_batch_size``
    when the Trainer arguments do not say it (DeepSpeed requires batch = micro × accumulation × world)."""
    _fill(ds, "train_micro_batch_size_per_gpu", t.per_device, "per_device_train_batch_size")
    _fill(ds, "gradient_accumulation_steps", t.grad_accum, "gradient_accumulation_steps")
    total = _ds_value(ds, "train_batch_size")
    if total is None or total == AUTO:
        return t
    total = v.as_count(total, ds.prefix + "train_batch_size", minimum=1)
    if t.world is not None:
        _fill(ds, "train_batch_size", t.world * t.per_device * t.grad_accum,
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


def _scheduler_entry(ds: _DeepSpeed) -> tuple[LibrarySchedule, str, dict[str, Any]]:
    block = ds.block
    assert block is not None
    kind = block.get("type")
    if kind is None:
        raise ds.error("the scheduler block has no type", "scheduler.type",
                       hint="e.g. \"type\": \"WarmupDecayLR\"")
    kind = v.as_str(kind, ds.prefix + "scheduler.type")
    names = _library_names("deepspeed")
    if kind not in names:
        raise ds.error("unknown DeepSpeed scheduler", "scheduler.type", kind,
                       v.did_you_mean(kind, names) or v.one_of(names))
    params = block.get("params") or {}
    params = dict(v.as_mapping(params, ds.prefix + "scheduler.params"))
    return find_schedule(f"deepspeed.{kind}"), kind, params


def _no_auto(ds: _DeepSpeed, params: Mapping[str, Any], hint: str) -> None:
    for key, value in params.items():
        if value == AUTO:
            raise ds.error('"auto" with nothing to fill it from', f"scheduler.params.{key}", value, hint)


def _deepspeed_with_trainer(ds: _DeepSpeed, t: _Trainer, lr: float, n: int, w: int, notes: list[str],
                            origins: dict[str, Origin]) -> dict[str, Any]:
    """The DeepSpeed scheduler the Trainer ends up with: its block, "auto" filled from the Trainer."""
    entry, kind, params = _scheduler_entry(ds)
    trainer_values = {"warmup_min_lr": (0, "warmup_min_lr", False),
                      "warmup_max_lr": (t.lr, "learning_rate", True),
                      "warmup_num_steps": (w, "get_warmup_steps(num_training_steps)", True),
                      "total_num_steps": (n, "num_training_steps (calculated)", True)}
    filled = []
    for key in _FILLED:
        if key in params:
            value, hf_key, must = trainer_values[key]
            was_auto = params[key] == AUTO
            params[key] = _fill(ds, f"scheduler.params.{key}", value, hf_key, must)
            if was_auto:
                filled.append(f"{key} {_number(value) if isinstance(value, float) else value}")
                origins[f"args.{key}"] = ds.origin(f"scheduler.params.{key}",
                                                   more=f'"auto" was filled with the Trainer\'s {hf_key}')
    _no_auto(ds, params, "transformers fills only warmup_min_lr, warmup_max_lr, warmup_num_steps and "
                         "total_num_steps; write a number")
    notes.append(f"DeepSpeed's scheduler block ({kind}) replaces the Trainer's lr_scheduler_type "
                 f"{t.scheduler}, as transformers' DeepSpeed integration does (deepspeed_optim_sched "
                 "builds no Trainer scheduler when the config has one)")
    if t.kwargs:
        notes.append(f"lr_scheduler_kwargs {_show(t.kwargs)} are not used either")
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


def _optimizer_lr(ds: _DeepSpeed, t: _Trainer) -> float:
    """The optimizer's LR: DeepSpeed's optimizer block ("auto": learning_rate), or the Trainer's."""
    optimizer = _ds_value(ds, "optimizer")
    if not isinstance(optimizer, Mapping):
        return t.lr
    params = optimizer.get("params")
    if not isinstance(params, Mapping) or params.get("lr") is None:
        raise ds.error("the optimizer block has no lr: DeepSpeed would use its optimizer's own default",
                       "optimizer.params", hint='add "lr": "auto" (the Trainer fills it with '
                                                "learning_rate) or a number")
    value = _fill(ds, "optimizer.params.lr", t.lr, "learning_rate")
    return v.as_float(value, ds.prefix + "optimizer.params.lr")


def _deepspeed_alone(mapping: Mapping[str, Any], source: str) -> Translation:
    """A DeepSpeed config on its own: its scheduler block, with numbers only."""
    ds = _deepspeed_block(mapping, source, "")
    with_trainer = ('"auto" is filled by the transformers Trainer: import the Trainer arguments with '
                    f"--deepspeed {source}, or name it in them (deepspeed: {os.path.basename(source)})")
    if ds.block is None:
        raise ds.error("has no scheduler block: the schedule comes from the training script", "scheduler",
                       hint="with the transformers Trainer it is lr_scheduler_type: warmupctl import "
                            f"ARGS.yaml --deepspeed {source}")
    entry, kind, params = _scheduler_entry(ds)
    _no_auto(ds, params, with_trainer)
    spec: dict[str, Any] = {"schedule": f"deepspeed.{kind}"}
    origins = {"schedule": ds.origin("scheduler.type"), "args": ds.origin("scheduler.params"),
               "total_steps": ds.origin("scheduler", hint="pass --total-steps N (the run's length in "
                                                          "updates), or import it with the Trainer "
                                                          "arguments")}
    optimizer = _ds_value(ds, "optimizer")
    lr = optimizer.get("params", {}).get("lr") if isinstance(optimizer, Mapping) else None
    if entry.lr != "unused" and lr is not None:
        if lr == AUTO:
            raise ds.error('"auto" with nothing to fill it from', "optimizer.params.lr", lr, with_trainer)
        spec["lr"] = v.as_float(lr, "optimizer.params.lr")
    origins["lr"] = ds.origin("optimizer.params.lr", hint=None if optimizer is not None else
                              "the config has no optimizer block: the optimizer and its lr come from the "
                              "training script; import the Trainer arguments with --deepspeed")
    spec["args"] = params
    notes = (f"{source} read as a DeepSpeed config: its scheduler block {kind}",)
    return Translation("deepspeed", KINDS["deepspeed"].title, source, spec, notes,
                       MappingProxyType(origins))


# --- timm -------------------------------------------------------------------------------------------

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


def _timm(raw_mapping: Mapping[str, Any], source: str, facts: Mapping[str, int]) -> Translation:
    given, spelled = _unique_keys(raw_mapping, source)
    raw = {**TIMM_DEFAULTS, **{k: x for k, x in given.items() if x is not None or k in ("lr",)}}
    notes: list[str] = []

    def at(key: str, **extra: Any) -> Origin:
        if key.startswith("--"):
            return Origin("command line", key, **extra)
        return Origin(source, spelled.get(key, key), **extra)

    batch = v.as_count(raw["batch_size"], "batch_size", minimum=1)
    accum = max(1, v.as_int(raw["grad_accum_steps"], "grad_accum_steps"))  # train.py: max(1, ...)
    world, _ = _one_of(given, ("world_size",), "processes (GPUs) training together")
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
               "args.step_on_epochs": at("sched_on_updates"), "args": Origin(source, "")}
    for name, key in TIMM_ARGS.items():
        origins[f"args.{name}"] = at(key)
    spec = {"schedule": "timm.create_scheduler_v2", "lr": lr, "args": args}
    notes.insert(0, f"{source} read as {KINDS['timm'].title}: create_scheduler_v2(sched={raw['sched']})")
    return Translation("timm", KINDS["timm"].title, source, spec, tuple(notes), MappingProxyType(origins))


def _timm_updates_per_epoch(given: Mapping[str, Any], facts: Mapping[str, int], batch: int, accum: int,
                            world: int | None, notes: list[str]) -> tuple[int, str]:
    """``(len(loader_train) + grad_accum_steps - 1) // grad_accum_steps`` (timm 1.0 train.py)."""
    if given.get("updates_per_epoch") is not None and "dataset_size" not in facts:
        return v.as_count(given["updates_per_epoch"], "updates_per_epoch", minimum=1), "updates_per_epoch"
    dataset, key = _one_of(given, ("dataset_size",), "samples in one epoch")
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
    notes.append(f"lr {lr:.6g} = lr_base {_number(base)} × ({global_batch} / lr_base_size {size})"
                 f"{'^0.5' if scale == 'sqrt' else ''}: train.py scales lr_base by the global batch "
                 f"(batch_size × world_size × grad_accum_steps, {scale}) when lr is unset")
    return lr, "lr_base"


# --- Megatron ---------------------------------------------------------------------------------------

#: ``get_optimizer_param_scheduler``'s training arguments (megatron/training/arguments.py names).
MEGATRON_ARGS = (
    "min_lr", "lr_warmup_init", "lr_decay_style", "lr_wsd_decay_style", "train_iters", "train_samples",
    "lr_decay_iters", "lr_decay_samples", "lr_warmup_iters", "lr_warmup_samples", "lr_warmup_fraction",
    "lr_wsd_decay_iters", "lr_wsd_decay_samples",
)


def _megatron(raw_mapping: Mapping[str, Any], source: str) -> Translation:
    raw, spelled = _unique_keys(raw_mapping, source)
    notes = [f"{source} read as {KINDS['megatron'].title}: get_optimizer_param_scheduler"]

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
        notes.append(f"rampup_batch_size {_show(raw['rampup_batch_size'])} is not modelled: warmupctl "
                     "assumes the full global batch from the first update")
    spec["args"] = args
    origins = {"lr": at("lr", more="Megatron's --lr, the peak"), "args": Origin(source, ""),
               "global_batch_size": at("global_batch_size"), "total_steps": at("train_iters")}
    for name in MEGATRON_ARGS:
        origins[f"args.{name}"] = at(name)
    return Translation("megatron", KINDS["megatron"].title, source, spec, tuple(notes),
                       MappingProxyType(origins))


__all__ = [
    "KINDS", "MEGATRON_ARGS", "TIMM_ARGS", "TIMM_DEFAULTS", "ConfigKind", "Origin", "Translation",
    "config_kind", "detect", "normalized", "translate",
]

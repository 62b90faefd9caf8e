"""NVIDIA NeMo (1.x / 2.x YAML) experiment configs: ``model.optim.sched`` with ``trainer``.

Restated from NeMo's ``nemo/core/classes/modelPT.py`` (``ModelPT.setup_optimization``) and
``nemo/core/optim/lr_scheduler.py`` (``prepare_lr_scheduler``, ``compute_max_steps``; nemo_toolkit
2.x, the same in 3.0.0):

* when ``trainer.max_steps`` is set (>= 0) it becomes the scheduler's ``max_steps``, replacing any
  ``max_steps`` under ``sched``; when it is unset (``null`` in old Lightning, ``-1`` in new) the
  scheduler's own ``max_steps`` is used if it has one, else it is computed from the epochs:
  ``ceil(steps_per_epoch / accumulate_grad_batches) × max_epochs`` with ``steps_per_epoch =
  ceil(ceil(N / workers) / batch_size)`` (``floor`` with ``drop_last``), cut by
  ``limit_train_batches`` (an int: at most that many; a float: ``int(steps × fraction)``), and
  ``workers = devices × num_nodes``. N (``len(train_dataloader.dataset)``, after any duration filter
  of an audio manifest) comes from ``--dataset-size``; the device count from ``--devices`` when
  ``trainer.devices`` is not a number (``-1``, ``auto``);
* every other key of ``sched`` except ``name``, ``monitor``, ``reduce_on_plateau`` and the ``t_*`` keys
  is a keyword of the scheduler class; the schedulers are :mod:`warmupctl.frameworks.nemo`'s, stepped
  once per optimizer update (``interval: step``);
* OmegaConf interpolations ``${model.encoder.d_model}`` (absolute) and ``${.x}`` (relative) are
  resolved from the file; resolvers such as ``${oc.env:...}`` are refused when the schedule needs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import steps as arithmetic
from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.frameworks._registry import LIBRARY_SCHEDULES, load_libraries
from warmupctl.spec.configs import _kit as kit
from warmupctl.spec.configs._interpolation import resolve_references
from warmupctl.spec.configs.lightning import trainer_epochs, trainer_workers

TITLE = "NeMo config"
MARKERS = frozenset({"model.optim", "trainer"})
#: ``sched`` keys that ``prepare_lr_scheduler`` takes for itself (not scheduler keywords).
OWN_KEYS = ("name", "monitor", "reduce_on_plateau", "t_max_epochs", "t_accumulate_grad_batches",
            "t_limit_train_batches", "t_num_workers", "max_steps", "last_epoch")
#: NeMo's own schedulers warmupctl computes (torch's are registered by NeMo too: see _TORCH).
_TORCH = {"StepLR", "ExponentialLR", "ReduceLROnPlateau", "CyclicLR"}


def _claim(mapping: Mapping[str, Any]) -> str | None:
    model, trainer = mapping.get("model"), mapping.get("trainer")
    if isinstance(model, Mapping) and isinstance(model.get("optim"), Mapping) \
            and isinstance(trainer, Mapping):
        return "model.optim, trainer"
    return None


def _count(value: Any, key: str) -> int | None:
    """A trainer count: None when unset (null, -1)."""
    if value is None:
        return None
    number = v.as_int(value, key)
    return None if number < 0 else number


def _steps_from_epochs(trainer: Mapping[str, Any], train_ds: Mapping[str, Any], facts: Mapping[str, int],
                       notes: list[str], source: str) -> int:
    epochs = _count(trainer.get("max_epochs"), "trainer.max_epochs")
    if epochs is None:
        raise SpecError("neither trainer.max_steps nor trainer.max_epochs is set", path="trainer.max_steps",
                        hint="NeMo then has no length for its scheduler")
    if "dataset_size" not in facts:
        raise SpecError("the scheduler's max_steps comes from the epochs, which need the dataset size",
                        source="command line", path="--dataset-size",
                        hint="NeMo computes it from len(train_dataloader.dataset); give --dataset-size N "
                             "(the manifest's entries that pass its duration filters)")
    given = trainer.get("devices", trainer.get("gpus"))
    workers = trainer_workers(trainer, facts, given, "the GPU count is needed",
                              hint=f"trainer.devices is {kit.show(given)}; NeMo divides the dataset over "
                                   "devices × num_nodes workers")
    batch = v.as_count(train_ds.get("batch_size"), "model.train_ds.batch_size", minimum=1)
    accumulate = v.as_count(trainer.get("accumulate_grad_batches", 1), "trainer.accumulate_grad_batches",
                            minimum=1)
    n = facts["dataset_size"]
    # compute_max_steps restates Lightning's count: the same DistributedSampler, limit and accumulation.
    count, batches = trainer_epochs(trainer, epochs, arithmetic.BatchFacts(
        micro_batch_size=batch, devices=workers, grad_accum=accumulate, dataset_size=n,
        drop_last=bool(train_ds.get("drop_last", False))))
    total = count.updates_per_epoch * epochs
    notes.append(f"max_steps {total} = ceil({count.batches} batches / accumulate {accumulate}) × {epochs} "
                 f"epochs (NeMo's compute_max_steps; {batches})")
    return total


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    notes = [f"{source} read as {TITLE}: model.optim.sched, stepped every optimizer update"]
    optim = mapping["model"]["optim"]
    trainer = mapping["trainer"]
    sched = optim.get("sched")

    def res(value: Any, *path: str) -> Any:
        return resolve_references(value, mapping, path[:-1], ".".join(path), source)

    lr = v.as_positive(res(optim.get("lr"), "model", "optim", "lr"), "model.optim.lr")
    if not isinstance(sched, Mapping):
        raise SpecError("has no scheduler (model.optim.sched): the LR is model.optim.lr throughout",
                        path="model.optim.sched", value=lr,
                        hint="warmupctl table --kind constant --lr LR --total-steps N shows it")
    if "_target_" in sched or isinstance(sched.get("args"), Mapping):
        raise SpecError("a scheduler given by _target_ or args is not read", path="model.optim.sched",
                        hint="write name: and the scheduler's keywords under sched")
    name = res(sched.get("name"), "model", "optim", "sched", "name")
    load_libraries()
    if name in _TORCH:
        raise SpecError(f"{name} is torch's scheduler, which NeMo registers unchanged",
                        path="model.optim.sched.name", value=name,
                        hint=f"give it as a library spec: schedule: torch.{name}"
                             + (" (NeMo steps ExponentialLR per epoch)" if name == "ExponentialLR" else ""))
    if f"nemo.{name}" not in LIBRARY_SCHEDULES:
        known = sorted(k.partition(".")[2] for k in LIBRARY_SCHEDULES if k.startswith("nemo."))
        raise SpecError("is not a NeMo scheduler", path="model.optim.sched.name", value=name,
                        hint="one of " + ", ".join(known))
    args = {key: res(value, "model", "optim", "sched", key) for key, value in sched.items()
            if key not in OWN_KEYS}
    max_steps = _count(res(trainer.get("max_steps"), "trainer", "max_steps"), "trainer.max_steps")
    if max_steps is not None:
        if sched.get("max_steps") not in (None, max_steps):
            notes.append(f"trainer.max_steps {max_steps} replaces sched.max_steps {sched.get('max_steps')}")
        origin = "trainer.max_steps"
    elif sched.get("max_steps") is not None:
        max_steps = v.as_count(res(sched["max_steps"], "model", "optim", "sched", "max_steps"),
                               "model.optim.sched.max_steps")
        origin = "model.optim.sched.max_steps"
    else:
        train_ds = mapping["model"].get("train_ds") or {}
        max_steps = _steps_from_epochs(trainer, train_ds if isinstance(train_ds, Mapping) else {},
                                       request.facts, notes, source)
        origin = "--dataset-size"
    entry = LIBRARY_SCHEDULES[f"nemo.{name}"]
    if entry.arg("max_steps") is not None:
        args["max_steps"] = max_steps
    accumulate = trainer.get("accumulate_grad_batches", 1)
    if accumulate not in (None, 1):
        notes.append(f"accumulate_grad_batches {accumulate}: the scheduler steps once per optimizer "
                     "update (every that many batches)")
    spec: dict[str, Any] = {"schedule": f"nemo.{name}", "lr": lr, "args": args, "total_steps": max_steps}
    origins = {"lr": kit.Origin(source, "model.optim.lr"), "args": kit.Origin(source, "model.optim.sched"),
               "args.max_steps": kit.Origin(source if origin != "--dataset-size" else "command line", origin),
               "total_steps": kit.Origin(source, "trainer.max_steps")}
    return kit.Translation("nemo", TITLE, source, spec, tuple(notes), MappingProxyType(origins))


FORMAT = kit.register(kit.ConfigFormat(
    "nemo", TITLE, _claim, _translate, markers=frozenset({"trainer"}), shared=frozenset({"name"}),
    facts=("dataset_size", "devices"),
))

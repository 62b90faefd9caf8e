"""LightningCLI YAML (``trainer``, ``optimizer``/``lr_scheduler`` with ``class_path``/``init_args``).

Restated from lightning 2.x:

* ``lightning/pytorch/cli.py``, ``LightningCLI.configure_optimizers``: the configured scheduler is
  returned bare (``[optimizer], [lr_scheduler]``; a ``ReduceLROnPlateau`` goes in a dict with its
  ``monitor``), so Lightning wraps it with its defaults, ``interval="epoch"`` and ``frequency=1``:
  the scheduler steps once per epoch (:mod:`warmupctl.frameworks.lightning`);
* ``lightning/pytorch/trainer/trainer.py`` and ``loops/fit_loop.py``: with neither ``max_epochs`` nor
  ``max_steps`` the run is 1000 epochs; ``max_steps`` (not -1) ends it early;
* ``loops/training_epoch_loop.py``: an optimizer update every ``accumulate_grad_batches`` batches and
  at the epoch's last batch, so an epoch has ``ceil(B / accumulate)`` updates, with ``B`` the batches
  after ``limit_train_batches`` (an int: at most that many; a float: ``int(B × fraction)``) and
  ``B = ceil(ceil(N / (devices × num_nodes)) / batch_size)`` behind torch's ``DistributedSampler``
  (``floor`` of the last division with ``drop_last``).

``N`` comes from ``--dataset-size``; the batch size from ``data.init_args.batch_size`` (the usual
LightningDataModule argument), the device count from ``trainer.devices`` or ``--devices``.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from warmupctl.core import steps as arithmetic
from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.frameworks._registry import LIBRARY_SCHEDULES, load_libraries
from warmupctl.spec.configs import _kit as kit

TITLE = "LightningCLI config"
#: Lightning's default run when neither max_epochs nor max_steps is given.
DEFAULT_EPOCHS = 1000
#: ``init_args`` a torch scheduler takes that do not shape a fresh run's LR.
IGNORED_ARGS = ("last_epoch", "verbose")


def _class_config(value: Any) -> bool:
    return isinstance(value, Mapping) and "class_path" in value


def _claim(mapping: Mapping[str, Any]) -> str | None:
    model = mapping.get("model")
    if isinstance(model, Mapping) and isinstance(model.get("optim"), Mapping):
        return None  # NeMo's model.optim
    hits = [key for key in ("lr_scheduler", "optimizer") if _class_config(mapping.get(key))]
    if hits and isinstance(mapping.get("trainer", {}), Mapping):
        return ", ".join(f"{key}.class_path" for key in hits)
    return None


def _count(value: Any, key: str) -> int | None:
    """A trainer length: None when unset (null, -1)."""
    if value is None:
        return None
    number = v.as_int(value, key)
    return None if number < 0 else number


def trainer_workers(trainer: Mapping[str, Any], facts: Mapping[str, int], given: Any, problem: str, *,
                    hint: str) -> int:
    """The data-parallel processes of a Lightning trainer: ``devices × trainer.num_nodes``.

    The devices are ``--devices``, else ``given`` (the config's device count) when it is a positive
    int; anything else (``-1``, ``auto``, a list of GPU ids) is the error ``problem`` on ``--devices``,
    with ``hint``. Lightning's ``DistributedSampler`` shards over every process of every node.
    """
    devices = facts.get("devices")
    if devices is None:
        if isinstance(given, int) and not isinstance(given, bool) and given > 0:
            devices = given
        else:
            raise SpecError(problem, source="command line", path="--devices", value=given, hint=hint)
    return devices * v.as_count(trainer.get("num_nodes", 1), "trainer.num_nodes", minimum=1)


def batch_limit(trainer: Mapping[str, Any]) -> int | float:
    """``trainer.limit_train_batches`` as Lightning's trainer holds it: a fraction or a number of batches.

    lightning 2.x ``trainer/connectors/data_connector.py`` ``_determine_batch_limits``: unset is 1.0
    (the whole epoch); a value in [0, 1] is kept as written (``1`` is one batch, ``1.0`` all of them);
    a whole number above 1 is that many batches, even written as a float; anything else raises.
    NeMo reads the trainer's value, so its configs go through here too.
    """
    given = trainer.get("limit_train_batches")
    if given is None:
        return 1.0
    limit: int | float
    if isinstance(given, int) and not isinstance(given, bool):
        limit = given
    else:
        limit = v.as_float(given, "trainer.limit_train_batches")
    if 0 <= limit <= 1:
        return limit
    if limit > 1 and limit % 1 == 0:
        return int(limit)
    raise SpecError("must be a fraction in [0, 1] or a whole number of batches",
                    path="trainer.limit_train_batches", value=given,
                    hint="Lightning raises MisconfigurationException (_determine_batch_limits)")


def trainer_epochs(trainer: Mapping[str, Any], epochs: int,
                   facts: arithmetic.BatchFacts) -> tuple[arithmetic.EpochCount, str]:
    """``epochs`` epochs of Lightning's fit loop under a config's ``trainer`` block, and how its
    batches were counted, in words.

    :func:`warmupctl.core.steps.epoch_count` counts them (the ``lightning`` loop, cut by
    ``limit_train_batches``: :func:`batch_limit`); ``facts`` hold the processes (devices × nodes), the
    batch size, ``accumulate_grad_batches`` and the dataset. NeMo's ``compute_max_steps`` counts the
    same way, so its reader calls this too.
    """
    limit = batch_limit(trainer)
    count = arithmetic.epoch_count(facts, Fraction(epochs), "lightning", limit)
    sampled = arithmetic.sampled_batches(facts)
    how = f"{sampled} batches = {arithmetic.describe_sampled(facts)}"
    if count.batches != sampled:
        how = f"{count.batches} batches: limit_train_batches {limit} of {how}"
    return count, how


def _updates_per_epoch(mapping: Mapping[str, Any], facts: Mapping[str, int], notes: list[str]) -> int:
    trainer = mapping.get("trainer") or {}
    data = mapping.get("data") or {}
    batch = data.get("init_args", {}).get("batch_size") if isinstance(data, Mapping) else None
    if batch is None:
        raise SpecError("an epoch's updates need the batch size", path="data.init_args.batch_size",
                        hint="the scheduler steps once per epoch; add the DataModule's batch_size")
    batch = v.as_count(batch, "data.init_args.batch_size", minimum=1)
    if "dataset_size" not in facts:
        raise SpecError("an epoch's updates need the dataset size", source="command line",
                        path="--dataset-size", hint="Lightning steps the scheduler once per epoch of "
                        "ceil(ceil(N / devices) / batch_size) batches; give --dataset-size N")
    given = trainer.get("devices", 1)
    workers = trainer_workers(trainer, facts, given, "the device count is needed",
                              hint=f"trainer.devices is {given!r}")
    n = facts["dataset_size"]
    accumulate = v.as_count(trainer.get("accumulate_grad_batches", 1) or 1,
                            "trainer.accumulate_grad_batches", minimum=1)
    count, batches = trainer_epochs(trainer, 1, arithmetic.BatchFacts(
        micro_batch_size=batch, devices=workers, grad_accum=accumulate, dataset_size=n,
        drop_last=bool(data.get("init_args", {}).get("drop_last", False))))
    if count.updates_per_epoch < 1:
        raise SpecError("gives no update per epoch", source="command line", path="--dataset-size",
                        value=n, hint=f"{count.batches} batches per epoch")
    notes.append(f"{count.updates_per_epoch} updates per epoch: ceil({count.batches} batches / "
                 f"accumulate_grad_batches {accumulate}); {batches}")
    return count.updates_per_epoch


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    notes = [f"{source} read as {TITLE}: LightningCLI.configure_optimizers"]
    optimizer, scheduler = mapping.get("optimizer"), mapping.get("lr_scheduler")
    if not isinstance(optimizer, Mapping) or "class_path" not in optimizer:
        raise SpecError("no optimizer: the model's own configure_optimizers decides the schedule",
                        path="optimizer", hint="that code is not in this file; give a library spec "
                        "of the scheduler it builds")
    init = optimizer.get("init_args") or {}
    if init.get("lr") is None:
        raise SpecError("the optimizer's lr is needed", path="optimizer.init_args.lr",
                        hint=f"{optimizer['class_path']}'s default lr is not read; write it here")
    lr = v.as_positive(init["lr"], "optimizer.init_args.lr")
    if scheduler is None:
        raise SpecError("has no lr_scheduler: the LR is optimizer.init_args.lr throughout",
                        path="lr_scheduler", value=lr,
                        hint="warmupctl table --kind constant --lr LR --total-steps N shows it")
    name = str(scheduler["class_path"]).rsplit(".", 1)[-1]
    load_libraries()
    if name == "ReduceLROnPlateau":
        raise SpecError("ReduceLROnPlateau follows a logged metric", path="lr_scheduler.class_path",
                        value=scheduler["class_path"], hint="its LR cannot be known before the run; "
                        "overlay a run's log with --actual")
    if f"torch.{name}" not in LIBRARY_SCHEDULES:
        raise SpecError("is not a torch scheduler warmupctl knows", path="lr_scheduler.class_path",
                        value=scheduler["class_path"], hint="torch.optim.lr_scheduler classes are read")
    args = {k: x for k, x in (scheduler.get("init_args") or {}).items() if k not in IGNORED_ARGS}
    trainer = mapping.get("trainer") or {}
    max_steps = _count(trainer.get("max_steps"), "trainer.max_steps")
    max_epochs = _count(trainer.get("max_epochs"), "trainer.max_epochs")
    facts = request.facts
    upe = _updates_per_epoch(mapping, facts, notes)
    if max_epochs is None and max_steps is None:
        max_epochs = DEFAULT_EPOCHS
        notes.append(f"neither max_epochs nor max_steps: Lightning runs {DEFAULT_EPOCHS} epochs")
    total = max_epochs * upe if max_epochs is not None else None
    if max_steps is not None:
        total = max_steps if total is None else min(total, max_steps)
    notes.append("LightningCLI returns the scheduler bare, so Lightning steps it once per epoch "
                 "(interval 'epoch', its default), not after every update")
    spec: dict[str, Any] = {
        "schedule": "lightning.LRSchedulerConfig", "lr": lr, "total_steps": total,
        "updates_per_epoch": upe,
        "args": {"scheduler": {"schedule": f"torch.{name}", "args": args}, "interval": "epoch",
                 "frequency": 1},
    }
    origins = {"lr": kit.Origin(source, "optimizer.init_args.lr"),
               "args.scheduler.args": kit.Origin(source, "lr_scheduler.init_args"),
               "args.scheduler": kit.Origin(source, "lr_scheduler"),
               "total_steps": kit.Origin(source, "trainer.max_steps")}
    return kit.Translation("lightning", TITLE, source, spec, tuple(notes), MappingProxyType(origins))


FORMAT = kit.register(kit.ConfigFormat(
    "lightning", TITLE, _claim, _translate,
    markers=frozenset({"lr_scheduler.class_path", "optimizer.class_path"}),
    facts=("dataset_size", "devices"),
))

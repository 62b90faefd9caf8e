"""PyTorch Lightning's scheduler config: a torch scheduler stepped per epoch or per update.

Lightning (lightning 2.x, ``lightning/pytorch/core/optimizer.py``, ``_configure_schedulers_automatic_opt``
and ``LRSchedulerConfig``; ``lightning/pytorch/loops/training_epoch_loop.py``,
``_update_learning_rates``) wraps a scheduler returned bare from ``configure_optimizers`` in a config
with ``interval="epoch"`` and ``frequency=1``: the scheduler steps at the end of every epoch whose
number ``e + 1`` is a multiple of ``frequency``. With ``interval="step"`` it steps after optimizer
updates instead (this entry takes ``frequency: 1`` there: Lightning counts a step ``frequency`` in
batches of the epoch, which accumulation makes a different unit).

``lightning.LRSchedulerConfig`` takes the torch scheduler as a nested spec (``args.scheduler``) and
the run's ``updates_per_epoch``. Update ``k`` uses the scheduler after ``floor(floor(k / U) / f)``
steps (epoch), or ``k`` steps (step).
"""

from __future__ import annotations

import numpy as np

from warmupctl.core.errors import EngineError, SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish, run_length
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

SOURCE = ("lightning 2.x, lightning/pytorch/core/optimizer.py (LRSchedulerConfig defaults), "
          "lightning/pytorch/loops/training_epoch_loop.py (_update_learning_rates)")


def _build(call: LibraryCall) -> Schedule:
    interval, frequency = call.args["interval"], call.args["frequency"]
    upe = call.extra.get("updates_per_epoch")
    if frequency < 1:
        raise SpecError("must be positive", path="args.frequency", value=frequency,
                        hint="Lightning steps the scheduler every frequency epochs (or batches)")
    if interval == "step" and frequency != 1:
        raise SpecError("a per-step frequency other than 1 is not modelled", path="args.frequency",
                        value=frequency, hint="Lightning counts it in batches of each epoch")
    if interval == "epoch" and (upe is None or upe < 1):
        raise SpecError("per-epoch stepping needs the updates of an epoch", path="updates_per_epoch",
                        value=upe, hint="add updates_per_epoch: U (optimizer updates per epoch)")
    total = run_length(call, None, "the trainer's max_steps, or max_epochs × updates_per_epoch")

    per_epoch = int(upe or 1)  # checked above for interval "epoch"

    def index(k: IntArray) -> IntArray:
        k = np.asarray(k, dtype=np.int64)
        return k if interval == "step" else (k // per_epoch) // frequency

    mapping = dict(call.args["scheduler"])
    if call.lr is not None and mapping.get("lr") is None:
        mapping["lr"] = call.lr
    mapping.setdefault("total_steps", int(index(np.array([total - 1]))[0]) + 1)
    if call.resolve is None:
        raise EngineError("lightning.LRSchedulerConfig needs LibraryCall.resolve")
    inner = call.resolve(mapping, "args.scheduler")

    def fn(k: IntArray) -> FloatArray:
        return inner.fn(index(k))

    notes = []
    boundaries = []
    if interval == "epoch":
        every = upe * frequency
        per = "epoch" if frequency == 1 else f"{frequency} epochs"
        notes.append(f"Lightning steps {inner.label} once per {per} (interval 'epoch'): its step n "
                     f"covers updates {every}·n .. {every}·n + {every - 1}")
        boundaries = [Boundary(b.step * every, b.label) for b in inner.boundaries]
        warmup = inner.warmup_steps * every
    else:
        boundaries = list(inner.boundaries)
        warmup = inner.warmup_steps
    return finish(call, fn, natural=None, warmup=warmup, boundaries=boundaries,
                  notes=[*notes, *inner.notes], source=f"{SOURCE} + {inner.source}")


register(LibrarySchedule(
    name="LRSchedulerConfig",
    library="lightning",
    args=(
        Arg("scheduler", REQUIRED, kind="spec", doc="the torch scheduler (a library spec)"),
        Arg("interval", "epoch", kind="str", choices=("epoch", "step"),
            doc="Lightning's default: epoch"),
        Arg("frequency", 1, kind="int", doc="step every frequency epochs"),
    ),
    build=_build,
    source=SOURCE,
    formula="update k uses the scheduler after floor(floor(k / U) / frequency) steps (epoch), or k (step)",
    lr="optional",
    extra=(Arg("updates_per_epoch", None, kind="int", nullable=True,
               doc="optimizer updates per epoch (per-epoch stepping)"),),
))

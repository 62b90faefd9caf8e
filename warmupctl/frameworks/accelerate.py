"""accelerate's ``AcceleratedScheduler``: a prepared scheduler stepped once per process per update.

Reproduces accelerate 1.16.0 ``src/accelerate/scheduler.py``: ``AcceleratedScheduler.step`` runs only when
the gradients sync (one optimizer update), and then, unless ``split_batches`` (or
``step_with_optimizer=False``), calls the wrapped scheduler's ``step()`` ``num_processes`` times:
"they assume the user initialize the scheduler with the entire training set". A script that builds
the scheduler for the whole dataset (open-instruct's ``finetune.py``) relies on it; one that does not
finishes its schedule ``num_processes`` times too early. Update k of the run uses the wrapped
schedule's counter ``k × num_processes``.
"""

from __future__ import annotations

import re

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish
from warmupctl.frameworks._registry import Arg, LibraryCall, LibrarySchedule, register

LIBRARY = "accelerate"


def _build(call: LibraryCall) -> Schedule:
    processes = int(call.args["num_processes"])
    if processes < 1:
        raise SpecError("must be at least 1", path="args.num_processes", value=processes,
                        hint="the processes accelerate launches")
    stride = 1 if call.args["split_batches"] else processes
    if call.resolve is None:
        raise SpecError("needs a nested scheduler", path="args.scheduler")
    inner = call.resolve(call.args["scheduler"], "args.scheduler")

    def fn(k: IntArray) -> FloatArray:
        return inner.fn(k * stride)

    notes = [f"the scheduler steps {stride} times per update (accelerate, {processes} processes): update k "
             f"runs at its step {stride}·k"] if stride > 1 else []
    marks = [Boundary(-(-b.step // stride), b.label) for b in inner.boundaries]
    return finish(call, fn, natural=-(-inner.total_steps // stride),
                  warmup=-(-inner.warmup_steps // stride), boundaries=marks,
                  notes=(*notes, *(_own_steps(note, inner.label, stride) for note in inner.notes)),
                  source="accelerate 1.16.0, src/accelerate/scheduler.py, AcceleratedScheduler.step")


def _own_steps(note: str, label: str, stride: int) -> str:
    """A note of the wrapped scheduler, whose "update k" is its own step k: ``stride`` of them per update.

    >>> _own_steps("update 0 gets LR 0", "diffusers.cosine", 2)
    'diffusers.cosine, in its own steps (2 per update): step 0 gets LR 0'
    """
    if stride == 1:
        return note
    return f"{label}, in its own steps ({stride} per update): " + re.sub(r"\bupdate(s?)\b", r"step\1", note)


register(LibrarySchedule(
    name="AcceleratedScheduler", library=LIBRARY, build=_build, lr="unused",
    args=(Arg("scheduler", kind="spec", doc="the wrapped scheduler (a library spec)"),
          Arg("num_processes", 1, kind="int", doc="processes accelerate launches"),
          Arg("split_batches", False, kind="bool", doc="true: one step per update")),
    source="accelerate 1.16.0, src/accelerate/scheduler.py, AcceleratedScheduler",
    formula="update k uses the wrapped schedule at k × num_processes (at k with split_batches)",
))

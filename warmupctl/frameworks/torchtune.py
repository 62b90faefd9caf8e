"""torchtune's ``get_cosine_schedule_with_warmup`` (torchtune/training/lr_schedulers.py, commit
bd2a0fc7, 2026-04), update by update.

A LambdaLR with ``t / max(1, W)`` during the warmup, then ``max(0, (1 + cos(π·num_cycles·2·p)) / 2)``
with ``p = (t − W) / max(1, N − W)``: the same operations, in the same order, as transformers'
``get_cosine_schedule_with_warmup`` (which it says it is based on), so it is built by
:mod:`warmupctl.frameworks.transformers`' cosine and relabelled. The recipes step it after each
optimizer update: update k uses ``lr·m(k)``.
"""

from __future__ import annotations

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import finish
from warmupctl.frameworks._registry import Arg, LibraryCall, LibrarySchedule, register

LIBRARY = "torchtune"
SOURCE = "torchtune bd2a0fc7, torchtune/training/lr_schedulers.py, get_cosine_schedule_with_warmup"


def _build(call: LibraryCall) -> Schedule:
    if call.resolve is None:
        raise SpecError("needs the library resolver", path="args")
    inner = {"schedule": "transformers.cosine", "lr": call.lr, "total_steps": 1,
             "args": {"num_warmup_steps": call.args["num_warmup_steps"],
                      "num_training_steps": call.args["num_training_steps"],
                      "num_cycles": call.args["num_cycles"], "last_epoch": call.args["last_epoch"]}}
    schedule = call.resolve(inner, "args")
    notes = [note.replace("transformers", "torchtune") for note in schedule.notes]
    shift = int(call.args["last_epoch"]) + 1
    marks = [Boundary(int(call.args["num_warmup_steps"]) - shift, "warmup end"),
             Boundary(int(call.args["num_training_steps"]) - shift, "decay end")]
    return finish(call, schedule.fn, natural=int(call.args["num_training_steps"]) - shift,
                  warmup=schedule.warmup_steps, boundaries=marks, notes=notes)


register(LibrarySchedule(
    name="get_cosine_schedule_with_warmup", library=LIBRARY, build=_build, source=SOURCE,
    args=(Arg("num_warmup_steps", kind="int"), Arg("num_training_steps", kind="int"), Arg("num_cycles", 0.5),
          Arg("last_epoch", -1, kind="int")),
    formula="t/max(1,W), then max(0, (1+cos(π·num_cycles·2·p))/2), p=(t-W)/max(1,N-W)",
))

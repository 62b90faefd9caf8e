"""PyTorch's ``torch.optim.lr_scheduler`` (torch 2.13.0), replayed update by update.

The standard loop is: construct the scheduler (its constructor already steps once, to ``last_epoch
= 0``); then for each update read the LR, ``optimizer.step()``, ``scheduler.step()``. So update
``k`` uses the LR after ``k`` scheduler steps, and ``schedule(k)`` is exactly that value.

**Recursive forms are replayed.** Most torch schedulers are *chainable*: ``get_lr`` multiplies or
updates the param group's *current* LR (``lr * gamma``, ``lr * (1 + ...)``), never recomputing it
from the base LR, so the float rounding of every step accumulates. warmupctl models each scheduler
as an *op program* on the current LR, one op per step, computed vectorized with torch's operation
order, and applies the ops in order:

* ``MUL a``: ``lr * a`` (StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, and
  CosineAnnealingLR when ``eta_min == 0``, where ``r * (lr - 0) + 0`` is ``r * lr`` bit for bit). A
  run of these is ``np.multiply.accumulate``, which is sequential and so bit-identical to torch's
  loop; a factor of 1.0 ("unchanged") is exact.
* ``AFF r, eta``: ``r * (lr - eta) + eta`` (CosineAnnealingLR with ``eta_min != 0``). Each step
  rounds three times, so no vectorized form reproduces the drift exactly; it is replayed by a tight
  plain-float loop.
* ``ADD c``: ``lr + c`` (CosineAnnealingLR's branch at ``(t - 1 - T_max) % (2 T_max) == 0``, where
  the recursive ratio would divide by zero), ``np.add.accumulate`` for a run.
* ``SET v``: the LR is overwritten (CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR: not
  chainable, closed forms of the counter, evaluated vectorized at any update).

The per-step factors are computed vectorized with numpy (``np.cos`` is checked against
``math.cos`` once; powers go through Python's ``**``, i.e. libm ``pow``, because ``np.power``
differs from it in the last bit). Replays walk the updates in chunks and carry the state from chunk
to chunk (the Schedule's ``chunks``); random access replays up to the largest index asked for, with
the first 2**21 updates cached.

**Composition** mirrors torch's objects acting on one shared param group: every sub-scheduler's
constructor runs in order (``initial_lr`` is set once, by the first; CyclicLR sets the group LR and
OneCycleLR overwrites ``initial_lr``, which later schedulers then read). ``SequentialLR``'s
constructor resets the LR to ``initial_lr``, decrements every sub-scheduler's ``last_epoch``
(``recursive_undo``) and re-runs the initial step of the scheduler active at epoch 0
(``bisect_right(milestones, 0)``); at a milestone it calls ``_update_lr(0)`` on the next scheduler,
which restarts it at *its* step 0 with its closed form where it has one (else ``get_lr`` at
``last_epoch = 0`` on the current LR); between milestones it steps the active scheduler.
``ChainedScheduler`` steps every sub-scheduler in order each step, so chainable ones multiply their
factors into the current LR one after the other; when all sub-schedulers are leaves their op
programs are interleaved and replayed as one.

Where torch raises at some update (``ConstantLR(factor=0)`` at ``total_iters``, ``OneCycleLR``
beyond ``total_steps``, ...) the values from there on are NaN and a note says so; what torch rejects
at construction is a :class:`~warmupctl.core.errors.SpecError`.

>>> from warmupctl.spec.library import resolve_library
>>> s = resolve_library({"schedule": "torch.ChainedScheduler", "lr": 1.0, "args": {"schedulers": [
...     {"schedule": "torch.LinearLR", "args": {"start_factor": 0.1, "total_iters": 5}},
...     {"schedule": "torch.ExponentialLR", "args": {"gamma": 0.9}}]}, "total_steps": 7})
>>> s.values().round(6).tolist()
[0.1, 0.252, 0.3726, 0.46656, 0.538002, 0.59049, 0.531441]
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish, nan_note, run_length
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register
from warmupctl.frameworks.torch import _ops
from warmupctl.frameworks.torch._composite import _ChainedScheduler, _SequentialLR
from warmupctl.frameworks.torch._ops import (
    ADD,
    AFF,
    MUL,
    SET,
    _apply,
    _Direct,
    _Group,
    _Replay,
    _TorchRaise,
)
from warmupctl.frameworks.torch._schedulers import (
    _UNKNOWN,
    _ConstantLR,
    _CosineAnnealingLR,
    _CosineAnnealingWarmRestarts,
    _CyclicLR,
    _ExponentialLR,
    _Leaf,
    _LinearLR,
    _MultiStepLR,
    _OneCycleLR,
    _PolynomialLR,
    _Sim,
    _StepLR,
)

VERSION = "2.13.0"
LIBRARY = "torch"
_FILE = "torch/optim/lr_scheduler.py"

# --------------------------------------------------------------------------------------------------
# Building Schedules from validated calls
# --------------------------------------------------------------------------------------------------


def _source(name: str) -> str:
    return f"torch {VERSION}, {_FILE}, {name}"


def _length(call: LibraryCall, sim: _Sim, detail: str = "") -> int:
    return run_length(call, sim.natural_end(), detail)


def _raise_note(error: tuple[int, str]) -> str:
    update, what = error
    return nan_note(f"torch raises {what}", update)


def _construction_error(sim: _Sim, exc: _TorchRaise, path: str, hint: str) -> SpecError:
    return SpecError(f"torch raises {exc.error} when constructing {sim.name}", path=path,
                     hint=hint)


def _finish(call: LibraryCall, sim: _Sim, lr: float, total: int, *, warmup: int,
            boundaries: Sequence[Boundary], notes: list[str], args: Mapping[str, Any],
            error_path: str, error_hint: str, detail: str = "") -> Schedule:
    """Wrap a scheduler tree in a Schedule: construction check, error scan, random access."""
    # the replay must not see later edits of Schedule.spec
    frozen = copy.deepcopy({"schedule": sim.qualname, "args": dict(args)})
    replay = _Replay(make=lambda: _sim_from_spec(frozen), lr=lr, total=total)
    try:
        _, _, first = replay.start()
    except _TorchRaise as exc:
        raise _construction_error(sim, exc, error_path, error_hint) from None
    fn: Callable[[IntArray], FloatArray] = replay.fn
    chunks: Callable[[int, int], Iterator[FloatArray]] | None = replay.chunks
    error: tuple[int, str] | None = None
    known = sim.first_raise(total) if isinstance(sim, _Leaf) else _UNKNOWN
    if isinstance(sim, _Leaf) and sim.direct:
        built = replay.make()
        assert isinstance(built, _Leaf)
        built.construct(_Group(lr))
        direct = _Direct(built, first)
        fn, chunks = direct.fn, None
        if sim.may_raise(total):
            error = direct.first_error(total)
    elif known is not _UNKNOWN:
        error = known
    elif sim.may_raise(total):  # a dry run finds where torch raises (kept for small runs)
        if total <= _ops._CACHE:
            replay.values(total)
        else:
            for _ in replay.blocks(total):
                pass
        error = replay.error
    if error is not None and error[0] < total:
        notes = [*notes, _raise_note(error)]  # the replay gives the NaN itself
    return finish(call, fn, natural=sim.natural_end(), warmup=min(warmup, total),
                  boundaries=boundaries, notes=notes, args=args, chunks=chunks, detail=detail)


def _sim_from_spec(spec: Mapping[str, Any]) -> _Sim:
    name = str(spec["schedule"]).partition(".")[2]
    args = spec["args"]
    if name == "SequentialLR":
        return _SequentialLR([_sim_from_spec(s) for s in args["schedulers"]], args["milestones"])
    if name == "ChainedScheduler":
        return _ChainedScheduler([_sim_from_spec(s) for s in args["schedulers"]])
    return _LEAVES[name](args)


def _lr(call: LibraryCall) -> float:
    assert call.lr is not None  # "required": the spec layer enforces it
    return call.lr


def _build_leaf(name: str, check: Callable[[LibraryCall], None] | None = None,
                length_hint: str = "") -> Callable[[LibraryCall], Schedule]:
    def build(call: LibraryCall) -> Schedule:
        if check is not None:
            check(call)
        sim = _LEAVES[name](call.args)
        total = _length(call, sim, length_hint)
        lr = call.lr if call.lr is not None else 0.0
        warmup, marks, notes = sim.annotate(total)
        if sim.ignores_lr and call.lr is not None:
            notes = [f"the optimizer's lr ({call.lr:g}) has no effect: {name} overwrites it",
                     *notes]
        return _finish(call, sim, lr, total, warmup=warmup, boundaries=marks, notes=notes,
                       args=call.args, error_path=sim.blame[0], error_hint=sim.blame[1],
                       detail=length_hint)

    return build


def _check_cyclic(call: LibraryCall) -> None:
    if call.args["scale_fn"] is not None:
        raise SpecError("a custom scale_fn cannot be written in a spec", path="args.scale_fn",
                        value=call.args["scale_fn"],
                        hint="remove it and pick mode: triangular, triangular2 or exp_range (with "
                        "gamma); for another shape write a native spec")


def _check_onecycle(call: LibraryCall) -> None:
    a = call.args
    if a["total_steps"] is None and (a["epochs"] is None or a["steps_per_epoch"] is None):
        raise SpecError("OneCycleLR needs total_steps, or epochs and steps_per_epoch",
                        path="args.total_steps",
                        hint="torch raises ValueError: add args.total_steps: N (its own argument, "
                        "the cycle length)")
    for key, role in (("div_factor", "initial LR = max_lr / div_factor"),
                      ("final_div_factor", "min LR = initial LR / final_div_factor")):
        if a[key] == 0:  # computed in __init__ on Python floats
            raise SpecError("must not be 0", path=f"args.{key}", value=a[key],
                            hint=f"torch raises ZeroDivisionError when it builds OneCycleLR ({role})")


# --------------------------------------------------------------------------------------------------
# SequentialLR and ChainedScheduler
# --------------------------------------------------------------------------------------------------


def _children(call: LibraryCall, outer: str) -> list[dict[str, Any]]:
    """Resolve ``args.schedulers``: nested torch specs sharing the outer spec's optimizer LR."""
    raw = call.args["schedulers"]
    if not raw:
        raise SpecError(f"{outer} expects at least one scheduler", path="args.schedulers", value=[],
                        hint="list nested specs: [{schedule: torch.LinearLR, args: {...}}, ...]")
    assert call.resolve is not None
    out = []
    for i, mapping in enumerate(raw):
        path = f"args.schedulers[{i}]"
        nested = dict(mapping)
        if "total_steps" in nested:
            raise SpecError("a nested scheduler has no length of its own",
                            path=f"{path}.total_steps", value=nested["total_steps"],
                            hint="set total_steps on the outer spec")
        if nested.get("lr") is None:
            nested["lr"] = call.lr
        nested["total_steps"] = 1  # the nested build only validates; its length is not used
        schedule = call.resolve(nested, path)
        name = str(schedule.spec.get("schedule", ""))
        library, _, short = name.partition(".")
        if library != LIBRARY or short not in _ALL:
            raise SpecError(f"{outer} composes torch schedulers only", path=f"{path}.schedule",
                            value=name, hint="torch schedulers: " + ", ".join(sorted(_ALL)))
        if schedule.spec.get("lr") != call.lr:
            raise SpecError(f"every scheduler of a {outer} drives the same optimizer",
                            path=f"{path}.lr", value=mapping.get("lr"),
                            hint=f"remove it: nested schedulers use the outer lr ({call.lr:g})")
        out.append({"schedule": name, "lr": call.lr, "args": dict(schedule.spec["args"])})
    return out


def _build_sequential(call: LibraryCall) -> Schedule:
    children = _children(call, "SequentialLR")
    milestones = list(call.args["milestones"])
    if len(milestones) != len(children) - 1:
        raise SpecError("SequentialLR needs one milestone fewer than schedulers",
                        path="args.milestones", value=milestones,
                        hint=f"{len(children)} schedulers need {len(children) - 1} milestone(s): "
                        "the updates where each next scheduler starts")
    args = {"schedulers": children, "milestones": milestones}
    sim = _SequentialLR([_sim_from_spec(c) for c in children], milestones)
    total = _length(call, sim, "the last scheduler has no natural end")
    notes: list[str] = []
    marks: list[Boundary] = []
    if milestones != sorted(milestones):
        notes.append(f"milestones {milestones} are not increasing; torch does not check: its "
                     "bisect decides which scheduler runs, as noted")
    first = bisect_right(milestones, 0)
    if first > 0:
        notes.append(f"milestone 0: update 0 already uses schedulers[{first}] "
                     f"({sim.children[first].qualname}); schedulers[0..{first - 1}] never run")
    used = {bisect_right(milestones, e) for e in (0, *sim.cuts)}
    for update, idx in sim.switches():
        child = sim.children[idx]
        if update < total:
            notes.append(f"SequentialLR starts {child.qualname} at its own step 0 at update "
                         f"{update}")
            marks.append(Boundary(update, child.qualname))
        else:
            notes.append(f"milestone {update} is at or past total_steps={total}: "
                         f"{child.qualname} never runs")
    for idx, child in enumerate(sim.children):
        if idx not in used:
            notes.append(f"schedulers[{idx}] ({child.qualname}) never runs: another milestone "
                         "takes over at the same update")
    warmup = marks[0].step if marks and sim.children[first].is_warmup() else 0
    return _finish(call, sim, _lr(call), total, warmup=warmup, boundaries=marks, notes=notes,
                   args=args, error_path="args.schedulers",
                   error_hint="torch fails before the first update",
                   detail="the last scheduler has no natural end")


def _build_chained(call: LibraryCall) -> Schedule:
    children = _children(call, "ChainedScheduler")
    args = {"schedulers": children}
    sim = _ChainedScheduler([_sim_from_spec(c) for c in children])
    chained_detail = "none of the chained schedulers has a natural end"
    total = _length(call, sim, chained_detail)
    notes: list[str] = []
    marks: list[Boundary] = []
    warmup = 0
    for i, child in enumerate(sim.children):
        if i and child.overwrites:
            notes.append(f"schedulers[{i}] ({child.qualname}) overwrites the LR on every step: the "
                         f"scheduler(s) before it in the chain have no effect")
        if i and isinstance(child, _CyclicLR):
            notes.append(f"update 0 comes from schedulers[{i}] (torch.CyclicLR) computing its "
                         "first value from the optimizer's initial_lr, not base_lr (its "
                         "constructor installs base_lr only after that step)")
        if not warmup and isinstance(child, (_LinearLR, _ConstantLR)) and child.is_warmup():
            warmup = child.args["total_iters"]
            if warmup < total:
                marks.append(Boundary(warmup, f"{child.name} ends"))
    return _finish(call, sim, _lr(call), total, warmup=warmup, boundaries=marks, notes=notes,
                   args=args, error_path="args.schedulers",
                   error_hint="torch fails before the first update", detail=chained_detail)


# --------------------------------------------------------------------------------------------------
# Registration (torch 2.13.0 signatures and defaults; ``optimizer``/``last_epoch`` are not args)
# --------------------------------------------------------------------------------------------------

_LEAVES: dict[str, Callable[[Mapping[str, Any]], _Leaf]] = {
    cls.name: cls
    for cls in (_StepLR, _MultiStepLR, _ConstantLR, _LinearLR, _ExponentialLR, _PolynomialLR,
                _CosineAnnealingLR, _CosineAnnealingWarmRestarts, _CyclicLR, _OneCycleLR)
}
_ALL = (*_LEAVES, "SequentialLR", "ChainedScheduler")

_NEEDS_TOTAL = "{} is the length of its ramp, not of the run"

_GAMMA = Arg("gamma", 0.1, "float", doc="multiplicative factor of each decay")

register(LibrarySchedule(
    name="LinearLR", library=LIBRARY,
    args=(Arg("start_factor", 1.0 / 3, doc="factor at update 0", minimum=0.0, maximum=1.0,
              above=True, why="torch raises ValueError"),
          Arg("end_factor", 1.0, doc="factor from total_iters on", minimum=0.0, maximum=1.0,
              why="torch raises ValueError"),
          Arg("total_iters", 5, "int", doc="updates of the linear ramp")),
    build=_build_leaf("LinearLR", length_hint=_NEEDS_TOTAL.format("total_iters")), source=_source("LinearLR"),
    formula="lr·start_factor at 0, then recursively lr·(1 + (e−s)/(total·s + (t−1)(e−s))) "
             "up to total_iters (replayed), constant after"))

register(LibrarySchedule(
    name="ConstantLR", library=LIBRARY,
    args=(Arg("factor", 1.0 / 3, doc="factor until total_iters", minimum=0.0, maximum=1.0,
              why="torch raises ValueError"),
          Arg("total_iters", 5, "int", doc="updates at the reduced LR")),
    build=_build_leaf("ConstantLR", length_hint=_NEEDS_TOTAL.format("total_iters")),
    source=_source("ConstantLR"),
    formula="lr·factor for t < total_iters, then ·(1.0/factor) once (replayed)"))

register(LibrarySchedule(
    name="ExponentialLR", library=LIBRARY,
    args=(Arg("gamma", REQUIRED, "float", doc="factor applied every update"),),
    build=_build_leaf("ExponentialLR"), source=_source("ExponentialLR"),
    formula="lr·gamma every update, multiplied recursively (replayed)"))

register(LibrarySchedule(
    name="StepLR", library=LIBRARY,
    args=(Arg("step_size", REQUIRED, "int", doc="updates between decays"), _GAMMA),
    build=_build_leaf("StepLR"), source=_source("StepLR"),
    formula="lr·gamma at every non-zero multiple of step_size (replayed)"))

register(LibrarySchedule(
    name="MultiStepLR", library=LIBRARY,
    args=(Arg("milestones", REQUIRED, "ints", doc="updates where the LR decays"), _GAMMA),
    build=_build_leaf("MultiStepLR"), source=_source("MultiStepLR"),
    formula="lr·gamma**count at each milestone (duplicates compound; replayed)"))

register(LibrarySchedule(
    name="PolynomialLR", library=LIBRARY,
    args=(Arg("total_iters", 5, "int", doc="updates of the decay (the natural end)"),
          Arg("power", 1.0, doc="power of the polynomial")),
    build=_build_leaf("PolynomialLR"), source=_source("PolynomialLR"),
    formula="lr·((1 − t/T)/(1 − (t−1)/T))**power up to T = total_iters (replayed), 0 after"))

register(LibrarySchedule(
    name="CosineAnnealingLR", library=LIBRARY,
    args=(Arg("T_max", REQUIRED, "int", doc="updates from lr down to eta_min (natural end)"),
          Arg("eta_min", 0.0, doc="minimum LR")),
    build=_build_leaf("CosineAnnealingLR"), source=_source("CosineAnnealingLR"),
    formula="recursively η + (lr − η)·(1 + cos(πt/T))/(1 + cos(π(t−1)/T)) (replayed), "
             "periodic with period 2·T_max"))

register(LibrarySchedule(
    name="CosineAnnealingWarmRestarts", library=LIBRARY,
    args=(Arg("T_0", REQUIRED, "int", doc="updates of the first cycle", minimum=0, above=True,
              why="torch raises ValueError"),
          Arg("T_mult", 1, "int", doc="cycle length multiplier after each restart", minimum=1,
              why="torch raises ValueError"),
          Arg("eta_min", 0.0, doc="minimum LR")),
    build=_build_leaf("CosineAnnealingWarmRestarts"), source=_source("CosineAnnealingWarmRestarts"),
    formula="η + (lr − η)·(1 + cos(π·T_cur/T_i))/2, T_cur restarting at T_i, T_i ·= T_mult"))

register(LibrarySchedule(
    name="CyclicLR", library=LIBRARY, lr="optional",
    args=(Arg("base_lr", REQUIRED, doc="lower boundary (overwrites the optimizer's lr)"),
          Arg("max_lr", REQUIRED, doc="upper boundary"),
          Arg("step_size_up", 2000, "int", doc="updates of the rising half"),
          Arg("step_size_down", None, "int", nullable=True,
              doc="updates of the falling half (default step_size_up)"),
          Arg("mode", "triangular", "str", choices=("triangular", "triangular2", "exp_range")),
          Arg("gamma", 1.0, doc="exp_range: amplitude factor gamma**t"),
          Arg("scale_fn", None, "any", nullable=True, doc="not expressible in a spec"),
          Arg("scale_mode", "cycle", "str", choices=("cycle", "iterations"),
              doc="ignored unless scale_fn is given"),
          Arg("cycle_momentum", True, "bool", doc="momentum only; no effect on the LR"),
          Arg("base_momentum", 0.8, doc="momentum only"),
          Arg("max_momentum", 0.9, doc="momentum only")),
    build=_build_leaf("CyclicLR", _check_cyclic), source=_source("CyclicLR"),
    formula="base_lr + (max_lr − base_lr)·triangle(t)·scale, scale 1, 1/2**(cycle−1) or "
             "gamma**t"))

register(LibrarySchedule(
    name="OneCycleLR", library=LIBRARY, lr="optional",
    args=(Arg("max_lr", REQUIRED, doc="peak LR (the optimizer's lr is overwritten)"),
          Arg("total_steps", None, "int", nullable=True, doc="cycle length N", minimum=0,
              above=True, why="torch raises ValueError"),
          Arg("epochs", None, "int", nullable=True, doc="N = epochs·steps_per_epoch", minimum=0,
              above=True, why="torch raises ValueError"),
          Arg("steps_per_epoch", None, "int", nullable=True, minimum=0, above=True,
              why="torch raises ValueError"),
          Arg("pct_start", 0.3, doc="fraction of N spent rising", minimum=0.0, maximum=1.0,
              why="torch raises ValueError",
              float_only="torch raises ValueError unless pct_start is a float (isinstance check)"),
          Arg("anneal_strategy", "cos", "str", choices=("cos", "linear")),
          Arg("cycle_momentum", True, "bool", doc="momentum only; no effect on the LR"),
          Arg("base_momentum", 0.85, doc="momentum only"),
          Arg("max_momentum", 0.95, doc="momentum only"),
          Arg("div_factor", 25.0, doc="initial LR = max_lr/div_factor"),
          Arg("final_div_factor", 1e4, doc="min LR = initial/final_div_factor"),
          Arg("three_phase", False, "bool", doc="rise, fall back to initial, annihilate")),
    build=_build_leaf("OneCycleLR", _check_onecycle), source=_source("OneCycleLR"),
    formula="max_lr/div → max_lr by update pct·N − 1, then → min by N − 1 (cos or linear); "
             "update N past the end; ValueError after"))

register(LibrarySchedule(
    name="SequentialLR", library=LIBRARY,
    args=(Arg("schedulers", REQUIRED, "specs", doc="nested torch specs, sharing lr"),
          Arg("milestones", REQUIRED, "ints", doc="updates where the next scheduler starts")),
    build=_build_sequential, source=_source("SequentialLR"),
    formula="scheduler bisect_right(milestones, t); each restarts at its own step 0 at its "
             "milestone"))

register(LibrarySchedule(
    name="ChainedScheduler", library=LIBRARY,
    args=(Arg("schedulers", REQUIRED, "specs", doc="nested torch specs, sharing lr"),),
    build=_build_chained, source=_source("ChainedScheduler"),
    formula="every scheduler steps in order on the same LR each update (factors multiply)"))


# The momentum / beta1 series of OneCycleLR and CyclicLR (registered on import).
from warmupctl.frameworks.torch import _series  # noqa: E402, F401

__all__ = ["ADD", "AFF", "LIBRARY", "MUL", "SET", "VERSION", "_apply"]

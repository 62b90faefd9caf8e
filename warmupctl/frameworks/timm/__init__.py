"""timm's LR schedulers (timm 1.0.31, ``timm/scheduler/``), update by update.

timm's schedulers are stateless: the LR is a pure function ``_get_lr(t)`` of a counter ``t`` that the
training loop passes in. ``train.py`` calls ``step_update(num_updates)`` after each optimizer update
with the post-increment count (used when ``t_in_epochs=False``) and ``step(epoch + 1)`` after each
epoch (used when ``t_in_epochs=True``, timm's default). The constructor writes the LR in force before
the first call: ``warmup_lr_init`` when there is a warmup, else the optimizer's LR. So, with
``per`` = 1 (per update) or ``updates_per_epoch`` (per epoch) and ``t = k // per``:

    lr[k] = constructor value          if t == 0
            _get_lr(t)                 otherwise

Every scheduler shares the linear warmup ``warmup_lr_init + t * (target - warmup_lr_init) / warmup_t``
for ``t < warmup_t``; with ``warmup_prefix`` the decay then sees ``t - warmup_t``, without it the warmup
overlaps the first ``warmup_t`` counts of the decay (so the peak is never reached exactly).

The cosine, tanh and polynomial schedulers share timm's cycle bookkeeping: with ``cycle_mul != 1``
the cycle index is ``floor(log(1 - t/t_initial*(1 - cycle_mul), cycle_mul))`` in float64, which can
round just below an integer at an exact restart and put that count into the previous cycle. The
index is evaluated vectorized and, wherever the logarithm lands within 1e-9 of an integer, again with
Python's ``math.log`` (what timm calls), so those misplaced restarts are reproduced exactly.

Every form here is closed (no recursion is replayed). Noise (``noise_range_t``) is refused: it draws
from torch's CPU generator, which warmupctl does not reproduce.
"""


from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import finish
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register
from warmupctl.frameworks.timm._curves import (
    _DECAY_FNS,
    _STABLE_FNS,
    VERSION,
    _class_path,
    _Clock,
    _common_notes,
    _cosine_shape,
    _Curve,
    _cyclic,
    _fail,
    _peak_candidates,
    _poly_shape,
    _refuse_noise,
    _stepwise,
    _tanh_shape,
    _wsd,
)

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Curve = Callable[[Ints], Floats]
PathOf = Callable[[str], str]

# --- schedules ---------------------------------------------------------------------------------


def _per_count(at: Curve, t: Ints) -> Floats:
    """Evaluate ``at`` once per distinct count (per-epoch stepping repeats each count)."""
    if t.size < 2:
        return at(t)
    if np.all(t[1:] >= t[:-1]):
        starts = np.flatnonzero(np.concatenate(([True], t[1:] != t[:-1])))
        return np.repeat(at(t[starts]), np.diff(np.append(starts, t.size)))
    unique, inverse = np.unique(t, return_inverse=True)
    return at(unique)[inverse]


def _updates_fn(curve: _Curve, per: int) -> Callable[[Ints], Floats]:
    def fn(k: Ints) -> Floats:
        t = k if per == 1 else k // per
        out = curve.at(t) if per == 1 else _per_count(curve.at, t)
        out[t == 0] = curve.initial
        return out

    return fn


def _updates_per_epoch(call: LibraryCall, per_epoch: bool, flag: str) -> int | None:
    upe = call.extra.get("updates_per_epoch")
    if upe is not None and upe < 1:
        raise _fail("must be positive", "updates_per_epoch", upe,
                    "the number of optimizer updates in one epoch")
    if per_epoch and upe is None:
        raise SpecError(
            f"{flag}=True steps timm's scheduler once per epoch: warmupctl needs updates_per_epoch",
            path="updates_per_epoch",
            hint=f"add 'updates_per_epoch: N' (optimizer updates per epoch), or set "
                 f"args.{flag}: false if the counts are updates",
        )
    return upe


def _finish(curve: _Curve, call: LibraryCall, clock: _Clock, natural: int | None,
            notes: list[str], detail: str) -> Schedule:
    return finish(call, _updates_fn(curve, clock.per), natural=natural,
                  warmup=curve.warmup_t * clock.per, notes=notes, detail=detail,
                  boundaries=[Boundary(c * clock.per, label) for c, label in curve.marks])


def _source(name: str) -> str:
    return f"{VERSION}, {_SOURCES['timm.' + name]}"


def _epoch_note(clock: _Clock, flag: str) -> list[str]:
    if not clock.epochs or clock.per == 1:
        return []
    return [f"{flag}=True (timm's default): the counts are epochs and the LR changes once every "
            f"{clock.per} updates; set {flag}: false to step per update"]


_BUILDERS: dict[str, Callable[..., _Curve]] = {
    "CosineLRScheduler": _cyclic(_cosine_shape, "cosine"),
    "TanhLRScheduler": _cyclic(_tanh_shape, "tanh"),
    "PolyLRScheduler": _cyclic(_poly_shape, "poly"),
    "StepLRScheduler": _stepwise("step"),
    "MultiStepLRScheduler": _stepwise("multistep"),
    "WSDLRScheduler": _wsd,
}

_SOURCES = {
    "timm.CosineLRScheduler": "timm/scheduler/cosine_lr.py, CosineLRScheduler",
    "timm.TanhLRScheduler": "timm/scheduler/tanh_lr.py, TanhLRScheduler",
    "timm.PolyLRScheduler": "timm/scheduler/poly_lr.py, PolyLRScheduler",
    "timm.StepLRScheduler": "timm/scheduler/step_lr.py, StepLRScheduler",
    "timm.MultiStepLRScheduler": "timm/scheduler/multistep_lr.py, MultiStepLRScheduler",
    "timm.WSDLRScheduler": "timm/scheduler/wsd_lr.py, WSDLRScheduler",
    "timm.create_scheduler_v2": "timm/scheduler/scheduler_factory.py, create_scheduler_v2",
}


def _curve_notes(name: str, curve: _Curve, kw: Mapping[str, Any], base: float,
                 clock: _Clock) -> list[str]:
    decays = name in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler", "WSDLRScheduler")
    prefix = bool(kw.get("warmup_prefix", True))
    return [*curve.notes, *_common_notes(curve, base, kw["lr_min"] if decays else None, clock,
                                         prefix, _peak_candidates(curve))]


def _class_build(name: str) -> Callable[[LibraryCall], Schedule]:
    def build(call: LibraryCall) -> Schedule:
        kw = call.args
        assert call.lr is not None  # lr="required": the spec layer guarantees it
        _refuse_noise(kw["noise_range_t"], "args.noise_range_t")
        per_epoch = kw["t_in_epochs"]
        upe = _updates_per_epoch(call, per_epoch, "t_in_epochs")
        clock = _Clock(per=upe if per_epoch and upe else 1, epochs=per_epoch)
        curve = _BUILDERS[name](kw, call.lr, _class_path, clock)
        notes = [*_epoch_note(clock, "t_in_epochs"), *_curve_notes(name, curve, kw, call.lr, clock)]
        natural = None if curve.length is None else curve.length * clock.per
        cyclic = name in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler")
        detail = ("timm's get_cycle_length() overflows or passes 2**53 updates for these cycles"
                  if curve.length is None and cyclic else "")
        return _finish(curve, call, clock, natural, notes, detail)

    return build


# --- create_scheduler_v2 -----------------------------------------------------------------------

_FACTORY_PATHS = {
    "t_initial": "num_epochs",
    "lr_min": "min_lr",
    "warmup_t": "warmup_epochs",
    "warmup_lr_init": "warmup_lr",
    "t_in_epochs": "step_on_epochs",
    "power": "decay_rate",
    "decay_t": "decay_epochs",
}


def _factory_upe(call: LibraryCall) -> int:
    a = call.args
    in_args, top = a["updates_per_epoch"], call.extra.get("updates_per_epoch")
    if in_args and top is not None and in_args != top:
        raise _fail("conflicts with args.updates_per_epoch", "updates_per_epoch", top,
                    "give the updates per epoch once, under args")
    upe = in_args or top or 0
    if upe < 0:
        raise _fail("must not be negative", "args.updates_per_epoch", upe,
                    "the number of optimizer updates in one epoch")
    if upe == 0:
        why = ("timm asserts updates_per_epoch > 0 when step_on_epochs is false" if not
               a["step_on_epochs"] else "warmupctl needs it to place each epoch's LR on updates")
        raise SpecError("create_scheduler_v2 needs updates_per_epoch", path="args.updates_per_epoch",
                        hint=f"{why}: add updates_per_epoch: N (optimizer updates per epoch)")
    return upe


def _factory_build(call: LibraryCall) -> Schedule:
    """Replay ``create_scheduler_v2``: convert epochs (to updates when not step_on_epochs), build the
    scheduler it would build, and train for the ``num_epochs`` it returns."""
    a = call.args
    assert call.lr is not None
    sched, on_epochs = a["sched"], a["step_on_epochs"]
    if sched == "plateau":
        raise _fail("the plateau scheduler follows the validation metric", "args.sched", sched,
                    "its LR depends on the metrics of the run, which warmupctl cannot know")
    _refuse_noise(a["noise"], "args.noise")
    upe = _factory_upe(call)
    decay_epochs = a["decay_epochs"]
    if decay_epochs is None:
        decay_epochs = 0.2 if sched in ("wsd", "rsqrt") else 90
    scale = 1 if on_epochs else upe
    t_initial, warmup_t = a["num_epochs"] * scale, a["warmup_epochs"] * scale
    decay_t, cooldown_t = decay_epochs * scale, a["cooldown_epochs"] * scale
    timescale = None if a["stable_timescale"] is None else a["stable_timescale"] * scale
    warmup = {"warmup_t": warmup_t, "warmup_lr_init": a["warmup_lr"],
              "warmup_prefix": a["warmup_prefix"]}
    cycles = {"cycle_mul": a["cycle_mul"], "cycle_decay": a["cycle_decay"],
              "cycle_limit": a["cycle_limit"]}
    paths = dict(_FACTORY_PATHS)
    kw: dict[str, Any]
    if sched in ("cosine", "tanh", "poly"):
        name = {"cosine": "CosineLRScheduler", "tanh": "TanhLRScheduler",
                "poly": "PolyLRScheduler"}[sched]
        kw = {"t_initial": t_initial, "lr_min": a["min_lr"], **cycles, **warmup,
              "k_decay": a["k_decay"], "lb": -7.0, "ub": 3.0, "power": a["decay_rate"]}
    elif sched in ("step", "constant"):
        name = "StepLRScheduler"
        kw = {"decay_t": decay_t, "decay_rate": a["decay_rate"], **warmup}
        if sched == "constant":
            kw.update(decay_t=1, decay_rate=1.0)
    elif sched == "multistep":
        name = "MultiStepLRScheduler"
        paths["decay_t"] = "decay_milestones"
        kw = {"decay_t": [m * scale for m in a["decay_milestones"]],
              "decay_rate": a["decay_rate"], **warmup}
    elif sched in ("wsd", "rsqrt"):
        name = "WSDLRScheduler"
        t_sched = t_initial if a["warmup_prefix"] else t_initial - warmup_t
        if 0 < decay_epochs < 1:
            decay_t = decay_epochs * t_sched
        decay_t = int(round(decay_t))
        if not 0 < decay_t <= t_sched:
            bound = "epochs" if a["warmup_prefix"] else "epochs - warmup_epochs"
            raise _fail("timm raises ValueError", "args.decay_epochs", a["decay_epochs"],
                        f"{sched} needs 0 < decay_epochs <= {bound}: got a decay of {decay_t} "
                        f"and a stable + decay length of {t_sched}")
        kw = {"t_initial": t_sched, "decay_t": decay_t, "lr_min": a["min_lr"],
              "stable_fn": "rsqrt" if sched == "rsqrt" else "constant",
              "stable_timescale": timescale, "stable_power": 0.5,
              "decay_fn": a["decay_fn"] or ("linear" if sched == "rsqrt" else "1-sqrt"),
              "decay_power": 0.5, "decay_ratio": 0.1,
              "warmup_t": warmup_t, "warmup_lr_init": a["warmup_lr"]}
    else:  # 'none': no scheduler, the optimizer's LR throughout
        name = ""
        kw = {"lr_min": a["min_lr"]}

    clock = _Clock(per=upe if on_epochs else 1, epochs=on_epochs)
    notes = _epoch_note(clock, "step_on_epochs") if name else []
    if name:
        curve = _BUILDERS[name](kw, call.lr, lambda n: f"args.{paths.get(n, n)}", clock)
        notes += _curve_notes(name, curve, kw, call.lr, clock)
    else:
        base = call.lr
        curve = _Curve(lambda t: np.full(t.shape, base), base, None, 0)
    if name in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler", "WSDLRScheduler"):
        if curve.length is None:
            raise _fail("timm raises OverflowError", "args.cycle_limit", a["cycle_limit"],
                        "get_cycle_length() computes cycle_mul ** cycle_limit in floats")
        counted = curve.length + cooldown_t
        epochs = counted if on_epochs else counted // upe
        if not on_epochs and counted % upe:
            notes.append(
                f"create_scheduler_v2 returns num_epochs = {counted} // {upe} = {epochs}: training "
                f"stops at update {epochs * upe}, before the schedule's {counted} updates end"
            )
    else:
        epochs = a["num_epochs"] + (a["warmup_epochs"] if a["warmup_prefix"] else 0)
    if a["warmup_epochs"] and a["warmup_lr"] == 1e-5 and sched != "none":
        notes.append("the warmup starts at warmup_lr 1e-05, create_scheduler_v2's default "
                     "(the scheduler classes default to warmup_lr_init 0)")
    if sched in ("cosine", "tanh", "poly") and a["cycle_limit"] > 1 and a["cycle_decay"] == 0.1:
        notes.append("each restart peaks at 0.1x the previous one: create_scheduler_v2's "
                     "cycle_decay defaults to 0.1 (the classes default to 1.0)")
    return _finish(curve, call, clock, epochs * upe, notes,
                   "the num_epochs timm returns gives no update")


# --- registration ------------------------------------------------------------------------------

_NOISE_ARGS = (
    Arg("noise_range_t", None, "any", nullable=True,
        doc="LR noise range (refused: needs torch's RNG)"),
    Arg("noise_pct", 0.67, doc="noise limit"),
    Arg("noise_std", 1.0, doc="noise std-dev"),
    Arg("noise_seed", 42, "int", doc="noise seed"),
)
_CYCLE_ARGS = (
    Arg("cycle_mul", 1.0, doc="cycle length multiplier"),
    Arg("cycle_decay", 1.0, doc="peak factor per cycle"),
    Arg("cycle_limit", 1, "int", doc="number of cycles (then lr_min)"),
)


def _warmup_args(prefix: bool) -> tuple[Arg, ...]:
    return (
        Arg("warmup_t", 0, "int", doc="warmup length in counts"),
        Arg("warmup_lr_init", 0.0, doc="LR at the start of warmup"),
        Arg("warmup_prefix", prefix, "bool", doc="warmup comes before t_initial"),
    )


_T_IN_EPOCHS = Arg("t_in_epochs", True, "bool", doc="counts are epochs (step) or updates")
_UPDATES_PER_EPOCH = Arg("updates_per_epoch", None, "int", nullable=True,
                         doc="optimizer updates per epoch; needed when timm steps per epoch")

_WARMUP_TEXT = ("warmup (t < warmup_t): warmup_lr_init + t*(lr - warmup_lr_init)/warmup_t; "
                "update k uses t = k (t_in_epochs false) or k // updates_per_epoch, and t = 0 "
                "is the constructor's value")
_CYCLE_TEXT = ("cycle i = floor(log_{cycle_mul}(1 - t/t_initial*(1 - cycle_mul))) (t // t_initial "
               "if cycle_mul == 1), lr_max = lr*cycle_decay^i, lr_min once i >= cycle_limit")

register(LibrarySchedule(
    name="CosineLRScheduler", library="timm", extra=(_UPDATES_PER_EPOCH,),
    args=(Arg("t_initial", REQUIRED, "int", doc="cycle length"), Arg("lr_min", 0.0), *_CYCLE_ARGS,
          *_warmup_args(False), _T_IN_EPOCHS, *_NOISE_ARGS, Arg("k_decay", 1.0)),
    build=_class_build("CosineLRScheduler"), source=_source("CosineLRScheduler"),
    formula=f"{_WARMUP_TEXT}; then lr_min + (lr_max - lr_min)/2*(1 + cos(pi*t_curr^k/t_i^k)); "
             f"{_CYCLE_TEXT}"))

register(LibrarySchedule(
    name="TanhLRScheduler", library="timm", extra=(_UPDATES_PER_EPOCH,),
    args=(Arg("t_initial", REQUIRED, "int", doc="cycle length"), Arg("lb", -7.0), Arg("ub", 3.0),
          Arg("lr_min", 0.0), *_CYCLE_ARGS, *_warmup_args(False), _T_IN_EPOCHS, *_NOISE_ARGS),
    build=_class_build("TanhLRScheduler"), source=_source("TanhLRScheduler"),
    formula=f"{_WARMUP_TEXT} (without prefix it ramps to the tanh value at warmup_t); then "
             f"lr_min + (lr_max - lr_min)/2*(1 - tanh(lb*(1 - r) + ub*r)), r = t_curr/t_i; {_CYCLE_TEXT}"))

register(LibrarySchedule(
    name="PolyLRScheduler", library="timm", extra=(_UPDATES_PER_EPOCH,),
    args=(Arg("t_initial", REQUIRED, "int", doc="cycle length"), Arg("power", 0.5),
          Arg("lr_min", 0.0), *_CYCLE_ARGS, *_warmup_args(False), _T_IN_EPOCHS, *_NOISE_ARGS,
          Arg("k_decay", 1.0)),
    build=_class_build("PolyLRScheduler"), source=_source("PolyLRScheduler"),
    formula=f"{_WARMUP_TEXT}; then lr_min + (lr_max - lr_min)*(1 - t_curr^k/t_i^k)^power; {_CYCLE_TEXT}"))

register(LibrarySchedule(
    name="StepLRScheduler", library="timm", extra=(_UPDATES_PER_EPOCH,),
    args=(Arg("decay_t", REQUIRED, doc="decay interval"), Arg("decay_rate", 1.0),
          *_warmup_args(True), _T_IN_EPOCHS, *_NOISE_ARGS),
    build=_class_build("StepLRScheduler"), source=_source("StepLRScheduler"),
    formula=f"{_WARMUP_TEXT}; then lr*decay_rate^(t // decay_t) (t counted after warmup when prefixed)"))

register(LibrarySchedule(
    name="MultiStepLRScheduler", library="timm", extra=(_UPDATES_PER_EPOCH,),
    args=(Arg("decay_t", REQUIRED, "ints", doc="milestones"), Arg("decay_rate", 1.0),
          *_warmup_args(True), _T_IN_EPOCHS, *_NOISE_ARGS),
    build=_class_build("MultiStepLRScheduler"), source=_source("MultiStepLRScheduler"),
    formula=f"{_WARMUP_TEXT}; then lr*decay_rate^bisect_right(decay_t, t + 1): milestone m applies "
             "at t = m - 1"))

register(LibrarySchedule(
    name="WSDLRScheduler", library="timm", extra=(_UPDATES_PER_EPOCH,),
    args=(Arg("t_initial", REQUIRED, "int", doc="stable + decay length"),
          Arg("decay_t", REQUIRED, "int", doc="decay length"), Arg("lr_min", 0.0),
          Arg("stable_fn", "constant", "str", choices=_STABLE_FNS),
          Arg("stable_timescale", None, nullable=True), Arg("stable_power", 0.5),
          Arg("decay_fn", "1-sqrt", "str", choices=_DECAY_FNS), Arg("decay_power", 0.5),
          Arg("decay_ratio", 0.1), Arg("warmup_t", 0, "int"), Arg("warmup_lr_init", 0.0),
          _T_IN_EPOCHS, *_NOISE_ARGS),
    build=_class_build("WSDLRScheduler"), source=_source("WSDLRScheduler"),
    formula=f"{_WARMUP_TEXT} (always a prefix); s = t - warmup_t; stable = max(lr*g(s), lr_min) with g "
             "1, (1 + s/timescale)^-0.5 or ^-stable_power; in the last decay_t counts of t_initial "
             "lr_min + (stable - lr_min)*d(f), f = min((s - t_initial + decay_t)/decay_t, 1)"))

register(LibrarySchedule(
    name="create_scheduler_v2", library="timm", extra=(_UPDATES_PER_EPOCH,),
    args=(
              Arg("sched", "cosine", "str", choices=("cosine", "tanh", "step", "multistep", "poly",
                                                    "wsd", "rsqrt", "constant", "plateau", "none")),
              Arg("num_epochs", 300, "int"),
              Arg("decay_epochs", None, nullable=True, doc="None: 90 (step) or 0.2 (wsd, rsqrt)"),
              Arg("decay_milestones", (90, 180, 270), "ints"),
              Arg("cooldown_epochs", 0, "int"),
              Arg("patience_epochs", 10, "int"),
              Arg("decay_rate", 0.1),
              Arg("min_lr", 0.0),
              Arg("warmup_lr", 1e-5),
              Arg("warmup_epochs", 0, "int"),
              Arg("warmup_prefix", False, "bool"),
              Arg("noise", None, "any", nullable=True, doc="refused: needs torch's RNG"),
              Arg("noise_pct", 0.67),
              Arg("noise_std", 1.0),
              Arg("noise_seed", 42, "int"),
              Arg("cycle_mul", 1.0),
              Arg("cycle_decay", 0.1),
              Arg("cycle_limit", 1, "int"),
              Arg("k_decay", 1.0),
              Arg("decay_fn", None, "str", choices=_DECAY_FNS, nullable=True),
              Arg("stable_timescale", None, nullable=True),
              Arg("plateau_mode", "max", "str", choices=("max", "min")),
              Arg("step_on_epochs", True, "bool"),
              Arg("updates_per_epoch", 0, "int"),
          ),
    build=_factory_build, source=_source("create_scheduler_v2"),
    formula="the scheduler named by sched, with epochs multiplied by updates_per_epoch when "
             "step_on_epochs is false; runs for the num_epochs it returns (cycle length + "
             "cooldown, floored to whole epochs)"))

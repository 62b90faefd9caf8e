"""DeepSpeed's LR schedules (deepspeed 0.19.8, ``deepspeed/runtime/lr_schedules.py``) as its engine
runs them.

``DeepSpeedEngine._take_model_step`` calls ``optimizer.step()`` and then ``lr_scheduler.step()``;
every scheduler's constructor (``last_batch_iteration=-1``) writes the first LR itself. The schedules
index by ``last_batch_iteration``, which is 0 after the first ``step()``. So:

    lr[0] = the constructor's value
    lr[k] = the schedule at iteration i = k - 1, for k >= 1

which makes DeepSpeed one update behind the other libraries (WarmupLR runs at warmup_min_lr for two
updates). fp16 overflow steps do not advance the schedule; warmupctl assumes no overflow.

All forms are closed (no recursion). Python's ``math.log``/``math.cos`` are replaced by numpy's,
which agree to an ulp; no decision here depends on that last bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import finish, pieces
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Iteration = Callable[[Ints], Floats]

VERSION = "deepspeed 0.19.8"
FILE = "deepspeed/runtime/lr_schedules.py"

#: A "reached only after the end" note fires when the last update is this far from the floor.
_FLOOR_GAP = 0.01


def _engine_fn(initial: float, at: Iteration) -> Callable[[Ints], Floats]:
    """Update k -> the schedule at iteration k - 1; update 0 -> the constructor's value."""

    def fn(k: Ints) -> Floats:
        out = np.asarray(at(np.maximum(k - 1, 0)), dtype=np.float64).copy()
        out[k == 0] = initial
        return out

    return fn


def _last_update(fn: Callable[[Ints], Floats], update: int) -> float:
    return float(fn(np.array([update], dtype=np.int64))[0])


# --- warmup shared by WarmupLR, WarmupDecayLR, WarmupCosineLR ----------------------------------


def _warmup_steps(value: int) -> tuple[int, list[str]]:
    """DeepSpeed's W: the argument is a positive int (a bound of its Arg), then max(2, .)."""
    if value < 2:
        return 2, [f"warmup_num_steps {value} is raised to 2 (DeepSpeed clamps it to at least 2, "
                   "since log warmup divides by log(W))"]
    return value, []


def _warmup_type(value: str) -> tuple[str, list[str]]:
    if value in ("log", "linear"):
        return value, []
    return "log", [f"DeepSpeed warns about the unknown warmup_type {value!r} and uses 'log'"]


def _gamma(i: Ints, warmup: int, kind: str) -> Floats:
    """Warmup progress at iteration i < W: log(i+1)/log(W) (as 1/log(W) * log(i+1)) or i/W."""
    if kind == "log":
        return (1.0 / math.log(warmup)) * np.log(i + 1.0)
    return i / warmup


def _warmup_notes(kind: str, warmup: int, low: float, high: float) -> list[str]:
    if kind == "log":
        half = math.ceil(math.sqrt(warmup))
        return [f"log warmup (DeepSpeed's default warmup_type): update k gets "
                f"log(k)/log({warmup}) of the way from {low:g} to {high:g}: half the range is "
                f"covered by update {half}, the peak is reached at update {warmup}"]
    return [f"linear warmup reaches the peak {high:g} at update {warmup + 1}, not {warmup} "
            "(DeepSpeed's engine is one update behind)"]


def _natural_total(call: LibraryCall, total_num_steps: int | None) -> int | None:
    """``total_num_steps``, the natural end of the decaying schedules (None: WarmupLR has none)."""
    if call.total_steps is None and total_num_steps is not None and total_num_steps <= 0:
        raise SpecError("must be positive to tabulate the schedule", path="args.total_num_steps",
                        value=total_num_steps, hint="or add 'total_steps: N'")
    return total_num_steps


def _schedule(call: LibraryCall, fn: Callable[[Ints], Floats], natural: int | None,
              warmup_steps: int, marks: list[tuple[int, str]], notes: list[str],
              detail: str = "") -> Schedule:
    return finish(call, fn, natural=natural, warmup=warmup_steps, notes=notes, detail=detail,
                  boundaries=[Boundary(s, label) for s, label in marks])


def _peak_lr(call: LibraryCall, decay: bool) -> tuple[float, list[str]]:
    """warmup_max_lr, or the optimizer's LR when it is None (WarmupLR's default)."""
    peak = call.args["warmup_max_lr"]
    if peak is None:
        if call.lr is None:
            raise SpecError(
                "warmup_max_lr is null, so DeepSpeed warms up to the optimizer's LR: the spec needs lr",
                path="lr", hint="add 'lr: 3e-4' (the optimizer's LR) or set args.warmup_max_lr")
        return call.lr, []
    if call.lr is not None and call.lr != peak:
        return peak, [f"the optimizer's lr {call.lr:g} is not used: DeepSpeed warms up to "
                      f"warmup_max_lr {peak:g}"]
    if decay and peak == 0.001 and call.lr is None:
        return peak, ["warmup_max_lr is DeepSpeed's default 0.001: WarmupDecayLR does not read "
                      "the optimizer's LR"]
    return peak, []


def _build_warmup(decay: bool) -> Callable[[LibraryCall], Schedule]:
    """WarmupLR (constant after warmup) and WarmupDecayLR (then linear to warmup_min_lr at T)."""

    def build(call: LibraryCall) -> Schedule:
        a = call.args
        warmup, notes = _warmup_steps(a["warmup_num_steps"])
        kind, more = _warmup_type(a["warmup_type"])
        high, peak_notes = _peak_lr(call, decay)
        low = a["warmup_min_lr"]
        delta = high - low
        t_total = a["total_num_steps"] if decay else None

        def after(i: Ints) -> Floats:
            if t_total is None:
                return np.ones(i.shape)
            return np.maximum(0.0, (t_total - i) / max(1.0, t_total - warmup))

        progress = pieces([warmup], [lambda i: _gamma(i, warmup, kind), after])

        def at(i: Ints) -> Floats:
            return low + delta * progress(i)

        natural = _natural_total(call, t_total)
        fn = _engine_fn(low, at)
        notes = [*notes, *more, *peak_notes,
                 f"updates 0 and 1 both run at warmup_min_lr {low:g}: the constructor sets it and "
                 "the first scheduler step (iteration 0) gives the warmup's start again",
                 *_warmup_notes(kind, warmup, low, high)]
        marks = [(warmup + 1, "warmup end")]
        if t_total is not None:
            marks.append((t_total + 1, "warmup_min_lr"))
            if t_total < warmup:
                notes.append(f"total_num_steps {t_total} < warmup_num_steps {warmup}: DeepSpeed "
                             f"warns, and the LR drops to warmup_min_lr at update {warmup + 1}")
            elif t_total >= 1:
                last = _last_update(fn, t_total - 1)
                if abs(last - low) > _FLOOR_GAP * abs(delta):
                    notes.append(f"warmup_min_lr {low:g} is first used at update {t_total + 1} "
                                 f"(iteration {t_total}), after the {t_total} updates of "
                                 f"total_num_steps: the last one runs at {last:.6g}")
        return _schedule(call, fn, natural, warmup + 1, marks, notes)

    return build


def _build_cosine(call: LibraryCall) -> Schedule:
    """WarmupCosineLR: ratios of the optimizer's LR; warmup from warmup_min_ratio, then a cosine to
    cos_min_ratio over total_num_steps - W iterations (progress clamped at 1)."""
    a = call.args
    assert call.lr is not None  # lr="required"
    base = call.lr
    warmup, notes = _warmup_steps(a["warmup_num_steps"])
    kind, more = _warmup_type(a["warmup_type"])
    t_total, w_min, c_min = a["total_num_steps"], a["warmup_min_ratio"], a["cos_min_ratio"]
    span = max(1, t_total - warmup)

    def warm(i: Ints) -> Floats:
        return w_min + _gamma(i, warmup, kind) * (1.0 - w_min)

    def cosine(i: Ints) -> Floats:
        progress = np.minimum(1.0, (i - warmup + 1) / span)
        return np.maximum(0.0, c_min + (1.0 - c_min) * ((1 + np.cos(np.pi * progress)) / 2))

    ratio = pieces([warmup], [warm, cosine])

    def at(i: Ints) -> Floats:
        return base * ratio(i)

    natural = _natural_total(call, t_total)
    fn = _engine_fn(0.0, at)
    first = base * w_min
    notes = [*notes, *more,
             f"update 0 runs at LR 0 (the constructor's value), update 1 at "
             f"warmup_min_ratio x lr = {first:g}" if w_min else
             "updates 0 and 1 both run at LR 0 (the constructor's value, then warmup_min_ratio 0)"]
    if kind == "log":
        notes += _warmup_notes(kind, warmup, first, base)
    if kind == "linear":
        top, handover = _last_update(fn, warmup), _last_update(fn, warmup + 1)
        notes.append(f"the peak lr {base:g} is never reached: the linear warmup tops out at "
                     f"{top:.6g} (update {warmup}) and update {warmup + 1} is already on the "
                     f"cosine ({handover:.6g})")
    if t_total <= warmup:
        notes.append(f"total_num_steps {t_total} <= warmup_num_steps {warmup}: there is no cosine; "
                     f"the LR drops to cos_min_ratio x lr at update {warmup + 1}")
    else:
        last = _last_update(fn, t_total - 1)
        if last - base * c_min > _FLOOR_GAP * base * (1 - c_min):
            notes.append(f"cos_min_ratio x lr = {base * c_min:g} is first used at update {t_total}, "
                         f"one past the {t_total} updates of total_num_steps: the last one runs "
                         f"at {last:.6g}")
    marks = [(warmup + 1, "cosine start")]
    if t_total > warmup:
        marks.append((t_total, "cos_min_ratio"))
    return _schedule(call, fn, natural, warmup + 1, marks, notes)


def _cycle_scale(first: float, second: float, stairs_up: int,
                 stairs_down: int) -> Callable[[Floats], Floats]:
    """OneCycle's ``_get_scale_factor`` at batch ``b`` (= iteration + 1): the triangle's height in
    [0, 1], or its staircase; shared by the LR and the momentum."""
    size = first + second
    ratio = first / size

    def scale(b: Floats) -> Floats:
        cycle = np.floor(1 + b / size)
        x = 1.0 + b / size - cycle
        rising = x <= ratio
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(rising, x / ratio, (x - 1) / (ratio - 1))
        count = np.where(rising, stairs_up, stairs_down)
        if (count > 0).any():
            # stairs are placed from the integer batch offset, not from the float scale
            pos = np.mod(b, size)
            with np.errstate(divide="ignore", invalid="ignore"):
                place = np.where(pos <= first, pos * count / first,
                                 (size - pos) * count / second)
                out = np.where(count > 0, np.floor(place) / count, out)
        return out

    return scale


def _build_one_cycle(call: LibraryCall) -> Schedule:
    """OneCycle: a triangle (or staircase) between cycle_min_lr and cycle_max_lr over
    first + second iterations, then cycle_min_lr / (1 + decay_lr_rate * n / decay_step_size)."""
    a = call.args
    first = float(a["cycle_first_step_size"])
    second = first if a["cycle_second_step_size"] is None else float(a["cycle_second_step_size"])
    size = first + second
    stairs_up = a["cycle_first_stair_count"]
    stairs_down = stairs_up if a["cycle_second_stair_count"] is None else a[
        "cycle_second_stair_count"]
    low, high, rate, every = a["cycle_min_lr"], a["cycle_max_lr"], a["decay_lr_rate"], a[
        "decay_step_size"]
    no_decay = math.isclose(every, 0) or math.isclose(rate, 0)

    scale = _cycle_scale(first, second, stairs_up, stairs_down)

    def at(i: Ints) -> Floats:
        out = np.empty(i.shape)
        cycling = i < size
        out[cycling] = low + (high - low) * scale(cast(Floats, i[cycling] + 1.0))
        if no_decay:
            out[~cycling] = low
        else:
            out[~cycling] = low / (1 + rate * ((i[~cycling] - size + 1) / every))
        return out

    notes: list[str] = []
    if no_decay and not math.isclose(rate, 0):
        notes.append("decay_lr_rate is ignored: decay_step_size 0 disables the decay, so the LR "
                     "stays at cycle_min_lr after the cycle")
    if a["cycle_momentum"]:
        notes.append("OneCycle also cycles beta1 between cycle_max_mom and cycle_min_mom and sets "
                     "beta2 to 0.99 (for optimizers with betas): the series betas[0] and betas[1]")
    peak = math.ceil(first)
    marks = [(peak, "cycle peak"), (math.ceil(size), "cycle end")]
    if not no_decay:
        marks.append((math.ceil(size) + 1, "decay start"))
    return _schedule(call, _engine_fn(low, at), None, peak, marks, notes,
                     detail=f"the cycle itself lasts {math.ceil(size) + 1} updates")


def _build_range_test(call: LibraryCall) -> Schedule:
    """LRRangeTest: min_lr * (1 + step_rate * (i+1)/step_size), the quotient floored if staircase."""
    a = call.args
    size = a["lr_range_test_step_size"]
    low, rate, stairs = a["lr_range_test_min_lr"], a["lr_range_test_step_rate"], a[
        "lr_range_test_staircase"]

    def at(i: Ints) -> Floats:
        interval = (i + 1.0) / size
        if stairs:
            interval = np.floor(interval)
        return low * (1 + rate * interval)

    return _schedule(call, _engine_fn(low, at), None, 0, [], [])


# --- registration ------------------------------------------------------------------------------

_VALUE_ERROR = "DeepSpeed raises ValueError"
_WARMUP_WHY = ("DeepSpeed raises ValueError: warmup_num_steps must be a positive integer; it has "
               "no warmup-free setting: 1 gives the shortest warmup (it is clamped to 2); for no "
               "warmup at all use another scheduler")

_WARMUP_ARGS = (
    Arg("warmup_num_steps", 1000, "int", doc="W (clamped to >= 2)",
        minimum=1, why=_WARMUP_WHY),
    Arg("warmup_type", "log", "str", doc="'log' (default) or 'linear'"),
)
_ENGINE = "update k uses iteration i = k - 1 (update 0: the constructor's value)"
_GAMMA = "g = log(i+1)/log(W) (log) or i/W (linear) for i < W, W = max(2, warmup_num_steps)"

register(LibrarySchedule(
    name="WarmupLR", library="deepspeed", lr="optional", lr_default=None,
    args=(Arg("warmup_min_lr", 0.0), Arg("warmup_max_lr", None, nullable=True,
          doc="null: the optimizer's lr"), *_WARMUP_ARGS),
    build=_build_warmup(decay=False), source=f"{VERSION}, {FILE}, WarmupLR",
    formula=f"{_ENGINE}; min + (max - min)*g, {_GAMMA}, g = 1 after; update 0 min"))

register(LibrarySchedule(
    name="WarmupDecayLR", library="deepspeed", lr="optional", lr_default=None,
    args=(Arg("total_num_steps", REQUIRED, "int"), Arg("warmup_min_lr", 0.0),
          Arg("warmup_max_lr", 0.001, nullable=True, doc="default 0.001, not the optimizer's "
                                                         "lr"), *_WARMUP_ARGS),
    build=_build_warmup(decay=True), source=f"{VERSION}, {FILE}, WarmupDecayLR",
    formula=f"{_ENGINE}; min + (max - min)*g, {_GAMMA}, then g = max(0, (T - i)/max(1, T - W));"
             " update 0 min"))

register(LibrarySchedule(
    name="WarmupCosineLR", library="deepspeed", lr="required",
    args=(Arg("total_num_steps", REQUIRED, "int"), Arg("warmup_min_ratio", 0.0),
            Arg("warmup_num_steps", 1000, "int", doc="W (clamped to >= 2)",
          minimum=1, why=_WARMUP_WHY),
            Arg("cos_min_ratio", 0.0001), Arg("warmup_type", "log", "str")),
    build=_build_cosine, source=f"{VERSION}, {FILE}, WarmupCosineLR",
    formula=f"{_ENGINE}; lr*(wmr + (1 - wmr)*g), {_GAMMA}; then lr*max(0, cmr + (1 - cmr)*"
             "(1 + cos(pi*p))/2), p = min(1, (i - W + 1)/max(1, T - W)); update 0 gets 0"))

register(LibrarySchedule(
    name="OneCycle", library="deepspeed", lr="unused",
    args=(Arg("cycle_min_lr", REQUIRED), Arg("cycle_max_lr", REQUIRED),
          Arg("decay_lr_rate", 0.0), Arg("cycle_first_step_size", 2000, minimum=0, above=True,
              why=_VALUE_ERROR, doc="iterations of the rising half of the cycle"),
          Arg("cycle_second_step_size", None, nullable=True, minimum=0, why=_VALUE_ERROR,
              doc="iterations of the falling half (null: as the first)"),
          Arg("cycle_first_stair_count", 0, "int"),
          Arg("cycle_second_stair_count", None, "int", nullable=True),
          Arg("decay_step_size", 0), Arg("cycle_momentum", True, "bool"),
          Arg("cycle_min_mom", 0.8), Arg("cycle_max_mom", 0.9), Arg("decay_mom_rate", 0.0)),
    build=_build_one_cycle, source=f"{VERSION}, {FILE}, OneCycle",
    formula=f"{_ENGINE}; b = i + 1, x = 1 + b/S - floor(1 + b/S), S = first + second, "
             "r = first/S; min + (max - min)*(x/r if x <= r else (x - 1)/(r - 1)) (floored to "
             "stairs if set) while i < S, then min/(1 + rate*(i - S + 1)/decay_step_size)"))

register(LibrarySchedule(
    name="LRRangeTest", library="deepspeed", lr="unused",
    args=(Arg("lr_range_test_min_lr", 1e-3),
          Arg("lr_range_test_step_size", 2000, "int", minimum=0, above=True,
              why=_VALUE_ERROR, doc="iterations per unit of LR increase"),
          Arg("lr_range_test_step_rate", 1.0), Arg("lr_range_test_staircase", False, "bool")),
    build=_build_range_test, source=f"{VERSION}, {FILE}, LRRangeTest",
    formula=f"{_ENGINE}; min*(1 + rate*(i + 1)/step_size), the quotient floored if staircase"))

# --- series besides the LR: OneCycle's beta1 (and the beta2 it forces) ---------------------------


def _one_cycle_series(call: LibraryCall, lr: Schedule) -> tuple[dict[str, Schedule], tuple[str, ...]]:
    """OneCycle's ``betas`` as the engine sees them: update 0 gets ``(cycle_min_mom, 0.99)`` from
    the constructor (``_initialize_momentum``); update k >= 1 the value at iteration i = k - 1:
    ``cycle_max_mom - (cycle_max_mom - cycle_min_mom) * scale(i + 1)`` inside the cycle
    (``_get_cycle_mom``), then ``cycle_max_mom`` or, with a decay, ``cycle_max_mom * (1 +
    decay_mom_rate * (i - size + 1) / decay_step_size)`` (``_get_decay_mom``, which grows it).
    beta2 is always 0.99. With an optimizer without ``betas`` DeepSpeed turns cycle_momentum off."""
    from warmupctl.engine.series import constant, from_function
    from warmupctl.frameworks._series import momentum_key

    a = call.args
    if not a["cycle_momentum"]:
        return {}, ()
    if momentum_key(call, "betas") != "betas":
        return {}, (f"OneCycle does not cycle momentum with {call.extra['optimizer']}: DeepSpeed "
                    "cycles betas only, and turns cycle_momentum off (with a warning) without them",)
    first = float(a["cycle_first_step_size"])
    second = first if a["cycle_second_step_size"] is None else float(a["cycle_second_step_size"])
    size = first + second
    stairs_up = a["cycle_first_stair_count"]
    stairs_down = stairs_up if a["cycle_second_stair_count"] is None else a["cycle_second_stair_count"]
    scale = _cycle_scale(first, second, stairs_up, stairs_down)
    low, high = float(a["cycle_min_mom"]), float(a["cycle_max_mom"])
    rate, every = a["decay_mom_rate"], a["decay_step_size"]
    no_decay = math.isclose(every, 0) or math.isclose(rate, 0)

    def at(i: Ints) -> Floats:
        out = np.empty(i.shape)
        cycling = i < size
        out[cycling] = high - (high - low) * scale(cast(Floats, i[cycling] + 1.0))
        if no_decay:
            out[~cycling] = high
        else:
            out[~cycling] = high * (1 + rate * ((i[~cycling] - size + 1) / every))
        return out

    total = lr.total_steps
    return {"betas[0]": from_function(_engine_fn(low, at), total, "betas[0]"),
            "betas[1]": constant(0.99, total, "betas[1]")}, ()


def _register_series() -> None:
    from warmupctl.frameworks._series import OPTIMIZER_ARG, LibrarySeries, register_series

    register_series(LibrarySeries(
        qualname="deepspeed.OneCycle", build=_one_cycle_series, extra=(OPTIMIZER_ARG,),
        source=f"{VERSION}, {FILE}, OneCycle._initialize_momentum / get_mom",
        what="betas[0] (cycled inversely to the LR) and betas[1] (forced to 0.99)"))


_register_series()

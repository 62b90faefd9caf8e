"""fairseq's LR schedulers (fairseq 0.12.2, ``fairseq/optim/lr_scheduler/``).

fairseq's trainer builds the scheduler right after the optimizer and calls ``step_update(0)``; after
every update it calls ``step_update(num_updates)`` again (``Trainer.set_num_updates``), and the
epoch hooks call it once more with the same count. So optimizer update ``k`` runs at ``f(k)``, where
``f`` is the scheduler's ``step_update``; whatever the constructor set is overwritten by ``f(0)``
before the first update.

``lr`` is a list in fairseq (``--lr``, ``optimization.lr``, default ``[0.25]``) and these schedulers
read ``lr[0]``. warmupctl accepts the spec's top-level ``lr:`` or ``args.lr`` (a number or a list),
not both. A list of several LRs is refused where fairseq refuses it (``ValueError``) and where it
means one LR per epoch (``polynomial_decay``, ``fixed``), which warmupctl does not model; ``step``
silently uses ``lr[0]`` and so does warmupctl. ``max_update`` (``optimization.max_update``, default
0 = unlimited) is an argument of the schedulers whose config interpolates it (``cosine``,
``polynomial_decay``, ``tri_stage``); the others have no natural end and need ``total_steps``.

Every form is closed and evaluated vectorized in float64 with fairseq's operation order. The only
subtle spot is cosine's cycle number with ``t_mult != 1``: fairseq floors ``math.log(x, t_mult)``,
and where that quotient sits on an integer warmupctl recomputes it with ``math.log`` itself, so
restarts land on the same update as in fairseq.

The asserts and divisions by zero that fairseq hits while building the scheduler (or at
``step_update(0)``) become a :class:`~warmupctl.core.errors.SpecError` explaining what fairseq would do;
one that fairseq only hits at a later update gives NaN from that update on, with a note.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import (
    FloatArray,
    IntArray,
    LRFn,
    finish,
    floats,
    g,
    pieces,
    run_length,
)
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

VERSION = "fairseq 0.12.2"
DIR = "fairseq/optim/lr_scheduler"
#: ``OptimizationConfig.lr`` default in fairseq/dataclass/configs.py.
DEFAULT_LR = 0.25
#: At most this many restart/decay boundaries are listed for plots.
MAX_BOUNDARIES = 64

_LR = Arg("lr", None, kind="floats", nullable=True,
          doc="--lr (a list in fairseq; lr[0] is used); or give lr: at the top level")
_MAX_UPDATE = Arg("max_update", 0, kind="int",
                  doc="--max-update (optimization.max_update; 0 = unlimited)")

#: Each scheduler's file under ``DIR`` and its class.
_SOURCES = {
    "inverse_sqrt": ("inverse_square_root_schedule.py", "InverseSquareRootSchedule"),
    "cosine": ("cosine_lr_scheduler.py", "CosineLRSchedule"),
    "polynomial_decay": ("polynomial_decay_schedule.py", "PolynomialDecayLRSchedule"),
    "tri_stage": ("tri_stage_lr_scheduler.py", "TriStageLRSchedule"),
    "step": ("step_lr_scheduler.py", "StepLRSchedule"),
    "triangular": ("triangular_lr_scheduler.py", "TriangularLRSchedule"),
    "fixed": ("fixed_schedule.py", "FixedLRSchedule"),
}


# --------------------------------------------------------------------------- shared helpers


def _lr(call: LibraryCall, scheduler: str, many: str) -> tuple[float, list[str]]:
    """fairseq's ``lr[0]`` from ``args.lr`` or the top-level ``lr``, and notes.

    ``many`` says what fairseq does with several LRs: ``"refuse"`` (ValueError), ``"epochs"``
    (one LR per epoch: not modelled) or ``"first"`` (lr[0] is used silently).
    """
    raw = call.args["lr"]
    notes: list[str] = []
    if raw is not None and call.lr is not None:
        raise SpecError("the LR is given twice", path="args.lr", value=raw,
                        hint="give either lr: at the top level or args.lr, not both")
    if raw is not None:
        values = list(raw) if isinstance(raw, list) else [float(raw)]
    elif call.lr is not None:
        values = [float(call.lr)]
    else:
        values = [DEFAULT_LR]
        notes.append(f"no lr given: fairseq's default --lr is {DEFAULT_LR}")
    if not values:
        raise SpecError("is empty", path="args.lr", value=raw,
                        hint="fairseq reads lr[0]; give one learning rate")
    for i, value in enumerate(values):
        if value < 0:
            raise SpecError("must not be negative", path=f"args.lr[{i}]" if len(values) > 1
                            else "args.lr", value=value)
    if len(values) > 1:
        if many == "refuse":
            raise SpecError(f"Cannot use a fixed learning rate schedule with {scheduler}",
                            path="args.lr", value=values,
                            hint="fairseq raises ValueError: give one LR (a list of LRs is for "
                            "--lr-scheduler fixed)")
        if many == "epochs":
            raise SpecError("a list of per-epoch LRs is not modelled", path="args.lr",
                            value=values, hint=f"fairseq's {scheduler} switches to lr[epoch] at "
                            "each epoch; warmupctl counts updates, not epochs: give one LR")
        notes.append(f"fairseq's step scheduler uses lr[0] = {values[0]:g} and ignores the rest "
                     "of the list")
    return values[0], notes


def _refuse_force_anneal(call: LibraryCall, scheduler: str) -> None:
    if call.args["force_anneal"] is not None:
        raise SpecError("epoch-based annealing is not modelled", path="args.force_anneal",
                        value=call.args["force_anneal"],
                        hint=f"fairseq's {scheduler} changes its LR at that epoch; warmupctl "
                        "counts updates, not epochs: leave force_anneal null")


def _warmup(n: FloatArray, start: float, rate: float) -> FloatArray:
    """The warmup shared by inverse_sqrt, cosine, tri_stage and step: ``start + n * rate``.

    ``rate`` is ``(peak - start) / W``, computed once in the constructor as fairseq does, so the
    peak itself arrives only at update W, from the post-warmup branch.

    >>> [float(x) for x in _warmup(np.array([0.0, 1.0, 2.0]), 0.0, 0.25)]
    [0.0, 0.25, 0.5]
    """
    return start + n * rate


def _warm_then(w: int, start: float, rate: float, after: LRFn) -> LRFn:
    """The warmup shared by inverse_sqrt, cosine and step (:func:`_warmup` for ``n < W``), then
    ``after`` of the update index."""
    return pieces([w], [lambda k: _warmup(floats(k), start, rate), after])


def _source(name: str) -> str:
    file, symbol = _SOURCES[name]
    return f"{VERSION}, {DIR}/{file}, {symbol}"


def _schedule(name: str, fn: LRFn, call: LibraryCall, *, natural: int | None, lr: float,
              warmup: int, boundaries: list[Boundary], notes: list[str],
              raise_at: tuple[int, str] | None = None,
              args: dict[str, Any] | None = None) -> Schedule:
    resolved = dict(call.args if args is None else args)
    resolved["lr"] = None  # the LR is the top-level lr of the resolved spec
    return finish(call, fn, natural=natural, lr=lr, warmup=warmup, boundaries=boundaries,
                  notes=notes, args=resolved, source=f"{_source(name)}.step_update",
                  raise_at=None if raise_at is None else (raise_at[0],
                                                          f"fairseq raises {raise_at[1]}"),
                  detail="fairseq stops at --max-update")


# --------------------------------------------------------------------------- inverse_sqrt


def _build_inverse_sqrt(call: LibraryCall) -> Schedule:
    lr, notes = _lr(call, "inverse_sqrt", "refuse")
    w = int(call.args["warmup_updates"])
    if w == 0:
        raise SpecError("is 0", path="args.warmup_updates", value=0,
                        hint="fairseq 0.12.2 divides by warmup_updates in the inverse_sqrt "
                        "constructor (ZeroDivisionError); use at least 1")
    start = call.args["warmup_init_lr"]
    if start < 0:
        start = 0.0
    rate = (lr - start) / w
    decay_factor = lr * w**0.5

    def decay(k: IntArray) -> FloatArray:
        return decay_factor * np.power(floats(k), -0.5)

    fn = _warm_then(w, start, rate, decay)

    first = f"update 0 gets LR {g(start)}"
    notes.insert(0, first + (" (fairseq inverse_sqrt warms up from warmup_init_lr, 0 by default)"
                             if start == 0 else " (warmup_init_lr)"))
    notes.append("no floor: the LR keeps falling as lr * sqrt(warmup_updates / n)")
    return _schedule("inverse_sqrt", fn, call, natural=None, lr=lr, warmup=w,
                     boundaries=[Boundary(w, "warmup end")], notes=notes)


register(LibrarySchedule(
    name="inverse_sqrt", library="fairseq", lr="optional",
    args=(
        Arg("warmup_updates", 4000, kind="int", minimum=0, doc="linear warmup length in updates"),
        Arg("warmup_init_lr", -1.0, doc="LR at update 0; negative: 0"),
        _LR,
    ),
    build=_build_inverse_sqrt, source=_source("inverse_sqrt"),
    formula="n < W: init + n * (lr - init) / W; else lr * sqrt(W) * n ** -0.5"))


# --------------------------------------------------------------------------- cosine


def _cycle(c: FloatArray, period: float, t_mult: float) -> FloatArray:
    """fairseq's cycle number ``i`` after ``c`` post-warmup updates.

    >>> [float(x) for x in _cycle(np.array([0.0, 9.0, 10.0, 29.0, 30.0]), 10.0, 2.0)]
    [0.0, 0.0, 1.0, 1.0, 2.0]
    """
    if t_mult == 1:
        return np.floor(c / period)
    x = 1 - c / period * (1 - t_mult)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.log(x) / math.log(t_mult)
    cycle = np.floor(raw)
    # fairseq floors math.log(x, t_mult); numpy's log may round the other way where the quotient
    # sits on an integer (a restart), so recompute exactly there.
    frac = raw - cycle
    for j in np.flatnonzero(((frac < 1e-9) | (frac > 1 - 1e-9)) & (x > 0)):
        cycle[j] = math.floor(math.log(float(x[j]), t_mult))
    return cycle


def _cosine_fn(w: int, start: float, rate: float, lr: float, min_lr: float, period: float,
               t_mult: float, shrink: float) -> LRFn:
    def tail(k: IntArray) -> FloatArray:
        # updates where fairseq raises are NaN'd by the caller (pieces silences the warnings)
        return _cosine_tail(floats(k) - w, lr, min_lr, period, t_mult, shrink)

    return _warm_then(w, start, rate, tail)


def _cosine_tail(c: FloatArray, lr: float, min_lr: float, period: float, t_mult: float,
                 shrink: float) -> FloatArray:
    """The cosine after the warmup, ``c`` updates past it: cycle ``i`` of length ``t_i``.

    >>> [round(float(x), 6) for x in _cosine_tail(np.array([0.0, 2.0, 4.0]), 1.0, 0.0, 4.0, 1.0,
    ...                                             0.1)]
    [1.0, 0.5, 0.1]
    """
    i = _cycle(c, period, t_mult)
    if t_mult == 1:
        t_i: FloatArray | float = period
        t_curr = c - period * i
    else:
        grown = np.power(t_mult, i)
        t_i = grown * period
        t_curr = c - (1 - grown) / (1 - t_mult) * period
    scale = np.power(shrink, i)
    low, high = min_lr * scale, lr * scale
    return low + 0.5 * (high - low) * (1 + np.cos(math.pi * t_curr / t_i))


def _cosine_domain_error(period: float, t_mult: float) -> int | None:
    """Post-warmup updates after which fairseq's ``math.log`` fails (ValueError), or None.

    With ``t_mult != 1`` fairseq takes ``log(1 - c / period * (1 - t_mult), t_mult)``: a base
    ``<= 0`` fails at once, and the argument reaches 0 when ``(1 - t_mult) / period > 0``.
    """
    if t_mult == 1:
        return None
    if t_mult <= 0:
        return 0
    if not (1 - t_mult) / period > 0:
        return None
    c = max(0, math.floor(period / (1 - t_mult)) - 2)
    while 1 - c / period * (1 - t_mult) > 0:
        c += 1
    return c


def _build_cosine(call: LibraryCall) -> Schedule:
    a = call.args
    lr, notes = _lr(call, "cosine", "refuse")
    min_lr, t_mult, shrink = a["min_lr"], a["t_mult"], a["lr_shrink"]
    w = int(call.args["warmup_updates"])
    if not lr > min_lr:
        raise SpecError(f"max_lr (={lr:g}) must be more than min_lr (={min_lr:g})",
                        path="args.min_lr", value=min_lr,
                        hint="fairseq 0.12.2 asserts lr > min_lr (later fairseq clamps min_lr to "
                        "lr); lower min_lr")
    start = a["warmup_init_lr"] if a["warmup_init_lr"] >= 0 else min_lr
    period = float(a["lr_period_updates"])
    max_update = a["max_update"]
    if period <= 0:
        if max_update <= 0:
            raise SpecError("Either --max_update or --lr-period-updates must be set",
                            path="args.lr_period_updates", value=a["lr_period_updates"],
                            hint="fairseq asserts this: set max_update (the period is then "
                            "max_update - warmup_updates) or lr_period_updates")
        period = float(max_update - w)
        if period < 0:
            notes.append(f"max_update {max_update} ends the run inside the warmup "
                         f"({w} updates); past it fairseq's period is negative and its LR "
                         "meaningless")
    rate = (lr - start) / w if w > 0 else 1.0
    raise_at: int | None = None
    if period == 0:
        raise_at = w
        why = "ZeroDivisionError: its period max_update - warmup_updates is 0"
    else:
        bad = _cosine_domain_error(period, t_mult)
        raise_at = None if bad is None else w + bad
        why = f"ValueError: math.log fails for t_mult {t_mult:g}"
    if raise_at == 0:
        raise SpecError("fairseq raises in step_update(0)", path="args.t_mult" if period else
                        "args.max_update", value=t_mult if period else max_update,
                        hint=f"{why}: fairseq fails before the first update")
    fn = _cosine_fn(w, start, rate, lr, min_lr, period, t_mult, shrink)

    boundaries = [Boundary(w, "warmup end")] if w > 0 else []
    restarts: list[int] = []
    if period > 0 and raise_at is None:
        position, length = 0.0, period
        limit = call.total_steps or (max_update if max_update > 0 else math.ceil(w + period))
        while len(restarts) < MAX_BOUNDARIES:
            position += length
            length *= t_mult
            guess = w + math.floor(position)
            if guess - 1 > limit:
                break
            near = np.arange(max(w, guess - 1), guess + 2, dtype=np.int64)
            jumps = np.flatnonzero(np.diff(_cycle(floats(near) - w, period, t_mult)) > 0)
            if jumps.size:
                restarts.append(int(near[jumps[0] + 1]))
    boundaries += [Boundary(r, "restart") for r in restarts]

    if w > 0:
        why_start = ", which defaults to min_lr" if a["warmup_init_lr"] < 0 else ""
        notes.insert(0, f"update 0 gets LR {g(start)} (fairseq cosine warms up from "
                     f"warmup_init_lr{why_start})")
    elif a["warmup_init_lr"] >= 0 and a["warmup_init_lr"] != lr:
        notes.insert(0, "warmup_init_lr is never used: with warmup_updates 0, fairseq's "
                     f"step_update(0) replaces it, and update 0 gets the full lr {g(lr)}")
    natural = max_update if max_update > 0 else math.ceil(w + period)
    total = call.total_steps or natural
    if restarts and restarts[0] < total:
        notes.append(f"the cosine restarts at update {restarts[0]} with its peak x{g(shrink)} "
                     "(lr_shrink); fairseq restarts forever")
    return _schedule("cosine", fn, call, natural=natural, lr=lr, warmup=w,
                     boundaries=boundaries, notes=notes,
                     raise_at=None if raise_at is None else (raise_at, why))


register(LibrarySchedule(
    name="cosine", library="fairseq", lr="optional",
    args=(
        Arg("warmup_updates", 0, kind="int", minimum=0, doc="linear warmup length in updates"),
        Arg("warmup_init_lr", -1.0, doc="LR at update 0; negative: min_lr"),
        _LR,
        Arg("min_lr", 0.0, doc="bottom of the first cosine"),
        Arg("t_mult", 1.0, doc="growth of each period"),
        Arg("lr_period_updates", -1.0, doc="first period; <= 0: max_update - warmup_updates"),
        Arg("lr_shrink", 0.1, doc="min and max shrink by this at each restart"),
        _MAX_UPDATE,
    ),
    build=_build_cosine, source=_source("cosine"),
    formula="n < W: init + n * (lr - init) / W; else cycle i of period P * t_mult**i: "
             "s = lr_shrink**i; min*s + 0.5 * (lr*s - min*s) * (1 + cos(pi * t_curr / t_i)); "
             "restarts forever"))


# --------------------------------------------------------------------------- polynomial_decay


def _build_polynomial(call: LibraryCall) -> Schedule:
    a = call.args
    lr, notes = _lr(call, "polynomial_decay", "epochs")
    _refuse_force_anneal(call, "polynomial_decay")
    w = int(call.args["warmup_updates"])
    end, power, max_update = a["end_learning_rate"], a["power"], a["max_update"]
    total_num_update = a["total_num_update"] if a["total_num_update"] is not None else max_update
    if not total_num_update > 0:
        raise SpecError("must be positive", path="args.total_num_update", value=total_num_update,
                        hint="fairseq asserts total_num_update > 0 (it defaults to max_update): "
                        "set one of them")
    last = float(total_num_update)

    def fn(k: IntArray) -> FloatArray:
        n = floats(k)
        warm = (n <= w) if w > 0 else np.zeros(n.shape, dtype=bool)
        done = ~warm & (n >= last)
        live = ~warm & ~done
        out = np.empty_like(n)
        out[warm] = (n[warm] / float(w)) * lr
        out[done] = end
        remaining = 1 - (n[live] - w) / (last - w)
        out[live] = (lr - end) * np.power(remaining, power) + end
        return out

    if w > 0:
        notes.insert(0, "update 0 gets LR 0 (fairseq polynomial_decay warms up as lr * n / W; "
                     "step_update(0) replaces the constructor's lr / W)")
    natural = max_update if max_update > 0 else math.ceil(last)
    boundaries = [Boundary(w, "warmup end"), Boundary(math.ceil(last), "end_learning_rate")]
    args = {**a, "total_num_update": total_num_update}
    return _schedule("polynomial_decay", fn, call, natural=natural, lr=lr, warmup=w,
                     boundaries=boundaries if w > 0 else boundaries[1:], notes=notes, args=args)


register(LibrarySchedule(
    name="polynomial_decay", library="fairseq", lr="optional",
    args=(
        Arg("warmup_updates", 0, kind="int", minimum=0, doc="linear warmup from 0, peak at this update"),
        Arg("force_anneal", None, kind="int", nullable=True,
            doc="epoch-based annealing; not modelled (must stay null)"),
        Arg("end_learning_rate", 0.0, doc="LR from total_num_update on"),
        Arg("power", 1.0, doc="decay exponent"),
        Arg("total_num_update", None, nullable=True, doc="end of the decay; default max_update"),
        _LR,
        _MAX_UPDATE,
    ),
    build=_build_polynomial, source=_source("polynomial_decay"),
    formula="W > 0 and n <= W: lr * n / W; n >= T: end; "
             "else (lr - end) * (1 - (n - W) / (T - W)) ** power + end"))


# --------------------------------------------------------------------------- tri_stage


def _build_tri_stage(call: LibraryCall) -> Schedule:
    a = call.args
    lr, notes = _lr(call, "tri-stage lr", "refuse")
    ratio, max_update = a["phase_ratio"], a["max_update"]
    if ratio is not None:
        ratio = list(ratio) if isinstance(ratio, list) else [ratio]
        if len(ratio) != 3:
            raise SpecError("needs three ratios", path="args.phase_ratio", value=ratio,
                            hint="warmup, hold and decay fractions of max_update")
        if not max_update > 0:
            raise SpecError("phase_ratio needs max_update", path="args.max_update",
                            value=max_update, hint="fairseq asserts max_update > 0")
        if sum(ratio) != 1:
            raise SpecError("phase ratios must add up to 1", path="args.phase_ratio", value=ratio,
                            hint=f"fairseq compares the float sum ({sum(ratio)!r}) with 1 exactly")
        w, hold, decay = (int(max_update * r) for r in ratio)
        exact = [max_update * r for r in ratio]
        if any(not float(x).is_integer() for x in exact):
            notes.append(f"phase_ratio x max_update is truncated: warmup {w}, hold {hold}, decay "
                         f"{decay} updates (fairseq uses int())")
        where = "args.phase_ratio"
    else:
        w, hold, decay = (int(call.args[n]) for n in ("warmup_steps", "hold_steps", "decay_steps"))
        where = "args.decay_steps"
    if not w + hold + decay > 0:
        raise SpecError("please specify steps or phase_ratio", path="args.warmup_steps", value=0,
                        hint="fairseq asserts warmup_steps + hold_steps + decay_steps > 0")
    if decay == 0:
        raise SpecError("the decay stage is 0 updates", path=where, value=a["phase_ratio"] or 0,
                        hint="fairseq 0.12.2 divides by decay_steps in the tri_stage constructor "
                        "(ZeroDivisionError); use at least 1")
    final_scale = a["final_lr_scale"]
    if not final_scale > 0:
        raise SpecError("must be positive", path="args.final_lr_scale", value=final_scale,
                        hint="fairseq takes math.log(final_lr_scale) (ValueError)")
    peak = lr
    start = a["init_lr_scale"] * lr
    final = final_scale * lr
    rate = (peak - start) / w if w != 0 else 0
    factor = -math.log(final_scale) / decay

    def warm(k: IntArray) -> FloatArray:
        return _warmup(floats(k), start, rate)

    def falling(k: IntArray) -> FloatArray:
        return peak * np.exp(-factor * (floats(k) - (w + hold)))

    fn = pieces([w, w + hold, w + hold + decay + 1],
                [warm, lambda k: np.full(k.shape, peak), falling, lambda k: np.full(k.shape, final)])

    if w > 0:
        notes.insert(0, f"update 0 gets LR {g(start)} (lr * init_lr_scale); the peak lands at "
                     f"update {w} (fairseq's docstring describes a linspace peaking at {w - 1})")
    boundaries = [Boundary(w, "warmup end"), Boundary(w + hold, "decay start"),
                  Boundary(w + hold + decay + 1, "final")]
    natural = max_update if max_update > 0 else w + hold + decay
    args = {**a, "warmup_steps": w, "hold_steps": hold, "decay_steps": decay}
    return _schedule("tri_stage", fn, call, natural=natural, lr=lr, warmup=w,
                     boundaries=boundaries, notes=notes, args=args)


register(LibrarySchedule(
    name="tri_stage", library="fairseq", lr="optional",
    args=(
        Arg("warmup_steps", 0, kind="int", minimum=0, doc="linear warmup from lr * init_lr_scale"),
        Arg("hold_steps", 0, kind="int", minimum=0, doc="updates held at lr"),
        Arg("decay_steps", 0, kind="int", minimum=0, doc="exponential decay to lr * final_lr_scale"),
        Arg("phase_ratio", None, kind="floats", nullable=True,
            doc="three fractions of max_update (floored); must add up to exactly 1"),
        Arg("init_lr_scale", 0.01, doc="warmup starts at lr * init_lr_scale"),
        Arg("final_lr_scale", 0.01, doc="decay ends at lr * final_lr_scale"),
        _MAX_UPDATE,
        _LR,
    ),
    build=_build_tri_stage, source=_source("tri_stage"),
    formula="n < W: init + n * (lr - init) / W; n < W+H: lr; n <= W+H+D: "
             "lr * exp(-(n - W - H) * -ln(final_scale) / D); else lr * final_scale"))


# --------------------------------------------------------------------------- step


def _build_step(call: LibraryCall) -> Schedule:
    a = call.args
    lr, notes = _lr(call, "step", "first")
    min_lr, period, decay = a["min_lr"], a["lr_deacy_period"], a["lr_decay"]
    w = int(call.args["warmup_updates"])
    start = a["warmup_init_lr"] if a["warmup_init_lr"] >= 0 else min_lr
    for ok, path, value, hint in (
        (period > 0, "args.lr_deacy_period", period, "fairseq asserts lr_deacy_period > 0"),
        (decay <= 1, "args.lr_decay", decay, "fairseq asserts lr_decay <= 1"),
        (min_lr >= 0, "args.min_lr", min_lr, "fairseq asserts min_lr >= 0"),
        (lr > min_lr, "args.min_lr", min_lr, f"fairseq asserts lr ({lr:g}) > min_lr"),
    ):
        if not ok:
            raise SpecError("fails fairseq's assertion", path=path, value=value, hint=hint)
    rate = (lr - start) / w if w > 0 else 1.0

    def decayed(k: IntArray) -> FloatArray:
        drops = ((k - w) // period).astype(np.float64)
        return np.maximum(lr * np.power(decay, drops), min_lr)

    fn = _warm_then(w, start, rate, decayed)

    if w > 0:
        why = ", which defaults to min_lr" if a["warmup_init_lr"] < 0 else ""
        notes.insert(0, f"update 0 gets LR {g(start)} (fairseq step warms up from "
                     f"warmup_init_lr{why})")
    limit = run_length(call, None, "fairseq stops at --max-update")
    drops = [Boundary(w + j * period, "decay") for j in range(1, MAX_BOUNDARIES + 1)
             if w + j * period < limit]
    boundaries = ([Boundary(w, "warmup end")] if w > 0 else []) + drops
    return _schedule("step", fn, call, natural=None, lr=lr, warmup=w, boundaries=boundaries,
                     notes=notes)


register(LibrarySchedule(
    name="step", library="fairseq", lr="optional",
    args=(
        Arg("warmup_updates", 0, kind="int", minimum=0, doc="linear warmup length in updates"),
        Arg("warmup_init_lr", -1.0, doc="LR at update 0; negative: min_lr"),
        _LR,
        Arg("min_lr", 0.0, doc="floor"),
        Arg("lr_deacy_period", 25000, kind="int",
            doc="updates between decays (fairseq's spelling, sic)"),
        Arg("lr_decay", 0.5, doc="factor at each decay"),
    ),
    build=_build_step, source=_source("step"),
    formula="n < W: init + n * (lr - init) / W; else max(lr * lr_decay ** ((n - W) // period), "
             "min_lr)"))


# --------------------------------------------------------------------------- triangular


def _build_triangular(call: LibraryCall) -> Schedule:
    a = call.args
    low, notes = _lr(call, "triangular", "refuse")
    high, shrink, shrink_min = a["max_lr"], a["lr_shrink"], a["shrink_min"]
    if not high > low:
        raise SpecError("max_lr must be more than lr", path="args.max_lr", value=high,
                        hint=f"fairseq asserts it; lr ({low:g}) is the bottom of the triangle")
    stepsize = a["lr_period_updates"] // 2
    if not stepsize > 0:
        raise SpecError("must be at least 2", path="args.lr_period_updates",
                        value=a["lr_period_updates"], hint="fairseq divides by lr_period_updates "
                        "// 2 in step_update(0) (ZeroDivisionError)")

    def fn(k: IntArray) -> FloatArray:
        n = floats(k)
        cycle = np.floor(n / (2 * stepsize))
        scale = np.power(shrink, cycle)
        top = high * scale
        bottom = low * scale if shrink_min else low
        x = np.abs(n / stepsize - 2 * (cycle + 1) + 1)
        return bottom + (top - bottom) * np.maximum(0, 1 - x)

    notes.insert(0, f"update 0 gets LR {g(low)} (lr, the bottom of the triangle); fairseq cycles "
                 f"forever, each peak x{g(shrink)} (lr_shrink) of the one before")
    limit = run_length(call, None, "fairseq stops at --max-update")
    starts = [Boundary(math.ceil(2 * stepsize * j), "cycle")
              for j in range(1, MAX_BOUNDARIES + 1) if 2 * stepsize * j < limit]
    return _schedule("triangular", fn, call, natural=None, lr=low, warmup=0, boundaries=starts,
                     notes=notes)


register(LibrarySchedule(
    name="triangular", library="fairseq", lr="optional",
    args=(
        Arg("max_lr", REQUIRED, doc="top of the first triangle (must exceed lr)"),
        Arg("lr_period_updates", 5000.0, doc="cycle length in updates"),
        Arg("lr_shrink", 0.1, doc="the top shrinks by this each cycle"),
        Arg("shrink_min", False, kind="bool", doc="shrink the bottom (lr) too"),
        _LR,
    ),
    build=_build_triangular, source=_source("triangular"),
    formula="s = period // 2; c = floor(n / 2s); x = |n/s - 2(c+1) + 1|; "
             "lr + (max_lr * shrink**c - lr) * max(0, 1 - x)"))


# --------------------------------------------------------------------------- fixed


def _build_fixed(call: LibraryCall) -> Schedule:
    lr, notes = _lr(call, "fixed", "epochs")
    _refuse_force_anneal(call, "fixed")
    w = int(call.args["warmup_updates"])

    def warm(k: IntArray) -> FloatArray:
        return ((floats(k) + 1) / float(w)) * lr

    fn = pieces([w], [warm, lambda k: np.full(k.shape, lr)])

    if w > 0:
        notes.insert(0, f"update 0 gets lr / {w} = {g(lr / w)} and the peak lands at update "
                     f"{w - 1} (fairseq fixed warms up as (n + 1) / W, unlike its other warmups)")
    return _schedule("fixed", fn, call, natural=None, lr=lr, warmup=w,
                     boundaries=[Boundary(w, "warmup end")], notes=notes)


register(LibrarySchedule(
    name="fixed", library="fairseq", lr="optional",
    args=(
        Arg("force_anneal", None, kind="int", nullable=True,
            doc="epoch-based annealing; not modelled (must stay null)"),
        Arg("lr_shrink", 0.1, doc="used only with force_anneal"),
        Arg("warmup_updates", 0, kind="int", minimum=0, doc="warmup length; peak at update W - 1"),
        _LR,
    ),
    build=_build_fixed, source=_source("fixed"),
    formula="W > 0 and n < W: lr * (n + 1) / W; else lr"))

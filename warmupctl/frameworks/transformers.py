"""Hugging Face transformers' step schedules (``lr_scheduler_type``), reproduced update by update.

Reproduces transformers 5.23.0, ``src/transformers/optimization.py``. Every schedule there except the
metric-driven ones (``reduce_lr_on_plateau``, ``greedy``) is a ``torch.optim.lr_scheduler.LambdaLR``
holding a multiplier ``m(t)`` of the scheduler's counter ``t``: a param group's LR is
``base_lr * m(t)``, multiplied in that order. The counter is 0 at construction and ``Trainer`` steps
the scheduler after every optimizer update, so update ``k`` uses ``m(k)``. A scheduler built with
``last_epoch = L`` (resuming) steps once in its constructor from ``L``, so update ``k`` of the resumed
run uses ``m(k + L + 1)``.

Each schedule is registered under its ``lr_scheduler_type`` word (``transformers.cosine``) with its
``get_*`` function name as an alias (``transformers.get_cosine_schedule_with_warmup``); its ``args``
are that function's keyword arguments, verbatim, with its defaults. ``get_scheduler`` (what
``Trainer`` calls) always passes ``num_warmup_steps`` and ``num_training_steps`` and drops those a
schedule does not take, so ``constant``, ``constant_with_warmup`` and ``inverse_sqrt`` accept
``num_training_steps`` too (it becomes the table's length) and ``constant`` accepts
``num_warmup_steps``, which it ignores, with a note. ``get_scheduler``'s own requirements are the
declared required arguments (``num_warmup_steps`` for all but ``constant``, ``num_training_steps``
for the decaying ones; ``warmup_stable_decay`` needs it or ``num_stable_steps``). ``lr`` is the
optimizer's LR; ``polynomial`` and ``cosine_with_min_lr`` read ``optimizer.defaults["lr"]``, which
is the same value here (one param group).

Where transformers accepts a spec and raises only later (``polynomial`` with ``num_warmup_steps ==
num_training_steps`` divides by zero when the scheduler steps to update T, right after the run's
last update), the value there is NaN and a note says so; what it rejects at construction is a
:class:`~warmupctl.core.errors.SpecError` naming the argument and quoting transformers' error.

Every form is closed: no recursion, evaluated vectorized in float64 with transformers' operation
order, so values match the library bit for bit except where numpy's ``cos`` may differ from
``math.cos`` by an ulp.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, Piece, finish, pieces
from warmupctl.frameworks._registry import Arg, LibraryCall, LibrarySchedule, register

#: ``m(t)``: the LambdaLR multiplier as a function of the scheduler's counter.
Multiplier = Callable[[IntArray], FloatArray]

VERSION = "5.23.0"
_FILE = "src/transformers/optimization.py"
LIBRARY = "transformers"

_NO_CLAMP = "transformers does not clamp progress"


# --------------------------------------------------------------------------------------------------
# The multipliers m(t), one per formula family
#
# Each is a list of pieces on consecutive ranges of t, as transformers' if-chains split it. A piece
# is evaluated only on the counters that fall in its range (a chunk usually lies in one piece), and
# in place where that keeps transformers' operation order: a·x == x·a and (1 + c) == (c + 1)
# exactly in IEEE arithmetic.
# --------------------------------------------------------------------------------------------------

def _floats(t: IntArray, offset: int, divisor: float) -> FloatArray:
    """``float(t - offset) / divisor``, as a new array."""
    out = (t - offset).astype(np.float64) if offset else t.astype(np.float64)
    out /= divisor
    return out


def _ramp(warmup: int) -> Piece:
    """The warmup shared by most schedules: ``t / max(1, W)`` (0 at t = 0, 1 at t = W).

    >>> _ramp(2)(np.arange(3)).tolist()
    [0.0, 0.5, 1.0]
    """
    return lambda t: _floats(t, 0, float(max(1, warmup)))


def _fill(value: float) -> Piece:
    return lambda t: np.full(t.shape, value, dtype=np.float64)


def _progress(t: IntArray, warmup: int, total: int) -> FloatArray:
    """``(t - W) / max(1, T - W)``: unclamped, so it passes 1 after T (and is ``t - W`` if T <= W)."""
    return _floats(t, warmup, float(max(1, total - warmup)))


def _cosine_floor(progress: FloatArray, num_cycles: float, rate: float) -> FloatArray:
    """``max(0, c(1 - r) + r)``, ``c = (1 + cos(π·num_cycles·2·p)) / 2``, in place on ``progress``."""
    progress *= math.pi * float(num_cycles) * 2.0
    np.cos(progress, out=progress)
    progress += 1.0
    progress *= 0.5
    progress *= 1 - rate
    progress += rate
    return np.maximum(progress, 0.0, out=progress)


def _m_constant() -> Multiplier:
    """``m(t) = 1`` (``get_constant_schedule``)."""
    return _fill(1.0)


def _m_constant_with_warmup(warmup: int) -> Multiplier:
    """``t / max(1, W)`` while ``t < W``, then 1.

    >>> _m_constant_with_warmup(4)(np.arange(6)).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """
    return pieces([warmup], [_ramp(warmup), _fill(1.0)])


def _m_linear(warmup: int, total: int) -> Multiplier:
    """Warmup, then ``max(0, (T - t) / max(1, T - W))``: 0 at t = T and after (it clamps).

    >>> _m_linear(3, 8)(np.arange(10)).round(6).tolist()
    [0.0, 0.333333, 0.666667, 1.0, 0.8, 0.6, 0.4, 0.2, 0.0, 0.0]
    """

    def decay(t: IntArray) -> FloatArray:
        left = (total - t).astype(np.float64)
        left /= float(max(1, total - warmup))
        return np.maximum(left, 0.0, out=left)

    return pieces([warmup], [_ramp(warmup), decay])


def _m_cosine(warmup: int, total: int, num_cycles: float, min_lr_rate: float) -> Multiplier:
    """Warmup, then ``max(0, c(1 - r) + r)`` with ``c = (1 + cos(2π·num_cycles·p)) / 2``.

    ``p`` is :func:`_progress`; plain ``cosine`` is ``r = 0`` (in 5.23.0 the module defines the lambda
    twice and the second definition, with ``min_lr_rate=0.0``, serves both schedules; ``c·1 + 0`` is
    bit-identical to ``c``). Past T the cosine goes on: with ``num_cycles = 0.5`` it rises again.

    >>> _m_cosine(0, 4, 0.5, 0.0)(np.arange(9)).round(3).tolist()
    [1.0, 0.854, 0.5, 0.146, 0.0, 0.146, 0.5, 0.854, 1.0]
    """

    def decay(t: IntArray) -> FloatArray:
        return _cosine_floor(_progress(t, warmup, total), num_cycles, min_lr_rate)

    return pieces([warmup], [_ramp(warmup), decay])


def _m_hard_restarts(warmup: int, total: int, num_cycles: float) -> Multiplier:
    """Warmup, then ``num_cycles`` half-cosines squeezed into ``[W, T)``; 0 once ``p >= 1``.

    Each cycle is ``(1 + cos(π·((num_cycles·p) mod 1))) / 2``. ``p >= 1`` exactly when
    ``t - W >= max(1, T - W)`` (a correctly rounded division of integers).

    >>> _m_hard_restarts(2, 10, 2)(np.arange(11)).round(6).tolist()
    [0.0, 0.5, 1.0, 0.853553, 0.5, 0.146447, 1.0, 0.853553, 0.5, 0.146447, 0.0]
    """

    def wave(t: IntArray) -> FloatArray:
        phase = _progress(t, warmup, total)
        phase *= float(num_cycles)
        np.remainder(phase, 1.0, out=phase)
        phase *= math.pi
        np.cos(phase, out=phase)
        phase += 1.0
        phase *= 0.5
        return np.maximum(phase, 0.0, out=phase)

    return pieces([warmup, warmup + max(1, total - warmup)], [_ramp(warmup), wave, _fill(0.0)])


def _m_polynomial(warmup: int, total: int, lr_end: float, power: float, lr_init: float) -> Multiplier:
    """Warmup; for ``W <= t <= T``: ``((lr_init - lr_end)·(1 - (t - W)/(T - W))^power + lr_end) / lr_init``;
    after T: ``lr_end / lr_init``.

    transformers divides by ``T - W`` unguarded and raises ZeroDivisionError at ``t = T`` when
    ``T == W`` (and for ``0.0 ** power`` with ``power < 0``): NaN there.

    >>> _m_polynomial(2, 6, 0.1, 2.0, 1.0)(np.arange(8)).round(6).tolist()
    [0.0, 0.5, 1.0, 0.60625, 0.325, 0.15625, 0.1, 0.1]
    """
    lr_range = lr_init - lr_end
    decay_steps = total - warmup

    def decay(t: IntArray) -> FloatArray:
        if decay_steps == 0:
            return np.full(t.shape, np.nan)
        remaining = 1 - _floats(t, warmup, float(decay_steps))
        powered = remaining**power
        if power < 0:
            powered[remaining == 0.0] = np.nan
        powered *= lr_range
        powered += lr_end
        powered /= lr_init
        return powered

    return pieces([warmup, total + 1], [_ramp(warmup), decay, _fill(lr_end / lr_init)])


def _m_inverse_sqrt(warmup: int, timescale: int) -> Multiplier:
    """Warmup, then ``1 / sqrt((t + timescale - W) / timescale)``: 1 at t = W, decaying forever.

    >>> _m_inverse_sqrt(4, 4)(np.arange(9)).round(6).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0, 0.894427, 0.816497, 0.755929, 0.707107]
    """

    def decay(t: IntArray) -> FloatArray:
        scaled = _floats(t, warmup - timescale, float(timescale))
        np.sqrt(scaled, out=scaled)
        return np.divide(1.0, scaled, out=scaled)

    return pieces([warmup], [_ramp(warmup), decay])


def _m_cosine_lr_rate(
    warmup: int, total: int, num_cycles: float, min_lr_rate: float, warmup_lr_rate: float | None
) -> Multiplier:
    """``cosine_warmup_with_min_lr``: a warmup one update ahead, and a cosine one update ahead too.

    All in floats. Warmup (``t < W``): ``(t + 1) / max(1, W)``, or with ``warmup_lr_rate = wr``:
    ``wr + (1 - wr)·t / max(1, W - 1)``. Then ``p = (t - W + 1) / max(1, T - W)`` and
    ``max(0, c(1 - r) + r)`` with the cosine ``c`` of :func:`_m_cosine`. The peak is at ``W - 1``,
    the floor at ``T - 1``.

    >>> _m_cosine_lr_rate(3, 8, 0.5, 0.1, None)(np.arange(9)).round(3).tolist()
    [0.333, 0.667, 1.0, 0.914, 0.689, 0.411, 0.186, 0.1, 0.186]
    """
    w, n = float(warmup), float(total)

    def warm(t: IntArray) -> FloatArray:
        step = t.astype(np.float64)
        if warmup_lr_rate is None:
            step += 1.0
            step /= max(1.0, w)
            return step
        step *= 1.0 - warmup_lr_rate
        step /= max(1, w - 1)
        step += warmup_lr_rate
        return step

    def decay(t: IntArray) -> FloatArray:
        progress = t.astype(np.float64)
        progress -= w
        progress += 1.0
        progress /= max(1.0, n - w)
        return _cosine_floor(progress, num_cycles, min_lr_rate)

    return pieces([warmup], [warm, decay])


_WARMUP_TYPES = ("linear", "cosine", "1-sqrt")


def _m_wsd(
    warmup: int,
    stable: int,
    decay: int,
    warmup_type: str,
    decay_type: str,
    min_lr_ratio: float,
    num_cycles: float,
) -> Multiplier:
    """Warmup ``[0, W)``, stable at 1 ``[W, W+S)``, decay ``[W+S, W+S+D)``, then ``min_lr_ratio``.

    With ``mr = min_lr_ratio`` each moving phase is ``max(0, f(1 - mr) + mr)``. Warmup,
    ``p = t / max(1, W)``: ``f = p`` | ``(1 - cos πp) / 2`` | ``1 - sqrt(1 - p)``. Decay,
    ``p = (t - W - S) / max(1, D)``: ``f = 1 - p`` | ``(1 + cos(2π·num_cycles·p)) / 2`` |
    ``1 - sqrt(p)``. The warmup starts at ``mr``, not 0, and ``mr`` itself first shows at W+S+D.

    >>> _m_wsd(2, 2, 2, "linear", "linear", 0.1, 0.5)(np.arange(8)).round(3).tolist()
    [0.1, 0.55, 1.0, 1.0, 1.0, 0.55, 0.1, 0.1]
    """

    def floor(f: FloatArray) -> FloatArray:
        f *= 1.0 - min_lr_ratio
        f += min_lr_ratio
        return np.maximum(f, 0.0, out=f)

    def warm(t: IntArray) -> FloatArray:
        p = _floats(t, 0, float(max(1, warmup)))
        if warmup_type == "cosine":
            p = 0.5 * (1.0 - np.cos(math.pi * p))
        elif warmup_type == "1-sqrt":
            p = 1.0 - np.sqrt(1.0 - p)
        return floor(p)

    def fall(t: IntArray) -> FloatArray:
        p = _floats(t, warmup + stable, float(max(1, decay)))
        if decay_type == "linear":
            p = 1.0 - p
        elif decay_type == "cosine":
            p = 0.5 * (1.0 + np.cos(math.pi * float(num_cycles) * 2.0 * p))
        else:
            p = 1.0 - np.sqrt(p)
        return floor(p)

    return pieces([warmup, warmup + stable, warmup + stable + decay],
                      [warm, _fill(1.0), fall, _fill(float(min_lr_ratio))])


# --------------------------------------------------------------------------------------------------
# Validation and the Schedule wrapper shared by every entry
# --------------------------------------------------------------------------------------------------


def _lr(call: LibraryCall) -> float:
    assert call.lr is not None  # lr="required": the spec layer enforces it
    return float(call.lr)


def _warmup(call: LibraryCall) -> int:
    return int(call.args["num_warmup_steps"])  # at least 0: a bound of its Arg


def _total(call: LibraryCall) -> int:
    return int(call.args["num_training_steps"])  # at least 1: a bound of its Arg


def _shift(call: LibraryCall) -> int:
    """``last_epoch + 1``: how far a resumed LambdaLR's counter is ahead of the update index."""
    return int(call.args["last_epoch"]) + 1  # at least -1: a bound of its Arg


def _note_peak(m: Multiplier, shift: int, lr: float, candidates: Sequence[int], why: str) -> list[str]:
    """A note when the multiplier never reaches 1 at the counters where the peak would be."""
    counters = sorted({c for c in candidates if c >= shift})
    if not counters:
        return []
    values = m(np.asarray(counters, dtype=np.int64))
    if not np.all(np.isfinite(values)) or values.max() >= 1.0 - 1e-12:
        return []
    best = int(np.argmax(values))
    return [f"the peak lr {lr:g} is never reached: the highest LR is {lr * values[best]:.6g} "
            f"at update {counters[best] - shift} ({why})"]


def _note_zero_start(m: Multiplier, shift: int, warmup: int) -> list[str]:
    if warmup > shift and float(m(np.asarray([shift], dtype=np.int64))[0]) == 0.0:
        return ["update 0 gets LR 0 (transformers warms up from 0)"]
    return []


def _note_cosine_tail(m: Multiplier, shift: int, last: int, what: str) -> list[str]:
    """``last`` is the counter where the decay formula reaches progress 1."""
    here, after = m(np.asarray([last, last + 1], dtype=np.int64))
    way = "rises again" if after > here else "keeps oscillating"
    return [f"the cosine {way} after update {last - shift} ({_NO_CLAMP}: {what})"]


def _schedule(
    call: LibraryCall,
    m: Multiplier,
    *,
    end: int | None,
    warmup: int,
    marks: Sequence[tuple[int, str]] = (),
    notes: Sequence[str] = (),
) -> Schedule:
    """Wrap ``m`` as update k -> ``lr * m(k + last_epoch + 1)`` (LambdaLR's ``base_lr * lambda``)."""
    shift = _shift(call)
    lr = float(call.lr if call.lr is not None else 0.0)

    def fn(updates: IntArray) -> FloatArray:
        values = m(updates + shift if shift else updates)
        values *= lr  # LambdaLR's base_lr * lambda(t); the product commutes exactly
        return values

    if call.total_steps is None and end is not None and end - shift < 1:
        raise SpecError("resumes at or past the end of the schedule: no update is left",
                        path="args.last_epoch", value=call.args["last_epoch"],
                        hint=f"use a last_epoch below {end - 1}, or add total_steps: N "
                             "to tabulate past the end")
    return finish(call, fn, natural=None if end is None else end - shift, lr=lr,
                  warmup=max(0, warmup - shift), notes=notes,
                  boundaries=[Boundary(counter - shift, label) for counter, label in marks])


# --------------------------------------------------------------------------------------------------
# The arguments, shared by the registrations beside each build
# --------------------------------------------------------------------------------------------------

_W = Arg("num_warmup_steps", kind="int", doc="updates of warmup (Trainer: get_warmup_steps)",
         minimum=0, why="Trainer rejects a negative warmup")
_T = Arg("num_training_steps", kind="int", doc="updates of the whole run (Trainer: max_steps)",
         minimum=1)
_LAST = Arg("last_epoch", -1, kind="int",
            doc="-1 for a fresh run; when resuming, update k uses the lambda at k + last_epoch + 1",
            minimum=-1, why="torch's LambdaLR counts from last_epoch + 1")
_T_IGNORED = Arg("num_training_steps", None, kind="int", nullable=True,
                 doc="get_scheduler takes it and ignores it here; warmupctl tabulates that many "
                     "updates", minimum=1)
_CYCLES = Arg("num_cycles", 0.5, doc="cosine waves over the decay (0.5: one half-wave down)")
_MIN_LR = Arg("min_lr", None, nullable=True, doc="floor, absolute (divided by the optimizer's lr)")
_MIN_RATE = Arg("min_lr_rate", None, nullable=True, doc="floor as a fraction of lr")

_WARMUP_FROM_0 = "t/max(1,W) for t < W"


def _source(symbol: str) -> str:
    return f"transformers {VERSION}, {_FILE}, {symbol}"


# --------------------------------------------------------------------------------------------------
# The entries
# --------------------------------------------------------------------------------------------------


def _ignored_total(call: LibraryCall) -> int | None:
    """``num_training_steps`` where ``get_scheduler`` takes it but ignores it: the table's length."""
    return None if call.args["num_training_steps"] is None else _total(call)


def _build_constant(call: LibraryCall) -> Schedule:
    notes = []
    if call.args["num_warmup_steps"]:
        notes.append(f"num_warmup_steps {call.args['num_warmup_steps']} is ignored: transformers' "
                     "get_scheduler builds 'constant' without a warmup (constant_with_warmup has "
                     "one)")
    return _schedule(call, _m_constant(),
                     end=_ignored_total(call), warmup=0, notes=notes)


register(LibrarySchedule(
    name="constant", library=LIBRARY, aliases=("get_constant_schedule",),
    args=(Arg("num_warmup_steps", None, kind="int", nullable=True,
          doc="get_scheduler ignores it for constant: there is no warmup"), _T_IGNORED, _LAST),
    build=_build_constant, source=_source("get_constant_schedule"),
    formula="lr"))


def _build_constant_with_warmup(call: LibraryCall) -> Schedule:
    w = _warmup(call)
    m = _m_constant_with_warmup(w)
    return _schedule(call, m,
                     end=_ignored_total(call), warmup=w, marks=[(w, "warmup end")],
                     notes=_note_zero_start(m, _shift(call), w))


register(LibrarySchedule(
    name="constant_with_warmup", library=LIBRARY, aliases=("get_constant_schedule_with_warmup",),
    args=(_W, _T_IGNORED, _LAST),
    build=_build_constant_with_warmup, source=_source("get_constant_schedule_with_warmup"),
    formula=f"lr·m(t): {_WARMUP_FROM_0}; then 1"))


def _build_linear(call: LibraryCall) -> Schedule:
    w, n, shift = _warmup(call), _total(call), _shift(call)
    m = _m_linear(w, n)
    notes = _note_zero_start(m, shift, w)
    if w >= n:
        notes += _note_peak(m, shift, _lr(call), [w - 1, w],
                            f"num_warmup_steps >= num_training_steps: update {w - shift} gets 0")
    return _schedule(call, m, end=n, warmup=w,
                     marks=[(w, "warmup end"), (n, "decay end (LR 0)")], notes=notes)


register(LibrarySchedule(
    name="linear", library=LIBRARY, aliases=("get_linear_schedule_with_warmup",),
    args=(_W, _T, _LAST),
    build=_build_linear, source=_source("get_linear_schedule_with_warmup"),
    formula=f"lr·m(t): {_WARMUP_FROM_0}; then max(0, (T - t)/max(1, T - W))"))


def _oscillation_note(w: int, shift: int) -> list[str]:
    return [f"num_training_steps <= num_warmup_steps: progress is t - W unscaled "
            f"(max(1, T - W) = 1), so from update {w - shift} the cosine jumps every update"]


def _build_cosine_family(call: LibraryCall, min_lr_rate: float) -> Schedule:
    w, n, shift = _warmup(call), _total(call), _shift(call)
    m = _m_cosine(w, n, call.args["num_cycles"], min_lr_rate)
    notes = _note_zero_start(m, shift, w)
    if n > w:
        notes += _note_cosine_tail(m, shift, n, "the cosine is periodic past num_training_steps")
    else:
        notes += _oscillation_note(w, shift)
    return _schedule(call, m, end=n, warmup=w,
                     marks=[(w, "warmup end"), (n, "decay end")], notes=notes)


def _build_cosine(call: LibraryCall) -> Schedule:
    return _build_cosine_family(call, 0.0)


register(LibrarySchedule(
    name="cosine", library=LIBRARY, aliases=("get_cosine_schedule_with_warmup",),
    args=(_W, _T, _CYCLES, _LAST),
    build=_build_cosine, source=_source("get_cosine_schedule_with_warmup"),
    formula=f"lr·m(t): {_WARMUP_FROM_0}; then max(0, (1 + cos(2π·num_cycles·p))/2), "
             "p = (t - W)/max(1, T - W) unclamped (rises again after T)"))


def _min_lr_rate(call: LibraryCall) -> float:
    """``min_lr_rate``, or ``min_lr / optimizer.defaults["lr"]``; exactly one must be set."""
    min_lr, rate = call.args["min_lr"], call.args["min_lr_rate"]
    if min_lr is not None and rate is not None:
        raise SpecError("give min_lr or min_lr_rate, not both", path="args.min_lr_rate",
                        value=rate, hint="transformers raises ValueError: 'Only one of min_lr or "
                                         "min_lr_rate should be set'")
    if min_lr is not None:
        if not call.lr:
            raise SpecError("min_lr is divided by the optimizer's LR, which is 0", path="lr",
                            value=call.lr, hint="transformers raises ZeroDivisionError; set lr > 0 "
                                                "or give min_lr_rate instead of min_lr")
        return float(min_lr) / _lr(call)
    if rate is None:
        raise SpecError("needs min_lr or min_lr_rate", path="args.min_lr",
                        hint="transformers raises ValueError: 'One of min_lr or min_lr_rate should "
                             "be set through the `lr_scheduler_kwargs`'; e.g. min_lr_rate: 0.1")
    return float(rate)


def _build_cosine_with_min_lr(call: LibraryCall) -> Schedule:
    return _build_cosine_family(call, _min_lr_rate(call))


register(LibrarySchedule(
    name="cosine_with_min_lr", library=LIBRARY, aliases=("get_cosine_with_min_lr_schedule_with_warmup",),
    args=(_W, _T, _CYCLES, _LAST, _MIN_LR, _MIN_RATE),
    build=_build_cosine_with_min_lr, source=_source("get_cosine_with_min_lr_schedule_with_warmup"),
    formula=f"lr·m(t): {_WARMUP_FROM_0}; then max(0, c(1 - r) + r), c = (1 + cos(2π·num_cycles·p))/2, "
             "r = min_lr_rate or min_lr/lr, p unclamped"))


def _build_cosine_with_restarts(call: LibraryCall) -> Schedule:
    w, n, shift = _warmup(call), _total(call), _shift(call)
    cycles = call.args["num_cycles"]
    m = _m_hard_restarts(w, n, cycles)
    notes = _note_zero_start(m, shift, w)
    if n > w:
        last = float(m(np.asarray([n - 1], dtype=np.int64))[0])
        if last >= 0.05 and n - 1 >= shift:
            notes.append(f"the last cycle is cut short: update {n - 1 - shift} gets "
                         f"{last:.3g}·lr and update {n - shift} on get 0")
    else:
        notes.append(f"num_training_steps <= num_warmup_steps: update {w - shift} gets the full "
                     "lr and every later update 0 (progress >= 1 returns 0)")
    return _schedule(call, m, end=n, warmup=w,
                     marks=[(w, "warmup end"), (n, "decay end (LR 0)")], notes=notes)


register(LibrarySchedule(
    name="cosine_with_restarts", library=LIBRARY,
    aliases=("get_cosine_with_hard_restarts_schedule_with_warmup",),
    args=(_W, _T, Arg("num_cycles", 1, doc="hard restarts inside [W, T)"), _LAST),
    build=_build_cosine_with_restarts, source=_source("get_cosine_with_hard_restarts_schedule_with_warmup"),
    formula=f"lr·m(t): {_WARMUP_FROM_0}; then 0 if p >= 1 else "
            "max(0, (1 + cos(π·((num_cycles·p) mod 1)))/2)"))


def _build_polynomial(call: LibraryCall) -> Schedule:
    w, n, shift = _warmup(call), _total(call), _shift(call)
    lr_init = _lr(call)
    lr_end, power = call.args["lr_end"], call.args["power"]
    if not lr_init > lr_end:
        raise SpecError("lr_end must be smaller than the optimizer's lr", path="args.lr_end",
                        value=lr_end, hint=f"transformers raises ValueError: lr_end ({lr_end}) must "
                                           f"be smaller than initial lr ({lr_init})")
    m = _m_polynomial(w, n, lr_end, power, lr_init)
    notes = _note_zero_start(m, shift, w)
    if n == w:
        notes.append(f"transformers raises ZeroDivisionError at update {n - shift} "
                     "(num_warmup_steps == num_training_steps: the decay divides by T - W = 0), "
                     "when the scheduler steps after the last update; warmupctl shows NaN there")
    elif power < 0:
        notes.append(f"transformers raises ZeroDivisionError at update {n - shift} (0.0 ** power "
                     "with a negative power); warmupctl shows NaN there")
    if n < w:
        notes += _note_peak(m, shift, lr_init, [w - 1, w],
                            "num_warmup_steps > num_training_steps: the LR drops to lr_end at "
                            f"update {w - shift}")
    return _schedule(call, m,
                     end=n, warmup=w, marks=[(w, "warmup end"), (n, "decay end (lr_end)")],
                     notes=notes)


register(LibrarySchedule(
    name="polynomial", library=LIBRARY, aliases=("get_polynomial_decay_schedule_with_warmup",),
    args=(_W, _T, Arg("lr_end", 1e-7, doc="end LR, absolute"), Arg("power", 1.0), _LAST),
    build=_build_polynomial, source=_source("get_polynomial_decay_schedule_with_warmup"),
    formula=f"lr·m(t): {_WARMUP_FROM_0}; W <= t <= T: ((lr - lr_end)(1 - (t - W)/(T - W))^power + "
             "lr_end)/lr; t > T: lr_end/lr"))


def _build_inverse_sqrt(call: LibraryCall) -> Schedule:
    w, shift = _warmup(call), _shift(call)
    given = call.args["timescale"]
    timescale = given if given is not None else (w or 10_000)
    m = _m_inverse_sqrt(w, timescale)
    notes = _note_zero_start(m, shift, w)
    if given is None and w == 0:
        notes.append("timescale defaults to 10000 because num_warmup_steps is 0: the LR starts "
                     "at lr and decays as 1/sqrt((k + 10000)/10000)")
    return _schedule(call, m,
                     end=_ignored_total(call), warmup=w,
                     marks=[(w, "warmup end")], notes=notes)


register(LibrarySchedule(
    name="inverse_sqrt", library=LIBRARY, aliases=("get_inverse_sqrt_schedule",),
    args=(_W, Arg("timescale", None, kind="int", nullable=True,
                  doc="decay time scale; default num_warmup_steps, or 10000 if that is 0",
                  minimum=0, above=True,
                  why="transformers accepts it and then raises ZeroDivisionError or ValueError "
                      "(math domain error) after the warmup; leave it out to use num_warmup_steps"),
          _T_IGNORED, _LAST),
    build=_build_inverse_sqrt, source=_source("get_inverse_sqrt_schedule"),
    formula=f"lr·m(t): {_WARMUP_FROM_0}; then 1/sqrt((t + timescale - W)/timescale)"))


def _build_cosine_warmup_with_min_lr(call: LibraryCall) -> Schedule:
    w, n, shift = _warmup(call), _total(call), _shift(call)
    rate, wr = _min_lr_rate(call), call.args["warmup_lr_rate"]
    m = _m_cosine_lr_rate(w, n, call.args["num_cycles"], rate, wr)
    lr = _lr(call)
    notes: list[str] = []
    if w > shift:
        first = lr * float(m(np.asarray([shift], dtype=np.int64))[0])
        how = "(k + 1)/W" if wr is None else "warmup_lr_rate + (1 - warmup_lr_rate)·k/(W - 1)"
        notes.append(f"update 0 gets {first:.6g}, not 0: this schedule warms up as {how}, "
                     "one update ahead of transformers' other warmups")
    if n > w:
        notes.append(f"the peak is at update {w - 1 - shift} and the floor at update "
                     f"{n - 1 - shift}, one update earlier than cosine_with_min_lr "
                     "(progress is (k - W + 1)/(T - W))")
        notes += _note_cosine_tail(m, shift, n - 1, "the cosine is periodic past the floor")
    else:
        notes += _oscillation_note(w, shift)
    why = ("num_warmup_steps is 0: the decay starts at progress 1/(T - W)" if w == 0 else
           "with num_warmup_steps 1 the warmup_lr_rate warmup stays at warmup_lr_rate")
    notes += _note_peak(m, shift, lr, [w - 1, w], why)
    return _schedule(call, m, end=n, warmup=w,
                     marks=[(w, "decay start"), (n - 1, "floor")], notes=notes)


register(LibrarySchedule(
    name="cosine_warmup_with_min_lr", library=LIBRARY,
    aliases=("get_cosine_with_min_lr_schedule_with_warmup_lr_rate",),
    args=(_W, _T, _CYCLES, _LAST, _MIN_LR, _MIN_RATE,
          Arg("warmup_lr_rate", None, nullable=True, doc="warmup start as a fraction of lr")),
    build=_build_cosine_warmup_with_min_lr,
    source=_source("get_cosine_with_min_lr_schedule_with_warmup_lr_rate"),
    formula="lr·m(t): t < W: (t + 1)/max(1, W) or wr + (1 - wr)·t/max(1, W - 1); then max(0, c(1 - r) "
             "+ r) with p = (t - W + 1)/max(1, T - W) (peak at W - 1, floor at T - 1)"))


def _build_wsd(call: LibraryCall) -> Schedule:
    w, shift = _warmup(call), _shift(call)
    d = int(call.args["num_decay_steps"])
    given_total, given_stable = call.args["num_training_steps"], call.args["num_stable_steps"]
    if given_total is None and given_stable is None:
        raise SpecError("needs num_training_steps or num_stable_steps", path="args.num_training_steps",
                        hint="transformers raises ValueError: 'Either num_training_steps or "
                             "num_stable_steps must be specified.'")
    notes: list[str] = []
    if given_total is not None:
        _total(call)
    if given_stable is not None:
        s = int(given_stable)
        if given_total is not None and w + s + d != given_total:
            notes.append(f"num_stable_steps wins over num_training_steps (transformers warns): the "
                         f"decay ends at update {w + s + d - shift}, not {given_total - shift}")
    else:
        s = given_total - w - d
    mr = call.args["min_lr_ratio"]
    m = _m_wsd(w, s, d, call.args["warmup_type"], call.args["decay_type"], mr,
               call.args["num_cycles"])
    lr = _lr(call)
    if w > shift:
        notes += (_note_zero_start(m, shift, w) if mr == 0 else
                  [f"update 0 gets min_lr_ratio·lr = {lr * mr:.6g} (the WSD warmup starts from "
                   "min_lr_ratio, not 0)"])
    if s < 0:
        notes.append(f"num_warmup_steps + num_decay_steps > num_training_steps: the stable phase "
                     f"is {s} updates and the decay starts part-way, at progress {-s}/{d}")
        notes += _note_peak(m, shift, lr, [w - 1, w], "the decay starts part-way")
    end = w + s + d
    last = float(m(np.asarray([max(end - 1, 0)], dtype=np.int64))[0])
    if d > 0 and end - 1 >= shift and last - mr >= 0.01 * (1.0 - mr):
        last *= lr
        notes.append(f"the decay stops above its floor: update {end - 1 - shift} gets {last:.6g}; "
                     f"min_lr_ratio·lr = {lr * mr:.6g} is first used at update {end - shift}")
    natural = given_total if given_total is not None else end
    return _schedule(call, m,
                     end=max(natural, 1), warmup=w,
                     marks=[(w, "stable start"), (w + s, "decay start"), (end, "decay end")],
                     notes=notes)


register(LibrarySchedule(
    name="warmup_stable_decay", library=LIBRARY, aliases=("get_wsd_schedule",),
    args=(_W, Arg("num_decay_steps", kind="int", doc="updates of the decay", minimum=0),
          Arg("num_training_steps", None, kind="int", nullable=True,
              doc="W + S + D; gives S when num_stable_steps is not set", minimum=1),
          Arg("num_stable_steps", None, kind="int", nullable=True, doc="updates at the peak; wins",
              minimum=0),
          Arg("warmup_type", "linear", kind="str", choices=_WARMUP_TYPES),
          Arg("decay_type", "cosine", kind="str", choices=_WARMUP_TYPES),
          Arg("min_lr_ratio", 0, doc="start of the warmup and end of the decay, as a fraction of lr"),
          _CYCLES, _LAST),
    build=_build_wsd, source=_source("get_wsd_schedule"),
    formula="lr·m(t): warmup f(t/max(1,W))·(1 - mr) + mr; 1 for S updates; decay "
             "f(p)·(1 - mr) + mr, p = (t - W - S)/max(1, D); then mr"))



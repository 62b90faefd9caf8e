"""The series torch's OneCycleLR and CyclicLR set besides the LR: the momentum, or an Adam-like
optimizer's beta1 (torch 2.13.0, ``torch/optim/lr_scheduler.py``).

Both schedulers check, when ``cycle_momentum`` is true, that ``"momentum"`` or ``"betas"`` is in
``optimizer.defaults`` (ValueError otherwise) and write ``group["betas"] = (m, beta2)`` when
``betas`` is there (``use_beta1``), else ``group["momentum"] = m``. The spec's ``optimizer:`` key
names the class (:data:`warmupctl.frameworks._series.OPTIMIZER_KINDS`); without it the series is
named ``momentum`` (the values are the same for beta1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import repeat
from typing import Any

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray
from warmupctl.frameworks._registry import LibraryCall
from warmupctl.frameworks._series import OPTIMIZER_ARG, LibrarySeries, register_series
from warmupctl.frameworks.torch._ops import _cos, _pow
from warmupctl.frameworks.torch._schedulers import _CyclicLR, _OneCycleLR

VERSION = "2.13.0"
LIBRARY = "torch"
_FILE = "torch/optim/lr_scheduler.py"


def _momentum_series(call: LibraryCall, lr: Schedule, name: str,
                     momentum: Callable[[IntArray], FloatArray]) -> tuple[dict[str, Schedule],
                                                                          tuple[str, ...]]:
    """The momentum ``name`` cycles, under the optimizer's key: ``momentum`` or ``betas[0]``.

    torch checks ``"momentum" in optimizer.defaults or "betas" in optimizer.defaults`` when
    ``cycle_momentum`` is true (ValueError otherwise) and writes beta1 when ``betas`` is there.
    """
    from warmupctl.engine.series import from_function
    from warmupctl.frameworks._series import momentum_key, nan_where_lr_is

    if not call.args["cycle_momentum"]:
        return {}, ()
    key = momentum_key(call, "momentum")
    if key is None:
        raise SpecError(f"torch raises ValueError constructing {name}: the optimizer has neither "
                        "momentum nor betas", path="optimizer", value=call.extra["optimizer"],
                        hint="set args.cycle_momentum: false, or use an optimizer with momentum "
                             "or betas")
    # Without optimizer: the series is named as for SGD (the values are the same for beta1); the
    # name itself says which key is written.
    series_name = "betas[0]" if key == "betas" else "momentum"
    fn = nan_where_lr_is(momentum, lr)
    return {series_name: from_function(fn, lr.total_steps, series_name)}, ()


def _onecycle_momentum(args: Mapping[str, Any]) -> Callable[[IntArray], FloatArray]:
    """OneCycleLR's momentum at update t (``last_epoch`` t): the LR's phases with ``start_momentum``
    / ``end_momentum`` max→base, base→max (and base→max, max→max with three_phase), annealed by
    the same cos or linear function (torch 2.13.0, ``OneCycleLR.__init__`` ``_schedule_phases``,
    ``OneCycleLR.get_lr``)."""
    sim = _OneCycleLR(args)
    high, low = float(args["max_momentum"]), float(args["base_momentum"])
    ends = [end for end, _, _ in sim.phases]
    # (start, end) momentum of each phase, as OneCycleLR's _schedule_phases name them
    pairs = [(high, low), (low, high), (high, high)][:len(ends)] if args["three_phase"] else [
        (high, low), (low, high)]
    cos = args["anneal_strategy"] == "cos"

    def fn(k: IntArray) -> FloatArray:
        t = np.asarray(k, dtype=np.int64)
        values = np.full(t.size, np.nan)
        todo = np.ones(t.size, dtype=bool)
        start = 0.0
        for i, (end, (first, last)) in enumerate(zip(ends, pairs)):
            here = todo & (t <= end) if i < len(ends) - 1 else todo.copy()
            todo &= ~here
            span = end - start
            if span != 0 and here.any():
                pct = (t[here] - start) / span
                if cos:
                    values[here] = last + (first - last) / 2.0 * (_cos(np.pi * pct) + 1)
                else:
                    values[here] = (last - first) * pct + first
            start = end
        return values

    return fn


def _cyclic_momentum(args: Mapping[str, Any]) -> Callable[[IntArray], FloatArray]:
    """CyclicLR's momentum at update t: ``max_momentum - (max_momentum - base_momentum) * scale *
    f`` with the LR's triangle ``scale`` and amplitude ``f`` (1, 1/2**(cycle-1), gamma**t) (torch
    2.13.0, ``CyclicLR.get_lr``)."""
    sim = _CyclicLR(args)
    high, low = float(args["max_momentum"]), float(args["base_momentum"])

    def fn(k: IntArray) -> FloatArray:
        t = np.asarray(k, dtype=np.int64)
        size, r = sim.size, sim.ratio
        if size == 0:
            return np.full(t.size, np.nan)
        q = t / size
        cycle = np.floor(1 + q)
        x = 1.0 + q - cycle
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(x <= r, x / r, (x - 1) / (r - 1))
        height = (high - low) * scale
        mode = args["mode"]
        if mode == "triangular2":
            k2 = np.minimum(cycle - 1, 1023).astype(np.int64)
            height = height * (1 / np.ldexp(1.0, k2))
        elif mode == "exp_range":
            factor, _, _ = _pow(repeat(args["gamma"]), t.tolist(), t.size)
            height = height * factor
        return high - height

    return fn


def _onecycle_series(call: LibraryCall, lr: Schedule) -> tuple[dict[str, Schedule], tuple[str, ...]]:
    return _momentum_series(call, lr, "OneCycleLR", _onecycle_momentum(call.args))


def _cyclic_series(call: LibraryCall, lr: Schedule) -> tuple[dict[str, Schedule], tuple[str, ...]]:
    return _momentum_series(call, lr, "CyclicLR", _cyclic_momentum(call.args))


def _nested_series(call: LibraryCall, lr: Schedule) -> tuple[dict[str, Schedule], tuple[str, ...]]:
    """SequentialLR/ChainedScheduler: a OneCycleLR or CyclicLR inside still writes the momentum,
    which warmupctl does not compose; say so rather than leave it out in silence."""
    notes = []
    for i, child in enumerate(call.args.get("schedulers") or []):
        name = str(child.get("schedule", "")) if isinstance(child, Mapping) else ""
        args = child.get("args") or {} if isinstance(child, Mapping) else {}
        if name in ("torch.OneCycleLR", "torch.CyclicLR") and args.get("cycle_momentum", True):
            notes.append(f"schedulers[{i}] ({name}) also cycles the momentum (or betas[0]); "
                         "warmupctl shows that series for a top-level OneCycleLR or CyclicLR only")
    return {}, tuple(notes)


def _register_series() -> None:
    for name in ("SequentialLR", "ChainedScheduler"):
        register_series(LibrarySeries(
            qualname=f"{LIBRARY}.{name}", build=_nested_series,
            source=f"torch {VERSION}, {_FILE}, {name}",
            what="none: names a nested OneCycleLR/CyclicLR whose momentum is not composed"))
    for name, build in (("OneCycleLR", _onecycle_series), ("CyclicLR", _cyclic_series)):
        register_series(LibrarySeries(
            qualname=f"{LIBRARY}.{name}", build=build, extra=(OPTIMIZER_ARG,),
            source=f"torch {VERSION}, {_FILE}, {name}.get_lr (momentum / betas)",
            what="momentum, or betas[0] with an Adam-like optimizer (cycle_momentum)"))


_register_series()

"""The series a library schedule sets besides the LR: ``LIBRARY_SERIES["torch.OneCycleLR"]``.

A library module registers, beside its :class:`~warmupctl.frameworks._registry.LibrarySchedule`, a
:class:`LibrarySeries` for the same name: the extra top-level spec keys the series read (which
optimizer, the parameter groups) and a ``build`` function that, given the validated call and the
LR schedule already built, returns the further series under the library's own parameter-group
names (``momentum``, ``betas[0]``, ``weight_decay``, ``lr/pg1``) and notes. The spec layer
(:mod:`warmupctl.spec.library`) validates the extra keys like any other and attaches the result.

Kept apart from ``_registry`` so that a schedule's LR entry and its series evolve separately.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.registry import add_once
from warmupctl.engine import Schedule
from warmupctl.engine.schedule import LRFunction
from warmupctl.engine.series import with_series
from warmupctl.frameworks._registry import Arg, LibraryCall

#: ``build(call, lr_schedule) -> ({name: series}, notes)``.
SeriesBuild = Callable[[LibraryCall, Schedule], tuple[Mapping[str, Schedule], tuple[str, ...]]]


@dataclass(frozen=True)
class LibrarySeries:
    """The series of one library schedule.

    Attributes:
        qualname: the schedule's ``library.Name``.
        build: see :data:`SeriesBuild`; only called after the LR schedule built without error.
        extra: top-level spec keys the series read (validated as the schedule's own ``extra``).
        source: file, symbol and version reproduced.
        what: the series' names in a few words, for listings and docs.
    """

    qualname: str
    build: SeriesBuild
    extra: tuple[Arg, ...] = ()
    source: str = ""
    what: str = ""


#: ``"library.Name"`` -> its series. Filled by :func:`register_series` when a module is imported.
LIBRARY_SERIES: dict[str, LibrarySeries] = {}


def register_series(entry: LibrarySeries) -> LibrarySeries:
    return add_once(LIBRARY_SERIES, entry.qualname, entry, "series of")


def attach(qualname: str, call: LibraryCall, schedule: Schedule) -> Schedule:
    """``schedule`` with the series its library sets (unchanged when it registers none)."""
    entry = LIBRARY_SERIES.get(qualname)
    if entry is None:
        return schedule
    series, notes = entry.build(call, schedule)
    given = {arg.name: call.extra.get(arg.name) for arg in entry.extra}
    if given:  # the resolved spec shows the keys the series were built from
        from dataclasses import replace
        from types import MappingProxyType

        schedule = replace(schedule, spec=MappingProxyType({**schedule.spec, **given}))
    return with_series(schedule, series, notes)


#: What ``optimizer.defaults`` holds for each torch.optim class (torch 2.13.0, read from a constructed
#: optimizer): ``momentum`` (SGD, RMSprop), ``betas`` (the Adam family), or neither. Schedulers that
#: cycle momentum write ``group["betas"] = (m, beta2)`` when ``"betas" in optimizer.defaults``
#: (torch's ``use_beta1``; DeepSpeed writes betas only), else ``group["momentum"] = m``.
OPTIMIZER_KINDS: dict[str, str | None] = {
    "SGD": "momentum", "RMSprop": "momentum",
    "Adam": "betas", "AdamW": "betas", "NAdam": "betas", "RAdam": "betas", "Adamax": "betas",
    "SparseAdam": "betas", "FusedAdam": "betas", "DeepSpeedCPUAdam": "betas", "FusedLamb": "betas",
    "Lamb": "betas",
    "Adagrad": None, "Adadelta": None, "ASGD": None, "Rprop": None, "LBFGS": None, "Adafactor": None,
}

#: The ``optimizer:`` key of a library spec whose scheduler cycles momentum.
OPTIMIZER_ARG = Arg("optimizer", None, "str", choices=tuple(OPTIMIZER_KINDS), nullable=True,
                    doc="the optimizer's class: it decides whether momentum or betas[0] is cycled")


def momentum_key(call: LibraryCall, default: str) -> str | None:
    """``momentum`` or ``betas`` for the spec's ``optimizer:`` (``default`` when it names none);
    None for an optimizer with neither."""
    name = call.extra.get("optimizer")
    return default if name is None else OPTIMIZER_KINDS[name]


def nan_where_lr_is(fn: LRFunction, lr: Schedule) -> LRFunction:
    """``fn`` with NaN wherever the LR is NaN: where a library raises while computing the LR, it
    sets nothing else either (torch computes the LR first in ``get_lr``)."""
    def wrapped(k: NDArray[np.int64]) -> NDArray[np.float64]:
        out = np.asarray(fn(k), dtype=np.float64)
        out[np.isnan(lr(k))] = np.nan
        return out

    return wrapped


__all__ = ["LIBRARY_SERIES", "LibrarySeries", "attach", "nan_where_lr_is", "register_series"]

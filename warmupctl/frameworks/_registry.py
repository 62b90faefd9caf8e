"""The registry of library schedules: ``LIBRARY_SCHEDULES["torch.CosineAnnealingLR"]``.

Each library module (``warmupctl/frameworks/<library>.py``) declares its schedules as
:class:`LibrarySchedule` entries: the accepted keyword arguments with the library's defaults, and a
``build`` function that turns validated arguments into a vectorized :class:`~warmupctl.engine.Schedule`
whose ``k``-th value is the LR of optimizer update ``k`` in that library's standard training loop.

Argument validation that is the same for every library (unknown names, missing required arguments,
types, and the bounds an :class:`Arg` declares) is done once, by :func:`warmupctl.frameworks._kit.coerce_arg`
called from :mod:`warmupctl.spec.library`; a ``build`` function only checks what its library itself
would reject beyond that, and raises :class:`~warmupctl.core.errors.SpecError` with ``path="args.NAME"``.
A build hands its function to :func:`warmupctl.frameworks._kit.finish`, which owns the run length, the
boundaries, the notes, NaN from where the library raises and the resolved spec (see
docs/library-specs.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from warmupctl.core.errors import EngineError
from warmupctl.core.registry import add_once
from warmupctl.engine import Schedule


class _Required:
    """Marker for an argument without a default."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()

#: Argument kinds understood by the generic validator in :mod:`warmupctl.spec.library`.
ARG_KINDS = (
    "float",  # a finite number (YAML's "1e-3" string accepted)
    "int",  # an integer (1e4 accepted when integral)
    "bool",
    "str",  # with ``choices`` when the library has a fixed set
    "floats",  # a list of numbers (or one number, where the library accepts a scalar too)
    "ints",  # a list of integers
    "spec",  # a nested library spec mapping (resolved with the same machinery)
    "specs",  # a list of nested library specs
    "any",  # passed through untouched; the build function validates it
)


@dataclass(frozen=True)
class Arg:
    """One keyword argument of a library schedule.

    Attributes:
        name: the library's own keyword, verbatim.
        default: the library's default, or :data:`REQUIRED`.
        kind: one of :data:`ARG_KINDS`.
        choices: allowed strings for ``kind="str"``.
        nullable: ``None``/``null`` is accepted (the library's default is often None).
        doc: what the argument means, in a few words (listings, and the hint of a bound).
        minimum: the smallest value accepted (numbers; each item of a list), or None.
        maximum: the largest value accepted, or None.
        above: the minimum itself is refused (``value > minimum``), as for a factor in ``(0, 1]``.
        why: who refuses a value out of bounds and what happens, e.g. ``"torch raises ValueError"``;
            it leads the hint of the one error the generic validator gives for every library.
        float_only: why a whole number is refused here although its float is accepted, e.g. "torch
            raises ValueError unless pct_start is a float"; empty: a whole number is read as a float.
            A library that checks the type, or computes in the dtype of the value given, would
            otherwise run differently from the table.
    """

    name: str
    default: Any = REQUIRED
    kind: str = "float"
    choices: tuple[str, ...] | None = None
    nullable: bool = False
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    above: bool = False
    why: str = ""
    float_only: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ARG_KINDS:
            raise EngineError(f"argument {self.name}: unknown kind {self.kind!r}")
        if self.above and self.minimum is None:
            raise EngineError(f"argument {self.name}: 'above' needs a minimum")

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class RunBound:
    """The updates a command asks for when the spec does not say how long the run is.

    ``warmupctl table steplr.yaml --steps 60`` tabulates 60 updates whatever the spec says; for a
    schedule with no natural end (torch.StepLR) those 60 updates are the run.

    Attributes:
        updates: the number of updates (``--steps N``: N; ``--at 10,500``: 501).
        flag: the option that bounds the run, quoted in the note (``"--steps 60"``, ``"--at"``).
    """

    updates: int
    flag: str


@dataclass(frozen=True)
class LibraryCall:
    """What a ``build`` function receives.

    Attributes:
        args: every declared argument, validated and with defaults filled in.
        lr: the optimizer's LR (``lr:`` in the spec), or None when the spec gives none.
        total_steps: ``total_steps:`` from the spec when given (the length to tabulate for schedules
            that have no natural end), else None.
        extra: the validated extra top-level keys the schedule declares (``updates_per_epoch``, ...).
        resolve: resolves a nested spec mapping (validated by the spec layer) to a Schedule; ``path``
            is used in error messages, like ``args.schedulers[1]``.
        entry: the registry entry being built (its name, source and extra keys), when known.
        bound: the command's bound on the updates shown, the run of a schedule without an end.
    """

    args: Mapping[str, Any]
    lr: float | None = None
    total_steps: int | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    resolve: Callable[[Any, str], Schedule] | None = None
    entry: LibrarySchedule | None = None
    bound: RunBound | None = None

    @property
    def qualname(self) -> str:
        """``library.Name`` of the schedule being built (``library schedule`` when unknown)."""
        return self.entry.qualname if self.entry is not None else "library schedule"


@dataclass(frozen=True)
class LibrarySchedule:
    """One schedule of one library.

    Attributes:
        name: the name after the library, verbatim (``CosineAnnealingLR``, ``cosine``).
        library: the library's short name (``torch``, ``transformers``, ``optax``, ...).
        args: the accepted keyword arguments, in the library's order.
        build: validated call -> Schedule.
        source: file, symbol and version reproduced, e.g.
            ``"torch 2.13.0, torch/optim/lr_scheduler.py, CosineAnnealingLR"``.
        formula: the per-update formula in one or two lines, in warmupctl's words.
        lr: how the spec's ``lr:`` is used: ``"required"`` (the optimizer LR scales the schedule),
            ``"optional"`` (with ``lr_default``), or ``"unused"`` (values come from ``args``).
        lr_default: the LR used when ``lr: optional`` and the spec gives none.
        extra: further top-level keys this schedule reads (``updates_per_epoch``, ``base``, ...).
        aliases: other accepted names (transformers' ``get_*`` function names).
    """

    name: str
    library: str
    args: tuple[Arg, ...]
    build: Callable[[LibraryCall], Schedule]
    source: str
    formula: str
    lr: str = "required"
    lr_default: float | None = None
    extra: tuple[Arg, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def qualname(self) -> str:
        return f"{self.library}.{self.name}"

    def arg(self, name: str) -> Arg | None:
        return next((a for a in self.args if a.name == name), None)


#: ``"library.Name"`` (and aliases) -> entry. Filled by :func:`register` when a module is imported.
LIBRARY_SCHEDULES: dict[str, LibrarySchedule] = {}

#: The library modules, imported on first use by :func:`load_libraries`.
LIBRARY_MODULES: tuple[str, ...] = (
    "transformers",
    "torch",
    "timm",
    "optax",
    "deepspeed",
    "keras",
    "megatron",
    "fairseq",
    "nemo",
    "pytorch_warmup",
    "axolotl",
    "mmengine",
    "accelerate",
    "nanogpt",
    "litgpt",
    "lightning",
    "ultralytics",
    "fvcore",
    "detectron2",
    "torchtune",
    "diffusers",
    "composer",
    "paddle",
    "tfm",
)


def register(entry: LibrarySchedule) -> LibrarySchedule:
    """Add ``entry`` (and its aliases) to :data:`LIBRARY_SCHEDULES`."""
    for key in (entry.qualname, *(f"{entry.library}.{a}" for a in entry.aliases)):
        add_once(LIBRARY_SCHEDULES, key, entry, "library schedule")
    return entry


def load_libraries() -> Mapping[str, LibrarySchedule]:
    """Import every library module that exists (each registers its schedules) and return the registry."""
    for module in LIBRARY_MODULES:
        try:
            importlib.import_module(f"warmupctl.frameworks.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"warmupctl.frameworks.{module}":
                raise
    return LIBRARY_SCHEDULES

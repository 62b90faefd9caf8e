"""Library specs: ``schedule: <library>.<name>``, ``lr:``, ``args:`` -> a :class:`Schedule`.

``args`` hold the library's own keyword arguments verbatim; what is left out takes the library's
default. This module checks what is common to every library (the name exists, every argument is
known, required ones are there, each has the right type and lies within the bounds its
:class:`~warmupctl.frameworks.Arg` declares) and hands the rest to the library's ``build`` function
(see :mod:`warmupctl.frameworks`).
"""

from __future__ import annotations

import contextvars
from dataclasses import replace
from typing import Any

import numpy as np

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.engine import Schedule
from warmupctl.frameworks._kit import coerce_arg
from warmupctl.frameworks._registry import (
    LIBRARY_MODULES,
    REQUIRED,
    LibraryCall,
    LibrarySchedule,
    RunBound,
    load_libraries,
)
from warmupctl.frameworks._series import LIBRARY_SERIES
from warmupctl.frameworks._series import attach as attach_series

#: Top-level keys every library spec may carry, besides the schedule's own ``extra`` keys.
LIBRARY_KEYS = ("schedule", "lr", "args", "total_steps", "name")


def find_schedule(name: Any, path: str = "schedule") -> LibrarySchedule:
    """The registry entry for ``library.Name``, with a did-you-mean on a miss."""
    text = v.as_str(name, path)
    registry = load_libraries()
    if text in registry:
        return registry[text]
    library, _, _ = text.partition(".")
    libraries = sorted(LIBRARY_MODULES)
    if library not in libraries:
        hint = v.did_you_mean(library, libraries) or "libraries: " + ", ".join(libraries)
        raise SpecError("unknown library", path=path, value=text, hint=hint)
    names = sorted(k for k in registry if k.startswith(library + "."))
    hint = v.did_you_mean(text, names) or f"{library} has " + ", ".join(
        n.partition(".")[2] for n in names
    )
    raise SpecError(f"unknown {library} schedule", path=path, value=text, hint=hint)


def describe_args(entry: LibrarySchedule) -> str:
    """``T_max (required), eta_min=0.0`` for hints."""
    parts = []
    for arg in entry.args:
        parts.append(f"{arg.name} (required)" if arg.required else f"{arg.name}={arg.default!r}")
    return ", ".join(parts) if parts else "no arguments"


def resolve_library(
    mapping: dict[str, Any], *, prefix: str = "", bound: RunBound | None = None
) -> Schedule:
    """Resolve a library spec mapping; error paths are prefixed with ``prefix`` for nested specs.

    ``bound`` is the command's bound on the updates it shows (``--steps N``, ``--at``): the run of
    a schedule that has no end of its own and no ``total_steps`` (with a note saying so).
    """
    try:
        return _resolve(mapping, bound)
    except SpecError as exc:
        raise exc.located(prefix=prefix or None) from None


def _resolve(mapping: dict[str, Any], bound: RunBound | None) -> Schedule:
    entry = find_schedule(mapping.get("schedule"))
    series = LIBRARY_SERIES.get(entry.qualname)  # the values it sets besides the LR (momentum, ...)
    extra_args = (*entry.extra, *(series.extra if series is not None else ()))
    allowed = (*LIBRARY_KEYS, *(a.name for a in extra_args))
    for key in mapping:
        if key not in allowed:
            hint = v.did_you_mean(key, allowed)
            if key in {a.name for a in entry.args}:
                hint = f"put it under args: ({entry.qualname} takes it as a keyword argument)"
            raise SpecError(f"unknown key for a {entry.qualname} spec", path=key, value=key,
                            hint=hint or "keys: " + ", ".join(allowed))

    raw_args = mapping.get("args") or {}
    raw_args = v.as_mapping(raw_args, "args")
    known = {a.name: a for a in entry.args}
    for key in raw_args:
        if key not in known:
            near = v.did_you_mean(key, known)
            accepted = f"{entry.qualname} accepts {describe_args(entry)}"
            raise SpecError("unknown argument", path=f"args.{key}", value=key,
                            hint=f"{near} {accepted}" if near else accepted)
    args: dict[str, Any] = {}
    for arg in entry.args:
        path = f"args.{arg.name}"
        if arg.name in raw_args:
            args[arg.name] = coerce_arg(arg, raw_args[arg.name], path)
        elif arg.required:
            raise SpecError(f"{entry.qualname} needs this argument", path=path,
                            hint=f"it accepts {describe_args(entry)}")
        else:
            args[arg.name] = arg.default

    lr: float | None = None
    if "lr" in mapping and mapping["lr"] is not None:
        # lr: unused is accepted, as torch's OneCycleLR accepts the optimizer's LR: finish() notes
        # that it has no effect.
        lr = v.as_float(mapping["lr"], "lr")
        if lr < 0:
            raise SpecError("must not be negative", path="lr", value=mapping["lr"])
    elif entry.lr == "required":
        raise SpecError(f"{entry.qualname} scales the optimizer's LR: the spec needs lr", path="lr",
                        hint="add e.g. 'lr: 3e-4' (the learning rate given to the optimizer)")
    elif entry.lr == "optional":
        lr = entry.lr_default

    total = mapping.get("total_steps")
    total_steps = v.as_count(total, "total_steps", minimum=1) if total is not None else None

    extra: dict[str, Any] = {}
    for arg in extra_args:
        if arg.name in mapping:
            extra[arg.name] = coerce_arg(arg, mapping[arg.name], arg.name)
        elif arg.required:
            raise SpecError(f"{entry.qualname} needs this key", path=arg.name, hint=arg.doc or None)
        else:
            extra[arg.name] = arg.default

    def nested(inner: Any, path: str) -> Schedule:
        return _nested(inner, path, bound)

    call = LibraryCall(args=args, lr=lr, total_steps=total_steps, extra=extra, resolve=nested,
                       entry=entry, bound=bound)
    schedule = _explain_nonfinite(entry.build(call), entry)
    schedule = attach_series(entry.qualname, call, schedule)
    name = mapping.get("name")
    if name is not None:
        schedule = replace(schedule, label=v.as_str(name, "name"))
    return schedule


#: Library specs nested in one another (SequentialLR of ChainedScheduler of ...) beyond this depth are
#: refused: no real schedule nests deeper, and a YAML alias that names itself would never end.
MAX_NESTING = 16
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("warmupctl_spec_depth", default=0)


def _explain_nonfinite(schedule: Schedule, entry: LibrarySchedule) -> Schedule:
    """Add a note when the library's own arithmetic gives inf or NaN (a growing exponential that
    overflows, 0 × inf) and the build has not said so: a number that is not one is never silent.

    The run is probed at updates 0..65, at 64 updates spread geometrically over it, and at its last
    update (notes speak of the run, ``total_steps`` updates); a library that raises at some update has
    its own note already (the build NaNs those updates and says why). A replayed (recursive) schedule
    costs time in proportion to the update asked for, so its probe stops at update 2**21.
    """
    if any(word in note.lower() for note in schedule.notes for word in ("nan", "inf")):
        return schedule
    last = schedule.total_steps - 1 if schedule.chunks is None else min(schedule.total_steps - 1, 2**21)
    probe = np.unique(np.concatenate([
        np.arange(min(last, 65) + 1), np.geomspace(1, max(last, 1), 64).astype(np.int64), [last],
    ])).astype(np.int64)
    with np.errstate(all="ignore"):
        values = np.asarray(schedule(probe), dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if not len(bad):
        return schedule
    first = bad[0]
    what = "NaN" if np.isnan(values[first]) else f"{values[first]:+g}".replace("+", "")
    note = (f"{entry.qualname} gives an LR of {what} at update {int(probe[first])}, as {entry.library} "
            "computes it with these arguments (an overflow, or 0 × inf)")
    return replace(schedule, notes=(*schedule.notes, note))


def _nested(mapping: Any, path: str, bound: RunBound | None) -> Schedule:
    depth = _depth.get()
    if depth >= MAX_NESTING:
        raise SpecError(f"specs nested more than {MAX_NESTING} deep", path=path,
                        hint="does a YAML alias (*name) refer to the spec that holds it?")
    token = _depth.set(depth + 1)
    try:
        return resolve_library(v.as_mapping(mapping, path), prefix=path, bound=bound)
    finally:
        _depth.reset(token)


__all__ = ["LIBRARY_KEYS", "REQUIRED", "RunBound", "coerce_arg", "find_schedule", "resolve_library"]

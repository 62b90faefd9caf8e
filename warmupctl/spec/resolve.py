"""From a file and flags to a :class:`~warmupctl.engine.Schedule`.

A spec is native (the keys of :data:`warmupctl.spec.native.KEYS`) or a library spec
(``schedule: library.Name``). Flags are the native keys spelled ``--like-this``; a flag overrides the
same key of the file, and a flag of a length group (``--ratio`` vs ``warmup_steps``) replaces the
file's other key of that group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warmupctl.engine import Schedule
from warmupctl.errors import SpecError
from warmupctl.spec.library import resolve_library
from warmupctl.spec.load import load_mapping
from warmupctl.spec.native import resolve_native
from warmupctl.vocabulary import EXCLUSIVE_GROUPS, flag_for

FLAGS_SOURCE = "command line"

#: The longest run warmupctl evaluates: 10^10 updates (Megatron counts samples: 10^9 and more).
#: Chunked evaluation keeps memory bounded, but time grows with the length (~10 s per 10^9).
MAX_TOTAL_STEPS = 10**10


def merge_flags(mapping: Mapping[str, Any], flags: Mapping[str, Any]) -> dict[str, Any]:
    """The file's mapping with the given flags (None = not given) laid over it."""
    given = {k: val for k, val in flags.items() if val is not None}
    merged = dict(mapping)
    for group in EXCLUSIVE_GROUPS:
        if group & given.keys():
            for key in group - given.keys():
                merged.pop(key, None)
    merged.update(given)
    return merged


def resolve(
    mapping: Mapping[str, Any], *, source: str | None = None, flag_keys: frozenset[str] = frozenset()
) -> Schedule:
    """Resolve a spec mapping; errors name ``source`` and, for keys set by flags, the flag."""
    try:
        schedule = resolve_library(dict(mapping)) if "schedule" in mapping else resolve_native(mapping)
        check_length(schedule.total_steps, "total_steps")
        return schedule
    except SpecError as exc:
        raise _locate(exc, source, flag_keys) from None


def check_length(count: int, path: str) -> None:
    """Refuse runs longer than :data:`MAX_TOTAL_STEPS`, saying what they would cost."""
    if count > MAX_TOTAL_STEPS:
        raise SpecError(
            f"{count:.3g} updates is more than warmupctl evaluates ({MAX_TOTAL_STEPS:.0e})",
            path=path, value=count,
            hint=f"a CSV of it would be about {count * 20 / 1e12:.0f} TB; count in updates, not tokens, "
                 "or tabulate part of it with --steps",
        )


def load_spec(
    path: str | None = None, flags: Mapping[str, Any] | None = None
) -> Schedule:
    """Load a spec file (or none: the defaults), apply flags, and resolve it.

    Args:
        path: a YAML/JSON file, ``-`` for standard input, or None for a spec made of flags alone.
        flags: native keys set on the command line or in Python (``{"warmup_steps": 100}``).
    """
    flags = flags or {}
    source, mapping = load_mapping(path) if path is not None else (None, {})
    merged = merge_flags(mapping, flags)
    flag_keys = frozenset(k for k, val in flags.items() if val is not None)
    return resolve(merged, source=source, flag_keys=flag_keys)


def _locate(exc: SpecError, source: str | None, flag_keys: frozenset[str]) -> SpecError:
    top = (exc.path or "").split(".")[0].split("[")[0]
    if top in flag_keys or (source is None and top and exc.source is None):
        # Without a file every key came from a flag or a default: name it as the flag to change.
        rest = (exc.path or "")[len(top):]
        return SpecError(exc.message, source=FLAGS_SOURCE, path=flag_for(top) + rest,
                         value=exc.value, hint=exc.hint)
    return exc.located(source=source)

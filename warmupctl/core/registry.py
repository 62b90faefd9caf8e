"""The one way every registry (shapes, library schedules, their series, config and log formats)
takes an entry: by a unique name, so that two modules cannot claim the same name in silence."""

from typing import TypeVar

from warmupctl.core.errors import EngineError

T = TypeVar("T")


def add_once(table: dict[str, T], key: str, entry: T, what: str) -> T:
    """Put ``entry`` in ``table`` under ``key`` and return it.

    Adding the very same object again is a no-op (a module imported twice registers twice).

    Args:
        table: the registry.
        key: the entry's unique name.
        entry: what is registered.
        what: the kind of entry, for the error (``"shape"``, ``"library schedule"``).

    Raises:
        EngineError: another entry already holds ``key`` (a bug, never a user's mistake).
    """
    if key in table and table[key] is not entry:
        raise EngineError(f"{what} {key!r} registered twice")
    table[key] = entry
    return entry

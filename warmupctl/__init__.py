"""warmupctl: the exact learning rate of every optimizer update, for your schedule or your library's.

The public API (imported lazily, so ``warmupctl --help`` never loads numpy):

* :func:`load` — a spec file to a :class:`Schedule`;
* :func:`schedule` — a native schedule from keywords (``kind``, ``warmup_steps``, ``lr``, ...);
* :func:`from_mapping` — a spec given as a dict (native or library);
* :func:`summarize` — the key events of a schedule;
* ``Schedule(k)`` / ``Schedule.values(n)`` — the LR of update(s) k, vectorized.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Schedule", "SpecError", "Summary", "__version__", "from_mapping", "load", "schedule",
           "summarize"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from warmupctl.core.version import version  # looked up on demand: see there

        return version()
    if name == "SpecError":
        from warmupctl.core.errors import SpecError

        return SpecError
    if name in __all__:
        from warmupctl import api

        return getattr(api, name)
    raise AttributeError(f"module 'warmupctl' has no attribute {name!r}")

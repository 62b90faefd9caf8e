"""Library schedules: one module per library, each registering its schedules by name.

See :mod:`warmupctl.frameworks._registry` for the contract a module follows, and
:mod:`warmupctl.frameworks._kit` for what every module builds its schedules with.
"""

from __future__ import annotations

from warmupctl.frameworks._registry import (
    LIBRARY_SCHEDULES,
    REQUIRED,
    Arg,
    LibraryCall,
    LibrarySchedule,
    RunBound,
    load_libraries,
    register,
)

__all__ = [
    "LIBRARY_SCHEDULES",
    "REQUIRED",
    "Arg",
    "LibraryCall",
    "LibrarySchedule",
    "RunBound",
    "load_libraries",
    "register",
]

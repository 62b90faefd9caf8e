"""The shared helpers of the library modules, under their first name: see :mod:`warmupctl.frameworks._kit`.

Modules written before the kit import from here; new code imports :mod:`warmupctl.frameworks._kit`.
"""

from __future__ import annotations

from warmupctl.frameworks._kit import (
    FloatArray,
    IntArray,
    LRFn,
    floats,
    g,
    inside,
    nan_from,
    nan_note,
    run_length,
)

__all__ = ["FloatArray", "IntArray", "LRFn", "floats", "g", "inside", "nan_from", "nan_note", "run_length"]

"""The Python API: load or build a schedule, evaluate it, summarize it.

Examples:
    >>> import warmupctl
    >>> s = warmupctl.schedule(kind="linear", warmup_steps=2, total_steps=4, lr=1.0)
    >>> s.values().tolist()
    [0.0, 0.5, 1.0, 0.5]
    >>> warmupctl.summarize(s).peak_step
    2
"""

from __future__ import annotations

from typing import Any

from warmupctl.calc.summary import Summary, summarize
from warmupctl.engine import Schedule
from warmupctl.spec.resolve import load_spec as _load_spec
from warmupctl.spec.resolve import resolve as _resolve


def load(path: str, **overrides: Any) -> Schedule:
    """Load a spec file (YAML/JSON, native or library); keyword overrides act like flags."""
    return _load_spec(path, overrides)


def schedule(**keys: Any) -> Schedule:
    """Build a native schedule from the vocabulary's keywords (``kind``, ``warmup_steps``, ``lr``, ...)."""
    return _load_spec(None, keys)


def from_mapping(mapping: dict[str, Any]) -> Schedule:
    """Resolve a spec given as a mapping (native keys, or ``schedule``/``lr``/``args``)."""
    return _resolve(mapping, source="<mapping>")


__all__ = ["Schedule", "Summary", "from_mapping", "load", "schedule", "summarize"]

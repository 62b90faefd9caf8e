"""Pure numpy schedule engine: shapes, phases and the :class:`Schedule` object. No I/O, no printing."""

from __future__ import annotations

from warmupctl.engine.phases import Phase, Piecewise
from warmupctl.engine.schedule import Boundary, Schedule
from warmupctl.engine.shapes import SHAPES, Shape

__all__ = ["SHAPES", "Boundary", "Phase", "Piecewise", "Schedule", "Shape"]

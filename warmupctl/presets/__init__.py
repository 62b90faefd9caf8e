"""Published schedules as commented spec files (``gpt3.yaml``, ``llama.yaml``, ...).

Plain files, listed without importing numpy, so ``--preset`` completion stays fast; they are read by
:mod:`warmupctl.spec.presets`.
"""

from __future__ import annotations

from importlib import resources


def preset_names() -> list[str]:
    """The shipped presets, sorted."""
    folder = resources.files(__name__)
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))

"""Published schedules, shipped as commented spec files in ``warmupctl/presets/``.

``--preset gpt3`` starts from ``warmupctl/presets/gpt3.yaml``; a spec file and flags given beside it
override its keys. Each file opens with its citation in comments, so ``warmupctl list presets`` and
``warmupctl import --preset NAME`` show where the numbers come from, and the user can copy the file
and change it.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.core.values import did_you_mean
from warmupctl.presets import preset_names
from warmupctl.spec.load import parse_text

PACKAGE = "warmupctl.presets"


def preset_text(name: str) -> str:
    """The preset's YAML text, comments included."""
    names = preset_names()
    if name not in names:
        raise SpecError("unknown preset", source="command line", path="--preset", value=name,
                        hint=did_you_mean(name, names) or "presets: " + ", ".join(names))
    return resources.files(PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def load_preset(name: str) -> tuple[str, dict[str, Any]]:
    """``(source name, mapping)`` of a preset."""
    source = f"preset {name}"
    return source, parse_text(preset_text(name), source)


def citation(name: str) -> str:
    """The opening comment of the preset file, as one paragraph."""
    lines = []
    for line in preset_text(name).splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").rstrip())
    return " ".join(line for line in lines if line)

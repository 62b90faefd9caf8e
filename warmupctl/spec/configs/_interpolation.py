"""OmegaConf interpolations in the files of trainers that load their configs with it (NeMo,
llm-foundry/Composer): ``${a.b}`` (absolute) and ``${.x}`` (relative to the key that holds it) are
resolved from the file itself, as ``OmegaConf.to_container(cfg, resolve=True)`` would; a resolver
such as ``${oc.env:...}`` is refused where the schedule needs it (its value is not in the file).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from warmupctl.core.errors import SpecError

_REF = re.compile(r"\$\{([^{}]*)\}")


def _lookup(root: Mapping[str, Any], here: tuple[str, ...], ref: str, key: str, source: str) -> Any:
    """The value an OmegaConf ``${ref}`` names, from ``here`` (the path of the key that holds it)."""
    if ":" in ref:
        raise SpecError(f"uses the resolver ${{{ref}}}", source=source, path=key,
                        hint="warmupctl resolves ${a.b} references only; write the value here")
    if ref.startswith("."):
        level = len(ref) - len(ref.lstrip("."))
        parts = [*here[:len(here) - level], *ref.lstrip(".").split(".")]
    else:
        parts = ref.split(".")
    value: Any = root
    for part in parts:
        if not isinstance(value, Mapping) or part not in value:
            raise SpecError(f"refers to ${{{ref}}}, which the file does not set", source=source,
                            path=key, hint="write the value here")
        value = value[part]
    return value


def resolve_references(value: Any, root: Mapping[str, Any], here: tuple[str, ...], key: str, source: str,
                       depth: int = 0) -> Any:
    """``value`` with its ``${...}`` references replaced (a whole-string reference keeps its type)."""
    if not isinstance(value, str) or "${" not in value:
        return value
    if depth > 20:
        raise SpecError("the ${...} references loop", source=source, path=key)
    whole = _REF.fullmatch(value.strip())
    if whole:
        found = _lookup(root, here, whole.group(1), key, source)
        return resolve_references(found, root, here, key, source, depth + 1)
    return _REF.sub(lambda m: str(resolve_references(_lookup(root, here, m.group(1), key, source), root,
                                                     here, key, source, depth + 1)), value)

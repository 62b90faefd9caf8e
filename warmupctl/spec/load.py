"""Read a spec file (YAML or JSON, or ``-`` for standard input) into a plain mapping.

Only PyYAML's safe loader is used: a spec can name numbers, strings, lists and mappings, never
objects or code. Duplicate keys are an error (YAML would silently keep the last one).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import Any

import yaml

from warmupctl.errors import SpecError
from warmupctl.spec.values import as_mapping

#: Spec files larger than this are refused before parsing (a spec is a few hundred bytes).
MAX_SPEC_BYTES = 4 * 1024 * 1024

STDIN = "-"


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing duplicate keys."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            first = seen.get(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            ) from None
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {first + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def read_text(path: str) -> tuple[str, str]:
    """Return ``(display name, text)`` of a file or of standard input (``-``)."""
    if path == STDIN:
        data = sys.stdin.buffer.read(MAX_SPEC_BYTES + 1)
        name = "<stdin>"
    else:
        name = path
        if not os.path.exists(path):
            raise SpecError("no such file", source=name, hint="check the path")
        if os.path.isdir(path):
            raise SpecError("is a folder, not a spec file", source=name)
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_SPEC_BYTES + 1)
        except OSError as exc:
            raise SpecError(f"cannot read: {exc.strerror or exc}", source=name) from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(
            f"file is larger than {MAX_SPEC_BYTES // (1024 * 1024)} MiB; a spec is a few lines",
            source=name,
            hint="is this the right file?",
        )
    if b"\x00" in data:
        raise SpecError("binary file, not a YAML or JSON spec", source=name)
    try:
        return name, data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", source=name,
                        hint="save the file as UTF-8") from None


def parse_text(text: str, source: str) -> dict[str, Any]:
    """Parse YAML or JSON text into a mapping with string keys."""
    if not text.strip():
        raise SpecError("empty file", source=source,
                        hint="write keys such as 'kind: cosine' and 'warmup_steps: 100'")
    stripped = text.lstrip()
    if source.endswith(".json") or stripped.startswith("{"):
        data = _parse_json(text, source)
    else:
        data = _parse_yaml(text, source)
    if data is None:
        raise SpecError("empty file", source=source)
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise SpecError(f"the top level is {kind}, not a mapping of keys", source=source,
                        hint="write 'key: value' lines, e.g. 'kind: cosine'")
    if not data:
        raise SpecError("the spec has no keys", source=source)
    try:
        return as_mapping(dict(data), "(top level)")
    except SpecError as exc:
        raise exc.located(source=source) from None


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(f"YAML syntax error at {where}: {problem}", source=source) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}", source=source) from None
    except RecursionError:
        raise SpecError("nesting too deep", source=source) from None


def _parse_json(text: str, source: str) -> Any:
    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise SpecError(f"duplicate key {key!r}", source=source)
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=unique)
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"JSON syntax error at line {exc.lineno}, column {exc.colno}: {exc.msg}", source=source
        ) from None
    except RecursionError:
        raise SpecError("nesting too deep", source=source) from None


def load_mapping(path: str) -> tuple[str, dict[str, Any]]:
    """Read and parse a spec file: ``(display name, mapping)``."""
    name, text = read_text(path)
    return name, parse_text(text, name)

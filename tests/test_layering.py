"""The import rules of DESIGN.md §3, checked on the source: engine imports nothing of warmupctl but
its errors; render never imports cli; only cli imports typer; nothing imports matplotlib at the top."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "warmupctl"


def imports(path: pathlib.Path, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules(folder: str) -> list[pathlib.Path]:
    return sorted((PACKAGE / folder).rglob("*.py")) if folder else sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", modules("engine"), ids=lambda p: p.name)
def test_engine_is_pure(path):
    inner = {m for m in imports(path) if m.startswith("warmupctl")}
    assert inner <= {"warmupctl.core.errors"} | {m for m in inner if m.startswith("warmupctl.engine")}


@pytest.mark.parametrize("path", modules(""), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layer_rules(path):
    relative = path.relative_to(PACKAGE).parts
    everything = imports(path)
    if relative[0] not in ("cli", "__main__.py"):
        assert not any(m.startswith("typer") for m in everything), "only cli imports typer"
        assert not any(m.startswith("warmupctl.cli") for m in everything)
    assert not any(m.startswith("matplotlib") for m in imports(path, top_level_only=True))

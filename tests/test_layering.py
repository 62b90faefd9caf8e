"""The layers of docs/architecture.md, checked on the source: every import — at the top of a module,
inside a function, under ``if TYPE_CHECKING``, or through ``importlib.import_module("warmupctl...")`` —
points down the rank table, never up, never sideways to another package of the same rank; the graph
of packages has no cycle; only cli imports typer; nothing imports matplotlib at a module's top.

The checker works on source text, so the tests at the end also run it on small made-up trees with a
planted upward import, a planted lazy cycle and a planted sideways import, and see it fail.
"""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "warmupctl"

#: The rank of each package of warmupctl (the first name after ``warmupctl.``; a top-level module is
#: its own package, ``warmupctl`` is the package's ``__init__``). A module may import its own package
#: and any package of a lower rank. Two packages of one rank are siblings and may not import each other.
RANKS: dict[str, int] = {
    "core": 0,        # errors, value coercion, rounding, step arithmetic, the vocabulary
    "presets": 0,     # published schedules as YAML files (data: listed without numpy)
    "engine": 1,      # pure numpy: shapes, phases, Schedule
    "frameworks": 2,  # one module per library's scheduler, on the engine
    "spec": 3,        # user input -> Schedule: files, flags, library specs, configs, logs
    "calc": 4,        # summaries, lints, stepping, comparison
    "render": 5,      # pure builders of tables, plots, reports
    "cli": 6,         # Typer, one module per command
    "api": 7,         # the Python API (load, schedule, summarize): spec + calc, never the CLI
    "torch": 8,       # the LRScheduler adapter, on the API; the one module that imports torch
    "callbacks": 8,   # the transformers TrainerCallback, on the API; imports transformers lazily
    "warmupctl": 9,   # the package's lazy facade (``warmupctl.load`` ...) and ``__version__``
    "__main__": 9,    # ``python -m warmupctl``: the CLI
}


@dataclass(frozen=True)
class Import:
    """One import of a warmupctl module by another."""

    importer: str  # module name, ``warmupctl.spec.files``
    target: str  # module name imported
    line: int
    lazy: bool  # inside a function (or a class body, or under a condition)

    def where(self) -> str:
        return f"{self.importer}:{self.line}{' (lazy)' if self.lazy else ''} imports {self.target}"


def package_of(module: str) -> str:
    """``warmupctl.spec.files`` -> ``spec``; ``warmupctl.api`` -> ``api``; ``warmupctl`` -> ``warmupctl``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _resolve(base: str, name: str | None, modules: Mapping[str, str]) -> str:
    """The module ``from base import name`` loads: ``base.name`` when that is a module, else ``base``."""
    if name and f"{base}.{name}" in modules:
        return f"{base}.{name}"
    return base


def _dynamic_target(node: ast.Call) -> str | None:
    """The module of ``importlib.import_module("warmupctl.x")`` or of an f-string whose constant start
    names one (``f"warmupctl.frameworks.{name}"`` -> ``warmupctl.frameworks``)."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    if isinstance(first, ast.JoinedStr) and first.values and isinstance(first.values[0], ast.Constant):
        return str(first.values[0].value).rstrip(".")
    return None


def imports_of(module: str, source: str, modules: Mapping[str, str], is_package: bool = False) -> Iterator[Import]:
    """Every import of a warmupctl module in ``source`` (the module ``module``), lazy ones included."""
    tree = ast.parse(source)
    top = {id(node) for node in tree.body}
    here = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..core import errors
                anchor = here.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [_resolve(base, alias.name, modules) for alias in node.names]
        elif isinstance(node, ast.Call):
            dynamic = _dynamic_target(node)
            targets = [dynamic] if dynamic else []
        for target in targets:
            if target == "warmupctl" or target.startswith("warmupctl."):
                yield Import(module, target, node.lineno, lazy=id(node) not in top)


def violations(modules: Mapping[str, str], ranks: Mapping[str, int] = RANKS,
               packages: frozenset[str] = frozenset()) -> list[str]:
    """What breaks the layering in ``modules`` (module name -> source): upward and sideways imports,
    packages missing from ``ranks``, and cycles between packages. Empty when the layers hold.

    Args:
        modules: the tree, ``{"warmupctl.spec.files": "<source>"}``.
        ranks: the rank table.
        packages: names in ``modules`` that are packages (an ``__init__.py``).
    """
    found: list[str] = []
    edges: dict[str, dict[str, Import]] = {}
    for module, source in modules.items():
        for imp in imports_of(module, source, modules, is_package=module in packages):
            mine, theirs = package_of(imp.importer), package_of(imp.target)
            if mine == theirs:
                continue
            edges.setdefault(mine, {}).setdefault(theirs, imp)
            missing = [p for p in (mine, theirs) if p not in ranks]
            if missing:
                found.append(f"{imp.where()}: {', '.join(missing)} has no rank in the table")
            elif ranks[theirs] > ranks[mine]:
                found.append(f"{imp.where()}: upward ({mine} {ranks[mine]} < {theirs} {ranks[theirs]})")
            elif ranks[theirs] == ranks[mine]:
                found.append(f"{imp.where()}: sideways ({mine} and {theirs} share rank {ranks[mine]})")
    found.extend(f"cycle between packages: {' -> '.join(cycle)} ({evidence})"
                 for cycle, evidence in _cycles(edges, ranks))
    return found


def _cycles(edges: Mapping[str, Mapping[str, Import]],
            ranks: Mapping[str, int]) -> list[tuple[list[str], str]]:
    """Each cycle of the package graph once (found by depth-first search), with the imports behind it."""
    cycles: list[tuple[list[str], str]] = []
    seen: set[frozenset[str]] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, {})):
            if nxt in path:
                ring = path[path.index(nxt):]
                key = frozenset(ring)
                if key not in seen:
                    seen.add(key)
                    # Told from its lowest package, so that one cycle always reads the same.
                    first = ring.index(min(ring, key=lambda p: (ranks.get(p, len(ranks)), p)))
                    cycle = ring[first:] + ring[:first + 1]
                    evidence = "; ".join(edges[a][b].where() for a, b in zip(cycle, cycle[1:]))
                    cycles.append((cycle, evidence))
            elif len(path) < len(edges) + 1:
                visit(nxt, [*path, nxt])

    for start in sorted(edges):
        visit(start, [start])
    return cycles


def real_tree() -> tuple[dict[str, str], frozenset[str]]:
    modules, packages = {}, set()
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
            packages.add(".".join(parts))
        modules[".".join(parts)] = path.read_text(encoding="utf-8")
    return modules, frozenset(packages)


# ------------------------------------------------------------------------------------------------
# The real tree
# ------------------------------------------------------------------------------------------------


#: Violations owed by work under way, as (start, words) of the violation's line: tolerated, not
#: required; an entry goes when its import does. Empty: the tree keeps every rule.
PENDING: frozenset[tuple[str, str]] = frozenset()


def pending(violation: str) -> bool:
    return any(violation.startswith(start) and words in violation for start, words in PENDING)


def test_every_import_points_down_and_no_package_cycle():
    modules, packages = real_tree()
    assert [v for v in violations(modules, packages=packages) if not pending(v)] == []


def test_every_package_has_a_rank():
    modules, _ = real_tree()
    assert {package_of(m) for m in modules} <= set(RANKS)


def test_the_checker_sees_the_real_tree():
    """Guards the checker itself: it finds the lazy and dynamic imports it is there to find."""
    modules, packages = real_tree()
    found = {(i.importer, i.target, i.lazy) for m, s in modules.items()
             for i in imports_of(m, s, modules, m in packages)}
    assert ("warmupctl", "warmupctl.api", True) in found  # inside __getattr__
    assert ("warmupctl.frameworks._registry", "warmupctl.frameworks", True) in found  # import_module(f"...")
    assert ("warmupctl.spec.resolve", "warmupctl.spec.files", False) in found


def _module_imports(path: pathlib.Path, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_third_party_rules(path):
    relative = path.relative_to(PACKAGE).parts
    everything = _module_imports(path)
    if relative[0] not in ("cli", "__main__.py"):
        assert not any(m.split(".")[0] == "typer" for m in everything), "only cli imports typer"
    if relative[0] != "torch.py":
        assert not any(m.split(".")[0] == "torch" for m in everything), "only warmupctl/torch.py imports torch"
    assert not any(m.split(".")[0] == "matplotlib" for m in _module_imports(path, top_level_only=True))


# ------------------------------------------------------------------------------------------------
# The checker fails where it should: planted imports in small made-up trees
# ------------------------------------------------------------------------------------------------

CLEAN = {
    "warmupctl.core.errors": "class SpecError(Exception): ...\n",
    "warmupctl.engine.schedule": "from warmupctl.core.errors import SpecError\n",
    "warmupctl.spec.files": "from warmupctl.core import errors\nimport warmupctl.engine.schedule\n",
    "warmupctl.cli.table": "def table():\n    from warmupctl.spec import files\n",
}


def test_a_clean_tree_passes():
    assert violations(CLEAN) == []


def test_a_planted_upward_import_fails():
    tree = {**CLEAN, "warmupctl.engine.schedule": "from warmupctl.render.plot import draw\n"}
    assert violations(tree) == [
        "warmupctl.engine.schedule:1 imports warmupctl.render.plot: upward (engine 1 < render 5)"]


def test_a_planted_lazy_cycle_fails():
    # spec imports engine at its top; engine imports spec back inside a function: a cycle that
    # works only by import order.
    tree = {**CLEAN, "warmupctl.engine.phases": "def f():\n    import warmupctl.spec.files\n"}
    assert violations(tree) == [
        "warmupctl.engine.phases:2 (lazy) imports warmupctl.spec.files: upward (engine 1 < spec 3)",
        "cycle between packages: engine -> spec -> engine (warmupctl.engine.phases:2 (lazy) imports "
        "warmupctl.spec.files; warmupctl.spec.files:2 imports warmupctl.engine.schedule)",
    ]


def test_a_lazy_cycle_is_found_even_between_packages_of_one_rank():
    ranks = {"core": 0, "presets": 0}
    tree = {
        "warmupctl.core.values": "def f():\n    from warmupctl.presets import names\n",
        "warmupctl.presets.names": "from warmupctl import core\n",
        "warmupctl.core": "",
    }
    assert violations(tree, ranks, packages=frozenset({"warmupctl.core"})) == [
        "warmupctl.core.values:2 (lazy) imports warmupctl.presets.names: sideways (core and presets share rank 0)",
        "warmupctl.presets.names:1 imports warmupctl.core: sideways (presets and core share rank 0)",
        "cycle between packages: core -> presets -> core (warmupctl.core.values:2 (lazy) imports "
        "warmupctl.presets.names; warmupctl.presets.names:1 imports warmupctl.core)",
    ]


def test_a_planted_sideways_import_fails():
    # core and presets share the bottom rank: neither may import the other.
    tree = {**CLEAN, "warmupctl.presets.names": "from warmupctl.core.errors import SpecError\n"}
    assert violations(tree) == [
        "warmupctl.presets.names:1 imports warmupctl.core.errors: sideways (presets and core share rank 0)"]


@pytest.mark.parametrize(("source", "target"), [
    ("import warmupctl.render.plot\n", "warmupctl.render.plot"),
    ("from warmupctl.render import plot\n", "warmupctl.render"),
    ("if True:\n    from warmupctl.render.plot import draw\n", "warmupctl.render.plot"),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from warmupctl.api import load\n",
     "warmupctl.api"),
    ("class C:\n    def m(self):\n        from warmupctl.torch import Scheduler\n", "warmupctl.torch"),
    ("import importlib\nimportlib.import_module('warmupctl.render.plot')\n", "warmupctl.render.plot"),
    ("import importlib\ndef f(n):\n    importlib.import_module(f'warmupctl.render.{n}')\n", "warmupctl.render"),
    ("from ..render import plot\n", "warmupctl.render"),
    ("from warmupctl import __version__\n", "warmupctl"),
])
def test_every_spelling_of_an_import_is_seen(source, target):
    tree = {**CLEAN, "warmupctl.calc.summary": source}
    found = violations(tree)
    assert len(found) == 1 and found[0].startswith("warmupctl.calc.summary:") and \
        f"imports {target}: upward" in found[0], found


def test_a_package_without_a_rank_fails():
    tree = {**CLEAN, "warmupctl.plugins.x": "from warmupctl.core import errors\n"}
    assert violations(tree) == [
        "warmupctl.plugins.x:1 imports warmupctl.core.errors: plugins has no rank in the table"]

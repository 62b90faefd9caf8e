"""Python config files (OpenMMLab's MMEngine, and other ``name = value`` configs), read without running them.

An MMEngine config is a Python file of assignments (mmengine 0.10.7, ``mmengine/config/config.py``,
``Config.fromfile``)::

    _base_ = ['../_base_/default_runtime.py', '../_base_/schedules/schedule_1x.py']
    max_epochs = 300
    base_lr = 0.004
    param_scheduler = [dict(type='LinearLR', start_factor=1e-5, by_epoch=False, begin=0, end=1000), ...]

This module parses it with :mod:`ast` and evaluates only a literal subset: numbers, strings, booleans,
``None``, lists, tuples, dicts and ``dict(key=value, ...)`` calls, names assigned earlier in the file,
and arithmetic on them (``base_lr * 0.05``, ``max_epochs // 2``). ``_base_`` files are read from the
folder of the file that names them and merged as MMEngine merges them (``Config._merge_a_into_b``): a
dict key of the child replaces or, for a dict, merges into the base's; ``_delete_=True`` replaces the
whole dict; other values (lists included) replace.

An assignment outside that subset (a function call, an import, a loop, ``{{_base_.x}}``) is kept as
:class:`Unreadable` with its line: harmless when the schedule does not need it, and named in the error
when it does. New-style configs (``with read_base(): from .x import *``) are refused: they are Python
modules, and importing them runs code.
"""

from __future__ import annotations

import ast
import operator
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from warmupctl.core.errors import SpecError

#: Deepest ``_base_`` chain followed (MMEngine has no limit; real configs use two or three levels).
MAX_BASE_DEPTH = 10
#: Largest Python config read (bytes).
MAX_BYTES = 1 << 20

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}


@dataclass(frozen=True)
class Unreadable:
    """A value warmupctl does not compute without running the file: where, and why."""

    source: str
    line: int
    reason: str

    def error(self, key: str) -> SpecError:
        return SpecError(f"line {self.line}: {self.reason}", source=self.source, path=key,
                         hint="warmupctl reads literal values only (numbers, strings, lists, dict(...), "
                              "names and arithmetic) and never runs a config; write the value there")


class _NotLiteral(Exception):
    pass


def _part(node: ast.AST, env: Mapping[str, Any], source: str, what: str) -> Any:
    """An item of a list or dict: its value, or :class:`Unreadable` for that item alone (so that an
    unreadable pipeline does not hide the ``batch_size`` next to it)."""
    try:
        return _eval(node, env, source)
    except _NotLiteral as exc:
        return Unreadable(source, getattr(node, "lineno", 0), f"{what}: {exc}")


def _eval(node: ast.AST, env: Mapping[str, Any], source: str = "") -> Any:
    """A literal expression's value; :class:`_NotLiteral` with the reason otherwise."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_part(x, env, source, f"item {i}") for i, x in enumerate(node.elts)]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _NotLiteral("a ** unpacking inside a dict")
        keys = [_eval(k, env, source) for k in node.keys]  # type: ignore[arg-type]
        return {k: _part(x, env, source, str(k)) for k, x in zip(keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        if node.args or any(k.arg is None for k in node.keywords):
            raise _NotLiteral("dict(...) with positional or ** arguments")
        return {k.arg: _part(k.value, env, source, str(k.arg)) for k in node.keywords}
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id not in env:
            raise _NotLiteral(f"{node.id} is not assigned before this line")
        value = env[node.id]
        if isinstance(value, Unreadable):
            raise _NotLiteral(f"{node.id} (line {value.line}) is not a literal value")
        return value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left, env, source), _eval(node.right, env, source)
        try:
            return _BINARY[type(node.op)](left, right)
        except Exception as exc:  # noqa: BLE001 - what Python would raise is the reason
            raise _NotLiteral(f"the arithmetic fails ({type(exc).__name__})") from None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand, env, source))
    if isinstance(node, ast.Set):
        raise _NotLiteral("a {{...}} substitution or a set")
    what = type(node).__name__
    if isinstance(node, ast.Call):
        what = f"a call of {ast.unparse(node.func)}"
    raise _NotLiteral(f"{what} is computed when the config runs")


def _bound_names(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _own(text: str, source: str) -> dict[str, Any]:
    """The file's own assignments, in order (later ones win), :class:`Unreadable` where not literal."""
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:
        raise SpecError(f"line {exc.lineno}: not valid Python ({exc.msg})", source=source,
                        hint="a Python config must parse; warmupctl reads it without running it") from None
    env: dict[str, Any] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.With) and "read_base" in ast.unparse(stmt.items[0].context_expr):
            raise SpecError(f"line {stmt.lineno}: a new-style config (with read_base(): ...)",
                            source=source, hint="its bases are Python imports, which warmupctl does not "
                            "run; use the classic form (_base_ = [...]) or a library spec")
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            try:
                env[name] = _eval(stmt.value, env, source)
            except _NotLiteral as exc:
                env[name] = Unreadable(source, stmt.lineno, f"{name} = {str(exc)}")
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring
        for name in _bound_names(stmt):
            env[name] = Unreadable(source, stmt.lineno,
                                   f"{name} is set by a {type(stmt).__name__.lower()} statement")
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                bound = (alias.asname or alias.name).split(".")[0]
                env[bound] = Unreadable(source, stmt.lineno, f"{bound} is imported")
    return env


def merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """``Config._merge_a_into_b``: child into base; dicts merge unless ``_delete_``; the rest replaces."""
    out = dict(base)
    for key, value in child.items():
        keep = isinstance(out.get(key), Mapping) and not value.get("_delete_", False) \
            if isinstance(value, Mapping) else False
        if keep:
            out[key] = merge(out[key], value)
        elif isinstance(value, Mapping):
            out[key] = {k: x for k, x in value.items() if k != "_delete_"}
        else:
            out[key] = value
    return out


def _read(path: str, source: str, depth: int) -> dict[str, Any]:
    if depth > MAX_BASE_DEPTH:
        raise SpecError(f"_base_ files nest deeper than {MAX_BASE_DEPTH} levels", source=source,
                        hint="a cycle of _base_ files?")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read the _base_ file {path} ({exc.strerror})", source=source,
                        path="_base_",
                        hint="_base_ paths are relative to the config that names them") from None
    if len(data) > MAX_BYTES:
        raise SpecError(f"{path} is larger than {MAX_BYTES} bytes", source=source, path="_base_")
    return _with_bases(data.decode("utf-8", errors="replace"), path, path, depth)


def _with_bases(text: str, source: str, path: str | None, depth: int) -> dict[str, Any]:
    own = _own(text, source)
    bases = own.pop("_base_", None)
    if bases is None:
        return own
    if isinstance(bases, Unreadable):
        raise bases.error("_base_")
    names = [bases] if isinstance(bases, str) else list(bases) if isinstance(bases, (list, tuple)) else None
    if names is None or not all(isinstance(n, str) for n in names):
        raise SpecError("must be a file name or a list of them", source=source, path="_base_", value=bases)
    if path is None or path == "-":
        raise SpecError("names _base_ files, which are found beside the config", source=source,
                        path="_base_", value=bases, hint="give the config's path, not standard input")
    folder = os.path.dirname(os.path.abspath(path))
    merged: dict[str, Any] = {}
    for name in names:
        if "::" in name or name.startswith(("mmdet::", "mmengine::")):
            raise SpecError("a _base_ from another package (scope::path)", source=source, path="_base_",
                            value=name, hint="copy that file beside the config, or give its values here")
        merged = merge(merged, _read(os.path.join(folder, name), source, depth + 1))
    return merge(merged, own)


def parse_python_config(text: str, source: str, path: str | None) -> dict[str, Any]:
    """The merged top-level names of a Python config (``_base_`` resolved), as a mapping."""
    env = _with_bases(text, source, path, 0)
    env = {k: x for k, x in env.items() if not k.startswith("__")}
    if not env:
        raise SpecError("assigns nothing at the top level", source=source,
                        hint="a Python config is a list of assignments (param_scheduler = [...])")
    return env

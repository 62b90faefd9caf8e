"""Python config files (nanoGPT's ``config/*.py``) read without running them.

nanoGPT's ``configurator.py`` ``exec``s a config file over ``train.py``'s globals. warmupctl never
executes it: :func:`literal_assignments` walks the file's syntax tree (:mod:`ast`) and keeps each
top-level ``name = value`` whose value is a literal (numbers, strings, booleans, None, lists, tuples),
arithmetic on literals, or a name assigned before it (``min_lr = learning_rate / 10``). Imports are
skipped. Every other statement, and an assignment of anything else (a call, an attribute), is kept as
an unreadable entry under :data:`UNREAD` (``{name: "line 7: str(time.time())"}``): the reader refuses
when it touches the schedule and says it ignored it otherwise.
"""

from __future__ import annotations

import ast
import operator
from typing import Any

from warmupctl.core.errors import SpecError

#: The key under which unreadable statements are listed (never a Python identifier a config assigns).
UNREAD = "<not literal>"

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Pow: operator.pow, ast.Mod: operator.mod}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class _NotLiteral(Exception):
    pass


def _value(node: ast.AST, known: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(item, known) for item in node.elts]
    if isinstance(node, ast.Name) and node.id in known:
        return known[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        operand = _value(node.operand, known)
        if isinstance(operand, (int, float)) and not isinstance(operand, bool):
            return _UNARY[type(node.op)](operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left, known), _value(node.right, known)
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (left, right)):
            if isinstance(node.op, ast.Pow) and abs(right) > 64:
                raise _NotLiteral
            try:
                return _BINARY[type(node.op)](left, right)
            except (ZeroDivisionError, OverflowError):
                raise _NotLiteral from None
    raise _NotLiteral


def literal_assignments(text: str, source: str) -> dict[str, Any]:
    """The literal top-level assignments of a Python config, and the unreadable rest under :data:`UNREAD`."""
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:
        raise SpecError(f"Python syntax error at line {exc.lineno}: {exc.msg}", source=source,
                        hint="warmupctl reads a Python config's literal assignments without running it"
                        ) from None
    out: dict[str, Any] = {}
    unread: dict[str, str] = {}
    lines = text.splitlines()
    for statement in tree.body:
        where = f"line {statement.lineno}: {lines[statement.lineno - 1].strip()[:80]}"
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring or a bare literal
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name):
            name = statement.targets[0].id
            try:
                out[name] = _value(statement.value, out)
                unread.pop(name, None)
            except _NotLiteral:
                out.pop(name, None)
                unread[name] = where
            continue
        targets = sorted({node.id for node in ast.walk(statement) if isinstance(node, ast.Name)
                          and isinstance(node.ctx, ast.Store)}) or ["(statement)"]
        for name in targets:
            out.pop(name, None)
            unread[name] = where
    if unread:
        out[UNREAD] = unread
    if not out:
        raise SpecError("holds no literal assignment", source=source,
                        hint="a Python config holds lines such as learning_rate = 6e-4")
    return out

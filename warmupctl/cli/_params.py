"""Typer's coercion of command-line values, without pydantic for the values that need none of it.

Typer (0.29) turns each value given on the command line into its annotated type through a pydantic
``TypeAdapter`` built on first use; importing pydantic and building the adapters of a command's 60
options is a third of a cold ``warmupctl table``. Almost every warmupctl option is a plain string (the
spec layer reads and checks it, with warmupctl's own messages); the rest are integers, enums, flags and
lists of file names.

:func:`install` gives each such parameter a coercion that returns, for a value it can read without
doubt, exactly what Typer's would (``tests/cli/test_params.py`` compares the two on every parameter of
every command), and hands anything else — a malformed integer, a value out of range, an unknown choice
— to Typer's own coercion, which raises its usual error. So messages do not change, and pydantic is
imported only when a value is wrong. A Typer without the hook this needs is left as it is.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import Any, get_args, get_origin

_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,17})")


def fast_coercion(annotation: Any, minimum: Any = None, maximum: Any = None) -> Callable[[Any], Any] | None:
    """A function from a command-line value to the annotated type, raising ``LookupError`` for any
    value it does not read without doubt; None for an annotation it does not handle.

    >>> to_int = fast_coercion(int, minimum=1)
    >>> to_int("12"), to_int(3)
    (12, 3)
    >>> to_int("0")
    Traceback (most recent call last):
    ...
    LookupError: 0
    """
    if annotation is str:
        return _check(lambda value: isinstance(value, str), lambda value: value)
    if annotation is bool:
        return _check(lambda value: isinstance(value, bool), lambda value: value)
    if annotation is int:
        def to_int(value: Any) -> int:
            if isinstance(value, int) and not isinstance(value, bool):
                number = value
            elif isinstance(value, str) and _INTEGER.fullmatch(value):
                number = int(value)
            else:
                raise LookupError(value)
            if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
                raise LookupError(value)
            return number

        return to_int
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = {member.value: member for member in annotation if isinstance(member.value, str)}

        def to_member(value: Any) -> enum.Enum:
            if isinstance(value, annotation):
                return value
            if isinstance(value, str) and value in members:
                return members[value]
            raise LookupError(value)

        return to_member
    if get_origin(annotation) is list and get_args(annotation) == (str,):
        return _check(lambda value: isinstance(value, (list, tuple))
                      and all(isinstance(item, str) for item in value), list)
    return None


def _check(accepts: Callable[[Any], bool], convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def coerce(value: Any) -> Any:
        if not accepts(value):
            raise LookupError(value)
        return convert(value)

    return coerce


def install() -> None:
    """Let Typer's parameters coerce plain values without building a pydantic adapter (see above)."""
    try:
        from typer import core
        from typer._coercion import RuntimeParam
    except ImportError:  # pragma: no cover - another Typer: keep its own coercion
        return
    parameter = getattr(core, "_TyperParameter", None)
    original = getattr(parameter, "get_runtime_param", None)
    if parameter is None or original is None or getattr(original, "warmupctl", False):
        return

    class _Fast(RuntimeParam):
        """The fast coercion, and Typer's built on the first value it does not read (Typer's
        RuntimeParam is a frozen dataclass: attributes are set as its own __init__ sets them)."""

        _full: Callable[[], Any]
        _fast: Callable[[Any], Any]
        _delegate: Any

        def __init__(self, full: Callable[[], Any], coerce: Callable[[Any], Any], base: Any) -> None:
            object.__setattr__(self, "_full", full)
            object.__setattr__(self, "_fast", coerce)
            object.__setattr__(self, "_delegate", None)
            object.__setattr__(self, "parameter_info", base.parameter_info)
            object.__setattr__(self, "annotation", base.annotation)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return self._fast(value)
            except LookupError:
                if self._delegate is None:
                    object.__setattr__(self, "_delegate", self._full())
                return self._delegate._coerce_value(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            descriptor = self.type_descriptor
            info = descriptor.parameter_info
            plain = (descriptor.file_annotation is None and getattr(info, "parser", None) is None
                     and getattr(info, "click_type", None) is None and not getattr(info, "clamp", False))
            coerce = fast_coercion(descriptor.annotation, getattr(info, "min", None),
                                   getattr(info, "max", None)) if plain else None
            if coerce is None:
                return original(self)
            self._runtime_param = _Fast(lambda: original(_Detached(self)), coerce, descriptor)
        return self._runtime_param

    get_runtime_param.warmupctl = True  # type: ignore[attr-defined]
    parameter.get_runtime_param = get_runtime_param


class _Detached:
    """A stand-in for a parameter, so that Typer's builder runs without replacing the fast coercion
    that asked for it."""

    def __init__(self, param: Any) -> None:
        self._runtime_param = None
        self.type_descriptor = param.type_descriptor

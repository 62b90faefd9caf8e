"""Errors and exit codes shared by every layer.

The engine raises only :class:`EngineError` (a bug or an impossible request from code); user input is
validated in :mod:`warmupctl.spec`, which raises :class:`SpecError` carrying the file, the key path, the
offending value and a hint, so that the CLI can print one line and exit 2.
"""

from __future__ import annotations

import enum
import re
import reprlib
from typing import overload


class ExitCode(enum.IntEnum):
    """Process exit codes, as diff(1): 0 same/ok, 1 differences or a failed check, 2 bad input."""

    OK = 0
    DIFFERENT = 1
    USAGE = 2
    INTERNAL = 3


class WarmupctlError(Exception):
    """Base class of every error warmupctl raises on purpose."""


class EngineError(WarmupctlError):
    """An engine invariant was violated: a bug, never a user's mistake."""


class SpecError(WarmupctlError):
    """A user's spec, flag, table or config is wrong.

    Rendered as one line: ``source: key.path: problem (got value); hint``.

    Args:
        message: what is wrong, lower-case, no trailing period.
        source: the file name (or ``<flags>``, ``<stdin>``) the value came from.
        path: the key path inside the source, such as ``phases[1].steps`` or ``--warmup-steps``.
        value: the offending value, shown with ``repr``-like quoting when given.
        hint: what to do instead; a did-you-mean suggestion for unknown names.
    """

    _NO_VALUE = object()

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        path: str | None = None,
        value: object = _NO_VALUE,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.path = path
        self.value = value
        self.hint = hint

    def located(self, source: str | None = None, prefix: str | None = None) -> SpecError:
        """Return a copy with the source filled in and the key path prefixed (for nested specs)."""
        path = self.path
        if prefix:
            path = f"{prefix}.{path}" if path and not path.startswith("[") else f"{prefix}{path or ''}"
        return SpecError(
            self.message,
            source=self.source or source,
            path=path,
            value=self.value,
            hint=self.hint,
        )

    def __str__(self) -> str:
        parts = [p for p in (self.source, _shorten(self.path)) if p]
        text = _shorten(self.message)
        if self.value is not SpecError._NO_VALUE:
            text += f" (got {_show(self.value)})"
        if self.hint:
            text += f"; {_shorten(self.hint)}"
        return one_line(": ".join([*parts, text]))


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlist = _REPR.maxdict = 3
_REPR.maxlevel = 2


def _show(value: object) -> str:
    # reprlib, not repr: a value from a hostile file (a YAML alias bomb) can be exponentially large.
    try:
        return _REPR.repr(value)
    except ValueError:  # an int of more than 4300 digits has no repr (CPython's int_max_str_digits)
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits" \
            if isinstance(value, int) else f"a {type(value).__name__}"


#: Longest path, message or hint shown whole; a longer one (a key of a hostile file, a path through
#: sixteen nested specs) keeps its two ends.
MAX_PART = 300


@overload
def _shorten(text: str) -> str: ...
@overload
def _shorten(text: None) -> None: ...
def _shorten(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_PART:
        return text
    half = MAX_PART // 2
    return f"{text[:half]} … {text[-half:]}"


#: Characters that would break the one line of a message: controls and the Unicode line breaks.
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with every line break or control character escaped (``\\n``), so a message that
    quotes a user's file name, key or value stays on one line."""
    return _BREAKS.sub(lambda m: repr(m.group())[1:-1], text)

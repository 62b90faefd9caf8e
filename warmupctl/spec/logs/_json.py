"""JSON and JSON Lines helpers shared by the readers: parse with bounded integers, and the line where
each element of a list starts (for messages)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from warmupctl.core.errors import SpecError

_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _integer(name: str):
    def integer(digits: str) -> int:
        if len(digits) > 40:
            raise SpecError(f"an integer of {len(digits)} digits is not a step or an LR", source=name)
        return int(digits)

    return integer


def load_json(text: str, name: str) -> Any:
    """The parsed document; a syntax error is one line naming where."""
    try:
        return json.loads(text, parse_int=_integer(name))
    except json.JSONDecodeError as exc:
        raise SpecError(f"JSON syntax error at column {exc.colno}: {exc.msg}", source=name,
                        path=f"line {exc.lineno}",
                        hint="a truncated file? (a run still writing it, or a copy cut short)") from None
    except RecursionError:
        raise SpecError("JSON nested too deep to be a log", source=name) from None


def json_lines(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """``(line, object)`` of each non-blank line of a JSON Lines file. A last line cut short (a run
    still writing it) is an error naming it, as any other broken line."""
    integer = _integer(name)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line, parse_int=integer)
        except json.JSONDecodeError as exc:
            raise SpecError(f"JSON syntax error at column {exc.colno}: {exc.msg}", source=name,
                            path=f"line {number}", hint="each line of a JSON Lines log is one JSON "
                            "object; a truncated last line? (a run still writing it)") from None
        except RecursionError:
            raise SpecError("JSON nested too deep to be a log", source=name,
                            path=f"line {number}") from None


def first_json_line(head: str) -> Any:
    """The first line of ``head`` parsed as JSON, or None (not JSON Lines)."""
    for line in head.splitlines():
        if line.strip():
            try:
                return json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                return None
    return None


def item_lines(text: str, key: str | None) -> list[int]:
    """The line (1-based) where each element of a list starts: the list under the top-level ``key``
    of an object, or the top-level list itself (``key`` None). The text is valid JSON (parsed
    before), so this walks it with the decoder, one value at a time."""
    decoder = json.JSONDecoder()

    def skip(pos: int) -> int:
        return _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]

    pos = skip(0)
    if key is not None:  # find the value of ``key`` in the top-level object
        pos = skip(pos + 1)
        while text[pos] != "}":
            name, pos = decoder.raw_decode(text, pos)
            pos = skip(skip(pos) + 1)  # the ':'
            if name == key:
                break
            _, pos = decoder.raw_decode(text, pos)
            pos = skip(pos)
            if text[pos] == ",":
                pos = skip(pos + 1)
        else:
            return []
    lines: list[int] = []
    pos = skip(pos + 1)  # past '['
    line, counted = 1, 0
    while pos < len(text) and text[pos] != "]":
        line += text.count("\n", counted, pos)
        counted = pos
        lines.append(line)
        _, pos = decoder.raw_decode(text, pos)
        pos = skip(pos)
        if text[pos] == ",":
            pos = skip(pos + 1)
    return lines

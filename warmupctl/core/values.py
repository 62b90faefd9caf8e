"""Coercion of user values: the one place that decides what counts as a number, a count or a name.

Every function takes the value and its key path and raises :class:`~warmupctl.core.errors.SpecError` naming
both. YAML 1.1 reads ``1e-3`` as a string (PyYAML needs ``1.0e-3``), so numeric strings are accepted.
"""

from __future__ import annotations

import datetime
import difflib
import math
from collections.abc import Iterable
from typing import Any

from warmupctl.core.errors import SpecError

#: Largest count accepted: int64, the engine's index type.
MAX_INT = 2**63 - 1


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A ``did you mean X?`` hint, or None when nothing is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def one_of(choices: Iterable[str]) -> str:
    """``one of a, b, c`` for hints."""
    return "one of " + ", ".join(sorted(choices))


def as_float(value: Any, path: str) -> float:
    """A finite float; ints, floats and numeric strings ("1e-3", "5e-5") are accepted."""
    if isinstance(value, bool):
        raise SpecError("expected a number", path=path, value=value)
    if isinstance(value, str):
        try:
            number = float(value.strip().replace("_", ""))
        except ValueError:
            raise SpecError("expected a number", path=path, value=value) from None
    elif isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            raise SpecError("number too large", path=path, value=value) from None
    else:
        raise SpecError(f"expected a number, not {kind_of(value)}", path=path, value=value)
    if not math.isfinite(number):
        raise SpecError("must be a finite number", path=path, value=value,
                        hint="NaN and infinity are not learning rates or lengths")
    return number


def as_int(value: Any, path: str, limit: int = MAX_INT) -> int:
    """An integer of magnitude at most ``limit`` (int64 by default); integral floats and strings
    ("1e4", "10_000") are accepted."""
    if isinstance(value, bool):
        raise SpecError("expected an integer", path=path, value=value)
    if isinstance(value, int):
        number = value
    else:
        real = as_float(value, path)
        if not real.is_integer():
            raise SpecError("expected a whole number", path=path, value=value)
        number = int(real)
    if abs(number) > limit:
        hint = "at most 2**63 - 1" if limit == MAX_INT else f"at most {limit:.3g} in magnitude"
        raise SpecError("integer out of range", path=path, value=value, hint=hint)
    return number


def as_count(value: Any, path: str, *, minimum: int = 0) -> int:
    """An integer >= ``minimum`` (a number of updates)."""
    number = as_int(value, path)
    if number < minimum:
        word = {0: "must not be negative", 1: "must be positive"}.get(minimum, f"must be at least {minimum}")
        raise SpecError(word, path=path, value=value)
    return number


def as_positive(value: Any, path: str) -> float:
    number = as_float(value, path)
    if number <= 0:
        raise SpecError("must be positive", path=path, value=value)
    return number


def as_nonnegative(value: Any, path: str) -> float:
    number = as_float(value, path)
    if number < 0:
        raise SpecError("must not be negative", path=path, value=value)
    return number


def as_fraction(value: Any, path: str) -> float:
    """A number in [0, 1] (a ratio of the run)."""
    number = as_float(value, path)
    if not 0.0 <= number <= 1.0:
        raise SpecError("must be between 0 and 1", path=path, value=value,
                        hint="a ratio is a fraction of total_steps: 0.1 is 10 %")
    return number


def as_bool(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
        return value.lower() in ("true", "yes")
    raise SpecError("expected true or false", path=path, value=value)


def as_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"expected a string, not {kind_of(value)}", path=path, value=value)
    return value


def as_choice(value: Any, path: str, choices: Iterable[str]) -> str:
    options = list(choices)
    text = as_str(value, path)
    if text not in options:
        hint = did_you_mean(text, options) or one_of(options)
        raise SpecError("unknown value", path=path, value=value, hint=hint)
    return text


def as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise SpecError(f"expected a list, not {kind_of(value)}", path=path, value=value)
    return list(value)


def as_floats(value: Any, path: str) -> list[float]:
    return [as_float(v, f"{path}[{i}]") for i, v in enumerate(as_list(value, path))]


def as_ints(value: Any, path: str, limit: int = MAX_INT) -> list[int]:
    return [as_int(v, f"{path}[{i}]", limit) for i, v in enumerate(as_list(value, path))]


def as_mapping(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"expected a mapping, not {kind_of(value)}", path=path, value=value)
    for key in value:
        if not isinstance(key, str):
            raise SpecError("keys must be strings", path=path, value=key,
                            hint="quote the key; YAML reads on/off/yes/no as booleans")
    return value


#: What a YAML or JSON value is, in a user's words (the safe loader also makes dates and bytes).
_KINDS: dict[type, str] = {
    type(None): "null", dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
    int: "an integer", float: "a number", bytes: "binary data (!!binary)", datetime.date: "a date",
    datetime.datetime: "a date and time",
}


def kind_of(value: Any) -> str:
    """``a list``, ``an integer``, ``null``: what ``value`` is, with its article."""
    return _KINDS.get(type(value), f"a {type(value).__name__}")

"""Saved tables — the CSV or JSON that ``warmupctl table`` writes — read back for ``warmupctl diff``.

A diff operand is a table when its content says so: a CSV whose header starts ``step,lr`` (or any
file named ``*.csv``), or a JSON object whose first key is ``format_version`` (or a ``*.json`` file
with a top-level ``format_version``). Anything else is a spec.

Rules (each broken one is a :class:`~warmupctl.core.errors.SpecError` naming the file and its line):

* CSV: a header starting ``step,lr`` and then any series columns (``lr/pg1``, ``momentum``, ...: each
  kept by its header name, :attr:`TableFile.series`; the stepping columns ``intended``,
  ``noise_batch`` and ``unstable`` are not series and are not read), or exactly ``step,NAME`` for
  a table of one series (``table SPEC --series momentum``); then one row per
  line with as many cells as the header; ``step`` a whole number >= 0, each value a finite number; steps
  strictly increasing (gaps are fine: ``--every`` and ``--at`` tables); every line ends with a
  newline (a last line without one is a truncated file). ``\\r\\n`` endings and a UTF-8 byte order
  mark are accepted, so a golden checked out on Windows still reads.
* JSON: an object with ``format_version`` (1, or 2 when rows also hold series) and ``rows``, a
  non-empty list of ``{"step", "lr"}`` objects under the same rules, every series the first row
  holds besides ``lr`` in every row (a one-series table: ``{"step", NAME}``); other keys
  (``label``, ``spec``, ``summary``, ...) are not checked.

CSV rows are streamed: a golden of 10^8 updates is read in blocks, twice (key events, then values),
in bounded memory. A JSON table is parsed whole, as the JSON module needs; for long goldens use CSV.
Standard input (``-``) and named pipes are read into memory once, within
:data:`warmupctl.spec.files.OPERAND`'s limit. Files are opened by :mod:`warmupctl.spec.files`.
"""

from __future__ import annotations

import array
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import SpecError
from warmupctl.engine import Schedule
from warmupctl.engine.series import LR, NAME
from warmupctl.spec.files import HEAD_BYTES, OPERAND, SPEC, Input, Stream, open_input, read_input
from warmupctl.spec.load import json_problem
from warmupctl.spec.resolve import refused_log, spec_from

if TYPE_CHECKING:
    from warmupctl.frameworks._registry import RunBound

#: ``format_version`` values this reader understands (``warmupctl.render.text.FORMAT_VERSION``).
FORMAT_VERSIONS = frozenset({1, 2})  # 2: rows carry series besides lr (render.columns)
#: The columns a table starts with (``warmupctl.render.text.CSV_HEADER``).
HEADER = ("step", "lr")
#: Rows per block handed to the comparison.
BLOCK_ROWS = 1 << 16
#: A warmupctl CSV line is at most ~45 bytes; a longer line is not one of ours.
MAX_LINE_BYTES = 4096
#: Bytes read to tell a table from a spec.
SNIFF_BYTES = HEAD_BYTES

HINT_CSV = "write it with 'warmupctl table SPEC --format csv -o FILE'"
HINT_REGENERATE = "regenerate it with 'warmupctl table SPEC --format csv -o FILE'"
#: ``step,lr...`` or a one-series table's ``step,NAME`` (engine.series.NAME).
_CSV_HEADER = re.compile(rb"step\s*,\s*(lr\b|[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?(/[A-Za-z0-9_.\-]+)?\s*\r?$)")
_JSON_TABLE = re.compile(rb'\A(\xef\xbb\xbf)?\s*\{\s*"format_version"\s*:')
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_MAX_STEP_DIGITS = len(str(2**63 - 1))
#: steps, values by column name, lines
_Rows = tuple[NDArray[np.int64], dict[str, NDArray[np.float64]], NDArray[np.int64]]
#: Columns a table may carry besides its series (``table --stepping/--noise-batch``, the counts of
#: ``--columns samples,tokens``; written by ``warmupctl.render.columns``): not series, not read.
NOT_SERIES = frozenset({"intended", "noise_batch", "unstable", "samples", "tokens"})


@dataclass(frozen=True, eq=False)
class TableFile:
    """A saved table, checked as it is read (see the module docstring).

    Attributes:
        name: the file name as given (``<stdin>`` for ``-``), for messages.
        kind: ``"csv"`` or ``"json"``.
        label: the JSON table's ``label``; None for CSV.
        columns: the CSV header's cells (for JSON: ``step`` and the rows' value keys).
        value: the column :meth:`blocks` walks: ``lr``, or the one series of a ``step,NAME``
            table; :meth:`column` gives the table walking another.
    """

    name: str
    kind: str
    label: str | None = None
    columns: tuple[str, ...] = HEADER
    value: str = LR
    _file: Stream | None = field(default=None, repr=False)
    _data: bytes | None = field(default=None, repr=False)
    _rows: _Rows | None = field(default=None, repr=False)

    @property
    def values(self) -> tuple[str, ...]:
        """Every value column by its header name: ``lr`` (or the one series) and the series."""
        return tuple(c for c in self.columns[1:] if c not in NOT_SERIES)

    @property
    def series(self) -> tuple[str, ...]:
        """The series columns besides ``lr`` (``lr/pg1``, ``momentum``, ...), in header order."""
        return tuple(c for c in self.values if c != LR)

    def column(self, name: str, path: str = "--series") -> TableFile:
        """The same table walking column ``name``.

        Raises:
            SpecError: at ``path`` when the table has no such column, naming those it has.
        """
        if name not in self.values:
            raise SpecError("no such series", source=self.name, path=path, value=name,
                            hint=f"this table has the column{'s' if len(self.values) > 1 else ''} "
                                 f"{', '.join(self.values)}")
        return replace(self, value=name)

    def blocks(self, chunk_size: int = BLOCK_ROWS) -> Iterator[tuple[NDArray[np.int64], NDArray[np.float64]]]:
        """``(steps, values)`` blocks of column :attr:`value`, at most ``chunk_size`` rows, in file
        order; a bad row raises :class:`SpecError` when it is reached."""
        if self._rows is not None:
            steps, values, _ = self._rows
            lrs = values[self.value]
            for first in range(0, len(steps), chunk_size):
                yield steps[first:first + chunk_size], lrs[first:first + chunk_size]
            return
        with self._open() as stream:
            stream.readline(MAX_LINE_BYTES + 1)  # the header, checked by read_table
            yield from _csv_blocks(stream, self.name, len(self.columns), chunk_size,
                                   self.columns.index(self.value), self.value)

    def line_of(self, row: int) -> int:
        """The line (1-based) holding row ``row`` (0-based): ``row + 2`` in a CSV."""
        if self._rows is not None:
            lines = self._rows[2]
            return int(lines[min(row, len(lines) - 1)])
        return row + 2

    def _open(self) -> IO[bytes]:
        if self._data is not None:
            return io.BytesIO(self._data)
        assert self._file is not None
        return self._file.open()


def table_kind(name: str, head: bytes) -> str | None:
    """``"csv"``, ``"json"`` or None (a spec), from the file name and its first bytes."""
    first_line = head.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").strip()
    if name.lower().endswith(".csv") or _CSV_HEADER.match(first_line):
        return "csv"
    if _JSON_TABLE.match(head):
        return "json"
    if name.lower().endswith(".json") and b'"format_version"' in head:
        return "json"  # a reformatted table; _parse_json checks that the key is at the top
    return None


def load_operand(path: str, bound: RunBound | None = None) -> Schedule | TableFile:
    """A ``warmupctl diff`` operand: a saved table, or else a spec (native, library, preset or
    training config), read as ``warmupctl table`` reads it (:func:`warmupctl.spec.resolve.spec_from`);
    ``bound`` (``--steps N``) is the run of a library schedule without an end."""
    try:
        file = open_input(path, OPERAND)
        kind = table_kind(file.name, file.head)
        if kind is not None:
            return _table(file, kind)
    except SpecError as exc:  # a run's log (results.csv, an event file) is neither a table nor a spec
        raise refused_log(exc, path) from None
    # Read as a spec: a spec's size limit, checked before a file on disk is read.
    return spec_from(read_input(file.name, SPEC) if isinstance(file, Stream) else file.expect(SPEC),
                     bound=bound)


def read_table(path: str, kind: str | None = None) -> TableFile:
    """Open a saved table: the header (CSV) or the whole file (JSON) is checked now, CSV rows as
    :meth:`TableFile.blocks` reaches them."""
    file = open_input(path, OPERAND)
    return _table(file, kind or table_kind(file.name, file.head) or "csv")


def _table(file: Input | Stream, kind: str) -> TableFile:
    if kind == "json":
        whole = file.whole() if isinstance(file, Stream) else file
        label, rows = _parse_json(whole.text, whole.name)
        return TableFile(name=whole.name, kind="json", label=label, columns=("step", *rows[1]),
                         value=next(iter(rows[1])), _rows=rows)
    columns = _csv_header(file.head, file.name)
    if isinstance(file, Stream):
        return TableFile(name=file.name, kind="csv", columns=columns, value=columns[1], _file=file)
    return TableFile(name=file.name, kind="csv", columns=columns, value=columns[1], _data=file.data)


# ------------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------------


def _error(name: str, line: int, message: str, value: Any = SpecError._NO_VALUE,
           hint: str | None = None) -> SpecError:
    return SpecError(message, source=name, path=f"line {line}", value=value, hint=hint)


def _show(cell: bytes) -> str:
    return cell.decode("utf-8", errors="replace")


def _csv_header(head: bytes, name: str) -> tuple[str, ...]:
    if not head.strip():
        raise _error(name, 1, "empty file: no header, no rows", hint=HINT_CSV)
    raw = head.split(b"\n", 1)
    line = raw[0].removeprefix(b"\xef\xbb\xbf").removesuffix(b"\r")
    if len(raw) == 1 and len(head) >= SNIFF_BYTES:
        raise _error(name, 1, "the first line is too long to be a table's header",
                     hint=f"a warmupctl table starts with 'step,lr'; {HINT_CSV}")
    try:
        columns = tuple(cell.strip() for cell in line.decode("utf-8").split(","))
    except UnicodeDecodeError:
        raise _error(name, 1, "the header is not UTF-8 text", hint=HINT_CSV) from None
    one_series = len(columns) == 2 and columns[0] == "step" and columns[1] != LR and bool(
        NAME.match(columns[1])) and columns[1] not in NOT_SERIES
    if columns[:2] != HEADER and not one_series:
        missing = [c for c in HEADER if c not in columns]
        problem = (f"the header lacks the column{'s' if len(missing) > 1 else ''} "
                   f"{', '.join(missing)}" if missing else "the header must start with step,lr")
        raise _error(name, 1, problem, value=_show(line), hint=f"is this a warmupctl table? {HINT_CSV}")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise _error(name, 1, f"the column {repeated[0]} is named twice", value=_show(line),
                     hint=HINT_REGENERATE)
    if len(raw) == 1:
        raise _error(name, 1, "the header has no newline and no rows follow: the file looks truncated",
                     hint=HINT_REGENERATE)
    return columns


def _csv_blocks(stream: IO[bytes], name: str, width: int, chunk_size: int, index: int = 1,
                column: str = LR) -> Iterator[tuple[NDArray[np.int64], NDArray[np.float64]]]:
    """Parse the rows after the header in blocks of about ``chunk_size`` rows.

    Each block of whole lines goes through :func:`_fast_rows` (in bulk, several times faster); any
    block it does not vouch for is parsed line by line by :func:`_slow_rows`, the reference, which
    names the first bad line.
    """
    line = 1  # lines consumed, the header included
    previous = -1
    rows = 0
    while True:
        data = stream.read(max(chunk_size, 1) * 32)
        if not data:
            break
        if not data.endswith(b"\n"):  # finish the last line (bounded: a row is a few dozen bytes)
            data += stream.readline(MAX_LINE_BYTES + 1)
        parsed = _fast_rows(data, previous) if width == len(HEADER) else None
        if parsed is None:
            parsed = _slow_rows(data, name, width, line, previous, index, column)
        steps, lrs = parsed
        line += data.count(b"\n")
        rows += len(steps)
        if len(steps):
            previous = int(steps[-1])
            yield steps, lrs
    if rows == 0:
        raise _error(name, 2, "no rows after the header", hint=HINT_REGENERATE)


_COMMA, _NEWLINE, _ZERO, _NINE = ord(","), ord("\n"), ord("0"), ord("9")


def _fast_rows(data: bytes, previous: int) -> tuple[NDArray[np.int64], NDArray[np.float64]] | None:
    """``step,lr`` lines parsed in bulk when every rule visibly holds; None when in any doubt."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    if not data.endswith(b"\n") or b"\x00" in data or b"\r" in data:
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(raw == _NEWLINE)
    commas = np.flatnonzero(raw == _COMMA)
    if len(commas) != len(newlines):
        return None
    starts = np.concatenate(([0], newlines[:-1] + 1))
    # One comma per line, with 1..18 characters before it (int64 holds any 18 digits).
    if not (np.all(commas > starts) and np.all(commas < newlines)
            and np.all(commas - starts <= _MAX_STEP_DIGITS - 1)):
        return None
    cells = data.replace(b"\n", b",").split(b",")
    cells.pop()  # after the last newline
    step_cells, lr_cells = cells[0::2], cells[1::2]
    if not b"".join(step_cells).isdigit():
        return None
    try:
        steps = np.fromiter(map(int, step_cells), dtype=np.int64, count=len(step_cells))
        lrs = np.fromiter(map(float, lr_cells), dtype=np.float64, count=len(lr_cells))
    except (ValueError, OverflowError):
        return None
    if not np.all(np.isfinite(lrs)) or steps[0] <= previous or np.any(np.diff(steps) <= 0):
        return None
    return steps, lrs


def _slow_rows(data: bytes, name: str, width: int, line: int, previous: int, index: int = 1,
               column: str = LR) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The rules, line by line; ``line`` is the number of lines before ``data``; the values are
    cell ``index``, named ``column`` in messages."""
    stream = io.BytesIO(data)
    steps: list[int] = []
    lrs: list[float] = []
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            break
        line += 1
        if not raw.endswith(b"\n"):
            if len(raw) > MAX_LINE_BYTES:
                raise _error(name, line, f"longer than {MAX_LINE_BYTES} bytes: not a table row",
                             hint=HINT_CSV)
            raise _error(name, line, "the last line has no newline: the file looks truncated",
                         value=_show(raw), hint=HINT_REGENERATE)
        body = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
        cells = body.split(b",")
        if len(cells) != width:
            if not body.strip():
                raise _error(name, line, "empty line", hint="a table has one row per line, no blank lines")
            raise _error(name, line, f"expected {width} cells ({','.join(_header(width))}), "
                         f"found {len(cells)}", value=_show(body), hint=HINT_REGENERATE)
        step = _step(cells[0], name, line)
        if step <= previous:
            if step == previous:
                raise _error(name, line, f"update {step} again (also on line {line - 1})",
                             hint="each update has one row")
            raise _error(name, line, f"update {step} after update {previous}: steps must increase",
                         hint="rows are in update order, as warmupctl table writes them")
        previous = step
        steps.append(step)
        lrs.append(_lr(cells[index], name, line, column))
    return np.array(steps, dtype=np.int64), np.array(lrs, dtype=np.float64)


def _header(width: int) -> list[str]:
    return [*HEADER, *(["..."] if width > len(HEADER) else [])]


def _step(cell: bytes, name: str, line: int) -> int:
    text = cell.strip()
    if text.isdigit() and len(text) <= _MAX_STEP_DIGITS:
        step = int(text)
        if step < 2**63:
            return step
    if text.startswith(b"-") and text[1:].isdigit():
        raise _error(name, line, "step must not be negative", value=_show(cell),
                     hint="the first column is the update index: 0, 1, 2, ...")
    if text.isdigit():
        raise _error(name, line, "step out of range", value=_show(cell), hint="at most 2**63 - 1")
    raise _error(name, line, "step is not a whole number", value=_show(cell),
                 hint="the first column is the update index: 0, 1, 2, ...")


def _lr(cell: bytes, name: str, line: int, column: str = LR) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise _error(name, line, f"{column} is not a number", value=_show(cell),
                     hint="the second column is the LR, such as 0.0001 or 1e-4" if column == LR
                     else f"the {column} column holds numbers, such as 0.9") from None
    if not math.isfinite(value):
        raise _error(name, line, f"{column} is {'NaN' if math.isnan(value) else 'infinite'}",
                     value=_show(cell.strip()),
                     hint="a golden holds a finite LR at every update (warmupctl writes nan where "
                          "the library would raise: write fewer updates with --steps)")
    return value


# ------------------------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------------------------


class _Lines:
    """Line numbers of text positions, counted incrementally (positions only move forward)."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.line = text, 0, 1

    def at(self, pos: int) -> int:
        if pos >= self.pos:
            self.line += self.text.count("\n", self.pos, pos)
        else:
            self.line = self.text.count("\n", 0, pos) + 1
        self.pos = pos
        return self.line


def _parse_json(text: str, name: str) -> tuple[str | None, _Rows]:
    """Walk the top-level object by hand (so each row has its line), rows one by one."""
    lines = _Lines(text)

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    def integer(digits: str) -> int:
        # CPython refuses int() of over 4300 digits with a message about sys.set_int_max_str_digits;
        # say what is wrong with the file instead.
        if len(digits.lstrip("-")) > 4000:
            raise ValueError(f"an integer of {len(digits.lstrip('-'))} digits is too long to read")
        return int(digits)

    decoder = json.JSONDecoder(object_pairs_hook=unique, parse_int=integer)

    def skip(pos: int) -> int:
        return _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]

    def value_at(pos: int) -> tuple[Any, int]:
        try:
            return decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            line, column, problem = json_problem(exc)
            raise _error(name, line, f"JSON syntax error at column {column}: {problem}",
                         hint=HINT_REGENERATE.replace("csv", "json")) from None
        except ValueError as exc:  # a duplicate key, or an integer too long to read
            raise _error(name, lines.at(pos), str(exc)) from None

    def expect(pos: int, char: str, what: str) -> int:
        pos = skip(pos)
        if not text.startswith(char, pos):
            found = repr(text[pos]) if pos < len(text) else "the end of the file"
            raise _error(name, lines.at(pos), f"JSON syntax error: expected {what}, found {found}",
                         hint="the file looks truncated or edited by hand" if pos >= len(text) else None)
        return pos + 1

    pos = expect(0, "{", "an object ('{')")
    top: dict[str, tuple[Any, int]] = {}
    rows: tuple[Any, ...] | None = None
    rows_line = 1
    pos = skip(pos)
    if not text.startswith("}", pos):
        while True:
            pos = skip(pos)
            key_line = lines.at(pos)
            key, pos = value_at(pos)
            if not isinstance(key, str):
                raise _error(name, key_line, "JSON syntax error: expected a key (a string)")
            if key in top or (key == "rows" and rows is not None):
                raise _error(name, key_line, f"duplicate key {key!r}")
            pos = expect(pos, ":", "':'")
            if key == "rows":
                rows_line = key_line
                rows, pos = _json_rows(text, skip(pos), name, lines, value_at, expect, skip)
                top[key] = (None, key_line)
            else:
                value, pos = value_at(skip(pos))
                top[key] = (value, key_line)
            pos, more = _comma_or_close(text, pos, "}", skip, expect)
            if not more:
                break
    else:
        pos += 1
    pos = skip(pos)
    if pos < len(text):
        raise _error(name, lines.at(pos), "JSON syntax error: text after the end of the table")

    if "format_version" not in top:
        raise _error(name, 1, "not a warmupctl table: no format_version",
                     hint=HINT_REGENERATE.replace("csv", "json"))
    version, version_line = top["format_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version not in FORMAT_VERSIONS:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > max(FORMAT_VERSIONS)
        raise _error(name, version_line, "unsupported format_version", value=version,
                     hint="written by a newer warmupctl: upgrade warmupctl" if newer
                     else f"this warmupctl reads {', '.join(map(str, sorted(FORMAT_VERSIONS)))}")
    if rows is None:
        raise _error(name, 1, "no 'rows': not a table (a summary?)",
                     hint=HINT_REGENERATE.replace("csv", "json"))
    if not len(rows[0]):
        raise _error(name, rows_line, "'rows' is empty", hint=HINT_REGENERATE.replace("csv", "json"))
    label = top.get("label", (None, 0))[0]
    return (label if isinstance(label, str) else None), rows


def _comma_or_close(text: str, pos: int, closer: str, skip: Callable[[int], int],
                    expect: Callable[[int, str, str], int]) -> tuple[int, bool]:
    """After an item of a JSON object or array: the position past a ``,`` and True (another item
    follows), or past ``closer`` and False; anything else is the syntax error ``expect`` raises."""
    pos = skip(pos)
    if text.startswith(",", pos):
        return pos + 1, True
    return expect(pos, closer, f"',' or '{closer}'"), False


def _json_rows(text: str, pos: int, name: str, lines: _Lines,
               value_at: Callable[[int], tuple[Any, int]], expect: Callable[[int, str, str], int],
               skip: Callable[[int], int]) -> tuple[_Rows, int]:
    """The ``rows`` array: each row an object with an integer ``step`` and a finite ``lr``, and
    every series the first row has (or ``step`` and one series alone)."""
    pos = expect(pos, "[", "a list ('[') of rows")
    # Typed arrays, not lists: 8 bytes a row each instead of a Python object.
    steps, where = array.array("q"), array.array("q")
    columns: dict[str, array.array] = {}
    previous = -1
    pos = skip(pos)
    if text.startswith("]", pos):
        pos += 1
    else:
        while True:
            pos = skip(pos)
            line = lines.at(pos)
            row, pos = value_at(pos)
            if not isinstance(row, dict):
                raise _error(name, line, "a row must be an object such as {\"lr\": 0.1, \"step\": 0}",
                             value=row)
            if not columns:  # the first row names the columns: lr first, then the series
                found = [k for k in row if k != "step" and k not in NOT_SERIES]
                one = [k for k in found if k != LR]
                if LR not in found and len(one) == 1 and NAME.match(one[0]):
                    columns[one[0]] = array.array("d")  # a table of one series (--series NAME)
                else:
                    columns = {key: array.array("d") for key in [LR, *one]}
            for key in ("step", *columns):
                if key not in row:
                    raise _error(name, line, f"the row has no {key!r}", value=row)
            step = row["step"]
            if isinstance(step, bool) or not isinstance(step, int):
                raise _error(name, line, "step is not a whole number", value=step)
            if not 0 <= step < 2**63:
                raise _error(name, line, "step must not be negative" if step < 0 else "step out of range",
                             value=step)
            if step <= previous:
                raise _error(name, line, f"update {step} again" if step == previous else
                             f"update {step} after update {previous}: steps must increase")
            for key, values in columns.items():
                lr = row[key]
                if lr is None:
                    raise _error(name, line, f"{key} is null (the schedule is undefined at this "
                                 "update)", hint="a golden holds a finite LR at every update: write "
                                                 "fewer updates with --steps")
                if isinstance(lr, bool) or not isinstance(lr, (int, float)):
                    raise _error(name, line, f"{key} is not a number", value=lr)
                if not math.isfinite(float(lr)):
                    raise _error(name, line, f"{key} is not finite", value=lr)
                values.append(float(lr))
            previous = step
            steps.append(step)
            where.append(line)
            pos, more = _comma_or_close(text, pos, "]", skip, expect)
            if not more:
                break
    arrays = (np.frombuffer(steps, dtype=np.int64),
              {key: np.frombuffer(values, dtype=np.float64) for key, values in columns.items()}
              or {LR: np.empty(0)}, np.frombuffer(where, dtype=np.int64))
    return arrays, pos

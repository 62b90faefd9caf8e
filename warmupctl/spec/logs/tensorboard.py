"""TensorBoard: event files themselves (``events.out.tfevents.*``) and the scalar exports of its UI.

**Event files** are read here, without TensorBoard or TensorFlow installed: the format is small and
stable. The file is a sequence of TFRecord records — ``uint64 length``, ``uint32`` masked CRC-32C of
the length, ``length`` bytes of data, ``uint32`` masked CRC-32C of the data (``tensorboard/
summary/writer/record_writer.py``; read at tensorboard 2.20) — each holding one serialized
``tensorflow.Event`` (``tensorboard/compat/proto/event.proto``): ``wall_time`` (field 1, double),
``step`` (2, int64), ``summary`` (5), a ``Summary`` of ``Value`` messages (``summary.proto``):
``tag`` (1), ``simple_value`` (2, float32 — what ``torch.utils.tensorboard``, tensorboardX and
transformers' ``TensorBoardCallback`` write) or ``tensor`` (8, a ``TensorProto``: ``float_val`` 5,
``double_val`` 6 or ``tensor_content`` 4 — what TF2's ``tf.summary.scalar`` writes). A file is
claimed when its first record's length CRC is right; each record's length CRC is checked (a wrong
one is a corrupt file, named at its record). The data CRC is not recomputed (pure Python would take
seconds on a long run's file); a truncated last record — a run still writing — is left out, as
TensorBoard's own reader does, and counted.

**Exports**: the CSV of the scalar's download link (header ``Wall time,Step,Value``) or its JSON (a
list of ``[wall_time, step, value]``). Values are float32 (``simple_value``) in all three.
"""

from __future__ import annotations

import csv
import io
import struct
from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.spec.logs import _base as kit
from warmupctl.spec.logs._json import item_lines, load_json

TENSORBOARD_HEADER = ("wall time", "step", "value")

_CRC_TABLE: list[int] = []


def _crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum of TFRecord frames."""
    if not _CRC_TABLE:
        for byte in range(256):
            crc = byte
            for _ in range(8):
                crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
            _CRC_TABLE.append(crc)
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked(data: bytes) -> int:
    crc = _crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


# ------------------------------------------------------------------------------------------------
# Protocol buffers: the wire format, just enough for Event / Summary / Value / TensorProto
# ------------------------------------------------------------------------------------------------


class _Corrupt(Exception):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise _Corrupt("a varint runs past its message")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes):
    """``(field number, wire type, value)`` of a message: ints for varints and fixed fields (as raw
    bytes for fixed64/fixed32), bytes for length-delimited ones."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield number, wire, value
        elif wire == 1:
            yield number, wire, data[pos:pos + 8]
            pos += 8
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise _Corrupt("a field runs past its message")
            yield number, wire, data[pos:pos + size]
            pos += size
        elif wire == 5:
            yield number, wire, data[pos:pos + 4]
            pos += 4
        else:
            raise _Corrupt(f"wire type {wire}")
    if pos != len(data):
        raise _Corrupt("a field runs past its message")


def _tensor_scalar(data: bytes) -> tuple[float, bool] | None:
    """A scalar ``TensorProto``'s value, and whether it is float32."""
    dtype = 0
    content = b""
    floats: list[float] = []
    doubles: list[float] = []
    for number, wire, value in _fields(data):
        if number == 1 and wire == 0:
            dtype = value
        elif number == 4 and wire == 2:
            content = value
        elif number == 5:
            floats.extend(struct.unpack(f"<{len(value) // 4}f", value) if wire == 2
                          else struct.unpack("<f", value))
        elif number == 6:
            doubles.extend(struct.unpack(f"<{len(value) // 8}d", value) if wire == 2
                           else struct.unpack("<d", value))
    if floats:
        return floats[0], True
    if doubles:
        return doubles[0], False
    if content and dtype == 1 and len(content) == 4:  # DT_FLOAT
        return struct.unpack("<f", content)[0], True
    if content and dtype == 2 and len(content) == 8:  # DT_DOUBLE
        return struct.unpack("<d", content)[0], False
    return None


def _scalars(event: bytes):
    """``(step, tag, value, float32)`` of each scalar of an ``Event``."""
    step = 0
    summaries = []
    for number, wire, value in _fields(event):
        if number == 2 and wire == 0:
            step = value - (1 << 64) if value >= 1 << 63 else value
        elif number == 5 and wire == 2:
            summaries.append(value)
    for summary in summaries:
        for number, wire, value in _fields(summary):
            if number != 1 or wire != 2:
                continue
            tag, scalar = "", None
            for n, w, v in _fields(value):
                if n == 1 and w == 2:
                    tag = v.decode("utf-8", "replace")
                elif n == 2 and w == 5:
                    scalar = struct.unpack("<f", v)[0], True
                elif n == 8 and w == 2:
                    scalar = _tensor_scalar(v)
            if scalar is not None:
                yield step, tag, scalar[0], scalar[1]


def detect_events(source: kit.Source) -> bool:
    data = source.data
    if len(data) < 12:
        return False
    return struct.unpack("<I", data[8:12])[0] == _masked(data[:8])


def _records(source: kit.Source):
    """``(record number, data)`` of each complete record; the count of a truncated tail (0 or 1)."""
    data = source.data
    pos, number = 0, 0
    while pos + 12 <= len(data):
        number += 1
        header = data[pos:pos + 8]
        if struct.unpack("<I", data[pos + 8:pos + 12])[0] != _masked(header):
            raise SpecError(f"record {number} (byte {pos}) has a wrong length checksum: a corrupt "
                            "event file", source=source.name,
                            hint="TensorBoard reads it no further either; export the scalar as CSV")
        length = struct.unpack("<Q", header)[0]
        end = pos + 12 + length + 4
        if end > len(data):
            yield None
            return
        yield number, data[pos + 12:pos + 12 + length]
        pos = end
    if pos != len(data):
        yield None


def read_events(source: kit.Source, series: str | None) -> kit.RunLog:
    by_tag: dict[str, kit.Values] = {}
    others: dict[str, None] = {}  # the other scalars' tags, in file order, to name them
    truncated = 0
    float32 = True
    for record in _records(source):
        if record is None:
            truncated = 1
            break
        number, event = record
        try:
            scalars = list(_scalars(event))
        except _Corrupt as exc:
            raise SpecError(f"record {number} is not a TensorBoard event ({exc})",
                            source=source.name) from None
        for step, tag, value, is_float32 in scalars:
            if not kit.is_lr_name(tag):
                others[tag] = None
                continue
            float32 = float32 and is_float32

            def fail(message: str, got: Any, number: int = number) -> SpecError:
                return SpecError(message, source=source.name, path=f"record {number}", value=got)

            values = by_tag.setdefault(tag, kit.Values())
            values.add(kit.step_value(step, fail), kit.lr_value(value, fail), number)
    if not by_tag:
        names = list(others)
        held = (f" (its scalars: {', '.join(names[:12])}"
                f"{f', … ({len(names)} in all)' if len(names) > 12 else ''})") if names else " (no scalars)"
        raise SpecError(f"a TensorBoard event file with no learning-rate scalar{held}",
                        source=source.name,
                        hint="the LR is logged as a scalar whose tag holds 'lr' or 'learning_rate' "
                             "(train/learning_rate, lr-AdamW, learning-rate)")
    found = list(by_tag)
    chosen = kit.pick_series(found, series, source.name)
    return by_tag[chosen].finish(source.name, "tensorboard_events", "step", chosen, float32=float32,
                                 skipped=truncated, series=tuple(found))


# ------------------------------------------------------------------------------------------------
# Exports: CSV and JSON
# ------------------------------------------------------------------------------------------------


def detect_csv(source: kit.Source) -> bool:
    first = source.head.lstrip("\ufeff").split("\n", 1)[0].strip().lower()
    return tuple(cell.strip() for cell in first.split(",")) == TENSORBOARD_HEADER


def read_csv(source: kit.Source, series: str | None) -> kit.RunLog:
    if series not in (None, "Value"):
        raise SpecError(f"no LR series named {series!r} in this log", source=source.name,
                        path="--series", value=series, hint="a TensorBoard export holds one: Value")
    rows = csv.reader(io.StringIO(source.text or "", newline=""))
    header = [cell.strip() for cell in next(rows)]
    values = kit.Values()
    line = 1
    try:
        for cells in rows:
            line = rows.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != 3:
                raise SpecError(f"{len(cells)} cells, the header has 3", source=source.name,
                                path=f"line {line}", value=",".join(cells))

            def fail(message: str, value: Any, line: int = line) -> SpecError:
                return SpecError(message, source=source.name, path=f"line {line}", value=value)

            values.add(kit.text_step(cells[1].strip(), fail, header[1]),
                       kit.text_lr(cells[2].strip(), fail, header[2]), line)
    except csv.Error as exc:
        raise SpecError(f"CSV syntax error: {exc}", source=source.name, path=f"line {line + 1}") from None
    if not len(values):
        raise SpecError("no rows after the header", source=source.name, path="line 2")
    return values.finish(source.name, "tensorboard", header[1], header[2], float32=True,
                         series=(header[2],))


def detect_json(source: kit.Source) -> bool:
    head = source.head.lstrip()
    return head.startswith("[") and head[1:].lstrip().startswith("[")


def read_json(source: kit.Source, series: str | None) -> kit.RunLog:
    data = load_json(source.text or "", source.name)
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise SpecError("a JSON list that is neither log_history entries nor TensorBoard's "
                        "[wall_time, step, value] rows", source=source.name,
                        hint="give trainer_state.json, or TensorBoard's JSON or CSV export")
    lines = item_lines(source.text or "", None)
    values = kit.Values()
    for i, row in enumerate(data):
        line = lines[i] if i < len(lines) else 0

        def fail(message: str, value: Any, i: int = i, line: int = line) -> SpecError:
            return SpecError(message, source=source.name, path=f"[{i}] (line {line})", value=value)

        if len(row) != 3:
            raise fail(f"a row of {len(row)} values, not [wall_time, step, value]", row)
        values.add(kit.step_value(row[1], fail), kit.lr_value(row[2], fail), line)
    if not len(values):
        raise SpecError("the list is empty: nothing was logged", source=source.name)
    return values.finish(source.name, "tensorboard", "step", "value", float32=True, series=("value",))


EVENTS = kit.register(kit.LogFormat("tensorboard_events", "TensorBoard event file (events.out.tfevents.*)",
                                    detect_events, read_events, "TensorBoard event files and exports"))
EXPORT_CSV = kit.register(kit.LogFormat("tensorboard", "TensorBoard CSV export", detect_csv, read_csv, None))
EXPORT_JSON = kit.register(kit.LogFormat("tensorboard_json", "TensorBoard JSON export", detect_json,
                                         read_json, None))

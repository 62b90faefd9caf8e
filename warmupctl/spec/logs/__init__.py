"""A run's logged learning rate, read back for ``--actual LOG`` (``plot``, ``diff``, ``summary``) and
``warmupctl explain``.

One module per kind of log, each registered as a :class:`~warmupctl.spec.logs._base.LogFormat` and
detected from the file's content, never its name (:data:`FORMATS`, in the order they are tried):

* :mod:`~warmupctl.spec.logs.tensorboard` — TensorBoard event files, and its CSV and JSON exports;
* :mod:`~warmupctl.spec.logs.trainer_state` — transformers' ``trainer_state.json``;
* :mod:`~warmupctl.spec.logs.jsonl` — LLaMA-Factory's ``trainer_log.jsonl``, MMEngine's scalars;
* :mod:`~warmupctl.spec.logs.tables` — Ultralytics ``results.csv``, timm ``summary.csv``, Lightning
  ``metrics.csv``, and (tried last) a W&B or any other CSV export;
* :mod:`~warmupctl.spec.logs.text` — Megatron-LM and fairseq text logs.

A log may hold several LR series (param groups, optimizers, runs): they are all listed in
``RunLog.series``, the first is read unless ``series`` names another. A file no format claims is
refused naming the formats that exist.

Which optimizer update a logged value belongs to is decided by :mod:`warmupctl.calc.actual` (the
convention of a format is kept in ``RunLog.offset`` when the format fixes it).
"""

from __future__ import annotations

import codecs
import re

from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import with_article
from warmupctl.spec.files import Expected, read_input

# Importing a format's module registers it.
from warmupctl.spec.logs import jsonl, tables, tensorboard, trainer_state  # noqa: F401
from warmupctl.spec.logs import text as text_logs  # noqa: F401
from warmupctl.spec.logs._base import (
    FORMATS,
    MAX_LOG_BYTES,
    SNIFF_BYTES,
    LogFormat,
    RunLog,
    Source,
    formats_sentence,
    is_lr_name,
    register,
)

# A W&B (or any other) CSV export claims any comma-separated header: it is tried last.
register(LogFormat("csv", "W&B or other CSV export (a step column and LR columns)",
                   tables.detect_csv, tables.read_csv, "a W&B CSV"))

__all__ = ["FORMATS", "MAX_LOG_BYTES", "LogFormat", "RunLog", "check_offset", "log_refusal",
           "parse_offset", "read_log"]

#: The order formats are tried in: binary first, then the most specific content.
ORDER = ("tensorboard_events", "trainer_state", "tensorboard_json", "llamafactory", "mmengine",
         "tensorboard", "ultralytics", "timm", "lightning", "megatron", "fairseq", "csv")
_ordered = {name: FORMATS.pop(name) for name in ORDER}
FORMATS.update(_ordered)


def parse_offset(text: str | None, option: str = "--actual-offset") -> int | None:
    """``auto`` (or None) -> None; a whole number -> that number of updates.

    The offset says which update a logged value belongs to: ``update = step - offset``.
    """
    if text is None or text.strip().lower() == "auto":
        return None
    cleaned = text.strip()
    if re.fullmatch(r"[+-]?\d{1,6}", cleaned):
        return int(cleaned)
    raise SpecError("expected auto or a whole number of updates", source="command line", path=option,
                    value=text, hint="auto tries both transformers conventions; 1: update = step − 1 "
                    "(transformers >= 4.51), 0: update = step (transformers <= 4.50)")


def check_offset(log: RunLog, offset: int, option: str = "--actual-offset") -> None:
    """Every logged value must land on an update >= 0."""
    first = int(log.steps[0])
    if first - offset < 0:
        raise SpecError(f"puts the value logged at step {first} ({log.name}, line {int(log.lines[0])}) "
                        f"at update {first - offset}", source="command line", path=option,
                        value=offset, hint="update = step − offset must be >= 0: try auto or 0")


def read_log(path: str, series: str | None = None, option: str | None = "--actual") -> RunLog:
    """Read and check a run's log; ``series`` names the LR series to read (None: the first);
    ``option`` is the flag that named the file (None for an argument), for messages."""
    source = _source(path, option)
    for fmt in FORMATS.values():
        if fmt.detect(source):
            return fmt.read(source, series)
    if source.text is None:
        raise SpecError("binary file, not a log warmupctl reads", source=path,
                        hint=f"warmupctl reads {formats_sentence()}")
    raise SpecError("not a log warmupctl reads", source=path, hint=f"warmupctl reads {formats_sentence()}")


#: What a log is to the one file reader: up to 512 MiB (a trainer_state.json of 10^6 updates is
#: ~200 MB and is parsed whole), binary allowed (event files), never standard input.
LOG = Expected("a log", limit=MAX_LOG_BYTES, size_hint="export the LR alone, or fewer steps",
               look_inside=("trainer_state.json", "trainer_log.jsonl", "metrics.csv", "results.csv"),
               stdin=False, binary=True)


def _source(path: str, option: str | None) -> Source:
    read = read_input(path, LOG, option=option)
    data = read.data
    if not data.strip():
        raise SpecError("empty file: no logged LR", source=read.name,
                        hint="give a trainer_state.json, an event file, or a TensorBoard or W&B CSV export")
    binary = b"\x00" in data[:SNIFF_BYTES] and not data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not binary:
        try:
            return Source(read.name, data, read.text)
        except SpecError:
            if b"\x00" not in data:
                raise
    return Source(read.name, data, None)


def log_refusal(name: str, data: bytes | None = None) -> SpecError | None:
    """The error for a run's log given where a spec (or a saved table) is expected, or None when the
    file is not a log. ``data`` is the file's content; None reads ``name`` (not standard input).

    Called on the error path of a spec only (a native spec never loads the log readers). A format
    claims the file as it does for ``--actual``, but stricter, since a spec that failed for another
    reason must not be called a log: a generic CSV needs a step column and an LR column, and JSON
    Lines (MMEngine's scalars) two lines or more.
    """
    if data is None:
        if name in ("-", "<stdin>"):
            return None
        try:
            data = read_input(name, LOG).data
        except SpecError:
            return None
    try:
        source = _sourced(name, data)
    except SpecError:
        return None
    for fmt in FORMATS.values():
        try:
            claimed = fmt.detect(source) and _strictly(fmt.name, source)
        except (SpecError, ValueError):
            claimed = False
        if claimed:
            import os

            base = os.path.basename(name)
            return SpecError("this is a training log: use --actual", source=name,
                             hint=f"it is {with_article(fmt.title)}, the LR a run logged, not its "
                                  f"schedule: 'warmupctl plot SPEC --actual {base}' overlays it, "
                                  f"'warmupctl explain {base}' says why it differs from the plan")
    return None


def _strictly(kind: str, source: Source) -> bool:
    """The evidence :func:`log_refusal` asks for beyond a format's own claim."""
    if kind == "csv":
        header = tables._header(source) or []
        if header[:2] == ["step", "lr"]:
            return False  # warmupctl's own saved table (a diff operand), not a log
        lowered = {c.lower() for c in header}
        return any(c.lower() in lowered for c in tables.STEP_COLUMNS) and any(
            is_lr_name(c) for c in header)
    if kind == "mmengine":
        return sum(1 for line in (source.text or "").splitlines()[:3] if line.strip()) >= 2
    return True


def _sourced(name: str, data: bytes) -> Source:
    """A :class:`Source` of bytes already read (its text when it is text)."""
    from warmupctl.spec.files import decode

    if not data.strip():
        raise SpecError("empty", source=name)
    binary = b"\x00" in data[:SNIFF_BYTES] and not data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if binary:
        return Source(name, data, None)
    try:
        return Source(name, data, decode(data, name, LOG))
    except SpecError:
        return Source(name, data, None)

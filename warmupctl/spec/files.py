"""The one reader of every file the CLI opens: specs, training configs, saved tables and run logs.

A path (or ``-`` for standard input) becomes an :class:`Input` — its display name and its bytes —
after the checks every reader needs, each failing with the same one-line
:class:`~warmupctl.core.errors.SpecError`:

* a missing path (``no such file; check the path``), a folder (``is a folder, not a log``), a file
  that cannot be opened (``cannot read: Permission denied``);
* a file larger than the kind of file allows (a spec is a few lines: 1 MiB), checked on the file's
  size before anything is read, or while reading for standard input and named pipes;
* binary content (a NUL byte), and text that is not UTF-8: a UTF-8 byte order mark is dropped, and
  UTF-16 with a byte order mark (what Windows editors write as "Unicode") is decoded.

Standard input and named pipes (``<(...)``, a FIFO) can be read only once, so they are read whole,
within the limit; a regular file may be read again (a long saved table is streamed, see
:func:`open_input`).

What a file is expected to be is an :class:`Expected`: its name in messages, its size limit and the
hints. A reader declares its own next to its parser; a run's log, for instance::

    from warmupctl.spec.files import Expected, read_input

    LOG = Expected("a log", limit=64 << 20,
                   size_hint="export the LR alone, or fewer steps",
                   binary_hint="export the scalar from TensorBoard as CSV (its download link)",
                   look_inside=("trainer_state.json",), stdin=False)

    def read_log(path: str) -> RunLog:
        source = read_input(path, LOG, option="--actual")
        return parse(source.text, source.name)

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "spec.yaml")
>>> _ = open(path, "wb").write("kind: cosine\\n".encode("utf-16"))
>>> read_input(path).text
'kind: cosine\\n'
>>> read_input(folder)
Traceback (most recent call last):
...
warmupctl.core.errors.SpecError: ...: is a folder, not a YAML or JSON spec
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
from dataclasses import dataclass, replace
from typing import IO

from warmupctl.core.errors import SpecError

#: The name a command line gives standard input.
STDIN = "-"
#: The display name of standard input in messages.
STDIN_NAME = "<stdin>"
#: Bytes looked at to tell one kind of file from another (a table from a spec, JSON from CSV).
HEAD_BYTES = 4096

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


@dataclass(frozen=True)
class Expected:
    """What a file is expected to hold, for the checks and the messages of :func:`read_input`.

    Attributes:
        what: its name after "not": ``binary file, not a YAML or JSON spec``.
        limit: the largest file read, in bytes.
        size_hint: the message's end when the file is larger: why the limit, or what to do.
        binary_hint: the hint for binary content (None: none).
        look_inside: names of a file that a folder given instead may hold (``trainer_state.json``):
            the hint of the folder error names the first one present.
        stdin: whether ``-`` (standard input) is accepted.
        binary: binary content is accepted (a TensorBoard event file); :attr:`Input.text` still
            refuses it, so the reader decides from :attr:`Input.data`.
    """

    what: str
    limit: int
    size_hint: str
    binary_hint: str | None = None
    look_inside: tuple[str, ...] = ()
    stdin: bool = True
    binary: bool = False


#: A warmupctl spec or a training config. A spec is a few hundred bytes and a training config a few
#: kilobytes; PyYAML reads some 50 kB a second of hostile text (deep flow nesting is quadratic in its
#: scanner), so the bound is also what keeps a hostile file from costing minutes.
SPEC = Expected("a YAML or JSON spec", limit=1 << 20, size_hint="a spec is a few lines")
#: An operand of ``warmupctl diff``: a spec, or a table saved by ``warmupctl table``. The limit is what
#: is read into memory (standard input, a pipe, a JSON table); a CSV file on disk is streamed whatever
#: its size.
OPERAND = Expected("a spec or a saved table", limit=512 << 20,
                   size_hint="save it to a CSV file: a file is read in blocks")


@dataclass(frozen=True)
class Input:
    """A file read whole: its display name (the path, or ``<stdin>``) and its bytes.

    Attributes:
        name: the path as given, ``<stdin>`` for ``-``: the ``source`` of every error about it.
        data: the bytes as read (a byte order mark included).
        expected: what it was read as (for the messages of :attr:`text`).
        option: the flag that named it (``--actual``), or None for an argument.
        path: the path as given (``-`` for standard input; a config's relative paths start there).
    """

    name: str
    data: bytes
    expected: Expected = SPEC
    option: str | None = None
    path: str = STDIN

    @property
    def text(self) -> str:
        """The bytes decoded (UTF-8, with or without a byte order mark, or UTF-16 with one).

        Raises:
            SpecError: binary content, or text in no encoding read here.
        """
        return decode(self.data, self.name, self.expected)

    @property
    def head(self) -> bytes:
        """The first :data:`HEAD_BYTES` bytes, to tell one kind of file from another."""
        return self.data[:HEAD_BYTES]

    def expect(self, expected: Expected) -> Input:
        """The same input read as ``expected`` (smaller limit, other messages).

        ``warmupctl diff -`` reads standard input before it knows whether it is a table or a spec;
        once it is known to be a spec, it gets the spec's limit, as ``warmupctl table -`` does.
        """
        if len(self.data) > expected.limit:
            raise _too_large(self.name, expected, self.option)
        return replace(self, expected=expected)


@dataclass(frozen=True)
class Stream:
    """A regular file, opened again each time it is read: what :func:`open_input` gives for a file
    on disk, so that a long table is read in blocks instead of whole.

    Attributes:
        name: the path.
        head: its first :data:`HEAD_BYTES` bytes.
        expected: what it was opened as.
    """

    name: str
    head: bytes
    expected: Expected

    def open(self) -> IO[bytes]:
        """The file, open for reading in binary (the caller closes it)."""
        try:
            return open(self.name, "rb")
        except OSError as exc:
            raise SpecError(f"cannot read: {exc.strerror or exc}", source=self.name) from None

    def whole(self) -> Input:
        """The file read whole, within the limit."""
        return read_input(self.name, self.expected)


def read_input(path: str, expected: Expected = SPEC, *, option: str | None = None) -> Input:
    """Read a file, or standard input for ``-``, whole (see the module docstring).

    Args:
        path: the path as the user gave it, or ``-``.
        expected: what the file should hold: the size limit and the words of the errors.
        option: the flag that named the file (``--actual``), put in every error; None for an argument.

    Raises:
        SpecError: missing, a folder, unreadable, too large, binary (one line, naming the file).
    """
    if path == STDIN:
        return _read_stdin(expected, option)
    mode = _stat(path, expected, option)
    try:
        with open(path, "rb") as handle:
            if stat.S_ISREG(mode) and os.fstat(handle.fileno()).st_size > expected.limit:
                raise _too_large(path, expected, option)  # refused without reading it
            data = handle.read(expected.limit + 1)
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", source=path, path=option) from None
    if len(data) > expected.limit:  # a pipe, or a file that grew
        raise _too_large(path, expected, option)
    return _checked(Input(path, data, expected, option, path))


def open_input(path: str, expected: Expected = OPERAND, *, option: str | None = None) -> Input | Stream:
    """A file to be read in blocks: a :class:`Stream` for a regular file (checked and sniffed, not
    read), an :class:`Input` read whole otherwise (standard input and named pipes can be read only
    once; a UTF-16 file is decoded into UTF-8 bytes so that every reader sees UTF-8)."""
    if path == STDIN:
        return _utf8(_read_stdin(expected, option))
    mode = _stat(path, expected, option)
    if not stat.S_ISREG(mode):
        return _utf8(read_input(path, expected, option=option))
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", source=path, path=option) from None
    if head.startswith(_UTF16_BOMS + _UTF32_BOMS):
        return _utf8(read_input(path, expected, option=option))
    if b"\x00" in head:
        raise _binary(path, expected, option)
    return Stream(path, head, expected)


def _utf8(source: Input) -> Input:
    """``source`` with UTF-16 text re-encoded as UTF-8, for readers that parse bytes."""
    if source.data.startswith(_UTF16_BOMS + _UTF32_BOMS):
        return replace(source, data=source.text.encode("utf-8"))
    return source


def decode(data: bytes, name: str, expected: Expected = SPEC) -> str:
    """``data`` as text: UTF-8 (a byte order mark dropped) or UTF-16 with a byte order mark.

    Raises:
        SpecError: binary content (a NUL byte outside UTF-16), UTF-32, or bytes that are not UTF-8;
            the error names the line of the first bad byte.
    """
    if data.startswith(_UTF32_BOMS):  # before UTF-16: the UTF-32 LE mark starts with UTF-16 LE's
        raise SpecError("UTF-32 text, which warmupctl does not read", source=name,
                        hint="save the file as UTF-8")
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SpecError(f"not UTF-16 text (byte {exc.start})", source=name,
                            hint="save the file as UTF-8") from None
        if "\x00" in text:
            raise _binary(name, expected, None)
        return text
    if b"\x00" in data:
        raise _binary(name, expected, None)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SpecError(f"not UTF-8 text (byte {exc.start})", source=name, path=f"line {line}",
                        hint="save the file as UTF-8") from None


def _read_stdin(expected: Expected, option: str | None) -> Input:
    if not expected.stdin:
        raise SpecError(f"{expected.what} is read from a file, not standard input",
                        source="command line", path=option, value=STDIN,
                        hint="save it to a file and give its path")
    data = sys.stdin.buffer.read(expected.limit + 1)
    if len(data) > expected.limit:
        raise _too_large(STDIN_NAME, expected, option)
    return _checked(Input(STDIN_NAME, data, expected, option))


def _stat(path: str, expected: Expected, option: str | None) -> int:
    """The file's mode, after the checks that need no reading: it exists and is not a folder."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise SpecError("no such file", source=path, path=option, hint="check the path") from None
    except (OSError, ValueError) as exc:  # a path too long, a loop of links, a NUL in the name
        raise SpecError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", source=path,
                        path=option) from None
    if stat.S_ISDIR(mode):
        inside = next((os.path.join(path, name) for name in expected.look_inside
                       if os.path.isfile(os.path.join(path, name))), None)
        raise SpecError(f"is a folder, not {expected.what}", source=path, path=option,
                        hint=f"give {inside}" if inside else None)
    return mode


def _checked(source: Input) -> Input:
    """Binary content is refused as soon as it is read (text is decoded when it is asked for)."""
    if b"\x00" in source.data and not source.data.startswith(_UTF16_BOMS + _UTF32_BOMS) \
            and not source.expected.binary:
        raise _binary(source.name, source.expected, source.option)
    return source


def _binary(name: str, expected: Expected, option: str | None) -> SpecError:
    return SpecError(f"binary file, not {expected.what}", source=name, path=option,
                     hint=expected.binary_hint)


def _too_large(name: str, expected: Expected, option: str | None) -> SpecError:
    size = f"{expected.limit >> 20} MiB" if expected.limit >= 1 << 20 else f"{expected.limit} bytes"
    return SpecError(f"file is larger than {size}; {expected.size_hint}", source=name, path=option,
                     hint="is this the right file?")

"""Writing results: stdout, or a file replaced atomically (temporary file in the same folder, then
rename), so a failed or killed run never leaves a half-written file and a golden is never truncated."""

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from warmupctl.errors import SpecError


class OutputError(SpecError):
    """The output cannot be written where asked (exit 2, like bad input)."""


def check_destination(path: str) -> None:
    """Fail early, before any work, if ``path`` cannot be written."""
    if os.path.isdir(path):
        raise OutputError("is a folder; give a file name", source=path,
                          hint=f"e.g. -o {path.rstrip('/')}/out")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise OutputError("the folder does not exist", source=path, hint=f"create {folder} first")
    if not os.access(folder, os.W_OK):
        raise OutputError("the folder is not writable", source=path)


@contextlib.contextmanager
def atomic_file(path: str, binary: bool = False) -> Iterator[IO[Any]]:
    """Yield a temporary file next to ``path``; on success it replaces ``path``, on failure it goes."""
    check_destination(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if os.path.exists(path):
            with contextlib.suppress(OSError):
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: str | None, produce: Callable[[IO[str]], None]) -> None:
    """Run ``produce(stream)`` onto stdout (``None`` or ``-``) or atomically onto ``path``."""
    if path is None or path == "-":
        produce(sys.stdout)
        sys.stdout.flush()
        return
    with atomic_file(path) as handle:
        produce(handle)


def write_bytes(path: str, data: bytes) -> None:
    """Binary output; ``-`` is stdout, refused when stdout is a terminal."""
    if path == "-":
        if sys.stdout.isatty():
            raise OutputError("refusing to write image bytes to a terminal", source="-o -",
                              hint="redirect to a file or give -o FILE")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    with atomic_file(path, binary=True) as handle:
        handle.write(data)

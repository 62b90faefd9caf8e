"""Writing results: stdout, or a file replaced atomically (temporary file in the same folder, then
rename), so a failed or killed run never leaves a half-written file and a golden is never truncated.

* The temporary file is ``.NAME.XXXXXXXX.tmp`` beside ``NAME``; it is removed when the run fails, and
  left behind only when the process is killed (SIGKILL, power loss) — with ``NAME`` untouched. Stale
  temporary files are never deleted by a later run: warmupctl removes only what it has just created.
* An output that is not a regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is written in
  place: renaming over it would replace the device or the pipe with a file.
* An output that is a symbolic link is written (atomically) where the link points.
* A destination that cannot be written — a missing folder, a folder given as the file, a folder
  without write permission, a full disk or quota (ENOSPC, EDQUOT), a read-only file system — is
  :class:`OutputError`: one line, exit 2, like bad input. It is the run's environment, not a bug of
  warmupctl (exit 3), and CI treats both "could not do it" the same; the previous file is unchanged.
"""

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from warmupctl.core.errors import SpecError


class OutputError(SpecError):
    """The output cannot be written where asked (exit 2, like bad input)."""


def check_destination(path: str) -> None:
    """Fail early, before any work, if ``path`` cannot be written."""
    if os.path.isdir(path):
        raise OutputError("is a folder; give a file name", source=path,
                          hint=f"e.g. -o {path.rstrip('/')}/out")
    if _special(path):
        return
    folder = os.path.dirname(os.path.abspath(_target(path)))
    if not os.path.isdir(folder):
        raise OutputError("the folder does not exist", source=path, hint=f"create {folder} first")
    if not os.access(folder, os.W_OK):
        raise OutputError("the folder is not writable", source=path)


def _target(path: str) -> str:
    """Where ``path`` leads: a symbolic link is replaced at its target, not turned into a file."""
    return os.path.realpath(path) if os.path.islink(path) else path


def _special(path: str) -> bool:
    """An existing output that is not a regular file (a device, a pipe): written in place."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


STDOUT = "standard output"


def _cannot_write(path: str, exc: OSError, existed: bool) -> OutputError:
    name = errno.errorcode.get(exc.errno or 0)
    reason = exc.strerror or str(exc)
    hint = {errno.ENOSPC: "free some space", errno.EDQUOT: "free some space (disk quota)",
            errno.EROFS: "write to another folder"}.get(exc.errno or 0)
    if path == STDOUT:
        kept = "the output is incomplete"
    else:
        kept = f"{os.path.basename(path)} is unchanged" if existed else "nothing was written"
    return OutputError(f"cannot write: {reason}" + (f" ({name})" if name else ""), source=path,
                       hint=f"{hint}; {kept}" if hint else kept)


@contextlib.contextmanager
def atomic_file(path: str, binary: bool = False) -> Iterator[IO[Any]]:
    """Yield a temporary file next to ``path``; on success it replaces ``path``, on failure it goes."""
    check_destination(path)
    mode = "wb" if binary else "w"
    kwargs: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": "\n"}
    if _special(path):
        try:
            with open(path, mode, **kwargs) as handle:
                yield handle
        except OSError as exc:
            raise _cannot_write(path, exc, existed=False) from None
        return
    target = _target(path)
    existed = os.path.exists(target)
    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _cannot_write(path, exc, existed) from None
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if existed:
            with contextlib.suppress(OSError):
                os.chmod(tmp, os.stat(target).st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc, existed) from None
        raise


def write_text(path: str | None, produce: Callable[[IO[str]], object]) -> None:
    """Run ``produce(stream)`` onto stdout (``None`` or ``-``) or atomically onto ``path``."""
    if path is None or path == "-":
        try:
            produce(sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:  # stdout redirected to a full disk
            raise _cannot_write(STDOUT, exc, existed=False) from None
        return
    with atomic_file(path) as handle:
        produce(handle)


def write_bytes(path: str, data: bytes) -> None:
    """Binary output; ``-`` is stdout, refused when stdout is a terminal."""
    if path == "-":
        if sys.stdout.isatty():
            raise OutputError("refusing to write image bytes to a terminal", source="-o -",
                              hint="redirect to a file or give -o FILE")
        try:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _cannot_write(STDOUT, exc, existed=False) from None
        return
    with atomic_file(path, binary=True) as handle:
        handle.write(data)

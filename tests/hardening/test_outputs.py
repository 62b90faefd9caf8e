"""Outputs CI trusts: written to a temporary file beside the target and renamed, so a failed, killed
or out-of-space run leaves the previous file byte for byte; a destination that cannot be written gets
one line and exit 2 (the environment, not a bug: see warmupctl/cli/_output.py)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.hardening.support import invoke

GOLDEN = b"step,lr\n0,0.0\n1,0.5\n2,1.0\n"  # what a previous run wrote


@pytest.fixture
def golden(tmp_path):
    path = tmp_path / "golden.csv"
    path.write_bytes(GOLDEN)
    return path


def leftovers(folder) -> list[str]:
    """Files in ``folder`` besides the golden: temporary files a failed run left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name != "golden.csv")


def one_error_line(result) -> str:
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.rstrip("\n")


def test_a_spec_error_leaves_the_golden_as_it_was(golden, tmp_path):
    bad = tmp_path / "spec.yaml"
    bad.write_text("kind: cosin\n")
    result = invoke(["table", str(bad), "--format", "csv", "-o", str(golden)])
    assert result.exit_code == 2
    assert "unknown kind" in one_error_line(result)
    assert golden.read_bytes() == GOLDEN
    assert leftovers(tmp_path) == ["spec.yaml"]


def test_an_error_in_the_middle_of_writing_leaves_the_golden(golden, tmp_path, monkeypatch):
    """The writer fails after half the rows: the half-written temporary file goes, the golden stays."""
    from warmupctl.render import text

    real = text.write_csv

    def half_then_fail(out, rows):
        out.write("step,lr\n0,0.0\n")
        raise ZeroDivisionError("in the middle")

    monkeypatch.setattr(text, "write_csv", half_then_fail)
    result = invoke(["table", "--format", "csv", "-o", str(golden)])
    assert result.exit_code == 3 and "ZeroDivisionError: in the middle" in result.stderr
    assert golden.read_bytes() == GOLDEN
    assert leftovers(tmp_path) == []
    monkeypatch.setattr(text, "write_csv", real)
    assert invoke(["table", "--format", "csv", "-o", str(golden), "--steps", "3"]).exit_code == 0
    assert golden.read_bytes().startswith(b"step,lr\n0,0.0\n1,")


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_a_full_disk_is_one_line_and_the_golden_stays(golden, tmp_path, monkeypatch, where):
    """ENOSPC while writing (after the header), flushing or renaming: exit 2, one line saying so,
    golden unchanged."""
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fail(*args, **kwargs):
        raise full

    class FillsUp:
        """A file on a disk that is full after 100 bytes."""

        def __init__(self, handle):
            self.handle, self.written = handle, 0

        def write(self, text):
            if self.written + len(text) > 100:
                raise full
            self.written += len(text)
            return self.handle.write(text)

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            self.handle.__enter__()
            return self

        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)

    if where == "write":
        real_fdopen = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: FillsUp(real_fdopen(*a, **k)))
    else:
        monkeypatch.setattr(os, where, fail)
    result = invoke(["table", "--format", "csv", "--steps", "50", "-o", str(golden)])
    monkeypatch.undo()
    assert result.exit_code == 2
    assert one_error_line(result) == (
        f"error: {golden}: cannot write: No space left on device (ENOSPC); free some space; "
        "golden.csv is unchanged")
    assert golden.read_bytes() == GOLDEN
    assert leftovers(tmp_path) == []


def test_a_full_disk_on_a_new_file_says_nothing_was_written(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))

    monkeypatch.setattr(os, "fsync", fail)
    target = tmp_path / "new.json"
    result = invoke(["summary", "--format", "json", "-o", str(target)])
    monkeypatch.undo()
    assert result.exit_code == 2
    assert one_error_line(result) == (
        f"error: {target}: cannot write: Disk quota exceeded (EDQUOT); free some space (disk quota); "
        "nothing was written")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_on_standard_output(monkeypatch):
    """stdout redirected to a full disk: one line, exit 2 (not a report of a bug)."""
    from warmupctl.render import text

    def fail(out, rows):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(text, "write_csv", fail)
    result = invoke(["table", "--format", "csv"])
    assert result.exit_code == 2
    assert one_error_line(result) == ("error: standard output: cannot write: No space left on device "
                                      "(ENOSPC); free some space; the output is incomplete")


def test_an_unwritable_folder_is_one_line(golden, tmp_path, monkeypatch):
    """As root every folder is writable, so the refusal is simulated where it is decided."""
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if mode == os.W_OK else real(p, mode))
    result = invoke(["table", "--format", "csv", "-o", str(golden)])
    assert result.exit_code == 2
    assert one_error_line(result) == f"error: {golden}: the folder is not writable"
    assert golden.read_bytes() == GOLDEN


def test_a_folder_that_refuses_the_temporary_file(golden, tmp_path, monkeypatch):
    """The check passes but the file system refuses (a read-only mount): one line, golden intact."""
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = invoke(["plot", "--format", "png", "-o", str(tmp_path / "lr.png")])
    monkeypatch.undo()
    assert result.exit_code == 2
    assert one_error_line(result) == (f"error: {tmp_path / 'lr.png'}: cannot write: Read-only file "
                                      "system (EROFS); write to another folder; nothing was written")
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_for_real(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = invoke(["table", "--format", "csv", "-o", str(folder / "out.csv")])
    finally:
        folder.chmod(0o700)
    assert result.exit_code == 2
    assert one_error_line(result) == f"error: {folder / 'out.csv'}: the folder is not writable"


@pytest.mark.parametrize("command", [["table", "--format", "csv"], ["summary"], ["plot", "--format", "png"], ["check"],
                                     ["steps", "--epochs", "1", "--dataset-size", "10",
                                      "--micro-batch-size", "1"]])
def test_a_folder_given_as_output(tmp_path, command):
    result = invoke([*command, "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert one_error_line(result) == f"error: {tmp_path}: is a folder; give a file name; e.g. -o {tmp_path}/out"


@pytest.mark.parametrize("command", [["table", "--format", "csv"], ["summary"], ["plot"]])
def test_a_missing_parent_folder(tmp_path, command):
    target = tmp_path / "no" / "such" / "out.png"
    result = invoke([*command, "-o", str(target)])
    assert result.exit_code == 2
    assert one_error_line(result) == (f"error: {target}: the folder does not exist; "
                                      f"create {tmp_path / 'no' / 'such'} first")
    assert not (tmp_path / "no").exists()


def test_a_named_pipe_is_written_in_place_not_replaced(tmp_path):
    """Renaming over a device or a pipe would replace it by a file (think ``-o /dev/null`` as root)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    result = invoke(["table", "--format", "csv", "--steps", "3", "-o", str(fifo)])
    out, _ = reader.communicate(timeout=10)
    assert result.exit_code == 0, result.stderr
    assert out.startswith(b"step,lr\n0,0.0\n")
    assert os.path.exists(fifo) and not os.path.isfile(fifo)


def test_a_symbolic_link_is_replaced_at_its_target(tmp_path):
    real = tmp_path / "goldens" / "lr.csv"
    real.parent.mkdir()
    real.write_bytes(GOLDEN)
    link = tmp_path / "lr.csv"
    link.symlink_to(real)
    result = invoke(["table", "--format", "csv", "--steps", "2", "-o", str(link)])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert real.read_bytes() == b"step,lr\n0,0.0\n1,1.0000000000000002e-06\n"


def test_the_mode_of_the_old_file_is_kept(golden):
    golden.chmod(0o640)
    assert invoke(["table", "--format", "csv", "--steps", "2", "-o", str(golden)]).exit_code == 0
    assert golden.stat().st_mode & 0o777 == 0o640


def test_stale_temporary_files_are_left_alone(golden, tmp_path):
    """A temporary file of a killed run is not ours to delete: a later run leaves it be."""
    stale = tmp_path / ".golden.csv.abcd1234.tmp"
    stale.write_bytes(b"step,lr\n0,")
    assert invoke(["table", "--format", "csv", "--steps", "2", "-o", str(golden)]).exit_code == 0
    assert stale.read_bytes() == b"step,lr\n0,"


def test_killing_table_mid_write_leaves_the_previous_file_intact(golden, tmp_path):
    """``warmupctl table --steps 50000000 --format csv -o golden.csv``, SIGKILLed once its temporary
    file has grown: golden.csv is byte for byte what it was."""
    process = subprocess.Popen(
        [sys.executable, "-m", "warmupctl", "table", "--steps", "50000000", "--format", "csv", "-o",
         str(golden)], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    grown = None
    try:
        while time.monotonic() < deadline and process.poll() is None:
            temporary = [p for p in tmp_path.iterdir() if p.name.startswith(".golden.csv.")]
            if temporary and temporary[0].stat().st_size > 1_000_000:
                grown = temporary[0]
                break
            time.sleep(0.01)
        assert grown is not None, f"no temporary file grew: {process.poll()} {process.stderr.read()!r}"
        assert golden.read_bytes() == GOLDEN  # while it writes, too
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert golden.read_bytes() == GOLDEN
    # The killed run's temporary file is all that is left: a partial table, never the golden.
    assert grown.exists() and grown.read_bytes().startswith(b"step,lr\n0,0.0\n")


def test_a_closed_pipe_is_not_an_error():
    """``warmupctl table ... | head``: the reader leaves early; exit 0 and nothing on stderr (Typer
    alone would exit 1, which CI reads as "different")."""
    process = subprocess.Popen([sys.executable, "-m", "warmupctl", "table", "--format", "csv", "--steps",
                                "3000000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.read(100).startswith(b"step,lr\n0,0.0\n")
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert stderr == b""

"""The one file reader (``warmupctl.spec.files``): each check and its exact message, for files,
standard input and named pipes; and ``diff -`` reading a spec as ``table -`` does."""

import codecs
import contextlib
import io
import os
import pathlib
import sys
import threading
import types

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.files import OPERAND, SPEC, Expected, Input, Stream, decode, open_input, read_input

SAMPLES = pathlib.Path(__file__).resolve().parents[2] / "sample_configs" / "configs"
LOG = Expected("a log", limit=100, size_hint="export the LR alone",
               binary_hint="export the scalar as CSV", look_inside=("trainer_state.json",), stdin=False)


def message(call, *args, **kwargs) -> str:
    with pytest.raises(SpecError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def stdin_of(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(data)))


def test_a_file_is_read_whole(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"kind: cosine\n")
    source = read_input(str(path))
    assert (source.name, source.data, source.text, source.path) == (str(path), b"kind: cosine\n",
                                                                    "kind: cosine\n", str(path))


@pytest.mark.parametrize("encoded", [
    "kind: cosine\nname: café\n".encode(),
    codecs.BOM_UTF8 + "kind: cosine\nname: café\n".encode(),
    "kind: cosine\nname: café\n".encode("utf-16"),  # with the byte order mark of this machine
    codecs.BOM_UTF16_LE + "kind: cosine\nname: café\n".encode("utf-16-le"),
    codecs.BOM_UTF16_BE + "kind: cosine\nname: café\n".encode("utf-16-be"),
], ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_encodings_read(tmp_path, encoded):
    path = tmp_path / "spec.yaml"
    path.write_bytes(encoded)
    assert read_input(str(path)).text == "kind: cosine\nname: café\n"


def test_missing_file(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    assert message(read_input, missing) == f"{missing}: no such file; check the path"
    assert message(read_input, missing, LOG, option="--actual") == \
        f"{missing}: --actual: no such file; check the path"


def test_a_folder(tmp_path):
    assert message(read_input, str(tmp_path)) == f"{tmp_path}: is a folder, not a YAML or JSON spec"
    assert message(read_input, str(tmp_path), LOG) == f"{tmp_path}: is a folder, not a log"
    (tmp_path / "trainer_state.json").write_text("{}")
    assert message(read_input, str(tmp_path), LOG) == \
        f"{tmp_path}: is a folder, not a log; give {tmp_path / 'trainer_state.json'}"
    assert message(open_input, str(tmp_path)) == f"{tmp_path}: is a folder, not a spec or a saved table"


def test_a_path_through_a_file_cannot_be_read(tmp_path):
    (tmp_path / "file").write_text("x")
    bad = str(tmp_path / "file" / "spec.yaml")
    assert message(read_input, bad) == f"{bad}: cannot read: Not a directory"


def test_a_large_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:  # sparse: 100 MB on paper, nothing on disk
        handle.write(b"kind: cosine\n")
        handle.truncate(100 << 20)
    assert message(read_input, str(path)) == \
        f"{path}: file is larger than 1 MiB; a spec is a few lines; is this the right file?"
    small = tmp_path / "log.csv"
    small.write_bytes(b"x" * 101)
    assert message(read_input, str(small), LOG) == \
        f"{small}: file is larger than 100 bytes; export the LR alone; is this the right file?"


def test_binary_content(tmp_path):
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert message(read_input, str(path)) == f"{path}: binary file, not a YAML or JSON spec"
    assert message(read_input, str(path), LOG) == \
        f"{path}: binary file, not a log; export the scalar as CSV"
    assert message(open_input, str(path)) == f"{path}: binary file, not a spec or a saved table"
    utf16_nul = codecs.BOM_UTF16_LE + "a\x00".encode("utf-16-le")
    assert message(decode, utf16_nul, "x") == "x: binary file, not a YAML or JSON spec"


def test_text_in_no_encoding_read_here():
    assert message(decode, b"kind: cosine\nname: caf\xe9\n", "a.yaml") == \
        "a.yaml: line 2: not UTF-8 text (byte 22); save the file as UTF-8"
    assert message(decode, codecs.BOM_UTF16_LE + b"k\x00i", "a.yaml") == \
        "a.yaml: not UTF-16 text (byte 4); save the file as UTF-8"
    assert message(decode, "kind: cosine".encode("utf-32"), "a.yaml") == \
        "a.yaml: UTF-32 text, which warmupctl does not read; save the file as UTF-8"


def test_standard_input(monkeypatch):
    stdin_of(monkeypatch, b"kind: cosine\n")
    source = read_input("-")
    assert (source.name, source.text, source.path) == ("<stdin>", "kind: cosine\n", "-")


def test_standard_input_is_bounded_as_a_file_is(monkeypatch):
    stdin_of(monkeypatch, b"#" * (SPEC.limit + 1))
    assert message(read_input, "-") == \
        "<stdin>: file is larger than 1 MiB; a spec is a few lines; is this the right file?"
    stdin_of(monkeypatch, b"\x00\x01\x02")
    assert message(read_input, "-") == "<stdin>: binary file, not a YAML or JSON spec"


def test_standard_input_refused_where_a_file_is_needed(monkeypatch):
    stdin_of(monkeypatch, b"")
    assert message(read_input, "-", LOG, option="--actual") == \
        "command line: --actual: a log is read from a file, not standard input (got '-'); " \
        "save it to a file and give its path"


def _fifo(tmp_path: pathlib.Path, data: bytes) -> tuple[str, threading.Thread]:
    path = str(tmp_path / "pipe")
    os.mkfifo(path)

    def feed() -> None:
        # BrokenPipeError: the reader stopped at its limit.
        with open(path, "wb") as handle, contextlib.suppress(BrokenPipeError):
            handle.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return path, writer


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_read_once(tmp_path):
    path, writer = _fifo(tmp_path, b"step,lr\n0,0.5\n")
    source = open_input(path)  # not a Stream: a pipe cannot be opened twice
    writer.join(5)
    assert isinstance(source, Input) and source.data == b"step,lr\n0,0.5\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_bounded(tmp_path):
    path, writer = _fifo(tmp_path, b"#" * (SPEC.limit + 10))
    assert message(read_input, path) == \
        f"{path}: file is larger than 1 MiB; a spec is a few lines; is this the right file?"
    writer.join(5)


def test_open_input_streams_a_regular_file(tmp_path):
    path = tmp_path / "golden.csv"
    path.write_bytes(b"step,lr\n" + b"".join(b"%d,0.5\n" % i for i in range(2000)))
    source = open_input(str(path))
    assert isinstance(source, Stream) and source.head == path.read_bytes()[:4096]
    with source.open() as handle:
        assert handle.read() == path.read_bytes()


def test_open_input_gives_utf16_as_utf8(tmp_path):
    path = tmp_path / "golden.csv"
    path.write_bytes("step,lr\n0,0.5\n".encode("utf-16"))
    source = open_input(str(path))
    assert isinstance(source, Input) and source.data == b"step,lr\n0,0.5\n"


def test_expect_applies_the_smaller_limit():
    big = Input("<stdin>", b"#" * (SPEC.limit + 1), OPERAND)
    assert message(big.expect, SPEC) == \
        "<stdin>: file is larger than 1 MiB; a spec is a few lines; is this the right file?"
    assert Input("<stdin>", b"kind: cosine\n", OPERAND).expect(SPEC).expected is SPEC


# -- one entry point from text to spec: diff - reads what table - reads -----------------------------


def test_diff_reads_a_training_config_on_stdin(cli):
    config = SAMPLES / "trainer_args.yaml"
    text = config.read_text()
    from_file = cli("diff", str(config), str(config))
    from_stdin = cli("diff", "-", str(config), input=text)
    assert from_file.exit_code == 0, from_file.stderr
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert cli("table", "-", "--format", "csv", input=text).stdout == \
        cli("table", str(config), "--format", "csv").stdout


def test_diff_refuses_on_stdin_what_table_refuses(cli, tmp_path):
    other = tmp_path / "b.yaml"
    other.write_text("kind: cosine\n")
    big = "kind: cosine\n" + "#" * (2 << 20) + "\n"
    expected = "error: <stdin>: file is larger than 1 MiB; a spec is a few lines; is this the right file?\n"
    table = cli("table", "-", input=big)
    diff = cli("diff", "-", str(other), input=big)
    assert (table.exit_code, table.stderr) == (2, expected)
    assert (diff.exit_code, diff.stderr) == (2, expected)
    unknown = "kind: cosine\nwarmup_step: 10\n"
    assert cli("diff", "-", str(other), input=unknown).stderr == cli("table", "-", input=unknown).stderr


def test_diff_refuses_a_large_spec_file_as_table_does(cli, tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("kind: cosine\n" + "#" * (2 << 20) + "\n")
    expected = f"error: {big}: file is larger than 1 MiB; a spec is a few lines; is this the right file?\n"
    assert cli("table", str(big)).stderr == expected
    assert cli("diff", str(big), str(big)).stderr == expected

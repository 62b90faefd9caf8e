"""Saved tables read back: what warmupctl writes reads exactly; anything else is named with its line."""

import json

import pytest

import warmupctl
from warmupctl.core.errors import SpecError
from warmupctl.engine import Schedule
from warmupctl.render import text
from warmupctl.spec.table_file import (
    FORMAT_VERSIONS,
    HEADER,
    TableFile,
    load_operand,
    read_table,
    table_kind,
)

SMALL = {"kind": "linear", "warmup_steps": 2, "total_steps": 5, "lr": 1.0}


def written(fmt: str, **keys) -> str:
    """What ``warmupctl table --format fmt`` writes for a native spec."""
    import io

    from warmupctl.calc.summary import summarize

    schedule = warmupctl.schedule(**(keys or SMALL))
    out = io.StringIO()
    rows = text.iter_rows(schedule, None, schedule.total_steps)
    if fmt == "csv":
        text.write_csv(out, rows)
    else:
        text.write_json(out, schedule, summarize(schedule), rows)
    return out.getvalue()


def rows_of(table: TableFile, chunk_size: int = 1 << 16) -> tuple[list[int], list[float]]:
    steps, lrs = [], []
    for s, x in table.blocks(chunk_size):
        steps += s.tolist()
        lrs += x.tolist()
    return steps, lrs


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_bytes(content.encode())
    else:
        path.write_bytes(content)
    return str(path)


def test_the_reader_knows_the_writers_format():
    assert text.FORMAT_VERSION in FORMAT_VERSIONS
    assert ",".join(HEADER) == text.CSV_HEADER


@pytest.mark.parametrize("chunk", [1, 2, 3, 1 << 16])
def test_csv_written_by_warmupctl_reads_back_exactly(tmp_path, chunk):
    table = read_table(write(tmp_path, "g.csv", written("csv")))
    assert table.kind == "csv"
    steps, lrs = rows_of(table, chunk)
    assert steps == list(range(5))
    assert lrs == warmupctl.schedule(**SMALL).values().tolist()
    assert [table.line_of(i) for i in range(5)] == [2, 3, 4, 5, 6]


def test_json_written_by_warmupctl_reads_back_with_each_rows_line(tmp_path):
    content = written("json")
    table = read_table(write(tmp_path, "g.json", content))
    assert table.kind == "json" and table.label == "linear, warmup 2"
    steps, lrs = rows_of(table, 2)
    assert steps == list(range(5)) and lrs == warmupctl.schedule(**SMALL).values().tolist()
    lines = content.splitlines()
    for row in range(5):
        assert f'"step": {row}}}' in lines[table.line_of(row) - 1]


def test_reformatted_json_still_reads_and_lines_follow(tmp_path):
    document = json.loads(written("json"))
    content = json.dumps({"rows": document["rows"], "format_version": 1}, indent=4)
    table = read_table(write(tmp_path, "pretty.json", content))
    assert rows_of(table)[0] == list(range(5))
    lines = content.splitlines()
    assert '"step": 3' in "".join(lines[table.line_of(3) - 1: table.line_of(4) - 1])


def test_crlf_bom_extra_columns_and_sparse_steps_are_accepted(tmp_path):
    content = "\ufeffstep,lr,event\r\n0,0.0,start\r\n100,0.0001,peak\r\n999,3e-10,final\r\n"
    table = read_table(write(tmp_path, "win.csv", content))
    assert table.columns == ("step", "lr", "event")
    assert rows_of(table) == ([0, 100, 999], [0.0, 0.0001, 3e-10])


@pytest.mark.parametrize(("name", "head", "kind"), [
    ("g.csv", b"step,lr\n0,1.0\n", "csv"),
    ("golden.txt", b"step,lr\n0,1.0\n", "csv"),
    ("g.csv", b"wrong,header\n", "csv"),  # the suffix says table: the header is then checked
    ("g.json", b'{\n"format_version": 1,\n"rows": []}', "json"),
    ("-", b'  {"format_version": 1, "rows": []}', "json"),
    ("g.json", b'{"rows": [], "format_version": 1}', "json"),
    ("spec.json", b'{"kind": "cosine", "warmup_steps": 10}', None),
    ("spec.yaml", b"kind: cosine\n", None),
    ("-", b"schedule: transformers.cosine\n", None),
])
def test_table_kind(name, head, kind):
    assert table_kind(name, head) == kind


def test_load_operand_tells_specs_from_tables(tmp_path):
    assert isinstance(load_operand(write(tmp_path, "a.yaml", "kind: linear\n")), Schedule)
    assert isinstance(load_operand(write(tmp_path, "a.json", '{"kind": "linear"}')), Schedule)
    assert isinstance(load_operand(write(tmp_path, "g.csv", written("csv"))), TableFile)
    assert isinstance(load_operand(write(tmp_path, "g.json", written("json"))), TableFile)


def test_a_summary_is_not_a_table(cli, tmp_path):
    summary = cli("summary", "--kind", "linear", "--format", "json").stdout
    with pytest.raises(SpecError, match="no 'rows': not a table"):
        load_operand(write(tmp_path, "s.json", summary))


GOOD = "step,lr\n0,0.0\n1,0.5\n2,1.0\n3,0.6666666666666666\n4,0.3333333333333333\n"

BAD_CSV = [
    # (content, line, words in the message)
    ("", 1, "empty file"),
    ("\n\n", 1, "empty file"),
    ("step,lr\n", 2, "no rows after the header"),
    ("step,lr", 1, "no newline"),
    ("update,lr\n0,1.0\n", 1, "the header lacks the column step (got 'update,lr'); is this a warmupctl"),
    ("lr,step\n1.0,0\n", 1, "must start with step,lr"),
    ("step\n0\n", 1, "lacks the column lr"),
    ("step,lr\n0,1.0\n1\n", 3, "expected 2 cells (step,lr), found 1 (got '1')"),
    ("step,lr\n0,1.0,x\n", 2, "expected 2 cells"),
    ("step,lr,event\n0,1.0\n", 2, "expected 3 cells (step,lr,...), found 2"),
    ("step,lr\n0,1.0\n1,abc\n", 3, "lr is not a number (got 'abc')"),
    ("step,lr\n0,1.0\n1,\n", 3, "lr is not a number"),
    ("step,lr\n0,1.0\n1,nan\n", 3, "lr is NaN (got 'nan')"),
    ("step,lr\n0,1.0\n1,-inf\n", 3, "lr is infinite"),
    ("step,lr\n0,1.0\n1,1e400\n", 3, "lr is infinite"),
    ("step,lr\n0,1.0\nx,0.5\n", 3, "step is not a whole number (got 'x')"),
    ("step,lr\n0,1.0\n1.5,0.5\n", 3, "step is not a whole number"),
    ("step,lr\n-1,1.0\n", 2, "step must not be negative"),
    ("step,lr\n99999999999999999999,1.0\n", 2, "step out of range"),
    ("step,lr\n0,1.0\n2,0.5\n1,0.2\n", 4, "update 1 after update 2: steps must increase"),
    ("step,lr\n0,1.0\n1,0.5\n1,0.5\n", 4, "update 1 again (also on line 3)"),
    ("step,lr\n0,1.0\n\n1,0.5\n", 3, "empty line"),
    (GOOD + "5,0.1", 7, "the last line has no newline: the file looks truncated (got '5,0.1')"),
    (GOOD[:-10], 6, "no newline"),  # cut inside the last value: still named as truncated
    (GOOD[:-25], 5, "no newline"),
    ("step,lr\n0," + "1" * 5000 + "\n", 2, "longer than 4096 bytes"),
]


@pytest.mark.parametrize(("content", "line", "words"), BAD_CSV)
def test_bad_csv_is_named_with_its_line(tmp_path, content, line, words):
    path = write(tmp_path, "golden.csv", content)
    with pytest.raises(SpecError) as caught:
        rows_of(read_table(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: line {line}: "), message
    assert words in message
    assert ";" in message  # every message carries a hint or is self-explanatory with a value


def test_a_bad_row_is_found_in_any_block(tmp_path):
    rows = "".join(f"{k},{k / 1000}\n" for k in range(1000))
    path = write(tmp_path, "g.csv", "step,lr\n" + rows.replace("700,0.7\n", "700,oops\n"))
    with pytest.raises(SpecError, match=r"line 702: lr is not a number \(got 'oops'\)"):
        rows_of(read_table(path), chunk_size=64)


def test_non_utf8_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, "g.json", b'{"format_version": 1,\n"rows": [\n{"lr": "\xff", "step": 0}]}')
    with pytest.raises(SpecError, match="line 3: not UTF-8"):
        read_table(path)


def json_table(rows: str, version: str = "1") -> str:
    return f'{{\n"format_version": {version},\n"label": "x",\n"rows": [\n{rows}\n]\n}}\n'


BAD_JSON = [
    (json_table('{"lr": 0.0, "step": 0},\n{"lr": 0.5, "step": 1'), 7, "JSON syntax error"),
    ('{\n"format_version": 1,\n"rows": [\n{"lr": 0.0, "step": 0},\n', 5, "JSON syntax error at column 1: expected a value, found the end of the text"),
    (json_table('{"lr": 0.0, "step": 0}', version="3"), 2, "unsupported format_version (got 3); "
                                                         "written by a newer warmupctl"),
    (json_table('{"lr": 0.0, "step": 0}', version='"1"'), 2, "unsupported format_version"),
    ('{"format_version": 1, "label": "x"}\n', 1, "no 'rows'"),
    (json_table(""), 4, "'rows' is empty"),
    (json_table('{"lr": 0.0, "step": 0},\n{"lr": null, "step": 1}'), 6, "lr is null"),
    (json_table('{"lr": 0.0, "step": 0},\n{"lr": NaN, "step": 1}'), 6, "lr is not finite"),
    (json_table('{"lr": 0.0, "step": 0},\n{"lr": "0.5", "step": 1}'), 6, "lr is not a number"),
    (json_table('{"lr": 0.0, "step": 0},\n{"lr": 0.5, "step": 0}'), 6, "update 0 again"),
    (json_table('{"lr": 0.0, "step": 3},\n{"lr": 0.5, "step": 1}'), 6, "steps must increase"),
    (json_table('{"lr": 0.0, "step": 0.5}'), 5, "step is not a whole number"),
    (json_table('{"lr": 0.0, "step": true}'), 5, "step is not a whole number"),
    (json_table('{"lr": 0.0}'), 5, "the row has no 'step'"),
    (json_table('{"lr": 0.0, "step": 0, "lr": 1.0}'), 5, "duplicate key 'lr'"),
    (json_table("[0, 0.0]"), 5, "a row must be an object"),
    ('{"format_version": 1, "rows": [], "rows": []}', 1, "duplicate key 'rows'"),
    (json_table('{"lr": 0.0, "step": 0}') + "trailing", 8, "text after the end"),
]


@pytest.mark.parametrize(("content", "line", "words"), BAD_JSON)
def test_bad_json_is_named_with_its_line(tmp_path, content, line, words):
    path = write(tmp_path, "golden.json", content)
    with pytest.raises(SpecError) as caught:
        rows_of(read_table(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: line {line}: "), message
    assert words in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_operand(str(tmp_path / "nope.csv"))
    with pytest.raises(SpecError, match="is a folder"):
        load_operand(str(tmp_path))


def peak_memory_reading(path, chunk: int) -> tuple[int, int]:
    import tracemalloc

    table = read_table(str(path))
    tracemalloc.start()
    count = 0
    for steps, _ in table.blocks(chunk):
        count += len(steps)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return count, peak


def test_a_long_csv_streams_in_bounded_memory(tmp_path):
    peaks = []
    for n in (10_000, 40_000):
        path = tmp_path / f"{n}.csv"
        path.write_text("step,lr\n" + "".join(f"{k},{k * 1e-9!r}\n" for k in range(n)))
        count, peak = peak_memory_reading(path, 1024)
        assert count == n
        peaks.append(peak)
    # Four times the rows, not more memory (the 40 000 rows as Python floats alone take ~1 MB).
    assert peaks[1] < 1.5 * peaks[0] + 50_000, peaks
    assert peaks[1] < 600_000, peaks

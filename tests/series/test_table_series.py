"""Saved tables keep every series column by its header name (CSV and JSON format 2), and a table
of one series (``table SPEC --series NAME``) reads back as that series."""

from __future__ import annotations

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.table_file import read_table, table_kind


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def values(table) -> tuple[list[int], list[float]]:
    steps, out = [], []
    for s, v in table.blocks(2):  # blocks of 2 rows: the walk crosses block edges
        steps += s.tolist()
        out += v.tolist()
    return steps, out


def test_csv_series_columns_are_read_by_name(tmp_path) -> None:
    table = read_table(write(tmp_path, "t.csv", "step,lr,lr/head,momentum,intended\n"
                             "0,1.0,0.5,0.9,1.0\n1,0.8,0.4,0.85,0.8\n3,0.6,0.3,0.8,0.6\n"))
    assert table.values == ("lr", "lr/head", "momentum")  # intended: a stepping column, not a series
    assert table.series == ("lr/head", "momentum")
    assert values(table) == ([0, 1, 3], [1.0, 0.8, 0.6])
    assert values(table.column("momentum")) == ([0, 1, 3], [0.9, 0.85, 0.8])
    assert values(table.column("lr/head")) == ([0, 1, 3], [0.5, 0.4, 0.3])
    with pytest.raises(SpecError) as missing:
        table.column("betas[0]")
    assert str(missing.value).endswith("this table has the columns lr, lr/head, momentum")


def test_a_bad_series_cell_is_named_with_its_column_and_line(tmp_path) -> None:
    table = read_table(write(tmp_path, "t.csv", "step,lr,momentum\n0,1.0,0.9\n1,0.8,x\n"))
    assert values(table) == ([0, 1], [1.0, 0.8])  # the lr column is fine
    with pytest.raises(SpecError) as bad:
        values(table.column("momentum"))
    assert "line 3: momentum is not a number (got 'x')" in str(bad.value)


def test_a_one_series_csv_is_a_table_of_that_series(tmp_path) -> None:
    assert table_kind("golden", b"step,momentum\n0,0.9\n") == "csv"
    assert table_kind("golden", b"step,betas[0]\n0,0.9\n") == "csv"
    assert table_kind("spec.yaml", b"step,momentum,lr\n") is None
    table = read_table(write(tmp_path, "m.csv", "step,momentum\n0,0.95\n1,0.9\n"))
    assert (table.value, table.values, table.series) == ("momentum", ("momentum",), ("momentum",))
    assert values(table) == ([0, 1], [0.95, 0.9])
    with pytest.raises(SpecError) as wide:  # only step,NAME: a wider table starts with step,lr
        read_table(write(tmp_path, "w.csv", "step,momentum,lr\n0,0.9,1.0\n"))
    assert "line 1: the header must start with step,lr" in str(wide.value)
    with pytest.raises(SpecError) as twice:
        read_table(write(tmp_path, "d.csv", "step,lr,momentum,momentum\n0,1.0,0.9,0.9\n"))
    assert "line 1: the column momentum is named twice" in str(twice.value)


def test_json_format_2_rows_keep_every_series(tmp_path) -> None:
    table = read_table(write(tmp_path, "t.json", '{"format_version": 2, "rows": [\n'
                             '{"lr": 1.0, "lr/head": 0.5, "momentum": 0.9, "step": 0},\n'
                             '{"lr": 0.8, "lr/head": 0.4, "momentum": 0.85, "step": 1}\n]}\n'))
    assert table.series == ("lr/head", "momentum")
    assert values(table.column("momentum")) == ([0, 1], [0.9, 0.85])
    one = read_table(write(tmp_path, "m.json", '{"format_version": 2, "rows": [\n'
                           '{"momentum": 0.95, "step": 0},\n{"momentum": 0.9, "step": 1}\n]}\n'))
    assert (one.value, values(one)) == ("momentum", ([0, 1], [0.95, 0.9]))
    with pytest.raises(SpecError) as lacking:
        read_table(write(tmp_path, "bad.json", '{"format_version": 2, "rows": [\n'
                         '{"lr": 1.0, "momentum": 0.9, "step": 0},\n{"lr": 0.8, "step": 1}\n]}\n'))
    assert "line 3: the row has no 'momentum'" in str(lacking.value)

"""diff compares every series and names which one changed."""

from __future__ import annotations

import json

import numpy as np

from warmupctl.calc.compare import compare_series
from warmupctl.spec.native import resolve_native

BASE = {"kind": "linear", "lr": 1.0, "warmup_steps": 2, "total_steps": 6,
        "param_groups": [{"lr_mult": 1}, {"name": "head", "lr_mult": 0.5}]}


def test_compare_series_names_the_changed_series() -> None:
    a = resolve_native({**BASE, "momentum": 0.9})
    b = resolve_native({**BASE, "param_groups": [{"lr_mult": 1}, {"name": "head", "lr_mult": 0.4}],
                        "weight_decay": 0.1, "momentum": 0.9})
    result = compare_series(a, b)
    assert not result.same
    assert result.changed == ("lr/head", "weight_decay")
    head = result.compared["lr/head"]
    assert head.first is not None and head.first.step == 1
    assert (head.first.a, head.first.b) == (0.25, 0.2)
    assert result.compared["momentum"].same and result.compared["lr/pg0"].same
    assert np.array_equal(a.values(), b.values())  # the LR itself did not change


def test_diff_exits_1_and_names_the_series(cli, tmp_path) -> None:
    (tmp_path / "a.yaml").write_text(json.dumps({**BASE, "momentum": 0.9}))
    (tmp_path / "b.yaml").write_text(json.dumps({**BASE, "momentum": 0.95}))
    a, b = str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")
    result = cli("diff", a, b)
    assert result.exit_code == 1
    assert "series momentum: differs from update 0" in result.stdout
    assert "different: the series momentum changed" in result.stdout
    document = json.loads(cli("diff", a, b, "--format", "json").stdout)
    assert document["same"] is False
    assert document["series"]["changed"] == ["momentum"]
    assert document["series"]["compared"]["momentum"]["first_difference"]["step"] == 0
    github = cli("diff", a, b, "--format", "github").stdout
    assert "::error title=warmupctl diff%3A series momentum changed::series momentum: differs" \
        in github
    assert cli("diff", a, a).exit_code == 0


def test_series_flag_diffs_one_series_against_a_table(cli, tmp_path) -> None:
    spec = tmp_path / "a.yaml"
    spec.write_text(json.dumps({**BASE, "momentum": 0.9}))
    golden = str(tmp_path / "momentum.csv")
    assert cli("table", str(spec), "--series", "momentum", "-f", "csv", "-o", golden).exit_code == 0
    assert cli("diff", str(spec), golden).exit_code == 1  # the LR is not the momentum
    assert cli("diff", str(spec), golden, "--series", "momentum").exit_code == 0
    missing = cli("diff", str(spec), golden, "--series", "betas[0]")
    assert missing.exit_code == 2
    assert missing.stderr.startswith("error: command line: --series: no such series (got 'betas[0]')")


def test_a_tables_series_columns_are_named_as_not_compared(cli, tmp_path) -> None:
    spec = tmp_path / "a.yaml"
    spec.write_text(json.dumps({**BASE, "momentum": 0.9}))
    golden = str(tmp_path / "golden.csv")
    assert cli("table", str(spec), "-f", "csv", "-o", golden).exit_code == 0
    result = cli("diff", str(spec), golden)
    assert result.exit_code == 0
    assert (f"note: {golden}: the columns lr/pg0, lr/head, momentum are not compared (a table's lr "
            "is); keep one golden per series: table SPEC --series NAME -o FILE, then diff SPEC "
            "FILE --series NAME") in result.stderr

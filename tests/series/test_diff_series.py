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


ONECYCLE = """\
schedule: torch.OneCycleLR
optimizer: SGD
args: {max_lr: 1.0, total_steps: 100%s}
"""


def test_series_flag_diffs_one_series_against_a_table(cli, tmp_path) -> None:
    spec = tmp_path / "a.yaml"
    spec.write_text(json.dumps({**BASE, "momentum": 0.9}))
    golden = str(tmp_path / "momentum.csv")
    assert cli("table", str(spec), "--series", "momentum", "-f", "csv", "-o", golden).exit_code == 0
    # A table of one series pairs with that series (not with the spec's LR), with a note.
    implied = cli("diff", str(spec), golden)
    assert implied.exit_code == 0, implied.stdout
    assert "note: comparing the series momentum (a table of that series alone)" in implied.stderr
    assert cli("diff", str(spec), golden, "--series", "momentum").exit_code == 0
    other = tmp_path / "b.yaml"
    other.write_text(json.dumps({**BASE, "momentum": 0.95}))
    assert cli("diff", str(other), golden).exit_code == 1
    missing = cli("diff", str(spec), golden, "--series", "betas[0]")
    assert missing.exit_code == 2
    assert missing.stderr.startswith("error: command line: --series: no such series (got 'betas[0]')")


def test_series_flag_picks_the_tables_column_of_that_name(cli, tmp_path) -> None:
    """``diff A table.csv --series momentum`` compares A's momentum with the table's momentum
    column (it once compared it with the table's lr column)."""
    (tmp_path / "oc.yaml").write_text(ONECYCLE % "")
    (tmp_path / "oc2.yaml").write_text(ONECYCLE % ", max_momentum: 0.9")
    golden = str(tmp_path / "oc.csv")
    assert cli("table", str(tmp_path / "oc.yaml"), "-f", "csv", "-o", golden).exit_code == 0
    same = cli("diff", str(tmp_path / "oc.yaml"), golden, "--series", "momentum")
    assert same.exit_code == 0, same.stdout
    changed = cli("diff", str(tmp_path / "oc2.yaml"), golden, "--series", "momentum",
                  "--format", "json")
    assert changed.exit_code == 1
    first = json.loads(changed.stdout)["first_difference"]
    assert (first["step"], first["a"], first["b"]) == (0, 0.9, 0.95)
    no_column = cli("diff", str(tmp_path / "oc.yaml"), golden, "--series", "lr/pg0")
    assert no_column.exit_code == 2
    assert no_column.stderr == ("error: command line: --series: no such series (got 'lr/pg0'); "
                                "this schedule has lr, momentum\n")


def test_a_tables_series_columns_are_compared(cli, tmp_path) -> None:
    """The reviewer's case: a golden's momentum column differs at 99 of 100 updates; diff says so
    (it once printed 'same ... bit for bit' and exited 0)."""
    (tmp_path / "oc.yaml").write_text(ONECYCLE % "")
    (tmp_path / "oc2.yaml").write_text(ONECYCLE % ", max_momentum: 0.9")
    for fmt in ("csv", "json"):
        golden = str(tmp_path / f"oc.{fmt}")
        assert cli("table", str(tmp_path / "oc.yaml"), "-f", fmt, "-o", golden).exit_code == 0
        assert cli("diff", str(tmp_path / "oc.yaml"), golden, "-q").exit_code == 0
        result = cli("diff", str(tmp_path / "oc2.yaml"), golden, "-q")
        assert result.exit_code == 1, fmt
        assert (f"series momentum: differs from update 0 (oc2.yaml: 0.9, oc.{fmt}: 0.95); 99 of 100 "
                "updates differ") in " ".join(result.stdout.replace(str(tmp_path) + "/", "").split())
        assert "different: the series momentum changed" in result.stdout
        document = json.loads(cli("diff", str(tmp_path / "oc2.yaml"), golden, "-f", "json").stdout)
        assert document["same"] is False and document["series"]["changed"] == ["momentum"]


def test_a_series_on_one_side_only_is_a_difference(cli, tmp_path) -> None:
    spec = tmp_path / "a.yaml"
    spec.write_text(json.dumps({**BASE, "momentum": 0.9}))
    golden = tmp_path / "golden.csv"
    assert cli("table", str(spec), "-f", "csv", "-o", str(golden)).exit_code == 0
    assert cli("diff", str(spec), str(golden)).exit_code == 0
    lines = golden.read_text().splitlines()
    assert lines[0] == "step,lr,lr/pg0,lr/head,momentum"
    golden.write_text("".join(line.rsplit(",", 1)[0] + "\n" for line in lines))  # drop momentum
    result = cli("diff", str(spec), str(golden))
    assert result.exit_code == 1
    assert "series momentum: only in" in result.stdout
    assert "different: the series momentum changed" in result.stdout
    assert cli("diff", str(golden), str(golden)).exit_code == 0

"""table, summary and --series on schedules with series."""

from __future__ import annotations

import json

import pytest

SPEC = """\
kind: linear
lr: 1.0
warmup_steps: 2
total_steps: 6
param_groups: [{lr_mult: 1}, {name: head, lr_mult: 0.5}]
momentum: {phases: [{steps: 2, from: 0.9, to: 0.8}, {steps: rest, to: 0.9}]}
"""

ONECYCLE = """\
schedule: torch.OneCycleLR
optimizer: Adam
args: {max_lr: 1.0, total_steps: 10}
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return str(path)


def test_csv_has_one_column_per_series(cli, spec) -> None:
    result = cli("table", spec, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "step,lr,lr/pg0,lr/head,momentum"
    assert lines[1] == "0,0.0,0.0,0.0,0.9"
    assert lines[3] == "2,1.0,1.0,0.5,0.8"
    assert lines[6] == "5,0.25,0.25,0.125,0.875"


def test_json_table_is_format_2_and_lists_the_series(cli, spec) -> None:
    document = json.loads(cli("table", spec, "--format", "json").stdout)
    assert document["format_version"] == 2
    assert document["series"] == ["lr/pg0", "lr/head", "momentum"]
    assert document["rows"][2] == {"lr": 1.0, "lr/head": 0.5, "lr/pg0": 1.0, "momentum": 0.8,
                                   "step": 2}


def test_a_table_with_series_reads_back_for_diff(cli, spec, tmp_path) -> None:
    for fmt in ("json", "csv"):
        saved = str(tmp_path / f"golden.{fmt}")
        assert cli("table", spec, "--format", fmt, "-o", saved).exit_code == 0
        assert cli("diff", spec, saved).exit_code == 0


def test_markdown_and_terminal_show_the_columns(cli, spec) -> None:
    markdown = cli("table", spec, "--format", "markdown", "--at", "2").stdout
    assert markdown.splitlines()[0] == "| step | lr | lr/pg0 | lr/head | momentum |"
    assert markdown.splitlines()[2] == "| 2 | 1.0 | 1.0 | 0.5 | 0.8 |"
    terminal = cli("table", spec).stdout
    assert "lr/head" in terminal and "momentum" in terminal


def test_series_flag_picks_one_everywhere(cli, spec, tmp_path) -> None:
    result = cli("table", spec, "--series", "momentum", "--format", "csv")
    assert result.stdout.splitlines()[:4] == ["step,momentum", "0,0.9", "1,0.8500000000000001", "2,0.8"]
    markdown = cli("table", spec, "--series", "momentum", "--format", "markdown", "--at", "2").stdout
    assert markdown.splitlines() == ["| step | momentum |", "|---:|---:|", "| 2 | 0.8 |"]
    document = json.loads(cli("table", spec, "--series", "momentum", "--format", "json",
                              "--at", "0,2").stdout)
    assert document["rows"] == [{"momentum": 0.9, "step": 0}, {"momentum": 0.8, "step": 2}]
    assert (document["format_version"], document["series"]) == (2, ["momentum"])
    plain = cli("table", spec, "--series", "lr", "--format", "csv", "--at", "2").stdout
    assert plain == "step,lr\n2,1.0\n"  # the LR's own table keeps its header
    terminal = cli("table", spec, "--series", "momentum", "--at", "2").stdout
    assert "momentum" in terminal.splitlines()[2] and " lr " not in terminal
    summary = json.loads(cli("summary", spec, "--series", "lr/head", "--format", "json").stdout)
    assert summary["summary"]["peak_lr"] == 0.5
    assert summary["label"].endswith("[lr/head]")
    library = tmp_path / "onecycle.yaml"
    library.write_text(ONECYCLE)
    beta = cli("table", str(library), "--series", "betas[0]", "--format", "csv").stdout
    assert beta.splitlines()[1] == "0,0.95"


def test_unknown_series_names_the_ones_there_are(cli, spec) -> None:
    result = cli("table", spec, "--series", "betas[0]")
    assert result.exit_code == 2
    assert result.stderr == ("error: command line: --series: no such series (got 'betas[0]'); this "
                             "schedule has lr, lr/pg0, lr/head, momentum\n")


def test_summary_covers_each_series(cli, spec) -> None:
    document = json.loads(cli("summary", spec, "--format", "json").stdout)
    assert list(document["series"]) == ["lr/head", "lr/pg0", "momentum"]  # sorted keys
    # a series that is not an LR has neutral keys (min, peak, sum); a group's LR keeps min_lr
    assert document["series"]["momentum"]["min"] == 0.8 and "min_lr" not in document["series"]["momentum"]
    assert document["series"]["momentum"]["min_step"] == 2
    assert document["series"]["lr/head"]["peak_lr"] == 0.5
    assert "series besides lr" in cli("summary", spec).stdout


def test_a_stepping_policy_names_the_series_it_leaves_out(cli, spec) -> None:
    result = cli("table", spec, "--stepping", "per-epoch", "--updates-per-epoch", "2",
                 "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert ("note: the series lr/pg0, lr/head, momentum are left out: a stepping or resume policy "
            "shows one series at a time; pick one with --series NAME") in result.stderr
    picked = cli("table", spec, "--stepping", "per-epoch", "--updates-per-epoch", "2",
                 "--series", "momentum", "--format", "csv")
    assert picked.stdout.splitlines()[:3] == ["step,momentum,intended", "0,0.9,0.9", "1,0.9,0.8500000000000001"]


def test_a_series_that_is_not_an_lr_is_not_called_one(cli, spec) -> None:
    summary = json.loads(cli("summary", spec, "--series", "momentum", "--format", "json").stdout)["summary"]
    assert (summary["first"], summary["peak"], summary["min"], summary["min_step"]) == (0.9, 0.9, 0.8, 2)
    assert not [key for key in summary if "lr" in key]
    table = json.loads(cli("table", spec, "--series", "momentum", "--format", "json", "--at", "2").stdout)
    assert table["summary"]["min"] == 0.8 and "min_lr" not in table["summary"]


def test_stepping_names_the_series_column(cli, spec) -> None:
    # stepped twice per update: update k reads the designed momentum of scheduler step 2k
    csv = cli("table", spec, "--series", "momentum", "--stepping", "x2", "--format", "csv").stdout
    assert csv.splitlines()[:3] == ["step,momentum,intended", "0,0.9,0.9", "1,0.8,0.8500000000000001"]
    document = json.loads(cli("table", spec, "--series", "momentum", "--stepping", "x2", "--format",
                              "json", "--at", "1").stdout)
    assert document["rows"] == [{"intended": 0.8500000000000001, "momentum": 0.8, "step": 1}]
    assert (document["format_version"], document["series"]) == (2, ["momentum"])
    assert document["intended"]["summary"]["min"] == 0.8
    plain = cli("table", spec, "--stepping", "x2", "--format", "csv", "--at", "1").stdout
    assert plain.splitlines()[0] == "step,lr,intended"

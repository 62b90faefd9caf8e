"""The command line through CliRunner: stdout carries data only, stderr one line per problem."""

import csv
import io
import json
import math

import pytest

import warmupctl

HF_W, HF_T, HF_LR = 100, 1000, 1e-4


def hf_cosine(t: int, w: int = HF_W, n: int = HF_T, cycles: float = 0.5) -> float:
    """transformers 5.23 get_cosine_schedule_with_warmup's lambda, restated, times the LR."""
    if t < w:
        return HF_LR * (float(t) / float(max(1, w)))
    progress = float(t - w) / float(max(1, n - w))
    return HF_LR * max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(cycles) * 2.0 * progress)))


def hf_linear(t: int, w: int = HF_W, n: int = HF_T) -> float:
    if t < w:
        return HF_LR * (float(t) / float(max(1, w)))
    return HF_LR * max(0.0, float(n - t) / float(max(1, n - w)))


def read_csv(text: str) -> list[tuple[int, float]]:
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == ["step", "lr"]
    return [(int(s), float(x)) for s, x in reader]


@pytest.mark.parametrize(("kind", "reference"), [("cosine", hf_cosine), ("linear", hf_linear)])
def test_table_csv_equals_transformers(cli, kind, reference):
    result = cli("table", "--kind", kind, "--ratio", "0.1", "--format", "csv", "--steps", "1000")
    assert result.exit_code == 0, result.stderr
    rows = read_csv(result.stdout)
    assert [s for s, _ in rows] == list(range(1000))
    for step, lr in rows:
        assert lr == pytest.approx(reference(step), rel=1e-12, abs=1e-12 * HF_LR)
    assert result.stderr == ""


def test_csv_round_trips_exact_floats(cli):
    result = cli("table", "--kind", "cosine", "--format", "csv", "--steps", "50")
    values = [lr for _, lr in read_csv(result.stdout)]
    assert values == warmupctl.schedule(kind="cosine").values(50).tolist()
    assert "\r" not in result.stdout


def test_table_past_the_end_holds_the_final_value(cli):
    result = cli("table", "--kind", "linear", "--total-steps", "10", "--warmup-steps", "2",
                 "--steps", "14", "--format", "csv")
    rows = read_csv(result.stdout)
    assert len(rows) == 14 and rows[-1][1] == rows[10][1] == 0.0


def test_table_json_envelope(cli):
    result = cli("table", "--kind", "linear", "--warmup-steps", "2", "--total-steps", "6",
                 "--format", "json")
    document = json.loads(result.stdout)
    assert document["format_version"] == 1
    assert [r["step"] for r in document["rows"]] == list(range(6))
    assert document["spec"]["warmup_steps"] == 2
    assert document["summary"]["peak_step"] == 2
    assert list(document) == sorted(document)


def test_table_markdown_every_and_at(cli):
    result = cli("table", "--format", "markdown", "--every", "250")
    lines = result.stdout.splitlines()
    assert lines[0] == "| step | lr |"
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["0", "250", "500", "750", "999"]
    result = cli("table", "--format", "csv", "--at", "0,100,5000")
    assert [s for s, _ in read_csv(result.stdout)] == [0, 100, 5000]


def test_terminal_table_shows_events_and_the_convention(cli):
    result = cli("table", "--kind", "cosine", "--ratio", "0.1")
    assert result.exit_code == 0
    assert "warmup end" in result.stdout and "peak" in result.stdout and "final" in result.stdout
    assert "lr[k] = the learning rate used by optimizer update k" in " ".join(result.stdout.split())


def test_notes_go_to_stderr(cli):
    result = cli("table", "--ratio", "0.07", "--total-steps", "100", "--format", "csv")
    assert result.exit_code == 0
    assert "transformers' Trainer computes ceil(100 * 0.07) = 8" in result.stderr
    assert result.stdout.startswith("step,lr\n")
    quiet = cli("-q", "table", "--ratio", "0.07", "--total-steps", "100", "--format", "csv")
    assert quiet.stderr == ""


def test_output_file_is_written_and_reported(cli, tmp_path):
    out = tmp_path / "lr.csv"
    result = cli("table", "--kind", "linear", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert f"wrote {out}" in result.stderr
    assert out.read_text().startswith("step,lr\n0,0.0\n")
    assert len(out.read_text().splitlines()) == 1001  # every update when the format is a file's


def test_summary_json_and_table(cli):
    result = cli("summary", "--kind", "linear", "--warmup-steps", "10", "--total-steps", "100",
                 "--format", "json")
    summary = json.loads(result.stdout)["summary"]
    assert summary["first_lr"] == 0.0
    assert summary["peak_step"] == 10 and summary["peak_lr"] == 1e-4
    assert summary["final_step"] == 99
    assert summary["lr_sum"] == pytest.approx(sum(warmupctl.schedule(
        kind="linear", warmup_steps=10, total_steps=100).values()), rel=1e-12)
    assert "update 0 gets LR 0" in summary["notes"][0]
    table = cli("summary", "--kind", "linear")
    assert "peak" in table.stdout and "sum of LR" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("table", "--kind", "cosin"), "error: command line: --kind: unknown kind (got 'cosin'); did you mean 'cosine'?"),
        (("table", "--lr", "nan"), "error: command line: --lr: must be a finite number"),
        (("table", "missing.yaml"), "error: missing.yaml: no such file"),
        (("table", "--bogus"), "error: No such option: --bogus"),
        (("table", "--steps", "x"), "error: Invalid value for '--steps'"),
        (("table", "--at", "1,x"), "error: command line: --at: not an update (got 'x'); give numbers (-1: "
                                        "the last update) or start, warmup_end, peak, last"),
        (("table", "--format", "xml"), "error: Invalid value for '--format'"),
        (("plot", "-o", "out.jpg"), "error: command line: --output: cannot tell the image format"),
        (("table", "--steps", "200000"), "error: command line: --format: 200000 rows are too many for a terminal table"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_stdin_spec(cli):
    result = cli("table", "-", "--format", "csv", "--steps", "3", input="kind: linear\nlr: 1e-3\n")
    assert result.exit_code == 0
    assert read_csv(result.stdout)[1][1] == pytest.approx(1e-5)


def test_output_into_missing_folder_or_folder(cli, tmp_path):
    result = cli("table", "-o", str(tmp_path / "no" / "x.csv"))
    assert result.exit_code == 2 and "the folder does not exist" in result.stderr
    result = cli("table", "-o", str(tmp_path))
    assert result.exit_code == 2 and "is a folder" in result.stderr


def test_version_and_help(cli):
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("warmupctl ")
    for command in ("table", "plot", "summary"):
        result = cli(command, "-h")
        assert result.exit_code == 0 and "--warmup-steps" in result.stdout


def test_internal_errors_exit_3_with_a_report(cli, monkeypatch):
    import warmupctl.calc.summary as summary_module

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(summary_module, "summarize", broken)
    result = cli("summary")
    assert result.exit_code == 3
    assert "internal error: warmupctl" in result.stderr and "ZeroDivisionError: boom" in result.stderr
    assert "report it" in result.stderr


def test_several_specs_side_by_side(cli, tmp_path):
    import pathlib

    libraries = pathlib.Path(__file__).resolve().parents[2] / "sample_configs" / "libraries"
    paths = [str(libraries / f"{name}_cosine.yaml") for name in ("transformers", "timm", "deepspeed")]
    result = cli("-q", "table", *paths, "--at", "0,1,10,101", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "| step | transformers.cosine | timm.CosineLRScheduler | deepspeed.WarmupCosineLR |"
    assert lines[4] == "| 10 | 0.001 | 0.0009755282581475768 | 0.0009000000000000001 |"
    refused = cli("table", *paths, "--format", "csv")
    assert refused.exit_code == 2 and "--format csv takes one spec" in refused.stderr

"""``warmupctl explain``: the table, the JSON document (parameters as numbers), the inferred spec, the
plot, and one-line errors."""

import json
import pathlib

import pytest

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
LOGS = DATA / "logs"


def test_json_names_the_cause_with_numbers(cli):
    result = cli("explain", str(LOGS / "microbatch_trainer_state.json"), str(LOGS / "microbatch.yaml"),
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["cause"] == "per-micro-batch" and doc["parameters"] == {"grad_accum": 4, "offset": 1}
    assert doc["residual"] == 0 and doc["explained"] is True
    assert doc["log"]["format"] == "trainer_state" and doc["runners_up"]


def test_table_and_inferred_spec(cli, tmp_path):
    saved = tmp_path / "inferred.yaml"
    result = cli("explain", str(DATA / "trainer_state_cosine.json"), "--save-spec", str(saved))
    assert result.exit_code == 0, result.stderr
    assert "offset=1" in result.stdout and "inferred schedule (save it as a spec file):" in result.stdout
    assert saved.read_text().splitlines()[1:] == [
        "schedule: transformers.cosine", "lr: 0.001", "args: {num_warmup_steps: 5, num_training_steps: 40}"]
    again = cli("explain", str(DATA / "trainer_state_cosine.json"), str(saved), "--format", "json")
    assert json.loads(again.stdout)["cause"] == "offset"


def test_plot_draws_the_explanation(cli, tmp_path):
    out = tmp_path / "explain.svg"
    result = cli("explain", str(LOGS / "accelerate_4proc.csv"), str(LOGS / "accelerate_4proc.yaml"),
                 "--plot", str(out))
    assert result.exit_code == 0, result.stderr
    svg = out.read_text()
    assert "explained: per-process" in svg and "accelerate_4proc.csv" in svg


@pytest.mark.parametrize(("args", "message"), [
    (("explain", str(LOGS / "accelerate_4proc.csv"), "--series", "lr/pg9"),
     "accelerate_4proc.csv: --actual-series: no LR series named 'lr/pg9' in this log"),
    (("explain", str(LOGS / "accelerate_4proc.csv"), "--offset", "soon"),
     "command line: --offset: expected auto or a whole number of updates (got 'soon')"),
    (("explain", str(LOGS / "missing.csv")), "missing.csv: no such file"),
    (("explain", str(LOGS / "accelerate_4proc.csv"), "--plot", "out.gif"),
     "command line: --plot: the plot is written as .png or .svg (got 'out.gif')"),
])
def test_errors_are_one_line(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("spec", [
    "kind: wsd\nlr: 6.0e-4\nmin_lr: 6.0e-5\nwarmup_steps: 5\ntotal_steps: 200\ndecay_steps: 40\n",
    "kind: multistep\nlr: 0.1\nwarmup_steps: 3\ntotal_steps: 200\nmilestones: [60, 150]\ngamma: 0.5\n",
    "kind: cosine\nlr: 3.0e-4\nmin_lr: 3.0e-5\nwarmup_steps: 10\ntotal_steps: 200\n",
])
def test_inferred_spec_reads_back_to_the_logged_values(cli, tmp_path, spec):
    """infer -> --save-spec -> table: the saved spec gives every logged value, bit for bit."""
    planted = tmp_path / "planted.yaml"
    planted.write_text(spec)
    table = cli("table", str(planted), "--format", "csv")
    rows = [line.split(",") for line in table.stdout.splitlines()[1:]]
    log = tmp_path / "metrics.csv"
    log.write_text("step,lr\n" + "".join(f"{int(k) + 1},{v}\n" for k, v in rows))
    saved = tmp_path / "inferred.yaml"
    result = cli("explain", str(log), "--save-spec", str(saved), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["cause"] == "offset"
    again = cli("table", str(saved), "--format", "csv")
    assert again.exit_code == 0, again.stderr
    assert again.stdout == table.stdout

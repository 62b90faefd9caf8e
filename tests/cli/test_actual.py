"""``--actual``: a run's logged LR overlaid on the computed schedule (plot, diff, summary).

``tests/data/trainer_state_cosine.json`` is the ``trainer_state.json`` of a real transformers 5.23.0
Trainer run (``tests/data/make_trainer_state.py``); ``trainer_state_cosine.yaml`` is its schedule.
"""

import json
import pathlib

import numpy as np
import pytest

import warmupctl
from warmupctl.calc.actual import align, coverage
from warmupctl.spec.logs import read_log

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
STATE = str(DATA / "trainer_state_cosine.json")
SPEC = str(DATA / "trainer_state_cosine.yaml")


def logged() -> list[tuple[int, float]]:
    history = json.loads(pathlib.Path(STATE).read_text())["log_history"]
    return [(e["step"], e["learning_rate"]) for e in history if "learning_rate" in e]


def test_a_real_trainer_state_overlays_with_zero_deviation():
    schedule = warmupctl.load(SPEC)
    # transformers >= 4.51 logs at step s the LR of update s - 1: every float is warmupctl's, exactly.
    for step, lr in logged():
        assert lr == float(schedule([step - 1])[0]), step
    log = read_log(STATE)
    overlay = align(schedule, log.steps, log.lrs, log.lines)
    assert overlay.offset == 1 and overlay.automatic
    assert overlay.exact == overlay.count == 40
    assert overlay.largest.abs_diff == 0.0
    assert overlay.updates.tolist() == list(range(40))
    assert np.array_equal(overlay.logged, overlay.computed)
    # The other alignments are far off: the choice is not a coin toss.
    assert [f.offset for f in overlay.fits] == [1, 0, -1] and overlay.fits[1].median >= 1e-5
    assert coverage(overlay) is None  # the log covers the whole run


def test_a_native_spec_of_the_same_schedule_also_matches_exactly():
    schedule = warmupctl.schedule(kind="cosine", warmup_steps=5, total_steps=40, lr=1e-3)
    log = read_log(STATE)
    assert align(schedule, log.steps, log.lrs).exact == 40


def test_the_4x_convention_is_detected():
    # transformers <= 4.50 logged get_last_lr() after lr_scheduler.step(): at step s, update s's LR.
    schedule = warmupctl.load(SPEC)
    steps = np.arange(1, 41)
    overlay = align(schedule, steps, schedule(steps))
    assert overlay.offset == 0 and overlay.exact == 40
    assert "transformers <= 4.50" in overlay.alignment()
    assert "past the schedule's 40 updates" in coverage(overlay)  # 4.x's last log is for update 40


def test_diff_against_the_log_is_same_bit_for_bit(cli):
    result = cli("diff", SPEC, "--actual", STATE)
    assert result.exit_code == 0, result.stderr
    assert "agree on all 40 updates, bit for bit" in " ".join(result.stdout.split())
    assert "logged LR, 40 rows" in result.stdout
    assert "update = step − 1" in result.stderr and "chosen by its median deviation, 0" in result.stderr


def test_diff_with_the_wrong_offset_fails_and_says_where(cli):
    result = cli("diff", SPEC, "--actual", STATE, "--actual-offset", "0", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    first = report["first_difference"]
    # step 1 (line 12 of the file) read as update 1: logged 0.0, computed 0.0002
    assert (first["step"], first["a"], first["b"], first["line_b"]) == (1, 0.0002, 0.0, 12)
    assert report["b"]["kind"] == "log"


def test_diff_github_annotations_name_the_log_line(cli, tmp_path):
    state = json.loads(pathlib.Path(STATE).read_text())
    for entry in state["log_history"]:
        if entry.get("step") == 17:
            entry["learning_rate"] *= 1.01
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps(state, indent=2, sort_keys=True))
    result = cli("diff", SPEC, "--actual", str(path), "--format", "github")
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if '"step": 17' in text)
    # The annotation points at the entry (its opening brace) holding the changed value.
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"::error file={path},line=") and "the LR of update 16 changed" in first
    annotated = int(first.split("line=")[1].split(",")[0])
    assert annotated < line <= annotated + 6


def test_summary_json_reports_the_overlay(cli):
    result = cli("summary", SPEC, "--actual", STATE, "--format", "json")
    assert result.exit_code == 0, result.stderr
    actual = json.loads(result.stdout)["actual"]
    assert (actual["offset"], actual["automatic"], actual["count"], actual["exact"]) == (1, True, 40, 40)
    assert actual["largest"]["abs_diff"] == 0.0 and actual["file"] == STATE


def test_summary_table_shows_the_largest_deviation(cli, tmp_path):
    schedule = warmupctl.load(SPEC)
    values = schedule(np.arange(40)).tolist()
    values[30] += 1e-5
    path = tmp_path / "lr.csv"
    path.write_text("Step,train/learning_rate\n" + "".join(f"{k + 1},{v!r}\n" for k, v in enumerate(values)))
    result = cli("summary", SPEC, "--actual", str(path))
    assert result.exit_code == 0, result.stderr
    assert "largest |Δ|" in result.stdout and "1e-05 at update 30 (step 31, line 32)" in result.stdout
    assert "39 of 40 equal" in result.stdout


def test_tensorboard_float32_export(cli, tmp_path):
    rows = "".join(f"{1.7e9 + s},{s},{float(np.float32(lr))!r}\n" for s, lr in logged())
    path = tmp_path / "lr.csv"
    path.write_text("Wall time,Step,Value\n" + rows)
    result = cli("diff", SPEC, "--actual", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "stored in float32: --rtol 1e-07 by default" in result.stderr
    assert cli("diff", SPEC, "--actual", str(path), "--rtol", "0").exit_code == 1
    summary = json.loads(cli("summary", SPEC, "--actual", str(path), "--format", "json").stdout)
    assert summary["actual"]["float32_exact"] == 40 and summary["actual"]["offset"] == 1


def test_plot_draws_the_log_and_its_largest_deviation(cli, tmp_path):
    out = tmp_path / "lr.svg"
    result = cli("plot", SPEC, "--actual", STATE, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    svg = out.read_text()
    assert "logged: trainer_state_cosine.json, update = step − 1 (equal at all 40 logged updates)" in svg
    assert "equal transformers.cosine exactly, bit for bit" in result.stderr

    schedule = warmupctl.load(SPEC)
    path = tmp_path / "wandb.csv"
    values = schedule(np.arange(40)).tolist()
    values[20] = 0.0
    path.write_text("train/global_step,train/learning_rate\n"
                    + "".join(f"{k + 1},{v!r}\n" for k, v in enumerate(values)))
    result = cli("plot", SPEC, "--actual", str(path), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    top = float(schedule([20])[0])
    assert f"|Δ| {top:.3g} @ update 20" in out.read_text()
    assert f"largest deviation {top:.3g}" in result.stderr and "at update 20 (step 21, line 22)" in result.stderr


def test_plot_svg_with_a_log_is_deterministic(cli, tmp_path):
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    for out in (first, second):
        assert cli("plot", SPEC, "--actual", STATE, "-o", str(out)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_a_tie_is_said(cli, tmp_path):
    # A constant LR fits every alignment: the note says the choice is an assumption.
    path = tmp_path / "lr.csv"
    path.write_text("step,lr\n" + "".join(f"{s},0.001\n" for s in range(10, 20)))
    result = cli("summary", "--kind", "constant", "--lr", "1e-3", "--warmup-steps", "5", "--actual", str(path))
    assert result.exit_code == 0, result.stderr
    assert "every alignment fits equally" in result.stderr
    assert "the log stops at update 18 of the schedule's 1000" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("summary", SPEC, "--actual-offset", "1"), "command line: --actual-offset: needs --actual"),
    (("summary", SPEC, "--actual", STATE, "--actual-offset", "later"),
     "--actual-offset: expected auto or a whole number of updates (got 'later')"),
    (("summary", SPEC, "--actual", STATE, "--actual-offset", "2"),
     "--actual-offset: puts the value logged at step 1"),
    (("diff", SPEC, SPEC, "--actual", STATE), "command line: B: give B or --actual LOG, not both"),
    (("diff", SPEC), "error: Missing argument 'B'; see 'warmupctl diff -h'"),
    (("plot", SPEC, "--actual", str(DATA / "missing.json")), "missing.json: --actual: no such file"),
    (("summary", SPEC, "--actual", SPEC), "trainer_state_cosine.yaml: not a log warmupctl reads"),
])
def test_bad_input_is_one_line_and_exit_2(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert result.stdout == ""


def test_a_log_without_a_learning_rate(cli, tmp_path):
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps({"log_history": [{"step": 10, "loss": 1.5, "epoch": 0.5},
                                                {"step": 10, "eval_loss": 1.7, "epoch": 0.5}]}))
    result = cli("plot", SPEC, "--actual", str(path), "-o", str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: log_history: no entry has a learning_rate (2 entries with the fields epoch, "
        "eval_loss, loss, step); the Trainer logs learning_rate with the training loss every "
        "logging_steps updates (logging_strategy 'steps'); a log with none was written with logging "
        "turned off\n")
    assert not (tmp_path / "x.png").exists()


def test_diff_against_a_log_needs_a_spec(cli, tmp_path):
    table = tmp_path / "golden.csv"
    assert cli("table", SPEC, "--format", "csv", "-o", str(table)).exit_code == 0
    result = cli("diff", str(table), "--actual", STATE)
    assert result.exit_code == 2 and "A is a saved table" in result.stderr


def test_policy_curves_measure_the_effective_one(cli, tmp_path):
    # Logged from a loop that stepped the scheduler twice per update: the effective curve fits.
    schedule = warmupctl.load(SPEC)
    path = tmp_path / "lr.csv"
    path.write_text("step,lr\n" + "".join(f"{k + 1},{float(schedule([2 * k])[0])!r}\n" for k in range(20)))
    result = cli("plot", SPEC, "--stepping", "x2", "--actual", str(path), "-o", str(tmp_path / "p.svg"))
    assert result.exit_code == 0, result.stderr
    assert "measured against effective" in result.stderr and "bit for bit" in result.stderr

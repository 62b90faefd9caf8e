"""What the commands show of a log: the skipped optimizer steps in ``summary``'s text, the log's
series picked by ``--actual-series`` (plot, summary, diff, explain), and a log given where a spec is
expected refused with "this is a training log: use --actual", for every format."""

import json
import pathlib

import numpy as np
import pytest

from warmupctl.spec.logs import FORMATS

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "logs"
EVENTS = DATA / "tensorboardx_events.out.tfevents"
LINEAR = ("--schedule", "transformers.linear", "--lr", "1e-4", "--arg", "num_warmup_steps=5",
          "--arg", "num_training_steps=50")


# --- summary --actual: the skipped steps in text ----------------------------------------------------


def test_summary_text_names_the_skipped_steps(cli):
    result = cli("summary", str(DATA / "skipped.yaml"), "--actual", str(DATA / "skipped_trainer_state.json"))
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "skipped 5 optimizer steps: updates 0, 1, 2, 57, 130 (fp16/AMP overflow: the scheduler " \
           "was not stepped, so the log lags); warmupctl explain says more" in text


def test_summary_text_shortens_many_skipped_steps(cli, tmp_path):
    # A linear decay stepped every update but skipped at 8 updates: the log lags by 1, 2, ... 8.
    skipped = [10, 20, 30, 40, 50, 60, 70, 80]
    lag = np.searchsorted(skipped, np.arange(100), side="right")
    k = np.arange(100)
    lrs = 1e-3 * (1 - (k - lag) / 100)
    history = [{"step": int(s) + 1, "learning_rate": float(lr), "loss": 1.0} for s, lr in zip(k, lrs)]
    log = tmp_path / "trainer_state.json"
    log.write_text(json.dumps({"log_history": history, "global_step": 100, "max_steps": 100,
                               "stateful_callbacks": {}}))
    result = cli("summary", "--kind", "linear", "--lr", "1e-3", "--total-steps", "100", "--warmup-steps",
                 "0", "--actual", str(log))
    text = " ".join(result.stdout.replace("│", " ").split())
    assert result.exit_code == 0, result.stderr
    assert "skipped 8 optimizer steps: updates 9, 19, 29, 39, 49, … 8 in all" in text


def test_summary_of_an_old_trainer_state_uses_its_convention(cli):
    """A trainer_state.json without stateful_callbacks was written before transformers 4.51: the value
    at step s is update s's LR, and the lag is then 4 skipped steps (not 3 under the 4.51 reading)."""
    public = DATA / "public"
    result = cli("summary", str(public / "whisper_fp16.yaml"), "--actual",
                 str(public / "whisper_fp16_trainer_state.json"), "--format", "json")
    actual = json.loads(result.stdout)["actual"]
    assert actual["offset"] == 0 and actual["convention"] == (
        "the log's own: no stateful_callbacks, so transformers < 4.51")
    assert actual["skipped"]["count"] == 4 and actual["skipped"]["updates"] is None
    text = cli("summary", str(public / "whisper_fp16.yaml"), "--actual",
               str(public / "whisper_fp16_trainer_state.json")).stdout
    assert "4 optimizer steps: 2 among updates 0..24, 1 among updates 100..124, 1 among" in \
        " ".join(text.replace("│", " ").split())


# --- --actual-series ----------------------------------------------------------------------------------


def test_actual_series_picks_the_logs_series_on_every_command(cli, tmp_path):
    pg1 = ("--actual", str(EVENTS), "--actual-series", "lr/pg1")
    summary = json.loads(cli("summary", *LINEAR, *pg1, "--format", "json").stdout)
    assert summary["actual"]["count"] == 50
    first = json.loads(cli("summary", *LINEAR, "--actual", str(EVENTS), "--format", "json").stdout)
    # lr/pg0 peaks at 1e-3, lr/pg1 at 1e-4: only lr/pg1 follows a schedule of peak 1e-4.
    assert summary["actual"]["largest"]["abs_diff"] < 1e-11 < first["actual"]["largest"]["abs_diff"]
    assert cli("diff", *LINEAR[:0], "-", "--actual", str(EVENTS), "--actual-series", "lr/pg1",
               input="schedule: transformers.linear\nlr: 1.0e-4\nargs: {num_warmup_steps: 5, "
                     "num_training_steps: 50}\n").exit_code == 0
    plotted = cli("plot", *LINEAR, *pg1, "--terminal", "--width", "80")
    assert plotted.exit_code == 0 and "'lr/pg1' at 'step' 0..49" in plotted.stderr
    for flag in ("--series", "--actual-series"):
        explained = cli("explain", str(EVENTS), flag, "lr/pg1", "--format", "json")
        assert json.loads(explained.stdout)["log"]["series"] == "lr/pg1"


def test_a_log_with_several_series_names_them_and_the_flag(cli):
    result = cli("summary", *LINEAR, "--actual", str(EVENTS))
    assert ("note: " + str(EVENTS) + ": TensorBoard event file (events.out.tfevents.*), 50 logged LRs "
            "('lr/pg0' at 'step' 0..49); 2 LR series (lr/pg1 not read; --actual-series NAME picks one)"
            ) in result.stderr


def test_actual_series_errors(cli):
    missing = cli("plot", *LINEAR, "--actual", str(EVENTS), "--actual-series", "lr/pg7", "--terminal")
    assert missing.exit_code == 2 and missing.stderr.startswith(
        f"error: {EVENTS}: --actual-series: no LR series named 'lr/pg7' in this log (got 'lr/pg7'); ")
    alone = cli("summary", *LINEAR, "--actual-series", "lr/pg1")
    assert alone.exit_code == 2 and alone.stderr == (
        "error: command line: --actual-series: needs --actual (got 'lr/pg1'); e.g. --actual "
        "trainer_state.json --actual-series lr/pg1\n")
    without = cli("diff", "-", "-", "--actual-series", "lr/pg1", input="kind: cosine\n")
    assert without.exit_code == 2 and "--actual-series: needs --actual" in without.stderr


# --- a log where a spec is expected --------------------------------------------------------------------

LOGS = {
    "trainer_state": ("trainer_state.json", json.dumps({"global_step": 2, "log_history": [
        {"step": 1, "learning_rate": 1e-4, "loss": 1.0}, {"step": 2, "learning_rate": 2e-4, "loss": 0.9}]})),
    "tensorboard_json": ("run-tag-lr.json", "[[1700000000.0, 1, 0.1], [1700000001.0, 2, 0.2]]\n"),
    "llamafactory": ("trainer_log.jsonl",
                     '{"current_steps": 2, "total_steps": 675, "loss": 1.1, "lr": 1.25e-06, "epoch": 0.01}\n'
                     '{"current_steps": 3, "total_steps": 675, "loss": 1.0, "lr": 2.5e-06, "epoch": 0.01}\n'),
    "mmengine": ("scalars.json", '{"base_lr": 0.0002, "lr": 2e-05, "data_time": 0.01, "loss": 2.3, "step": 50}\n'
                                 '{"base_lr": 0.0002, "lr": 4e-05, "data_time": 0.01, "loss": 2.1, "step": 100}\n'),
    "tensorboard": ("run-tag-lr.csv", "Wall time,Step,Value\n1700000000.0,1,0.1\n1700000001.0,2,0.2\n"),
    "ultralytics": ("results.csv", "epoch,train/box_loss,lr/pg0,lr/pg1,lr/pg2\n1,1.2,0.00066,0.00066,0.0934\n"),
    "timm": ("summary.csv", "epoch,train_loss,eval_loss,eval_top1,lr\n0,6.9,6.8,0.1,0.0001\n"),
    "lightning": ("metrics.csv", "epoch,lr-AdamW,step,train_loss\n0,0.001,0,\n0,,0,2.5\n"),
    "megatron": ("train.log", " iteration      100/  500000 | consumed samples:        51200 | learning rate: "
                              "6.000E-05 | lm loss: 7.1E+00 |\n"),
    "fairseq": ("train.log", "2021-01-01 10:00:00 | INFO | train_inner | epoch 001:    100 / 1563 "
                             "loss=9.867, num_updates=100, lr=1.25e-05, gnorm=1.2\n"),
    "csv": ("wandb_export.csv", "Step,train/learning_rate,train/loss\n1,0.1,2.0\n2,0.2,1.9\n"),
}


def _log_file(tmp_path, kind):
    if kind == "tensorboard_events":
        return EVENTS
    name, text = LOGS[kind]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_format_has_a_sample():
    assert set(LOGS) | {"tensorboard_events"} == set(FORMATS)


@pytest.mark.parametrize("kind", list(FORMATS))
def test_a_log_where_a_spec_is_expected_is_refused(cli, tmp_path, kind):
    path = _log_file(tmp_path, kind)
    from warmupctl.spec.logs import read_log

    # The sample is what the format reads (TensorBoard's JSON export reads as its CSV one does).
    assert read_log(str(path)).kind == {"tensorboard_json": "tensorboard"}.get(kind, kind)
    title = FORMATS[kind].title
    for args in (("table", str(path)), ("summary", str(path)), ("plot", str(path), "--terminal"),
                 ("diff", str(path), "--kind", "cosine", "--total-steps", "10"),
                 ("diff", "--kind", "cosine", "--total-steps", "10", "-", str(path)),
                 ("explain", str(DATA / "skipped_trainer_state.json"), str(path)),
                 ("import", str(path))):
        result = cli(*args, input="kind: cosine\ntotal_steps: 10\n")
        assert result.exit_code == 2, (args, result.stdout)
        assert result.stderr.startswith(f"error: {path}: this is a training log: use --actual; it is "), \
            (args, result.stderr)
        assert title in result.stderr and result.stderr.count("\n") == 1


def test_a_log_on_standard_input_is_refused(cli):
    _, text = LOGS["ultralytics"]
    result = cli("table", "-", input=text)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: <stdin>: this is a training log: use --actual; it is an "
                                    "Ultralytics results.csv")


def test_a_spec_that_fails_is_not_called_a_log(cli, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("# cosine, 100 updates\nkind: cosine\nlr: 1e-3\ntotal_steps: 100\nstep: 3\n")
    result = cli("table", str(spec))
    assert result.exit_code == 2 and "training log" not in result.stderr
    one_line = tmp_path / "spec.json"
    one_line.write_text('{"kind": "cosine", "lr": 0.001, "step": 100, "loss": 1}\n')
    assert "training log" not in cli("table", str(one_line)).stderr


@pytest.mark.parametrize("command", [("summary",), ("plot", "--terminal"), ("diff",)])
def test_series_of_the_log_given_as_series_says_actual_series(cli, command):
    spec = str(DATA / "public" / "lightning_onecycle.yaml")
    result = cli(command[0], spec, *command[1:], "--actual", str(EVENTS), "--series", "lr/pg1")
    assert result.exit_code == 2
    assert result.stderr == ("error: command line: --series: no such series (got 'lr/pg1'); lr/pg1 is a "
                             "series of the log tensorboardx_events.out.tfevents: --actual-series lr/pg1 "
                             "reads it (--series picks the schedule's)\n")

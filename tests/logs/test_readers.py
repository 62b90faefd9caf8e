"""Reading a run's logged LR (``--actual``): trainer_state.json, TensorBoard and W&B exports, and one
line naming the file, the line or entry and the field for every broken rule."""

import json
import pathlib

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.logs import check_offset, parse_offset, read_log

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
STATE = DATA / "trainer_state_cosine.json"


def logged_pairs() -> list[tuple[int, float]]:
    history = json.loads(STATE.read_text())["log_history"]
    return [(e["step"], e["learning_rate"]) for e in history if "learning_rate" in e]


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def error_of(path: str) -> str:
    with pytest.raises(SpecError) as info:
        read_log(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_real_trainer_state():
    log = read_log(str(STATE))
    pairs = logged_pairs()
    assert log.kind == "trainer_state" and not log.float32
    assert log.steps.tolist() == [s for s, _ in pairs] == list(range(1, 41))
    assert log.lrs.tolist() == [lr for _, lr in pairs]  # the floats as written, exactly
    assert log.skipped == 1  # the final train_runtime entry
    # Each value's line is where its entry starts in the file.
    lines = STATE.read_text().splitlines()
    assert all(lines[n - 1].strip() == "{" for n in log.lines.tolist())
    assert '"step": 1' in "\n".join(lines[log.lines[0] - 1:log.lines[1] - 1])
    assert "1 entry without an LR skipped" in log.describe()


def test_bare_log_history_and_tensorboard_json(tmp_path):
    history = json.loads(STATE.read_text())["log_history"]
    bare = read_log(write(tmp_path, "history.json", json.dumps(history, indent=1)))
    assert bare.steps.tolist() == list(range(1, 41)) and bare.kind == "trainer_state"
    tb = read_log(write(tmp_path, "tb.json", json.dumps([[1.7e9 + i, i, 0.5 * i] for i in range(5)])))
    assert tb.kind == "tensorboard" and tb.float32
    assert tb.steps.tolist() == [0, 1, 2, 3, 4] and tb.lrs.tolist() == [0, 0.5, 1.0, 1.5, 2.0]


def test_tensorboard_csv(tmp_path):
    text = "Wall time,Step,Value\n1700000000.5,10,9.999999747378752e-05\n1700000001.5,20,5e-05\n"
    log = read_log(write(tmp_path, "run-lr.csv", text))
    assert (log.kind, log.step_field, log.lr_field, log.float32) == ("tensorboard", "Step", "Value", True)
    assert log.steps.tolist() == [10, 20] and log.lrs.tolist() == [9.999999747378752e-05, 5e-05]
    assert log.lines.tolist() == [2, 3]


def test_wandb_export(tmp_path):
    # A W&B panel export: quoted header, a run-prefixed column and its __MIN/__MAX companions, integral
    # floats as steps, and rows where only other metrics were logged (empty LR cells).
    text = ('"Step","run-7 - train/learning_rate","run-7 - train/learning_rate__MIN",'
            '"run-7 - train/learning_rate__MAX"\n'
            "1.0,0.0,0.0,0.0\n2.0,,,\n3,0.0002,0.0002,0.0002\n")
    log = read_log(write(tmp_path, "wandb.csv", text))
    assert log.kind == "csv" and log.lr_field == "run-7 - train/learning_rate"
    assert log.steps.tolist() == [1, 3] and log.lrs.tolist() == [0.0, 0.0002] and log.skipped == 1
    assert log.lines.tolist() == [2, 4]


@pytest.mark.parametrize(("header", "step", "lr"), [
    ("_step,train/global_step,train/learning_rate", "train/global_step", "train/learning_rate"),
    ("_step,lr-AdamW", "_step", "lr-AdamW"),
    ("step,lr", "step", "lr"),  # a table written by warmupctl reads as a log too
    ("Step,train/lr,loss", "Step", "train/lr"),
])
def test_csv_columns(tmp_path, header, step, lr):
    width = header.count(",") + 1
    log = read_log(write(tmp_path, "x.csv", header + "\n" + ",".join(["3"] * width) + "\n"))
    assert (log.step_field, log.lr_field) == (step, lr)


def test_order_and_repeats(tmp_path):
    text = "step,lr\n2,0.2\n1,0.1\n2,0.2\n"
    log = read_log(write(tmp_path, "x.csv", text))
    assert log.steps.tolist() == [1, 2] and log.lrs.tolist() == [0.1, 0.2]
    assert log.reordered and log.repeated == 1
    assert "steps sorted" in log.describe() and "1 repeated step kept once" in log.describe()


@pytest.mark.parametrize(("name", "text", "expected"), [
    # What is missing, and what the file has instead.
    ("a.csv", "Step,loss,grad_norm\n1,0.5,1\n",
     "a.csv: line 1: no learning-rate column (the header has the fields Step, loss, grad_norm)"),
    ("a.json", json.dumps({"log_history": [{"step": 1, "loss": 1.0}, {"step": 1, "eval_loss": 2.0}]}),
     "a.json: log_history: no entry has a learning_rate (2 entries with the fields eval_loss, loss, step)"),
    ("a.json", json.dumps({"global_step": 1, "logs": []}),
     "a.json: not a trainer_state.json: no log_history"),
    ("a.json", json.dumps({"log_history": []}), "a.json: log_history: log_history is empty"),
    ("a.csv", "time,lr\n1,0.1\n", "a.csv: line 1: no step column (the header has the fields time, lr)"),
    ("a.csv", "Step,lr\n1,0.1\n2,fast\n", "a.csv: line 3: 'lr' is not a number (got 'fast')"),
    ("a.csv", "Step,lr\n1,0.1\n2,nan\n", "a.csv: line 3: the learning rate is NaN"),
    ("a.csv", "Step,lr\n-1,0.1\n", "a.csv: line 2: the step is negative"),
    ("a.csv", "Step,lr\n1.5,0.1\n", "a.csv: line 2: the step is not a whole number"),
    ("a.csv", "Step,lr\n1,0.1,7\n", "a.csv: line 2: 3 cells, the header has 2"),
    ("a.csv", "Step,lr\n,0.1\n", "a.csv: line 2: an LR with no 'Step'"),
    ("a.csv", "Step,lr\n1,\n", "a.csv: line 2: every row's 'lr' is empty"),
    ("a.csv", "Step,lr\n", "a.csv: line 2: no rows after the header"),
    ("a.csv", "Step,lr\n1,0.1\n1,0.2\n",
     "a.csv: line 3: step 1 is logged twice with different LRs: 0.1 (line 2) and 0.2 (line 3)"),
    ("a.json", '{"log_history": [\n  {"step": 1, "learning_rate": "0.1"}\n]}',
     "a.json: log_history[0].learning_rate (line 2): the learning rate is not a number (a string)"),
    ("a.json", '{"log_history": [\n  {"step": 1, "learning_rate": 0.1},\n  {"learning_rate": 0.2}\n]}',
     "a.json: log_history[1] (line 3): an entry with a learning_rate has no step"),
    ("a.json", '{"log_history": [{"step": true, "learning_rate": 0.1}]}',
     "a.json: log_history[0].step (line 1): the step is not a whole number"),
    ("a.json", '{"log_history": [{"step": 1, "learning_rate": NaN}]}', "the learning rate is NaN"),
    ("a.json", '{"log_history": [{"step": 1, "learning_rate": 0.1}', "a.json: line 1: JSON syntax error"),
    ("a.json", "[1, 2]", "a.json: not a log warmupctl reads; warmupctl reads TensorBoard event files "
     "and exports, trainer_state.json, LLaMA-Factory jsonl, MMEngine scalars, Ultralytics, timm, "
     "Lightning metrics.csv, Megatron-LM, fairseq logs, a W&B CSV"),
    ("a.json", "[[1.0, 2]]", "a.json: [0] (line 1): a row of 2 values, not [wall_time, step, value]"),
    ("a.csv", "", "a.csv: empty file: no logged LR"),
])
def test_errors_name_the_file_the_place_and_the_field(tmp_path, name, text, expected):
    assert expected in error_of(write(tmp_path, name, text))


def test_file_errors(tmp_path):
    assert "no such file" in error_of(str(tmp_path / "missing.json"))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "trainer_state.json").write_text("{}")
    assert "is a folder, not a log; give " in error_of(str(tmp_path / "run"))
    binary = tmp_path / "events.out.tfevents"
    binary.write_bytes(b"\x00\x01\x02")
    assert "events.out.tfevents: binary file, not a log warmupctl reads; warmupctl reads TensorBoard" \
        in error_of(str(binary))
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"Step,lr\n1,0.1\xe9\n")
    assert "latin.csv: line 2: not UTF-8 text" in error_of(str(latin))
    assert "standard input" in error_of("-")


def test_offsets():
    assert parse_offset(None) is None and parse_offset("auto") is None and parse_offset(" AUTO ") is None
    assert parse_offset("1") == 1 and parse_offset("0") == 0 and parse_offset("-1") == -1
    with pytest.raises(SpecError, match="--actual-offset: expected auto or a whole number"):
        parse_offset("next")
    log = read_log(str(STATE))
    check_offset(log, 1)  # step 1 -> update 0
    with pytest.raises(SpecError, match=r"puts the value logged at step 1 \(.*line 12\) at update -1"):
        check_offset(log, 2)


def test_arrays_are_typed():
    log = read_log(str(STATE))
    assert log.steps.dtype == np.int64 and log.lrs.dtype == np.float64 and log.lines.dtype == np.int64

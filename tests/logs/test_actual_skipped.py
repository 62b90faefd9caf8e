"""``--actual``: the skipped optimizer steps of a log are counted in ``summary --format json``, and a
finished run logged every n updates is not said to have stopped early."""

import json
import pathlib

import numpy as np

from warmupctl.calc.actual import align, coverage
from warmupctl.spec.resolve import resolve

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "logs"


def test_summary_json_keeps_actual_and_adds_skipped(cli):
    result = cli("summary", str(DATA / "skipped.yaml"), "--actual", str(DATA / "skipped_trainer_state.json"),
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    actual = json.loads(result.stdout)["actual"]
    assert {"count", "offset", "largest"} <= actual.keys()
    assert actual["count"] == 200 and actual["offset"] == 1
    assert actual["skipped"]["count"] == 5 and actual["skipped"]["updates"] == [0, 1, 2, 57, 130]


def test_a_log_that_follows_its_schedule_has_no_skipped_steps(cli):
    result = cli("summary", str(DATA / "accelerate_4proc.yaml"), "--actual",
                 str(DATA / "skipped_trainer_state.json"), "--format", "json")
    assert json.loads(result.stdout)["actual"]["skipped"] == {"count": 0, "updates": []}


def test_a_finished_run_logged_every_10_updates_did_not_stop():
    schedule = resolve({"kind": "cosine", "lr": 1e-3, "warmup_steps": 10, "total_steps": 1173})
    steps = np.arange(10, 1171, 10)  # the Trainer logs at global_step 10, 20, ..., 1170
    overlay = align(schedule, steps, schedule(steps - 1), offset=1)
    assert overlay.last_update == 1169 and coverage(overlay) is None
    short = steps[:50]
    assert "the log stops at update 499 of the schedule's 1173" in coverage(
        align(schedule, short, schedule(short - 1), offset=1))

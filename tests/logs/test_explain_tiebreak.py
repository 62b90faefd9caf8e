"""One rule decides between explanations of equal residual, in ``explain`` and in ``summary --actual``:
a reading under which the log starts on the schedule (no skipped step hidden before the first logged
value) first, then the log's own convention, then the fewest causes (skipped steps)."""

import json

import numpy as np
import pytest

from warmupctl.calc.actual import align
from warmupctl.calc.explain import explain
from warmupctl.spec.resolve import resolve

SPEC = {"schedule": "transformers.linear", "lr": 1e-3,
        "args": {"num_warmup_steps": 10, "num_training_steps": 200}}
SKIPPED = [20, 50, 80]


def planted_state(tmp_path, skipped=SKIPPED, offset=1, stateful=False):
    """A trainer_state.json of 200 updates logged every update, the scheduler not stepped at
    ``skipped``; ``step`` s holds the LR of update s - offset (4.51+: offset 1)."""
    k = np.arange(200)
    positions = k - np.searchsorted(np.asarray(skipped, dtype=np.int64), k, side="left")
    lrs = resolve(SPEC)(positions)
    history = [{"loss": 1.0, "learning_rate": float(v), "epoch": 0.0, "step": int(u) + offset}
               for u, v in zip(k, lrs) if u + offset >= 1]
    state = {"global_step": 200, "max_steps": 200, "logging_steps": 1, "log_history": history}
    if stateful:
        state["stateful_callbacks"] = {}
    log = tmp_path / "trainer_state.json"
    log.write_text(json.dumps(state))
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(SPEC))
    return log, spec


@pytest.mark.parametrize("stateful", [False, True])
def test_explain_and_summary_agree_on_offset_1_and_the_planted_skips(cli, tmp_path, stateful):
    log, spec = planted_state(tmp_path, stateful=stateful)
    explained = cli("explain", str(log), str(spec), "--format", "json")
    assert explained.exit_code == 0, explained.stderr
    doc = json.loads(explained.stdout)
    assert doc["cause"] == "skipped" and doc["residual"] == 0
    assert doc["parameters"]["offset"] == 1 and doc["parameters"]["updates"] == SKIPPED
    summary = cli("summary", str(spec), "--actual", str(log), "--format", "json")
    assert summary.exit_code == 0, summary.stderr
    skipped = json.loads(summary.stdout)["actual"]["skipped"]
    assert skipped["offset"] == 1 and skipped["updates"] == SKIPPED and skipped["count"] == 3


def test_offset_0_with_skips_is_not_read_as_offset_1(tmp_path):
    """A transformers <= 4.50 log (offset 0) with skips after the start: offset 1 cannot explain it."""
    k = np.arange(1, 200)
    positions = k - np.searchsorted(np.asarray(SKIPPED), k, side="left")
    schedule = resolve(SPEC)
    report = explain(schedule, k, schedule(positions), convention=0)
    assert report.best.offset == 0 and report.best.causes[0].params["updates"] == SKIPPED
    assert align(schedule, k, schedule(positions), convention=0).skipped["updates"] == SKIPPED


def test_a_lag_present_at_the_first_value_goes_to_the_log_convention():
    """Logged every 25 updates from a lag of 2: offset 0 with 2 skips, or offset 1 with 1, cannot be
    told apart by the values; the log's convention (0) decides, in both."""
    schedule = resolve(SPEC)
    steps = np.arange(25, 200, 25)
    positions = steps - np.where(steps < 100, 2, 3)
    report = explain(schedule, steps, schedule(positions), convention=0)
    overlay = align(schedule, steps, schedule(positions), convention=0)
    assert report.best.offset == 0 and report.best.causes[0].params["count"] == 3
    assert overlay.skipped["offset"] == 0 and overlay.skipped["count"] == 3


def test_a_log_history_alone_states_no_convention(cli, tmp_path):
    """A file holding log_history alone was not written whole by the Trainer, so it says nothing of the
    version: logged every 5 at offset 1 with skips at 3, 4 and 120, the fewest skips (3, offset 1) win,
    where the pre-4.51 reading (a whole state without stateful_callbacks) is offset 0 with 4."""
    k = np.arange(200)
    skipped = [3, 4, 120]
    lrs = resolve(SPEC)(k - np.searchsorted(np.asarray(skipped), k, side="left"))
    history = [{"learning_rate": float(v), "step": int(u) + 1} for u, v in zip(k, lrs) if (u + 1) % 5 == 0]
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    found = {}
    for whole in (False, True):
        state = {"log_history": history}
        if whole:
            state.update(global_step=200, max_steps=200, num_train_epochs=1, total_flos=0,
                         is_world_process_zero=True, is_hyper_param_search=False)
        log = tmp_path / f"state-{whole}.json"
        log.write_text(json.dumps(state))
        result = cli("explain", str(log), str(spec), "--format", "json")
        assert result.exit_code == 0, result.stderr
        doc = json.loads(result.stdout)
        assert doc["cause"] == "skipped" and doc["residual"] == 0
        found[whole] = (doc["parameters"]["offset"], doc["parameters"]["count"])
    assert found == {False: (1, 3), True: (0, 4)}

"""MMEngine schedulers: the runner's defaults, refusals, notes (values: tests/goldens/mmengine.json).

Reference: mmengine 0.10.7, ``mmengine/optim/scheduler/param_scheduler.py``,
``mmengine/runner/runner.py`` (``_build_param_scheduler``), ``mmengine/hooks/param_scheduler_hook.py``.
"""

from __future__ import annotations

import math

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec import resolve

LIST = "mmengine.param_scheduler"


def mm(schedulers, **top):
    return {"schedule": LIST, "lr": 0.02, "args": {"param_scheduler": schedulers,
                                                  **top.pop("args", {})}, **top}


def test_epoch_milestone_lands_on_next_epochs_first_iteration():
    s = resolve(mm([{"type": "MultiStepLR", "milestones": [2], "gamma": 0.5}],
                   updates_per_epoch=3, args={"max_epochs": 4}), source="cfg")
    assert s.values().tolist() == [0.02] * 6 + [0.01] * 6
    assert any("steps after each epoch of 3 iterations" in n for n in s.notes)


def test_linear_warmup_finishes_at_end_minus_one():
    s = resolve(mm([{"type": "LinearLR", "start_factor": 0.5, "by_epoch": False, "end": 3}],
                   total_steps=5), source="cfg")
    assert s.values().tolist() == pytest.approx([0.01, 0.015, 0.02, 0.02, 0.02], rel=1e-15)
    assert s.warmup_steps == 2


def test_linear_start_factor_zero_raises_at_second_step():
    s = resolve({"schedule": "mmengine.LinearLR", "lr": 0.1, "total_steps": 4,
                 "args": {"start_factor": 0.0, "by_epoch": False, "end": 4}}, source="cfg")
    values = s.values()
    assert values[0] == 0.0 and all(math.isnan(x) for x in values[1:])
    assert ("MMEngine raises ZeroDivisionError (LinearLR: start_factor 0) at update 1; "
            "warmupctl shows NaN from there") in s.notes


@pytest.mark.parametrize(("spec", "message"), [
    (mm([{"type": "MultiStepLR", "milestones": [2]}], total_steps=10),
     "cfg: updates_per_epoch: an epoch-based scheduler needs the iterations per epoch; add "
     "updates_per_epoch: len(train_dataloader) (or by_epoch: false)"),
    (mm([{"type": "MultiStepLR", "milestones": [2]}], total_steps=10, updates_per_epoch=3),
     "cfg: total_steps: is not a whole number of epochs of 3 iterations (got 10); an epoch-based "
     "scheduler without end ends at max_epochs; give args.max_epochs (or the scheduler's end)"),
    (mm([{"type": "WarmupLR"}], total_steps=10),
     "cfg: args.param_scheduler[0].type: is not an MMEngine LR scheduler warmupctl knows (got "
     "'WarmupLR'); one of ConstantLR, CosineAnnealingLR, CosineRestartLR, ExponentialLR, "
     "LinearLR, MultiStepLR, OneCycleLR, PolyLR, StepLR"),
    (mm([{"type": "LinearLR", "by_epoch": False, "begin": 5, "end": 5}], total_steps=10),
     "cfg: args.param_scheduler[0].end: end should be larger than begin (5) (got 5); MMEngine "
     "raises ValueError; end is exclusive"),
    (mm([{"type": "LinearLR", "by_epoch": False, "warmup_iters": 5}], total_steps=10),
     "cfg: args.param_scheduler[0].warmup_iters: is not an argument of LinearLR (got 5); "
     "arguments: start_factor, end_factor, begin, end, by_epoch, convert_to_iter_based"),
])
def test_refusals(spec, message):
    with pytest.raises(SpecError) as info:
        resolve(spec, source="cfg")
    assert str(info.value) == message


def test_poly_negative_power_is_nan_from_its_last_step(cli, tmp_path):
    """PolyLR(power=-1, end=10): lr × (1 - 1/(10 - t))^-1 stepped per update, until 0.0 ** -1 raises
    ZeroDivisionError at t = 9 (golden mmengine-poly-negative-power-raises): NaN there, with a note,
    not an internal error."""
    spec = tmp_path / "poly.yaml"
    spec.write_text("schedule: mmengine.PolyLR\nlr: 0.01\ntotal_steps: 10\n"
                    "args: {eta_min: 0.0, power: -1.0, begin: 0, end: 10, by_epoch: false}\n")
    result = cli("table", str(spec), "--format", "csv", "--at", "7,8,9")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["step,lr", "7,0.04499999999999998", "8,0.08999999999999996", "9,nan"]
    assert ("note: MMEngine raises ZeroDivisionError (PolyLR: (1 - 1 / (T - t + 1)) ** power -1 at t = 9) "
            "at update 9; warmupctl shows NaN from there") in result.stderr

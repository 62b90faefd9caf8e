"""detectron2 YAML: SOLVER.* through build_lr_scheduler onto fvcore's schedulers (goldens:
tests/goldens/fvcore.json and detectron2.json; here the config's translation and values).

Values restated from fvcore 0.1.5 ``param_scheduler.py`` and detectron2 ``solver/lr_scheduler.py``:
a linear warmup from WARMUP_FACTOR to the scheduler's value at WARMUP_ITERS / MAX_ITER, then
``GAMMA ** bisect_right(STEPS, int((k / MAX_ITER + 1e-6) × MAX_ITER))``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.resolve import load_spec

CONFIGS = Path(__file__).resolve().parent / "real" / "detectron2" / "configs"


def test_faster_rcnn_3x_over_its_base(cli):
    s = load_spec(str(CONFIGS / "COCO-Detection" / "faster_rcnn_R_50_FPN_3x.yaml"))
    assert s.total_steps == 270000
    lr = 0.02  # BASE_LR from the base file; STEPS and MAX_ITER from the child
    half = 0.5 * 1.0 + 0.001 * (1 - 0.5)  # LinearParamScheduler(0.001, 1)(0.5)
    assert s([0, 500, 1000, 209999, 210000, 250000])[:6].tolist() == pytest.approx(
        [lr * 0.001, lr * half, lr, lr, lr * 0.1, lr * 0.1 ** 2], rel=1e-12)
    result = cli("import", str(CONFIGS / "COCO-Detection" / "faster_rcnn_R_50_FPN_3x.yaml"))
    assert result.exit_code == 0, result.stderr
    assert "milestones:\n          - 210000\n          - 250000" in result.stdout
    assert "SOLVER merged over _BASE_ ../Base-RCNN-FPN.yaml" in result.stderr


def test_steps_beyond_max_iter_are_dropped(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("SOLVER:\n  BASE_LR: 0.01\n  STEPS: (30, 80)\n  MAX_ITER: 60\n  WARMUP_ITERS: 0\n")
    s = load_spec(str(cfg))
    assert s([0, 29, 30, 59])[:4].tolist() == pytest.approx([0.01, 0.01, 0.001, 0.001], rel=1e-12)
    assert "SOLVER.STEPS above MAX_ITER 60 are ignored (detectron2 warns): [80]" in s.notes


def test_cosine_end_ratio_checked(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("SOLVER:\n  LR_SCHEDULER_NAME: WarmupCosineLR\n  BASE_LR: 0.01\n  BASE_LR_END: 0.02\n")
    with pytest.raises(SpecError, match="BASE_LR_END / BASE_LR must be in"):
        load_spec(str(cfg))


def test_warmup_past_the_end_is_refused_as_detectron2_raises(cli, tmp_path):
    """WarmupParamScheduler.__init__ evaluates MultiStep at where = 3: fvcore raises RuntimeError
    (golden detectron2-warmup-length-past-end-raises), so the spec is refused, not an internal error."""
    spec = tmp_path / "warm.yaml"
    spec.write_text("schedule: detectron2.WarmupParamScheduler\nlr: 0.02\nmax_iter: 40\nargs:\n"
                    "  scheduler: {schedule: fvcore.MultiStepParamScheduler, args: {values: [1.0, 0.1], "
                    "milestones: [24], num_updates: 40}}\n  warmup_factor: 0.001\n  warmup_length: 3\n")
    result = cli("table", str(spec))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {spec}: spec.args.warmup_length: detectron2's WarmupParamScheduler raises when it is built: "
        "the scheduler at where = 3: MultiStepParamScheduler raises RuntimeError for where > 1 (got 3.0); "
        "it evaluates the scheduler at warmup_length, a fraction of training (WARMUP_ITERS / MAX_ITER, at "
        "most 1)"]


def test_polynomial_negative_power_is_nan_from_where_one(cli, tmp_path):
    """PolynomialDecayParamScheduler(0.5, -1): 0.5 / (1 - k/4) until 0.0 ** -1 raises ZeroDivisionError
    at k = 4 (golden fvcore-poly-negative-power-raises): NaN from there, with a note."""
    spec = tmp_path / "poly.yaml"
    spec.write_text("schedule: fvcore.PolynomialDecayParamScheduler\nargs: {base_value: 0.5, power: -1.0}\n"
                    "max_iter: 4\ntotal_steps: 6\n")
    result = cli("table", str(spec), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["step,lr", "0,0.5", "1,0.6666666666666666", "2,1.0", "3,2.0", "4,nan",
                                     "5,nan"]
    assert ("note: fvcore: the scheduler raises ZeroDivisionError at update 4; warmupctl shows NaN from "
            "there") in result.stderr

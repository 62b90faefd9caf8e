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

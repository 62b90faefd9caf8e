"""NeMo experiment YAMLs: model.optim.sched onto warmupctl's NeMo schedulers, max_steps as NeMo sets it.

References: NeMo ``nemo/core/classes/modelPT.py`` (``setup_optimization``) and
``nemo/core/optim/lr_scheduler.py`` (``prepare_lr_scheduler``, ``compute_max_steps``, the scheduler
classes; values restated by hand from nemo_toolkit 3.0.0's formulas).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.resolve import load_spec

REAL = Path(__file__).resolve().parent / "real"


def test_megatron_gpt_cosine_with_constant_steps():
    s = load_spec(str(REAL / "nemo_megatron_gpt_config.yaml"))
    assert s.total_steps == 100000  # trainer.max_steps
    # CosineAnnealing with constant_steps: warmup lr * t / W, cosine over max_steps - C - W, then min_lr
    lr, low, w, c, m = 2e-4, 2e-5, 500, 50000, 100000
    assert s([0, 250, 500])[:3].tolist() == pytest.approx([0.0, lr * 250 / w, lr], rel=1e-12)
    t = 20000
    cosine = low + (lr - low) * 0.5 * (1 + math.cos(math.pi * (t - w) / (m - c - w)))
    assert s([t])[0] == pytest.approx(cosine, rel=1e-12)
    assert s([60000])[0] == pytest.approx(low, rel=1e-12)


def test_conformer_noam_from_epochs(cli):
    s = load_spec(str(REAL / "nemo_conformer_ctc_bpe.yaml"), {"dataset_size": 281241, "devices": 32})
    # ceil(ceil(281241 / 32) / 16) = 550 batches per epoch, 1000 epochs
    assert s.total_steps == 550000
    peak = 2.0 * 512 ** -0.5
    w = 10000
    assert s([0])[0] == pytest.approx(peak * 1 * w ** -1.5, rel=1e-12)  # t clamped to 1
    assert s([w])[0] == pytest.approx(peak * w ** -0.5, rel=1e-12)
    assert s([4 * w])[0] == pytest.approx(peak * (4 * w) ** -0.5, rel=1e-12)
    result = cli("import", str(REAL / "nemo_conformer_ctc_bpe.yaml"), "--dataset-size", "281241",
                 "--devices", "32")
    assert result.exit_code == 0, result.stderr
    assert "d_model: 512" in result.stdout  # ${model.encoder.d_model} resolved
    assert "max_steps 550000 = ceil(550 batches / accumulate 1) × 1000 epochs" in result.stderr


def test_conformer_needs_the_gpu_count():
    with pytest.raises(SpecError) as info:
        load_spec(str(REAL / "nemo_conformer_ctc_bpe.yaml"), {"dataset_size": 1000})
    assert str(info.value) == (
        "command line: --devices: the GPU count is needed (got -1); trainer.devices is -1; NeMo "
        "divides the dataset over devices × num_nodes workers")


def test_trainer_max_steps_wins_over_sched(tmp_path):
    cfg = tmp_path / "exp.yaml"
    cfg.write_text("trainer: {max_steps: 20, devices: 1}\nmodel:\n  optim:\n    name: adamw\n"
                   "    lr: 0.1\n    sched: {name: WarmupAnnealing, warmup_steps: 4, max_steps: 999, "
                   "min_lr: 0.0}\n")
    s = load_spec(str(cfg))
    assert s.total_steps == 20
    # NeMo warmup (t + 1) / (W + 1), then linear to min_lr at max_steps
    assert s([0, 4, 12])[:3].tolist() == pytest.approx([0.1 / 5, 0.1, 0.1 * (1 - 8 / 16)], rel=1e-12)
    assert "trainer.max_steps 20 replaces sched.max_steps 999" in s.notes

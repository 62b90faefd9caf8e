"""LightningCLI YAMLs: the configured torch scheduler, stepped once per epoch as Lightning does.

References: lightning 2.x ``lightning/pytorch/cli.py`` (``LightningCLI.configure_optimizers`` returns
``[optimizer], [lr_scheduler]``), ``core/optimizer.py`` (``LRSchedulerConfig``: interval "epoch",
frequency 1), ``loops/training_epoch_loop.py``. Values restated from torch's CosineAnnealingLR.
"""

from __future__ import annotations

import math

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.resolve import load_spec

CONFIG = """\
seed_everything: 42
trainer:
  max_epochs: 10
  devices: 2
  accumulate_grad_batches: 2
model:
  class_path: mypkg.LitModel
data:
  class_path: mypkg.DataModule
  init_args:
    batch_size: 32
optimizer:
  class_path: torch.optim.AdamW
  init_args:
    lr: 0.001
lr_scheduler:
  class_path: torch.optim.lr_scheduler.CosineAnnealingLR
  init_args:
    T_max: 10
    eta_min: 0.00001
"""


def test_scheduler_steps_once_per_epoch(tmp_path, cli):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG)
    s = load_spec(str(cfg), {"dataset_size": 1000})
    # ceil(ceil(1000 / 2) / 32) = 16 batches, ceil(16 / 2) = 8 updates per epoch, 10 epochs
    assert s.total_steps == 80
    lr = s(list(range(80)))
    assert set(lr[:8].tolist()) == {0.001}
    epoch1 = 1e-5 + (1e-3 - 1e-5) * (1 + math.cos(math.pi / 10)) / 2
    assert lr[8] == pytest.approx(epoch1, rel=1e-12) and lr[15] == lr[8]
    result = cli("summary", str(cfg), "--dataset-size", "1000")
    assert result.exit_code == 0, result.stderr
    assert "steps it once per epoch (interval 'epoch', its default)" in result.stderr


def test_the_batch_size_is_named_when_missing(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG.replace("    batch_size: 32\n", "    root: data\n"))
    with pytest.raises(SpecError) as info:
        load_spec(str(cfg), {"dataset_size": 1000})
    assert str(info.value) == (
        f"{cfg}: data.init_args.batch_size: an epoch's updates need the batch size; the scheduler "
        "steps once per epoch; add the DataModule's batch_size")


def test_plateau_is_refused(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG.replace("CosineAnnealingLR", "ReduceLROnPlateau"))
    with pytest.raises(SpecError, match="ReduceLROnPlateau follows a logged metric"):
        load_spec(str(cfg), {"dataset_size": 1000})


@pytest.mark.parametrize(("limit", "updates"), [
    # lightning 2.x _determine_batch_limits / _parse_num_batches: an int is a number of batches
    # (1 is one batch, not the whole epoch), a float in [0, 1] a fraction, floored; a whole float
    # above 1 is a number of batches too.
    ("1", 1),          # min(16, 1) = 1 batch, ceil(1 / 2) = 1 update
    ("1.0", 8),        # all 16 batches
    ("0.5", 4),        # int(16 × 0.5) = 8 batches, 4 updates
    ("0.3", 2),        # int(16 × 0.3) = 4 batches, 2 updates
    ("5", 3),          # min(16, 5) = 5 batches, ceil(5 / 2) = 3 updates
    ("5.0", 3),        # Lightning turns 5.0 into the int 5
])
def test_limit_train_batches_as_lightning_reads_it(tmp_path, limit, updates):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG.replace("  devices: 2\n", f"  devices: 2\n  limit_train_batches: {limit}\n"))
    assert load_spec(str(cfg), {"dataset_size": 1000}).total_steps == 10 * updates


def test_limit_train_batches_out_of_range_is_refused(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG.replace("  devices: 2\n", "  devices: 2\n  limit_train_batches: 1.5\n"))
    with pytest.raises(SpecError) as info:
        load_spec(str(cfg), {"dataset_size": 1000})
    assert str(info.value) == (
        f"{cfg}: trainer.limit_train_batches: must be a fraction in [0, 1] or a whole number of batches "
        "(got 1.5); Lightning raises MisconfigurationException (_determine_batch_limits)")


def test_the_note_shows_drop_last_and_the_limit(tmp_path, cli):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG.replace("  devices: 2\n", "  devices: 2\n  limit_train_batches: 0.5\n")
                   .replace("    batch_size: 32\n", "    batch_size: 32\n    drop_last: true\n"))
    result = cli("summary", str(cfg), "--dataset-size", "1000")
    assert result.exit_code == 0, result.stderr
    # floor(ceil(1000 / 2) / 32) = 15 batches (drop_last), int(15 × 0.5) = 7, ceil(7 / 2) = 4 updates
    assert ("note: 4 updates per epoch: ceil(7 batches / accumulate_grad_batches 2); 7 batches: "
            "limit_train_batches 0.5 of 15 batches = floor(ceil(1000 / 2 processes) / batch 32)") in result.stderr
    assert load_spec(str(cfg), {"dataset_size": 1000}).total_steps == 40

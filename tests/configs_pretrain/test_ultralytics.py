"""Ultralytics YOLO: BaseTrainer's per-epoch lambda, per-iteration warmup and accumulation, per update.

The reference below is a plain per-iteration replay of ``BaseTrainer._do_train`` as it reads in the
8.4.100, 8.4.150 and 8.4.190 wheels (``ultralytics/engine/trainer.py``): the scheduler's value at the
start of each epoch, the warmup's ``np.interp`` of the LR and of the accumulation, and an update when
``ni - last_opt_step >= accumulate``. warmupctl's module computes the same by segments.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec import resolve
from warmupctl.spec.resolve import load_spec

REAL = Path(__file__).resolve().parent / "real"


def replay(version: tuple[int, int, int], n: int, batch: int, epochs: int, lr0: float = 0.01,
           lrf: float = 0.01, cos_lr: bool = False, warmup_epochs: float = 3.0, nbs: int = 64,
           start: float = 0.0) -> list[float]:
    """The LR of each optimizer update, iteration by iteration, as the trainer loop runs."""
    nb = math.ceil(n / batch)

    def lf(x: int) -> float:
        if cos_lr:
            return max((1 - math.cos(x * math.pi / epochs)) / 2, 0) * (lrf - 1) + 1
        return max(1 - x / epochs, 0) * (1.0 - lrf) + lrf

    accumulate = max(round(nbs / batch), 1)
    if version <= (8, 4, 102):
        nw = max(round(warmup_epochs * nb), 100) if warmup_epochs > 0 else -1
    else:
        we = min(warmup_epochs, max(epochs - 1, 0))
        nw = round(we * nb) if we > 0 else 0
    if version >= (8, 4, 183):
        accumulate = min(accumulate, nb * epochs)
    acc0 = accumulate
    last, out = -1, []
    for epoch in range(epochs):
        lr = lr0 * lf(epoch)  # scheduler.step() at the epoch's start
        for i in range(nb):
            ni = i + nb * epoch
            if version <= (8, 4, 102):
                warm = ni <= nw
            elif version <= (8, 4, 182):
                warm = ni < nw
            else:
                warm = bool(nw) and ni <= nw
            if warm:
                target = acc0 if version >= (8, 4, 183) else nbs / batch
                accumulate = max(1, int(np.interp(ni, [0, nw], [1, target]).round()))
                lr = float(np.interp(ni, [0, nw], [start, lr0 * lf(epoch)]))
            if ni - last >= accumulate:
                out.append(lr)
                last = ni
    return out


CASES = [
    ((8, 4, 190), 128, 16, 10, {}),
    ((8, 4, 190), 1000, 24, 7, {"cos_lr": True, "warmup_epochs": 1.5}),
    ((8, 4, 150), 128, 16, 10, {}),
    ((8, 4, 150), 500, 40, 4, {"lrf": 0.1, "warmup_epochs": 0.7}),
    ((8, 4, 100), 128, 16, 10, {}),
    ((8, 4, 100), 3000, 16, 3, {"cos_lr": True}),
    ((8, 4, 190), 640, 128, 5, {"warmup_epochs": 0.0}),
]


@pytest.mark.parametrize(("version", "n", "batch", "epochs", "extra"), CASES)
@pytest.mark.parametrize("group", ["weight", "bias"])
def test_updates_match_the_trainer_loop(version, n, batch, epochs, extra, group):
    start = 0.1 if group == "bias" else 0.0
    want = replay(version, n, batch, epochs, start=start, **extra)
    spec = {"schedule": "ultralytics.BaseTrainer",
            "args": {"dataset_size": n, "batch": batch, "epochs": epochs, "param_group": group,
                     "version": ".".join(map(str, version)), **extra}}
    s = resolve(spec, source="args")
    assert s.total_steps == len(want)
    np.testing.assert_array_equal(s.values(), np.array(want))


def test_real_args_yaml_auto_musgd(cli):
    path = REAL / "ultralytics_args.yaml"
    s = load_spec(str(path), {"dataset_size": 20000})
    # optimizer: auto, ceil(20000 / 64) × 50 = 15650 iterations > 10000: MuSGD at 0.01, no bias warmup
    assert s.values().tolist() == replay((8, 4, 190), 20000, 16, 50, lr0=0.01, start=0.0)
    result = cli("summary", str(path), "--dataset-size", "20000")
    assert result.exit_code == 0, result.stderr
    assert "optimizer: auto -> MuSGD at lr 0.01 (15650 iterations > 10000" in result.stderr


def test_real_args_yaml_auto_adamw_needs_the_classes(tmp_path):
    path = REAL / "ultralytics_args.yaml"
    with pytest.raises(SpecError) as info:
        load_spec(str(path), {"dataset_size": 1000})
    assert str(info.value) == (
        f"{path}: optimizer: auto picks AdamW with an LR from the number of classes (got 'auto'); "
        "lr0 is ignored; add nc: N (the classes of 'data.yolov8\\\\data.yaml') to the file, or set "
        "optimizer and lr0 explicitly")
    copy = tmp_path / "args.yaml"
    copy.write_text(path.read_text(encoding="utf-8") + "nc: 3\n", encoding="utf-8")
    s = load_spec(str(copy), {"dataset_size": 1000})
    lr = round(0.002 * 5 / (4 + 3), 6)
    assert s.values().tolist() == replay((8, 4, 190), 1000, 16, 50, lr0=lr, start=0.0)


def test_autobatch_is_refused(tmp_path):
    copy = tmp_path / "args.yaml"
    copy.write_text((REAL / "ultralytics_args.yaml").read_text(encoding="utf-8").replace(
        "batch: 16", "batch: -1"), encoding="utf-8")
    with pytest.raises(SpecError, match="AutoBatch picks the batch from the GPU's memory"):
        load_spec(str(copy), {"dataset_size": 1000})

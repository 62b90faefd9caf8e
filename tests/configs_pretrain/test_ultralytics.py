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
           start: float = 0.0, nb: int | None = None) -> list[float]:
    """The LR of each optimizer update, iteration by iteration, as the trainer loop runs (``nb``: the
    batches per epoch of each rank, when they are not ``ceil(n / batch)``)."""
    nb = nb or math.ceil(n / batch)

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
        "lr0 is ignored; pass --num-classes N (the classes of 'data.yolov8\\\\data.yaml'), or set "
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


def test_num_classes_flag_gives_the_adamw_lr(cli):
    """build_optimizer (8.4.190): optimizer auto with ceil(1000 / 64) × 50 = 800 iterations <= 10000
    -> AdamW at round(0.002 × 5 / (4 + nc), 6); --num-classes wins over the file's nc."""
    path = REAL / "ultralytics_args.yaml"
    s = load_spec(str(path), {"dataset_size": 1000, "num_classes": 80})
    assert s.values().tolist() == replay((8, 4, 190), 1000, 16, 50, lr0=round(0.01 / 84, 6), start=0.0)
    result = cli("-q", "steps", str(path), "--dataset-size", "1000", "--num-classes", "80")
    assert result.exit_code == 0, result.stderr
    imported = cli("import", str(path), "--dataset-size", "1000", "--num-classes", "80")
    assert "lr0: 0.000119" in imported.stdout
    native = cli("table", "--kind", "cosine", "--total-steps", "10", "--num-classes", "3")
    assert native.exit_code == 2
    assert native.stderr.startswith("error: command line: --num-classes: applies to a training config")
    other = cli("table", str(REAL / "megatron_mixtral_8x7b.sh"), "--num-classes", "3")
    assert other.exit_code == 2
    assert "--num-classes: does not apply to a Megatron-LM arguments" in other.stderr


def args_yaml(tmp_path, name="args.yaml", **changes) -> Path:
    text = (REAL / "ultralytics_args.yaml").read_text(encoding="utf-8")
    for key, value in changes.items():
        lines = [line for line in text.splitlines() if not line.startswith(f"{key}:")]
        text = "\n".join([*lines, f"{key}: {value}"]) + "\n"
    copy = tmp_path / name
    copy.write_text(text, encoding="utf-8")
    return copy


def test_several_gpus_split_the_batch_per_rank(tmp_path, cli):
    """_build_train_pipeline: each of the 4 ranks loads batch // 4 = 7 of batch 30; the DDP sampler
    gives each ceil(1000 / 4) = 250 images: nb = ceil(250 / 7) = 36 (one device: ceil(1000 / 30) = 34);
    accumulate = max(round(64 / 30), 1) = 2 from the total batch."""
    path = args_yaml(tmp_path, device="0,1,2,3", batch=30, optimizer="SGD", lr0=0.01)
    s = load_spec(str(path), {"dataset_size": 1000})
    assert s.values().tolist() == replay((8, 4, 190), 1000, 30, 50, start=0.0, nb=36)
    one = load_spec(str(args_yaml(tmp_path, "one.yaml", device=0, batch=30, optimizer="SGD")),
                    {"dataset_size": 1000})
    assert one.values().tolist() == replay((8, 4, 190), 1000, 30, 50, start=0.0, nb=34)
    result = cli("summary", str(path), "--dataset-size", "1000")
    assert "note: 36 batches per epoch (ceil(250 images per rank / 7 = batch 30 // 4 devices))" in result.stderr
    flag = load_spec(str(args_yaml(tmp_path, "flag.yaml", device="", batch=30, optimizer="SGD")),
                     {"dataset_size": 1000, "devices": 4})
    assert flag.values().tolist() == s.values().tolist()
    refused = cli("table", str(path), "--dataset-size", "1000", "--devices", "2")
    assert refused.exit_code == 2
    assert refused.stderr == ("error: command line: --devices: the file says device 0,1,2,3 (4 processes) "
                              "(got 2); drop --devices, or give the device the run used\n")


def test_compile_drops_the_last_partial_batch(tmp_path):
    """build_dataloader(drop_last=args.compile): one device, 1000 images at batch 30: 1000 // 30 = 33."""
    path = args_yaml(tmp_path, compile="true", batch=30, optimizer="SGD")
    s = load_spec(str(path), {"dataset_size": 1000})
    assert s.values().tolist() == replay((8, 4, 190), 1000, 30, 50, start=0.0, nb=33)
    with pytest.raises(SpecError, match="drops the last batch under rules that differ between 8.4 releases"):
        # 4 ranks at batch 32 // 4 = 8: 8.4.0 keeps the last batch (1000 % 8 == 0), 8.4.190 drops it
        # (each rank's 250 % 8 != 0)
        load_spec(str(args_yaml(tmp_path, "ddp.yaml", compile="true", batch=32, device="0,1,2,3",
                                optimizer="SGD")),
                  {"dataset_size": 1000})

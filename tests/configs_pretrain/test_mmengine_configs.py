"""MMEngine (OpenMMLab) Python configs: read with ast, _base_ merged, replayed as the Runner steps them.

The expected LRs (expected/mmdet_runs.json) were recorded by running mmengine 0.10.7's schedulers
on the spec each config imports to (tests/goldens/record.py, run_mmengine).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.resolve import load_spec

HERE = Path(__file__).resolve().parent
MMDET = HERE / "real" / "mmdet" / "configs"
RUNS = json.loads((HERE / "expected" / "mmdet_runs.json").read_text())["runs"]


@pytest.mark.parametrize("run", sorted(RUNS))
def test_recorded_runs(run, cli):
    name, *flags = run.split()
    path = next(MMDET.rglob(name))
    facts = dict(zip(flags[::2], flags[1::2]))
    schedule = load_spec(str(path), {"dataset_size": facts["--dataset-size"],
                                     "devices": facts["--devices"]})
    want = np.array(RUNS[run]["lr"])
    assert schedule.total_steps == len(want)
    np.testing.assert_allclose(schedule.values(), want, rtol=1e-12, atol=0)
    imported = cli("import", str(path), *flags, "-f", "json")
    assert imported.exit_code == 0, imported.stderr
    spec = json.loads(imported.stdout)
    assert {k: spec[k] for k in ("lr", "updates_per_epoch")} == {
        k: RUNS[run]["spec"][k] for k in ("lr", "updates_per_epoch")}
    table = cli("table", str(path), *flags, "--at", "0", "-f", "csv")
    assert table.stdout.splitlines()[1] == f"0,{float(want[0])!r}"


def test_rtmdet_inherits_and_overrides():
    s = load_spec(str(MMDET / "rtmdet" / "rtmdet_l_8xb32-300e_coco.py"),
                  {"dataset_size": 117266, "devices": 8})
    # 300 epochs of ceil(ceil(117266 / 8) / 32) = 459 iterations; _delete_ replaced SGD 0.02 by AdamW 0.004
    assert s.total_steps == 300 * 459
    assert s(np.array([0]))[0] == pytest.approx(0.004 * 1e-5, rel=1e-12)
    assert "len(train_dataloader) 459: ceil(117266 / 8 devices) = 14659 samples per GPU, ceil over " \
           "batch_size 32" in s.notes


def test_schedule_file_alone_names_what_is_missing():
    with pytest.raises(SpecError) as info:
        load_spec(str(MMDET / "_base_" / "schedules" / "schedule_1x.py"))
    assert str(info.value).endswith(
        "schedule_1x.py: train_dataloader.batch_size: an epoch's iterations need the batch size; a "
        "schedule file alone has no train_dataloader: give the model's config that inherits it (its "
        "_base_ list names the dataset file)")


def test_epoch_length_needs_the_facts():
    with pytest.raises(SpecError) as info:
        load_spec(str(MMDET / "retinanet" / "retinanet_r50_fpn_1x_coco.py"), {"dataset_size": 1000})
    assert str(info.value) == (
        "command line: --devices: an epoch's iterations need --devices; len(train_dataloader) = "
        "ceil(ceil(N / devices) / 2): the config holds neither the dataset's size nor the GPU count")


def test_a_computed_value_is_refused_naming_its_line(tmp_path):
    cfg = tmp_path / "cfg.py"
    cfg.write_text("import math\nbase_lr = math.sqrt(0.0001)\n"
                   "optim_wrapper = dict(optimizer=dict(type='SGD', lr=base_lr))\n"
                   "train_cfg = dict(by_epoch=False, max_iters=100)\n"
                   "param_scheduler = [dict(type='LinearLR', by_epoch=False, end=10)]\n")
    with pytest.raises(SpecError) as info:
        load_spec(str(cfg))
    assert str(info.value) == (
        f"{cfg}: optim_wrapper.optimizer.lr: line 3: lr: base_lr (line 2) is not a literal value; "
        "warmupctl reads literal values only (numbers, strings, lists, dict(...), names and "
        "arithmetic) and never runs a config; write the value there")


def test_iteration_loop_with_accumulation(tmp_path):
    cfg = tmp_path / "cfg.py"
    cfg.write_text("optim_wrapper = dict(optimizer=dict(type='AdamW', lr=0.001), accumulative_counts=4)\n"
                   "train_cfg = dict(type='IterBasedTrainLoop', max_iters=10)\n"
                   "param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=False, "
                   "end=6)]\n")
    s = load_spec(str(cfg))
    # iterations 0..9 at 0.5, 0.6, ..., 1.0 (end - 1 = 5), updates at iterations 3, 7 and 9
    assert s.total_steps == 3
    assert s.values().tolist() == pytest.approx([0.0008, 0.001, 0.001], rel=1e-12)

"""Each log format is detected from its content and read into its LR series; several series are
listed and ``series`` picks one. Samples are written in each tool's own layout (cited per reader)."""

import pathlib

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.logs import FORMATS, read_log

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "logs"


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_tensorboard_event_file_written_by_tensorboardx():
    log = read_log(str(DATA / "tensorboardx_events.out.tfevents"))
    assert log.kind == "tensorboard_events" and log.float32
    assert log.series == ("lr/pg0", "lr/pg1") and log.lr_field == "lr/pg0"
    assert log.steps.tolist() == list(range(50))
    # float32 of transformers' linear schedule: 5 warmup updates to 1e-3, then down to 0 at 50.
    import numpy as np
    assert log.lrs[:3].tolist() == [float(np.float32(x)) for x in (0.0, 2e-4, 4e-4)]
    other = read_log(str(DATA / "tensorboardx_events.out.tfevents"), series="lr/pg1")
    assert other.lrs[5] == pytest.approx(1e-4, rel=1e-7)
    with pytest.raises(SpecError, match=r"--actual-series: no LR series named 'lr/pg2' in this log"):
        read_log(str(DATA / "tensorboardx_events.out.tfevents"), series="lr/pg2")


def test_event_file_cut_short_keeps_its_complete_records(tmp_path):
    data = (DATA / "tensorboardx_events.out.tfevents").read_bytes()
    path = tmp_path / "events.out.tfevents.1"
    path.write_bytes(data[:-7])
    log = read_log(str(path))
    assert log.steps[-1] == 49 and log.skipped == 1  # the cut record was the last lr/pg1


def test_llamafactory_jsonl(tmp_path):
    text = "\n".join([
        '{"current_steps": 1, "total_steps": 675, "loss": 1.2, "epoch": 0.0, "percentage": 0.15}',
        '{"current_steps": 2, "total_steps": 675, "loss": 1.1, "lr": 1.25e-06, "epoch": 0.01}',
        '{"current_steps": 3, "total_steps": 675, "loss": 1.0, "lr": 2.5e-06, "epoch": 0.01}',
    ]) + "\n"
    log = read_log(write(tmp_path, "trainer_log.jsonl", text))
    assert log.kind == "llamafactory" and log.steps.tolist() == [2, 3]
    assert log.lrs.tolist() == [1.25e-06, 2.5e-06] and log.skipped == 1
    assert dict(log.facts) == {"max_steps": 675}


def test_mmengine_scalars(tmp_path):
    text = "\n".join([
        '{"base_lr": 0.0002, "lr": 2e-05, "data_time": 0.01, "loss": 2.3, "time": 0.4, "epoch": 1, '
        '"iter": 50, "memory": 100, "step": 50}',
        '{"base_lr": 0.0002, "lr": 4e-05, "data_time": 0.01, "loss": 2.1, "time": 0.4, "epoch": 1, '
        '"iter": 100, "memory": 100, "step": 100}',
        '{"coco/bbox_mAP": 0.1, "step": 1}',
    ])
    log = read_log(write(tmp_path, "scalars.json", text))
    assert log.kind == "mmengine" and log.series == ("lr",)
    assert log.steps.tolist() == [50, 100] and log.lrs.tolist() == [2e-05, 4e-05]


def test_ultralytics_results_csv(tmp_path):
    text = ("epoch,time,train/box_loss,metrics/mAP50(B),lr/pg0,lr/pg1,lr/pg2\n"
            "1,10.5,1.2,0.1,0.00066,0.00066,0.0934\n2,20.1,1.1,0.2,0.0013134,0.0013134,0.0867\n")
    log = read_log(write(tmp_path, "results.csv", text))
    assert log.kind == "ultralytics" and log.unit == "epoch" and log.offset == 1
    assert log.series == ("lr/pg0", "lr/pg1", "lr/pg2") and log.lrs.tolist() == [0.00066, 0.0013134]
    assert log.rounding == 0.5e-4  # '%.6g': 5 significant digits at most here
    assert read_log(write(tmp_path, "r.csv", text), series="lr/pg2").lrs.tolist() == [0.0934, 0.0867]


def test_timm_summary_csv(tmp_path):
    text = "epoch,train_loss,eval_loss,eval_top1,eval_top5,lr\n0,6.9,6.8,0.1,0.5,0.0001\n1,6.5,6.4,0.3,1.1,0.00055\n"
    log = read_log(write(tmp_path, "summary.csv", text))
    assert log.kind == "timm" and log.unit == "epoch" and log.steps.tolist() == [0, 1]


def test_lightning_metrics_csv(tmp_path):
    text = ("epoch,lr-AdamW/pg1,lr-AdamW/pg2,lr-AdamW-momentum,step,train_loss\n"
            "0,0.001,0.0001,0.9,0,\n0,,,,0,2.5\n0,0.002,0.0002,0.9,1,\n")
    log = read_log(write(tmp_path, "metrics.csv", text))
    assert log.kind == "lightning" and log.series == ("lr-AdamW/pg1", "lr-AdamW/pg2")
    assert log.steps.tolist() == [0, 1] and log.lrs.tolist() == [0.001, 0.002] and log.skipped == 1


def test_wandb_export_with_two_runs(tmp_path):
    text = "Step,a - train/lr,a - train/lr__MIN,b - train/lr\n1,0.1,0.1,0.2\n2,0.3,0.3,0.4\n"
    log = read_log(write(tmp_path, "wandb.csv", text))
    assert log.kind == "csv" and log.series == ("a - train/lr", "b - train/lr")
    assert "2 LR series (b - train/lr not read; --actual-series NAME picks one)" in log.describe()
    assert read_log(write(tmp_path, "w.csv", text), series="b - train/lr").lrs.tolist() == [0.2, 0.4]


def test_megatron_text_log(tmp_path):
    text = (" > building train, validation, and test datasets ...\n"
            " iteration      100/  500000 | consumed samples:        51200 | elapsed time per iteration "
            "(ms): 300.2 | learning rate: 6.000E-05 | global batch size:   512 | lm loss: 7.1E+00 | "
            "loss scale: 65536.0 | number of skipped iterations:   2 | number of nan iterations:   0 |\n"
            " iteration      200/  500000 | consumed samples:       102400 | learning rate: 1.200E-04 | "
            "number of skipped iterations:   0 |\n")
    log = read_log(write(tmp_path, "train.log", text))
    assert log.kind == "megatron" and log.steps.tolist() == [100, 200]
    assert log.lrs.tolist() == [6e-05, 1.2e-04] and log.offset == 0 and log.rounding == 0.5e-3
    assert dict(log.facts) == {"max_steps": 500000, "skipped_iterations": 2}


def test_fairseq_text_and_json_logs(tmp_path):
    text = ("2021-01-01 10:00:00 | INFO | train_inner | epoch 001:    100 / 1563 loss=9.867, "
            "nll_loss=9.8, ppl=934.2, wps=1234, ups=1.2, wpb=8000, bsz=32, num_updates=100, lr=1.25e-05, "
            "gnorm=1.2, train_wall=80, wall=90\n"
            '{"epoch": 1, "update": 0.128, "loss": "9.1", "num_updates": "200", "lr": "2.5e-05"}\n')
    log = read_log(write(tmp_path, "train.log", text))
    assert log.kind == "fairseq" and log.steps.tolist() == [100, 200]
    assert log.lrs.tolist() == [1.25e-05, 2.5e-05] and log.offset == 0


def test_unrecognised_text_names_the_formats(tmp_path):
    with pytest.raises(SpecError) as info:
        read_log(write(tmp_path, "notes.txt", "hello\nworld\n"))
    assert str(info.value).startswith(f"{tmp_path}/notes.txt: not a log warmupctl reads; warmupctl reads "
                                      "TensorBoard event files and exports, trainer_state.json")


def test_every_format_is_named():
    assert list(FORMATS) == ["tensorboard_events", "trainer_state", "tensorboard_json", "llamafactory",
                             "mmengine", "tensorboard", "ultralytics", "timm", "lightning", "megatron",
                             "fairseq", "csv"]

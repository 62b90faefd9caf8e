"""Real logs of each format from public repositories (tests/data/logs/public/README.md names the
repository, path and commit of each): what warmupctl reads of them — series, count, first and last
values, the step convention — and, where the run's configuration is known, what explains them."""

import pathlib

import pytest

from warmupctl.calc.explained import explain_log
from warmupctl.spec import load_spec
from warmupctl.spec.logs import read_log

PUBLIC = pathlib.Path(__file__).resolve().parents[1] / "data" / "logs" / "public"

#: file: (format, series, count, first step, last step, first LR, last LR, offset, facts)
READS = {
    "llamafactory_lr_trainer_log.jsonl": ("llamafactory", ("lr",), 675, 10, 6750, 1.3333333333333334e-06,
                                          6.68570453998818e-12, None, {"max_steps": 6750}),
    "mmengine_iter_scalars.json": ("mmengine", ("lr",), 789, 1, 789, 4e-08, 0.003999999999999999, 1, {}),
    "mmengine_epoch_scalars.json": ("mmengine", ("lr",), 59, 69, 4071, 0.02, 0.002, 1, {}),
    "whisper_small_hi_trainer_state.json": ("trainer_state", ("learning_rate",), 200, 25, 5000,
                                            4.6000000000000004e-07, 6.666666666666667e-09, 0,
                                            {"max_steps": 5000, "global_step": 5000, "num_train_epochs": 13}),
    "tinyllama_trainer_state.json": ("trainer_state", ("learning_rate",), 186, 15, 2790, 2.456140350877193e-06,
                                     1.3040663405394782e-09, None,
                                     {"max_steps": 2808, "logging_steps": 15, "global_step": 2800,
                                      "num_train_epochs": 2, "train_batch_size": 2}),
    "ultralytics_results.csv": ("ultralytics", ("lr/pg0", "lr/pg1", "lr/pg2"), 102, 1, 102, 3.334e-05,
                                0.000555778, 1, {}),
    "ultralytics_8.0_results.csv": ("ultralytics", ("lr/pg0", "lr/pg1", "lr/pg2"), 25, 0, 24, 0.070545,
                                    0.000892, 0, {}),
}


@pytest.mark.parametrize("name", sorted(READS))
def test_what_is_read_of_each_real_log(name):
    kind, series, count, first, last, first_lr, last_lr, offset, facts = READS[name]
    log = read_log(str(PUBLIC / name))
    assert (log.kind, log.series, log.lr_field) == (kind, series, series[0])
    assert (len(log.steps), int(log.steps[0]), int(log.steps[-1])) == (count, first, last)
    assert (float(log.lrs[0]), float(log.lrs[-1])) == (first_lr, last_lr)
    assert log.offset == offset and dict(log.facts) == facts


def test_ultralytics_8_0_pads_its_columns_and_counts_epochs_from_0():
    log = read_log(str(PUBLIC / "ultralytics_8.0_results.csv"))
    assert log.convention == "the log's own: Ultralytics 8.0 writes an epoch's LR at its end, epochs from 0"
    assert log.rounding == 0.5e-4  # '%23.5g': 5 significant digits
    # pg0 warms down from warmup_bias_lr 0.1 in this version; pg1 and pg2 up from 0.
    assert read_log(str(PUBLIC / "ultralytics_8.0_results.csv"), series="lr/pg2").lrs[:3].tolist() == [
        0.0032727, 0.0063445, 0.0091522]
    recent = read_log(str(PUBLIC / "ultralytics_results.csv"))
    assert recent.convention == "the log's own: Ultralytics writes an epoch's LR at its end, epochs from 1"


def test_an_event_file_without_an_lr_names_its_scalars():
    from warmupctl.core.errors import SpecError

    with pytest.raises(SpecError) as info:
        read_log(str(PUBLIC / "ultralytics_8.0_events.out.tfevents.1675348815"))
    assert str(info.value).startswith(
        f"{PUBLIC / 'ultralytics_8.0_events.out.tfevents.1675348815'}: a TensorBoard event file with no "
        "learning-rate scalar (its scalars: train/box_loss, train/cls_loss, train/dfl_loss, "
        "metrics/precision(B), metrics/recall(B), metrics/mAP50(B), metrics/mAP50-95(B), val/box_loss, "
        "val/cls_loss, val/dfl_loss); ")


def explained(log_name, spec_name):
    log = read_log(str(PUBLIC / log_name))
    return explain_log(load_spec(str(PUBLIC / spec_name), {}), log).best


def test_llamafactory_recent_log_is_its_cosine_logged_after_the_update():
    best = explained("llamafactory_lr_trainer_log.jsonl", "llamafactory_lr.yaml")
    assert (best.name, best.offset, best.residual, best.explained) == ("offset", 1, 0.0, True)


def test_llamafactory_recent_log_infers_its_schedule(cli):
    result = cli("explain", str(PUBLIC / "llamafactory_lr_trainer_log.jsonl"))
    assert result.exit_code == 0, result.stderr
    assert ("schedule: transformers.cosine\nlr: 0.0001\nargs: {num_warmup_steps: 675, "
            "num_training_steps: 6750}") in result.stdout


def test_mmengine_logs_each_iterations_lr_at_the_next_step():
    best = explained("mmengine_iter_scalars.json", "mmengine_iter.yaml")
    assert (best.offset, best.residual, best.explained) == (1, 0.0, True)


def test_whisper_small_hi_fp16_run_skipped_three_optimizer_steps():
    """transformers 4.25, Native AMP: the log lags by 2 at step 25 and by 3 from step 50."""
    best = explained("whisper_small_hi_trainer_state.json", "whisper_small_hi.yaml")
    assert (best.name, best.offset, best.residual) == ("skipped", 0, 0.0)
    assert best.causes[0].params["count"] == 3
    assert best.causes[0].params["windows"] == [{"first": 0, "last": 24, "count": 2},
                                                {"first": 25, "last": 49, "count": 1}]


def test_tinyllama_run_uses_its_own_max_steps_and_skipped_one_step():
    """The issue's TinyLlama run: its trainer_state.json says max_steps 2808 (not a guess of 2806);
    fp16 skipped one optimizer step between updates 2024 and 2038; early stopping ended it at 2800."""
    log = read_log(str(PUBLIC / "tinyllama_trainer_state.json"))
    report = explain_log(load_spec(str(PUBLIC / "tinyllama.yaml"), {}), log)
    best = report.best
    assert (best.name, best.offset, best.residual) == ("skipped", 1, 0.0)
    assert best.causes[0].params["windows"] == [{"first": 2024, "last": 2038, "count": 1}]
    assert report.notes == ("the run stopped at update 2800 of its max_steps 2808 (stopped early, or "
                            "still going when the log was copied)",)

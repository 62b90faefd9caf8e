"""Real logs of each format from public repositories (tests/data/logs/public/README.md names the
repository, path and commit of each): what warmupctl reads of them — series, count, first and last
values, the step convention — and, where the run's configuration is known, what explains them."""

import json
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
    "whisper_v2_flemish_trainer_state.json": ("trainer_state", ("learning_rate",), 150, 100, 15000, 1.94e-06,
                                              6.896551724137931e-09, 0,
                                              {"max_steps": 15000, "global_step": 15000,
                                               "num_train_epochs": 2**63 - 1}),
    "whisper_braj_trainer_state.json": ("trainer_state", ("learning_rate",), 5, 500, 2500, 0.001482,
                                        0.0002670731707317073, None,
                                        {"max_steps": 2640, "logging_steps": 500, "global_step": 2640,
                                         "num_train_epochs": 20, "train_batch_size": 8}),
    "lightning_onecycle_metrics.csv": ("lightning", ("lr-SGD",), 55, 49, 2749, 0.004826167939678341,
                                       1.5218789536947162e-05, 0, {}),
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


READS_TEXT = {
    "megatron_7b_1node.log": ("megatron", 10, 10, 100, 0.0, 1.172093e-05, 16),
    "megatron_7b_2node.log": ("megatron", 10, 10, 100, 0.0, 1.186047e-05, 15),
}


@pytest.mark.parametrize("name", sorted(READS_TEXT))
def test_megatron_logs_read_with_their_skipped_iterations(name):
    kind, count, first, last, first_lr, last_lr, skipped = READS_TEXT[name]
    log = read_log(str(PUBLIC / name))
    assert (log.kind, len(log.steps), int(log.steps[0]), int(log.steps[-1])) == (kind, count, first, last)
    assert (float(log.lrs[0]), float(log.lrs[-1])) == (first_lr, last_lr)
    assert log.offset == 0 and log.rounding == 0.5e-6  # '%.6E': 7 significant digits
    assert dict(log.facts) == {"max_steps": 500000, "skipped_iterations": skipped}


@pytest.mark.parametrize("name, windows", [
    ("megatron_7b_1node.log", [{"first": 0, "last": 9, "count": 10}, {"first": 10, "last": 19, "count": 5},
                               {"first": 40, "last": 49, "count": 1}]),
    ("megatron_7b_2node.log", [{"first": 0, "last": 9, "count": 10}, {"first": 10, "last": 19, "count": 5}]),
])
def test_megatron_skipped_iterations_are_found_as_the_log_counts_them(name, windows):
    log = read_log(str(PUBLIC / name))
    best = explain_log(load_spec(str(PUBLIC / "megatron_7b.yaml"), {}), log).best
    assert best.name == "skipped" and best.offset == 0 and best.explained
    assert best.causes[0].params["windows"] == windows
    assert best.causes[0].params["count"] == log.facts["skipped_iterations"]


@pytest.mark.parametrize("name", ["fairseq_fsdp_13b_1gpu.log", "fairseq_fsdp_13b_8gpu.log"])
def test_fairseq_json_log_follows_its_polynomial_decay(name):
    log = read_log(str(PUBLIC / name))
    assert (log.kind, log.steps.tolist(), log.offset) == ("fairseq", list(range(1, 11)), 0)
    assert log.lrs.tolist() == [2e-05, 4e-05, 6e-05, 8e-05, 0.0001, 8e-05, 6e-05, 4e-05, 2e-05, 0.0]
    assert log.rounding == 0.5e-5  # '{:g}': 6 significant digits, however few a value shows
    best = explain_log(load_spec(str(PUBLIC / "fairseq_fsdp.yaml"), {}), log).best
    assert (best.name, best.offset, best.explained) == ("none", 0, True) and best.residual < 1e-15


def test_fairseq_epoch_summaries_are_read_with_their_train_prefix(tmp_path):
    path = tmp_path / "train.log"
    path.write_text('2020-04-22 07:42:21 | INFO | train | {"epoch": 2, "train_loss": "1.603", '
                    '"train_num_updates": "104", "train_lr": "2.79871e-07", "train_gnorm": "2.274"}\n'
                    '2020-04-22 07:42:23 | INFO | valid | {"epoch": 2, "valid_loss": "1.584", '
                    '"valid_num_updates": "104"}\n')
    log = read_log(str(path))
    assert (log.kind, log.steps.tolist(), log.lrs.tolist()) == ("fairseq", [104], [2.79871e-07])


def test_whisper_v2_flemish_fp16_run_skipped_ten_optimizer_steps():
    best = explained("whisper_v2_flemish_trainer_state.json", "whisper_v2_flemish.yaml")
    assert (best.name, best.offset, best.residual) == ("skipped", 0, 0.0)
    assert best.causes[0].params["count"] == 10
    assert [w["count"] for w in best.causes[0].params["windows"]] == [3, 1, 1, 1, 1, 1, 1, 1]


def test_lightning_lr_monitor_log_is_its_onecycle_bit_for_bit():
    log = read_log(str(PUBLIC / "lightning_onecycle_metrics.csv"))
    assert log.skipped == 126  # rows of the other metrics
    best = explain_log(load_spec(str(PUBLIC / "lightning_onecycle.yaml"), {}), log).best
    assert (best.name, best.offset, best.residual) == ("none", 0, 0.0)


LOGS = sorted(p.name for p in PUBLIC.iterdir() if p.suffix not in (".yaml", ".md"))


@pytest.mark.parametrize("name", LOGS)
def test_every_real_log_given_as_a_spec_is_refused_as_a_log(cli, name):
    result = cli("table", str(PUBLIC / name))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {PUBLIC / name}: this is a training log: use --actual; it is ")


def test_summary_actual_counts_a_text_logs_skipped_iterations_within_its_digits(cli):
    """The lag is found within the log's printed digits (Megatron's %.6E), as explain finds it."""
    result = cli("summary", str(PUBLIC / "megatron_7b.yaml"), "--actual", str(PUBLIC / "megatron_7b_1node.log"),
                 "--format", "json")
    actual = json.loads(result.stdout)["actual"]
    assert actual["offset"] == 0 and actual["skipped"]["count"] == 16
    assert [w["count"] for w in actual["skipped"]["windows"]] == [10, 5, 1]

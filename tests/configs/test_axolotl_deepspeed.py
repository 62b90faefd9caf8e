"""axolotl with a DeepSpeed config: a scheduler block replaces axolotl's scheduler, its "auto" values filled
as transformers' DeepSpeed integration fills them from the TrainingArguments axolotl builds."""

import json
import pathlib

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import translate

ROOT = pathlib.Path(__file__).resolve().parents[2]
AXOLOTL = {"base_model": "x", "learning_rate": 2e-4, "micro_batch_size": 2, "gradient_accumulation_steps": 4,
           "num_epochs": 4, "warmup_ratio": 0.1, "lr_scheduler": "cosine", "cosine_min_lr_ratio": 0.1}
WARMUP_DECAY = {"train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto",
                "gradient_accumulation_steps": "auto",
                "optimizer": {"type": "AdamW", "params": {"lr": "auto"}},
                "scheduler": {"type": "WarmupDecayLR",
                              "params": {"warmup_min_lr": "auto", "warmup_max_lr": "auto",
                                         "warmup_num_steps": "auto", "total_num_steps": "auto",
                                         "warmup_type": "linear"}}}


def _write(tmp_path, config):
    path = tmp_path / "ds.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_the_scheduler_block_is_filled_as_the_trainer_would_fill_it(tmp_path):
    ds = _write(tmp_path, WARMUP_DECAY)
    axolotl = translate(AXOLOTL, source="a.yml", facts={"dataset_size": 1000, "devices": 1}, deepspeed=ds)
    # The TrainingArguments axolotl hands the Trainer: 500 updates (ceil(1000 × 4 / 8)), warmup int(0.1 × 500).
    trainer = translate({"learning_rate": 2e-4, "per_device_train_batch_size": 2, "gradient_accumulation_steps": 4,
                         "max_steps": 500, "warmup_steps": 50, "lr_scheduler_type": "cosine",
                         "output_dir": "o"}, source="t.yml", facts={"devices": 1}, deepspeed=ds)
    assert dict(axolotl.spec) == dict(trainer.spec) == {
        "schedule": "deepspeed.WarmupDecayLR", "lr": 2e-4,
        "args": {"warmup_min_lr": 0, "warmup_max_lr": 2e-4, "warmup_num_steps": 50, "total_num_steps": 500,
                 "warmup_type": "linear"}}
    assert axolotl.title == "axolotl config + DeepSpeed config"
    assert ("axolotl hands deepspeed: to the Trainer, so DeepSpeed's scheduler is used (warmup_steps 50 and "
            "max_steps 500 as axolotl computes them fill its \"auto\" values); cosine_min_lr_ratio of axolotl's "
            "own cosine do not apply") in axolotl.notes


def test_a_number_that_disagrees_with_the_trainer_is_transformers_error(tmp_path):
    config = json.loads(json.dumps(WARMUP_DECAY))
    config["scheduler"]["params"]["warmup_num_steps"] = 10
    ds = _write(tmp_path, config)
    with pytest.raises(SpecError) as info:
        translate(AXOLOTL, source="a.yml", facts={"dataset_size": 1000, "devices": 1}, deepspeed=ds)
    assert str(info.value).startswith(f"{ds}: scheduler.params.warmup_num_steps: ")


def test_a_config_without_a_scheduler_block_keeps_axolotls_scheduler():
    ds = str(ROOT / "tests" / "configs" / "real" / "axolotl" / "zero2.json")
    translation = translate(AXOLOTL, source="a.yml", facts={"dataset_size": 1000, "devices": 1}, deepspeed=ds)
    assert translation.spec["schedule"] == "axolotl.cosine_with_min_lr"
    assert f"{ds} has no scheduler block: axolotl's lr_scheduler runs" in translation.notes


def test_val_set_size_is_named_when_the_dataset_size_is_given(cli, tmp_path):
    """axolotl counts the training rows after its eval split (axolotl examples/jeopardy-bot/config.yml has
    val_set_size 0.02): the count is ceil(1000 × 4 / 1) = 4000 of the rows given, and a note says that
    --dataset-size means the rows left after the split, as for LLaMA-Factory's val_size."""
    path = tmp_path / "jeopardy.yml"
    path.write_text("base_model: huggyllama/llama-7b\nval_set_size: 0.02\nsequence_len: 512\n"
                    "gradient_accumulation_steps: 1\nmicro_batch_size: 1\nnum_epochs: 4\nlr_scheduler: cosine\n"
                    "learning_rate: 0.00003\nwarmup_steps: 20\n")
    result = cli("steps", str(path), "--devices", "1", "--dataset-size", "1000")
    assert result.exit_code == 0, result.stderr
    assert "total_steps: 4000" in result.stdout
    assert ("note: val_set_size 0.02 changes the training set's size: --dataset-size is the rows left"
            in result.stderr.splitlines())

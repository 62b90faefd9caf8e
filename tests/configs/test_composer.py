"""The Composer/llm-foundry reader: llm-foundry's scheduler names, the batch facts behind the time
strings, and one-line refusals naming the key or flag that is missing (warmupctl/spec/configs/composer.py).

The values of the real configs are pinned in tests/configs/real/cases.yaml (from Composer's own
Trainer); here are the reader's decisions on small configs written like llm-foundry's.
"""

import json
import pathlib
import textwrap

import pytest
import yaml

PRETRAIN = """
variables:
  max_seq_len: 2048
max_seq_len: ${variables.max_seq_len}
train_loader:
  name: text
  drop_last: true
scheduler:
  name: cosine_with_warmup
  t_warmup: 100ba
  alpha_f: 0.1
optimizer:
  name: decoupled_adamw
  lr: 6.0e-4
max_duration: 4800ba
global_train_batch_size: 256
device_train_microbatch_size: 16
"""


@pytest.fixture
def config(tmp_path):
    def write(text: str = PRETRAIN, **changes) -> str:
        mapping = yaml.safe_load(text)
        for key, value in changes.items():
            if value is None:
                mapping.pop(key, None)
            else:
                mapping[key] = value
        path = pathlib.Path(tmp_path) / "train.yaml"
        path.write_text(yaml.safe_dump(mapping))
        return str(path)

    return write


def _imported(cli, path, *args):
    """The library spec ``import`` prints (with the run's length from ``summary``), and the notes."""
    result = cli("import", path, *args)
    assert result.exit_code == 0, result.stderr
    summary = cli("-q", "summary", path, *args, "--format", "json")
    assert summary.exit_code == 0, summary.stderr
    spec = yaml.safe_load(result.stdout)
    spec["total_steps"] = json.loads(summary.stdout)["summary"]["total_steps"]
    return spec, result.stderr


def test_an_llm_foundry_pretraining_config(cli, config):
    spec, notes = _imported(cli, config())
    assert spec == {"schedule": "composer.CosineAnnealingWithWarmupScheduler", "lr": 6e-4,
                    "args": {"t_warmup": "100ba", "alpha_f": 0.1}, "max_duration": "4800ba",
                    "samples_per_batch": 256, "total_steps": 4800}
    assert ("device_train_microbatch_size 16 splits each device's batch; Composer still makes one update per "
            "global batch") in notes


def test_tokens_are_global_batch_times_max_seq_len_for_the_text_loader(cli, config):
    path = config(max_duration="1e9tok", scheduler={"name": "linear_decay_with_warmup", "t_warmup": "0.01dur"})
    spec, notes = _imported(cli, path)
    assert spec["tokens_per_batch"] == 256 * 2048 and spec["total_steps"] == 1908  # ceil(1e9 / 524288)
    assert "524288 tokens per batch: global_train_batch_size 256 × max_seq_len" in notes


FINETUNING = {"name": "finetuning", "dataset": {"hf_name": "mosaicml/dolly_hhrlhf"}, "drop_last": True}


def test_epochs_are_counted_from_the_flags(cli, config):
    path = config(max_duration="2ep", train_loader=FINETUNING)
    spec, notes = _imported(cli, path, "--dataset-size", "10001", "--devices", "8")
    # DistributedSampler(drop_last=True): 10001 // 8 = 1250 rows per rank, // 32 per device batch
    assert spec["updates_per_epoch"] == 39 and spec["total_steps"] == 78
    assert ("an epoch is 39 batches (10001 rows // 8 devices = 1250 per rank, // 32 rows per device batch)"
            in notes)


def test_a_packing_ratio_packs_more_rows_into_each_batch(cli, config):
    loader = {**FINETUNING, "dataset": {**FINETUNING["dataset"], "packing_ratio": 2.5}}
    spec, notes = _imported(cli, config(max_duration="1ep", train_loader=loader), "--dataset-size", "10000",
                            "--devices", "8")
    assert spec["updates_per_epoch"] == 1250 // 80
    assert ("an epoch is 15 batches (ceil(10000 rows / 8 devices) = 1250 per rank, // 80 rows per device batch "
            "(packing_ratio 2.5 × 32))") in notes


def test_a_streaming_epoch_is_counted_on_one_device_only(cli, config):
    spec, _ = _imported(cli, config(max_duration="1ep"), "--dataset-size", "10000", "--devices", "1")
    assert spec["updates_per_epoch"] == 10000 // 256
    result = cli("table", config(max_duration="1ep"), "--dataset-size", "10000", "--devices", "8")
    assert result.exit_code == 2
    assert "max_duration: counts epochs of a streaming dataset, which shards its samples over the devices" \
        in result.stderr


def test_an_int_max_duration_is_epochs(cli, config):
    spec, _ = _imported(cli, config(max_duration=1, train_subset_num_batches=50))
    assert spec["max_duration"] == "1ep" and spec["updates_per_epoch"] == 50 and spec["total_steps"] == 50


def test_scale_schedule_ratio_is_applied_and_said(cli, config):
    spec, notes = _imported(cli, config(scale_schedule_ratio=0.5))
    assert spec["scale_schedule_ratio"] == 0.5 and spec["total_steps"] == 2400
    assert "scale_schedule_ratio 0.5: the Trainer runs max_duration 4800ba as 2400ba" in notes


@pytest.mark.parametrize(("changes", "args", "error"), [
    ({"scheduler": {"name": "inv_sqrt_with_warmup", "t_warmup": "10ba"}}, [],
     "scheduler.name: is not a scheduler warmupctl reads (got 'inv_sqrt_with_warmup'); llm-foundry's own "
     "InverseSquareRootWithWarmupScheduler is not read"),
    ({"scheduler": {"name": "cosine", "t_warmup": "10ba"}}, [],
     "scheduler.name: is not a scheduler warmupctl reads (got 'cosine'); llm-foundry registers "
     "constant_with_warmup, cosine_with_warmup, linear_decay_with_warmup"),
    ({"scheduler": {"name": "cosine_with_warmup", "t_warmup": "10ba", "warmup": 3}}, [],
     "scheduler.warmup: unknown argument (got 'warmup'); did you mean 't_warmup'? composer.CosineAnnealingWithWarmupScheduler accepts "
     "t_warmup (required), t_max='1dur', alpha_f=0.0, scale_warmup=False"),
    ({"scheduler": None}, [],
     "scheduler: has no scheduler mapping (got None); llm-foundry requires scheduler: {name: cosine_with_warmup, "
     "t_warmup: 100ba}"),
    ({"optimizer": {"name": "decoupled_adamw"}}, [],
     "optimizer.lr: the optimizer has no lr; llm-foundry builds optimizer.name with the mapping's lr; add it"),
    ({"max_duration": "2ep"}, [],
     "max_duration: counts epochs: Composer converts them with the dataloader's length; pass --dataset-size N "
     "(rows of the training set) and --devices N (GPUs)"),
    ({"max_duration": "2ep"}, ["--dataset-size", "1000", "--devices", "3"],
     "global_train_batch_size: does not split over 3 devices (got 256); llm-foundry raises ValueError: the "
     "global batch must split evenly"),
    ({"max_duration": "1e9tok", "train_loader": {"name": "finetuning"}}, [],
     "max_duration: counts tokens, and this loader's batch has as many tokens as its data; llm-foundry counts a "
     "batch's unpadded tokens; train_loader.name is 'finetuning', not 'text' (concatenated max_seq_len "
     "samples): give the time in ba instead"),
    ({"global_train_batch_size": None, "max_duration": "1e6sp"}, [],
     "max_duration: counts samples: Composer needs the global batch size; add global_train_batch_size: N "
     "(llm-foundry requires it)"),
    ({"global_train_batch_size": None, "device_train_batch_size": 8}, [],
     "device_train_batch_size: is per device (got 8); pass --devices N: the global batch is "
     "device_train_batch_size × devices"),
    ({"step_schedulers_every_batch": False}, [],
     "step_schedulers_every_batch: steps the scheduler once per epoch (got False); warmupctl reads Composer's "
     "default, a step after every batch"),
    ({"algorithms": {"swa": {"swa_start": "0.7dur"}}}, [],
     "algorithms.swa: changes the LR itself; Composer's SWA algorithm replaces the LR with its own swa_lr "
     "schedule"),
    ({"schedulers": [{"cosine_decay_with_warmup": {"t_warmup": "1ep"}}]}, [],
     "schedulers: is the hparams YAML of Composer before 0.12; warmupctl reads llm-foundry's scheduler: "
     "{name: ..., t_warmup: ...}"),
    ({"scheduler": {"name": "cosine_with_warmup", "t_warmup": "${variables.warmup}"}}, [],
     "scheduler.t_warmup: refers to ${variables.warmup}, which the file does not set; write the value here"),
    ({}, ["--total-steps", "100"],
     "--total-steps: does not apply to a Composer/llm-foundry config (got '100'); Composer's run is "
     "max_duration: set max_duration: Nba in the config"),
])
def test_refusals(cli, config, changes, args, error):
    path = config(**changes)
    result = cli("table", path, *args)
    assert result.exit_code == 2, result.stdout
    source = "command line" if args and args[0] == "--total-steps" else path
    assert result.stderr.strip() == f"error: {source}: {error}"


def test_a_deepspeed_like_optimizer_block_does_not_make_it_a_deepspeed_config(cli, config):
    result = cli("-q", "steps", config(), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert '"config": "Composer/llm-foundry config"' in result.stdout


def test_a_native_key_next_to_composer_keys_is_a_mix(cli, tmp_path):
    path = pathlib.Path(tmp_path) / "mixed.yaml"
    path.write_text(textwrap.dedent("""
        kind: cosine
        lr: 1e-3
        max_duration: 100ba
    """))
    result = cli("table", str(path))
    assert result.exit_code == 2
    assert "Composer/llm-foundry config" in result.stderr

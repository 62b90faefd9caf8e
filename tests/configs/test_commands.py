"""Commands agree on configs: steps reads them, --deepspeed and --library-version reach every command,
--total-steps sets the trainer's run length or is refused with why."""

import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "configs" / "real"
SAMPLES = ROOT / "sample_configs" / "configs"


@pytest.fixture(autouse=True)
def _no_installed_library(monkeypatch):
    from warmupctl.spec.configs import _versions

    monkeypatch.setattr(_versions, "installed", lambda library: None)


def test_steps_reads_a_config(cli):
    result = cli("-q", "steps", str(REAL / "axolotl" / "qwen-lora.yml"), "--devices", "1", "--dataset-size", "1000",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"format_version": 1, "config": "axolotl config",
                                         "schedule": "transformers.cosine", "total_steps": 500, "warmup_steps": 50}


def test_steps_refuses_batch_flags_on_a_config(cli):
    result = cli("steps", str(REAL / "nanogpt" / "train_gpt2.py"), "--micro-batch-size", "4")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: command line: --micro-batch-size: does not apply to a training config")


@pytest.mark.parametrize("command", [["table", "-f", "csv", "--at", "0"], ["summary"], ["check"],
                                     ["import"]])
def test_deepspeed_reaches_every_command(cli, command):
    result = cli(*command, str(SAMPLES / "trainer_args.yaml"), "--deepspeed", str(SAMPLES / "deepspeed_warmupdecay.json"))
    assert result.exit_code in (0, 1), result.stderr
    assert "DeepSpeed's scheduler block (WarmupDecayLR) replaces the Trainer's lr_scheduler_type" in result.stderr


def test_total_steps_sets_max_steps_and_says_so(cli):
    result = cli("summary", str(REAL / "llamafactory" / "qwen3_lora_sft.yaml"), "--total-steps", "200",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["total_steps"] == 200
    assert "note: --total-steps 200 sets max_steps (was -1)" in result.stderr


def test_total_steps_is_refused_where_the_run_is_epochs(cli):
    result = cli("table", str(SAMPLES / "timm_args.yaml"), "--total-steps", "100")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: command line: --total-steps: does not apply to a timm args.yaml (got '100'); timm's run is "
        "epochs × updates_per_epoch: change epochs (and dataset_size)")


def test_library_version_on_a_native_spec_is_refused(cli):
    result = cli("table", "--kind", "cosine", "--total-steps", "10", "--library-version", "transformers=4.51.3")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: command line: --library-version: applies to a training config")

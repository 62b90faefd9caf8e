"""``warmupctl import`` and training configs given to the other commands, through CliRunner."""

import csv
import io
import json
import pathlib

import pytest
import yaml

SAMPLES = pathlib.Path(__file__).resolve().parents[2] / "sample_configs" / "configs"
TRAINER = str(SAMPLES / "trainer_args.yaml")
WITH_DEEPSPEED = str(SAMPLES / "trainer_args_deepspeed.yaml")
DEEPSPEED_AUTO = str(SAMPLES / "deepspeed_auto.json")


def rows(text: str) -> dict[int, float]:
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == ["step", "lr"]
    return {int(step): float(lr) for step, lr in reader}


def one_error_line(result) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_import_prints_the_library_spec_as_yaml(cli):
    result = cli("import", TRAINER)
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout) == {
        "schedule": "transformers.cosine_with_min_lr", "lr": 2e-5,
        "args": {"num_warmup_steps": 37, "num_training_steps": 1221, "min_lr_rate": 0.1},
    }
    # The derivation is in the YAML's comments and on stderr; the library's quirks on stderr only.
    assert "# num_training_steps 1221" in result.stdout
    assert "note: num_warmup_steps 37: warmup_steps 0.03 of 1221 updates" in result.stderr
    assert "note: update 0 gets LR 0" in result.stderr and "update 0 gets" not in result.stdout


def test_import_json_and_output_file(cli, tmp_path):
    result = cli("import", TRAINER, "--format", "json")
    assert json.loads(result.stdout)["schedule"] == "transformers.cosine_with_min_lr"
    out = tmp_path / "spec.json"
    result = cli("-q", "import", TRAINER, "-o", str(out))
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    assert json.loads(out.read_text())["args"]["num_training_steps"] == 1221


def test_imported_spec_gives_the_same_table(cli, tmp_path):
    spec = tmp_path / "spec.yaml"
    assert cli("-q", "import", WITH_DEEPSPEED, "-o", str(spec)).exit_code == 0
    direct = cli("-q", "table", WITH_DEEPSPEED, "--format", "csv")
    again = cli("-q", "table", str(spec), "--format", "csv")
    assert direct.exit_code == again.exit_code == 0
    assert direct.stdout == again.stdout


def test_deepspeed_block_overrides_the_trainer_and_is_reported(cli):
    result = cli("table", WITH_DEEPSPEED, "--format", "csv", "--at", "0,1,2,100,101,102,1000")
    assert result.exit_code == 0, result.stderr
    # WarmupDecayLR through DeepSpeed's engine (update k sees iteration k - 1), linear warmup to 3e-5
    # over 100 iterations, linear decay to 0 at iteration 1000: not the Trainer's cosine.
    assert rows(result.stdout) == pytest.approx({0: 0.0, 1: 0.0, 2: 3e-7, 100: 2.97e-5, 101: 3e-5,
                                                 102: 3e-5 * 899 / 900, 1000: 3e-5 / 900}, rel=1e-12)
    assert ("note: DeepSpeed's scheduler block (WarmupDecayLR) replaces the Trainer's lr_scheduler_type "
            "cosine, as transformers' DeepSpeed integration does") in result.stderr
    assert ('"auto" filled from the Trainer arguments: warmup_min_lr 0, warmup_max_lr 3e-05, '
            "warmup_num_steps 100, total_num_steps 1000") in result.stderr


def test_import_with_deepspeed_option(cli):
    result = cli("import", TRAINER, "--deepspeed", DEEPSPEED_AUTO)
    assert result.exit_code == 0, result.stderr
    spec = yaml.safe_load(result.stdout)
    assert spec["schedule"] == "deepspeed.WarmupCosineLR" and spec["lr"] == 2e-5
    assert spec["args"]["total_num_steps"] == 1221 and spec["args"]["warmup_num_steps"] == 37
    assert "lr_scheduler_type cosine_with_min_lr" in result.stderr
    assert 'lr_scheduler_kwargs {"min_lr_rate": 0.1} are not used either' in result.stderr


def test_every_command_reads_configs(cli, tmp_path):
    timm = str(SAMPLES / "timm_args.yaml")
    summary = cli("-q", "summary", timm, "--format", "json")
    assert summary.exit_code == 0, summary.stderr
    assert json.loads(summary.stdout)["summary"]["total_steps"] == 387_810
    out = tmp_path / "megatron.svg"
    plot = cli("-q", "plot", str(SAMPLES / "megatron_args.yaml"), "--steps", "5000", "-o", str(out))
    assert plot.exit_code == 0, plot.stderr
    assert "megatron.get_optimizer_param_scheduler" in out.read_text()
    check = cli("check", str(SAMPLES / "trainer_args_v4.json"))
    assert check.exit_code in (0, 1), check.stderr


def test_flags_on_a_config(cli):
    result = cli("-q", "table", TRAINER, "--lr", "1e-3", "--format", "csv", "--at", "37")
    assert rows(result.stdout) == {37: 1e-3}
    args = str(SAMPLES / "trainer_args_v4.json")
    result = cli("-q", "import", args, "--dataset-size", "1000", "--devices", "1")
    # ceil(1000 / 4) = 250 micro-batches // 8 = 31 updates per epoch (4.x), x 3.
    assert yaml.safe_load(result.stdout)["args"]["num_training_steps"] == 93
    line = one_error_line(cli("table", TRAINER, "--kind", "linear"))
    assert line.startswith("error: command line: --kind: does not apply to a training config")


def test_stdin(cli):
    result = cli("-q", "import", "-", input=pathlib.Path(WITH_DEEPSPEED).read_text().replace(
        "deepspeed: deepspeed_warmupdecay.json", ""))
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout)["schedule"] == "transformers.cosine"


@pytest.mark.parametrize(("args", "start"), [
    (["table", DEEPSPEED_AUTO],
     f'error: {DEEPSPEED_AUTO}: scheduler.params.total_num_steps: "auto" with nothing to fill it from'),
    (["import", str(SAMPLES.parent / "llama.yaml")], "error: "),
    (["import", TRAINER, "--deepspeed", str(SAMPLES / "nowhere.json")], "error: "),
    (["import", str(SAMPLES / "timm_args.yaml"), "--deepspeed", DEEPSPEED_AUTO],
     "error: command line: --deepspeed: --deepspeed goes with transformers TrainingArguments"),
])
def test_bad_input_is_one_line(cli, args, start):
    assert one_error_line(cli(*args)).startswith(start)


def test_unknown_kind_and_missing_length(cli, tmp_path):
    unknown = tmp_path / "lightning.yaml"
    unknown.write_text("trainer:\n  max_epochs: 3\nmodel:\n  lr: 0.1\n")
    line = one_error_line(cli("table", str(unknown)))
    assert "neither a warmupctl spec nor a training config" in line
    assert line.endswith("and training configs (docs/configs.md lists the formats)")
    args = tmp_path / "args.yaml"
    args.write_text("lr_scheduler_type: cosine\nlearning_rate: 1e-4\nnum_train_epochs: 3\n")
    line = one_error_line(cli("import", str(args)))
    assert line == (f"error: {args}: max_steps: max_steps is -1 and no dataset size; add max_steps or "
                    "dataset_size (samples in one epoch; with per_device_train_batch_size, "
                    "gradient_accumulation_steps and world_size), or pass --dataset-size N or "
                    "--total-steps N")


"""Megatron-LM --yaml-cfg files (tests/configs_pretrain/real/megatron_gpt_config_*.yaml, provenance in
the README there) and scripts that pass one.

Megatron (``megatron/training/yaml_arguments.py``) reads the top-level keys as its training arguments
and ignores the command line; megatron-core 0.16.1's ramp gives the samples consumed before update k.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from warmupctl.spec.resolve import load_spec

REAL = Path(__file__).resolve().parent / "real"
GPT_2024 = REAL / "megatron_gpt_config_2024.yaml"


def consumed(k: int) -> int:
    """Samples before update k: rampup_batch_size [32, 32, 65324160], global_batch_size 128 —
    +32 every 65324160 / 3 = 21774720 samples (680460, 340230, 226820 updates at 32, 64, 96)."""
    n = 0
    for batch, updates in ((32, 680460), (64, 340230), (96, 226820)):
        if k <= updates:
            return n + k * batch
        n += updates * batch
        k -= updates
    return n + k * 128


def gpt_lr(k: int) -> float:
    """get_lr: lr 2.5e-4, min_lr 2.5e-5, warmup 81381 samples, cosine to 255126953 samples."""
    n, warmup, decay = consumed(k), 81381, 255126953
    if n <= warmup:
        return 2.5e-4 * n / warmup
    if n > decay:
        return 2.5e-5
    ratio = (n - warmup) / (decay - warmup)
    return 2.5e-5 + 0.5 * (math.cos(math.pi * ratio) + 1) * (2.5e-4 - 2.5e-5)


def test_the_gpt_yaml_follows_its_batch_ramp():
    schedule = load_spec(str(GPT_2024))
    # 1247510 updates of ramp, then (268554688 - 65324160) // 128 = 1587738 at 128
    assert schedule.total_steps == 1247510 + 1587738
    assert schedule.warmup_steps == 2544  # 32 × 2544 = 81408 > 81381 samples
    steps = [0, 1, 2543, 2544, 680460, 680461, 1247510, 1993000, 2835247]
    values = schedule(steps)
    for k, value in zip(steps, values, strict=True):
        assert value == pytest.approx(gpt_lr(k), rel=1e-12, abs=1e-18), k


def test_the_gpt_yaml_notes_what_it_read(cli):
    result = cli("steps", str(GPT_2024))
    assert result.exit_code == 0, result.stderr
    assert (f"note: {GPT_2024} read as a Megatron-LM --yaml-cfg file: its top-level keys are the training "
            "arguments (language_model: and model_parallel: hold no schedule)") in result.stderr


def test_the_2026_yaml_is_megatrons_own_refusal(cli):
    path = REAL / "megatron_gpt_config_2026.yaml"
    result = cli("table", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: step_batch_size_schedule: Cannot specify both --step-batch-size-schedule and "
        "--global-batch-size (got '0:32 90B:64 180B:96 270B:128'); Megatron-LM's validate_args raises "
        "ValueError for this pair\n")


def test_a_script_with_yaml_cfg_reads_the_file_beside_it(tmp_path, cli, monkeypatch):
    shutil.copy(GPT_2024, tmp_path / "gpt.yaml")
    script = tmp_path / "run.sh"
    script.write_text("torchrun pretrain_gpt.py --yaml-cfg gpt.yaml --lr 1e-3 --train-iters 10\n")
    monkeypatch.chdir("/")
    schedule = load_spec(str(script))
    assert schedule.total_steps == 2835248
    assert schedule([1])[0] == pytest.approx(gpt_lr(1), rel=1e-12)
    result = cli("summary", str(script))
    assert result.exit_code == 0, result.stderr
    assert (f"note: --yaml-cfg: gpt.yaml is not in the working directory, where the trainer opens it; read "
            f"{tmp_path}/gpt.yaml, next to {script}") in result.stderr
    assert ("note: --yaml-cfg gpt.yaml: Megatron replaces the command line by the file and ignores the "
            "script's --lr, --train-iters") in result.stderr


def test_a_script_naming_a_missing_yaml_is_refused_by_its_flag(tmp_path, cli, monkeypatch):
    script = tmp_path / "run.sh"
    script.write_text("torchrun pretrain_gpt.py --yaml-cfg missing.yaml\n")
    monkeypatch.chdir(tmp_path)
    result = cli("table", str(script))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {script}: --yaml-cfg: names a Megatron YAML config that does not exist (got 'missing.yaml')")


def test_an_environment_variable_in_a_schedule_key_is_named(tmp_path, cli):
    path = tmp_path / "cfg.yaml"
    path.write_text("language_model: {num_layers: 2}\nmodel_parallel: {tensor_model_parallel_size: 1}\n"
                    "lr: ${LR}\ntrain_iters: 100\nglobal_batch_size: 8\nlr_decay_style: cosine\n")
    result = cli("table", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: lr: holds ${{LR}}, which Megatron takes from the environment (got '${{LR}}'); "
        "write the value in the file; warmupctl does not read the environment of the run\n")

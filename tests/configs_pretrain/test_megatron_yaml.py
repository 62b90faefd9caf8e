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


# -- updates, samples and tokens: table, steps and plot read the same counts -------------------------

MIXTRAL = REAL / "megatron_mixtral_8x7b.sh"  # --global-batch-size 256 --seq-length 4096, no ramp


def test_a_ramped_table_shows_samples_and_tokens_in_every_format(cli):
    steps = [0, 1, 680460, 680461, 1247510, 2835247]
    at = ",".join(map(str, steps))
    csv = cli("table", str(GPT_2024), "--at", at, "-f", "csv", "-q")
    assert csv.exit_code == 0, csv.stderr
    lines = csv.stdout.splitlines()
    assert lines[0] == "step,lr,weight_decay,samples,tokens"
    for k, line in zip(steps, lines[1:], strict=True):
        step, lr, _, samples, tokens = line.split(",")
        assert (int(step), int(samples), int(tokens)) == (k, consumed(k), consumed(k) * 4096)
        assert float(lr) == pytest.approx(gpt_lr(k), rel=1e-12, abs=1e-18)
    markdown = cli("table", str(GPT_2024), "--at", "680461", "-f", "markdown", "-q")
    assert markdown.stdout.splitlines()[0] == "| step | lr | weight_decay | samples | tokens |"
    assert markdown.stdout.splitlines()[2].endswith(f"| {consumed(680461)} | {consumed(680461) * 4096} |")
    json_table = cli("table", str(GPT_2024), "--at", "680461", "-f", "json", "-q")
    assert '"samples": 21774784, "step": 680461, "tokens": 89189515264' in json_table.stdout
    terminal = cli("table", str(GPT_2024), "--at", "680461", "--columns", "samples", "-q")
    assert "samples before" in terminal.stdout and "21,774,784" in terminal.stdout


def test_columns_are_asked_for_without_a_ramp(cli):
    default = cli("table", str(MIXTRAL), "--at", "0,3", "-f", "csv", "-q")
    assert default.stdout.splitlines()[0] == "step,lr,weight_decay"
    asked = cli("table", str(MIXTRAL), "--at", "0,3", "-f", "csv", "-q", "--columns", "tokens,samples")
    assert asked.exit_code == 0, asked.stderr
    assert asked.stdout.splitlines()[0] == "step,lr,weight_decay,tokens,samples"
    assert asked.stdout.splitlines()[2].endswith(f",{3 * 256 * 4096},{3 * 256}")
    hidden = cli("table", str(GPT_2024), "--at", "1", "-f", "csv", "-q", "--columns", "none")
    assert hidden.stdout.splitlines()[0] == "step,lr,weight_decay"


@pytest.mark.parametrize(("args", "line"), [
    (["--kind", "cosine", "--total-steps", "10", "--columns", "samples"],
     "error: command line: --columns: this schedule does not count samples (got 'samples'); Megatron "
     "arguments with global_batch_size count them; other schedules count updates only\n"),
    ([str(MIXTRAL), "--columns", "epochs"],
     "error: command line: --columns: is not a column (got 'epochs'); samples, tokens, or none\n"),
])
def test_columns_the_schedule_cannot_give_are_refused(cli, args, line):
    result = cli("table", *args)
    assert result.exit_code == 2
    assert result.stderr == line


def test_tokens_need_the_sequence_length(tmp_path, cli):
    script = tmp_path / "run.sh"
    script.write_text("python pretrain_gpt.py --lr 1e-4 --train-iters 100 --global-batch-size 8\n")
    result = cli("table", str(script), "--columns", "tokens")
    assert result.exit_code == 2
    assert result.stderr.endswith("\nerror: command line: --columns: tokens need the sequence length (got "
                                  "'tokens'); add seq_length (--seq-length) to the Megatron arguments\n")


def test_steps_counts_the_samples_and_tokens_of_the_run_and_its_warmup(cli):
    result = cli("-q", "steps", str(GPT_2024))
    assert result.exit_code == 0, result.stderr
    # the run stops after 2835248 updates: consumed(2835248) of train_samples 268554688
    assert result.stdout.splitlines()[4:] == [
        f"total_samples: {consumed(2835248)}", f"warmup_samples: {consumed(2544)}",
        f"total_tokens: {consumed(2835248) * 4096}", f"warmup_tokens: {consumed(2544) * 4096}",
        # the batch is 128 from update 1247510 on, after the 65324160 samples of the ramp
        "ramp_steps: 1247510", "ramp_samples: 65324160", f"ramp_tokens: {65324160 * 4096}"]


def test_a_saved_table_with_counts_reads_back(tmp_path, cli):
    saved = tmp_path / "gpt.csv"
    written = cli("table", str(GPT_2024), "--at", "0,1,2", "-o", str(saved), "-q")
    assert written.exit_code == 0, written.stderr
    assert saved.read_text().splitlines()[0] == "step,lr,weight_decay,samples,tokens"
    from warmupctl.spec.table_file import read_table

    assert read_table(str(saved)).series == ("weight_decay",)


def test_the_plot_axis_has_the_tables_counts():
    from warmupctl.cli.plot import _count_axis

    schedule = load_spec(str(GPT_2024))
    name, grid, counts = _count_axis([schedule])
    assert name == "tokens"
    import numpy as np

    for k in (0, 1, 680460, 680461, 1000000, 1247510, 2835247):
        assert np.interp(k, grid, counts) == consumed(k) * 4096

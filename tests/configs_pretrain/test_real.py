"""Real launch scripts and configs (tests/configs_pretrain/real, provenance in its README) through
import, table and summary: the schedule each trainer produces, or the trainer's own refusal.

Megatron-LM (megatron-core 0.16.1 ``optimizer_param_scheduler.py``; ``megatron/training/training.py``
``get_optimizer_param_scheduler``): update k runs at k × global batch samples; lengths in iterations
are multiplied by the global batch, ``--lr-warmup-fraction`` by the decay length.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from warmupctl.spec.resolve import load_spec

REAL = Path(__file__).resolve().parent / "real"


def megatron_lr(n: float, peak: float, low: float, warmup: float, decay: float, style: str) -> float:
    """get_lr at n samples (init_lr 0), restated from megatron-core 0.16.1."""
    if warmup > 0 and n <= warmup:
        return peak * n / warmup
    if n > decay:
        return low
    r = (n - warmup) / (decay - warmup)
    coeff = 1 - r if style == "linear" else 0.5 * (math.cos(math.pi * r) + 1)
    return low + coeff * (peak - low)


@pytest.mark.parametrize(("name", "peak", "low", "gbs", "warmup", "decay", "style", "total"), [
    # --lr 0.0001 --min-lr 1e-5 --train-iters 1000000 --lr-decay-iters 990000 --lr-warmup-fraction .01
    ("megatron_bert_340m.sh", 1e-4, 1e-5, 32, 0.01 * 990000 * 32, 990000 * 32, "linear", 1000000),
    # --lr 1e-4 --min-lr 1e-5 --train-iters 500000 --lr-decay-iters 320000 --lr-warmup-iters 500
    ("megatron_mixtral_8x7b.sh", 1e-4, 1e-5, 256, 500 * 256, 320000 * 256, "cosine", 500000),
    # GLOBAL_BATCH_SIZE=128 (a literal variable), --train-samples 1953125000, samples lengths
    ("megatron_llama3_8b_fp8.sh", 1.5e-4, 1e-5, 128, 3906252, 1949218748, "cosine",
     1953125000 // 128),
])
def test_megatron_scripts(name, peak, low, gbs, warmup, decay, style, total):
    schedule = load_spec(str(REAL / name))
    assert schedule.total_steps == total
    for k in (0, 1, 777, int(warmup // gbs), int(warmup // gbs) + 1, total // 2, total - 1):
        assert schedule([k])[0] == pytest.approx(megatron_lr(k * gbs, peak, low, warmup, decay, style),
                                                 rel=1e-12, abs=1e-18)


def test_gpt3_175b_2024_is_megatrons_own_refusal(cli):
    result = cli("summary", str(REAL / "megatron_gpt3_175b_2024.sh"))
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "megatron_gpt3_175b_2024.sh: --rampup-batch-size: expected no batch-size rampup for "
        "iteration-based training (got [16, 16, 5859375]); Megatron's validate_args asserts this with "
        "train_iters; give train_samples (and lengths in samples) for a ramped run")


def test_gpt3_175b_2026_step_schedule_with_global_batch_is_refused(cli):
    result = cli("summary", str(REAL / "megatron_gpt3_175b_2026.sh"))
    assert result.exit_code == 2
    assert "Cannot specify both --step-batch-size-schedule and --global-batch-size" in result.stderr


def test_gpt3_175b_made_sample_based_follows_the_ramp(tmp_path, cli):
    """The 2024 script with its lengths in samples (what Megatron accepts with a ramp): the warmup of
    0.001 × 430000 × 1536 samples ends at update 11540 under the ramp, not at 430."""
    text = (REAL / "megatron_gpt3_175b_2024.sh").read_text()
    text = text.replace("--train-iters 500000", "--train-samples 768000000")
    text = text.replace("--lr-decay-iters 430000", "--lr-decay-samples 660480000")
    script = tmp_path / "gpt3_samples.sh"
    script.write_text(text)
    schedule = load_spec(str(script))
    assert schedule.warmup_steps == 11540
    assert schedule.total_steps == 515987
    table = cli("table", str(script), "--at", "0,1,11539,11540", "-f", "csv")
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.strip().splitlines()
    # the script's --weight-decay 0.1 is its series; a ramped run shows the samples and tokens (its
    # --seq-length 2048) consumed before each update without being asked
    assert lines[0] == "step,lr,weight_decay,samples,tokens"
    # update 1 runs at 16 samples (the ramp's first batch): 6e-5 × 16 / (0.001 × 660480000)
    assert lines[1:3] == ["0,0.0,0.1,0,0", f"1,{6.0e-5 * 16 / (0.001 * 660480000)!r},0.1,16,32768"]
    # the warmup of 660480 samples ends at update 11540, the first that starts at or past it
    before, after = (int(line.split(",")[3]) for line in lines[3:5])
    assert before < 660480 <= after  # update 11540 is the first at the peak
    assert [int(line.split(",")[4]) for line in lines[3:5]] == [before * 2048, after * 2048]
    assert "ends at update 11540 under the ramp (430 at a constant batch of 1536)" in table.stderr
    imported = cli("import", str(script))
    assert imported.exit_code == 0, imported.stderr
    assert "rampup_batch_size:\n  - 16\n  - 16\n  - 5859375" in imported.stdout


def test_unknown_variable_in_a_schedule_flag_is_named(tmp_path):
    script = tmp_path / "run.sh"
    script.write_text('LR=$1\ntorchrun pretrain_gpt.py --lr $LR --train-iters 100 '
                      '--global-batch-size 8 --lr-decay-style cosine\n')
    from warmupctl.core.errors import SpecError

    with pytest.raises(SpecError) as info:
        load_spec(str(script))
    assert str(info.value) == (
        f"{script}: --lr: holds $LR, which the script does not set to a literal value (got '${{LR}}'); "
        "set LR=... in the script (or write the value after --lr); warmupctl does not run the script")


def test_a_scripts_weight_decay_schedule_is_its_series(tmp_path, cli):
    """--start/--end-weight-decay with a linear style are applied, never dropped: Megatron's
    weight decay grows over train_iters × global_batch_size samples (megatron-core 0.16.1
    OptimizerParamScheduler.get_wd)."""
    script = tmp_path / "wd.sh"
    script.write_text("python pretrain_gpt.py --lr 6e-4 --min-lr 6e-5 --lr-decay-style cosine "
                      "--train-iters 1000 --lr-warmup-iters 100 --global-batch-size 8 "
                      "--weight-decay-incr-style linear --start-weight-decay 0.01 "
                      "--end-weight-decay 0.1\n")
    table = cli("table", str(script), "--series", "weight_decay", "--at", "0,500,999", "-f", "csv")
    assert table.exit_code == 0, table.stderr
    values = [float(line.split(",")[1]) for line in table.stdout.strip().splitlines()[1:]]
    # get_wd: start + (consumed / wd_incr_steps) × (end - start), in that order
    assert values == [0.01, 0.01 + (4000 / 8000) * (0.1 - 0.01), 0.01 + (7992 / 8000) * (0.1 - 0.01)]

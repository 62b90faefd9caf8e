"""Megatron's batch-size ramp-up: updates <-> samples, the warmup in samples, train_iters, refusals.

Reference: megatron-core 0.16.1, ``megatron/core/num_microbatches_calculator.py``
(``RampupBatchsizeNumMicroBatchesCalculator.update``) and Megatron-LM's ``megatron/training/training.py``
of that era (``train``, ``update_train_iters``). The expected sample counts below were produced by
driving the real calculator (``update(consumed)`` then ``consumed += get_current_global_batch_size()``)
and are restated here; the live comparison runs where megatron-core is installed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.frameworks.megatron_ramp import ramp
from warmupctl.spec import resolve

TRAINING = "megatron.get_optimizer_param_scheduler"


def test_small_ramp_sample_counts():
    # start 4, +4 every 100/7 = 14.29 samples, up to 32: batch 4 while c < 14.29, then 8, ...
    r = ramp((4, 4, 100), 32, None)
    assert r.samples(np.arange(12)).tolist() == [0, 4, 8, 12, 16, 24, 32, 44, 60, 80, 104, 136]
    assert r.batch == (4, 8, 12, 16, 20, 24, 32)
    assert r.ramp_updates == 10
    # update_train_iters: 10 ramp updates bring c to 104 > 100, then (1000 - 104) // 32 = 28
    assert r.train_iters(1000) == 38


def test_gpt3_175b_ramp_moves_the_warmup():
    """The 175B example's arguments, made sample-based (Megatron refuses the ramp with train_iters):
    the warmup of 0.001 x 430000 x 1536 = 660480 samples ends at update 11540, not 430."""
    spec = {"schedule": TRAINING, "lr": 6.0e-5, "global_batch_size": 1536,
            "args": {"train_samples": 500000 * 1536, "lr_decay_samples": 430000 * 1536,
                     "lr_warmup_fraction": 0.001, "lr_decay_style": "cosine", "min_lr": 6.0e-6,
                     "rampup_batch_size": [16, 16, 5859375], "seq_length": 2048}}
    s = resolve(spec, source="gpt3.yaml")
    assert s.warmup_steps == 11540
    assert s.total_steps == 515987
    lr = s(np.array([0, 1, 11539, 11540]))
    assert lr[0] == 0.0
    assert lr[1] == pytest.approx(6.0e-5 * 16 / 660480, rel=1e-15)
    assert lr[2] < 6.0e-5 and lr[3] == pytest.approx(6.0e-5, rel=1e-15)  # 0.001 x D is not exact
    assert any("ends at update 11540 under the ramp (430 at a constant batch of 1536)" in n
               for n in s.notes)
    assert any("1536 from update 19802 on (sample 5859424, 1.20001e+10 tokens)" in n for n in s.notes)


def test_ramp_with_train_iters_is_megatrons_assertion():
    spec = {"schedule": TRAINING, "lr": 6.0e-5, "global_batch_size": 1536,
            "args": {"train_iters": 500000, "rampup_batch_size": [16, 16, 5859375]}}
    with pytest.raises(SpecError) as info:
        resolve(spec, source="train.sh")
    assert str(info.value) == (
        "train.sh: args.rampup_batch_size: expected no batch-size rampup for iteration-based "
        "training (got [16, 16, 5859375]); Megatron's validate_args asserts this with train_iters; "
        "give train_samples (and lengths in samples) for a ramped run")


@pytest.mark.parametrize(("rampup", "gbs", "unit", "message"), [
    ((16, 16, 0), 64, None, "a ramp over 0 samples"),
    ((64, 16, 100), 64, None, "the ramp has no increment"),
    ((16, 20, 100), 64, None, "is not a multiple of the increment 20"),
    ((128, 16, 100), 64, None, "the start batch is above the global batch size 64"),
    ((6, 2, 100), 16, 4, "the ramp's batch 6 is not divisible"),
])
def test_ramp_refusals(rampup, gbs, unit, message):
    with pytest.raises(SpecError, match=message):
        ramp(rampup, gbs, unit)


@pytest.mark.parametrize(("rampup", "gbs"), [((16, 16, 5859375), 1536), ((3, 2, 50), 11),
                                            ((8, 8, 1), 64), ((5, 5, 33), 50)])
def test_live_calculator(rampup, gbs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calc = pytest.importorskip("megatron.core.num_microbatches_calculator")
    c = calc.RampupBatchsizeNumMicroBatchesCalculator(gbs, 1, 1, False, 0, *rampup)
    consumed, seen = 0, []
    for _ in range(3000):
        c.update(consumed, False)
        seen.append(consumed)
        consumed += c.get_current_global_batch_size()
    assert ramp(rampup, gbs, None).samples(np.arange(3000)).tolist() == seen

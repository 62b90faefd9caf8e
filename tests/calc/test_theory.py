"""Warmup theory as numbers: the noise-equivalent batch B0/α² and the stability bound 2/λmax."""

import math

import numpy as np
import pytest

import warmupctl
from warmupctl.calc.theory import noise_batch, stability, stability_bound, unstable
from warmupctl.core.errors import EngineError

LR = 1e-4


def linear(total: int = 1000, warmup: int = 100):
    """lr(k) = k·1e-6 for k <= 100, then 1e-4·(1000 − k)/900."""
    return warmupctl.schedule(kind="linear", warmup_steps=warmup, total_steps=total, lr=LR)


@pytest.mark.parametrize(("update", "batch"), [
    (100, 256.0),           # the peak: α = 1
    (50, 1024.0),           # α = 1/2 → 4 × B0
    (10, 25600.0),          # α = 1/10 → 100 × B0
    (1, 2_560_000.0),       # α = 1/100 → 10^4 × B0: a linear warmup is a batch shrinking as 1/t²
    (550, 1024.0),          # the decay halfway down: α = 1/2 again
])
def test_noise_batch_of_a_linear_warmup(update, batch):
    s = linear()
    got = noise_batch(s(np.array([update])), peak=LR, batch=256)[0]
    assert got == pytest.approx(batch, rel=1e-12)


def test_noise_batch_is_infinite_where_the_lr_is_zero():
    got = noise_batch([0.0, -0.0, 1e-4, math.nan], peak=1e-4, batch=32)
    assert got[0] == math.inf and got[1] == math.inf and got[2] == 32.0 and math.isnan(got[3])


def test_noise_batch_of_a_tiny_lr_does_not_underflow_to_a_division_by_zero():
    got = noise_batch([1e-300], peak=1.0, batch=1.0)[0]
    assert got == math.inf or got > 1e300


def test_noise_batch_above_the_peak_is_smaller_than_b0():
    assert noise_batch([2e-4], peak=1e-4, batch=256).tolist() == [64.0]


@pytest.mark.parametrize(("peak", "batch"), [(0.0, 256), (-1e-4, 256), (1e-4, 0), (math.inf, 1)])
def test_noise_batch_refuses_meaningless_references(peak, batch):
    with pytest.raises(EngineError):
        noise_batch([1e-4], peak=peak, batch=batch)


def test_stability_bound_and_flags():
    assert stability_bound(25000.0) == 8e-05
    # The bound itself is marginal (|1 − η·a| = 1), not unstable.
    assert unstable([7.9e-5, 8e-5, 8.1e-5], 25000.0).tolist() == [False, False, True]
    with pytest.raises(EngineError):
        stability_bound(0.0)


def test_stability_of_a_linear_warmup_and_decay():
    # Above 8e-5: the warmup from update 81 (80 is exactly at the bound), the decay until
    # 1e-4·(1000 − k)/900 > 8e-5, i.e. k < 280.
    report = stability(linear(), 25000.0)
    assert (report.first, report.last, report.unstable, report.spans) == (81, 279, 199, ((81, 280),))
    assert report.bound == 8e-05 and report.count == 1000 and not report.spans_merged
    assert report.describe() == ("199 of 1000 updates exceed 2/λmax = 8e-05 (λmax 25000): first at update "
                                 "81, last at 279")


def test_stability_with_no_crossing():
    report = stability(linear(), 1e4)
    assert report.unstable == 0 and report.first is None and report.spans == ()
    assert report.describe().startswith("no update exceeds 2/λmax = 0.0002")


def test_stability_counts_each_restart_and_merges_past_the_cap():
    s = warmupctl.schedule(kind="cosine_with_restarts", num_cycles=4, warmup_steps=0, total_steps=400,
                           lr=LR)
    report = stability(s, 25000.0)
    assert len(report.spans) == 4
    values = s.values()
    assert report.unstable == int(np.count_nonzero(values > 8e-5))
    assert all(values[a:b].min() > 8e-5 for a, b in report.spans)
    capped = stability(s, 25000.0, max_spans=2)
    assert capped.spans_merged and len(capped.spans) == 2 and capped.spans[-1][1] == report.spans[-1][1]
    assert capped.unstable == report.unstable


def test_stability_stretch_across_chunks_is_one_span():
    # 300 000 updates: the unstable stretch 80 001..~ crosses several 65 536-update chunks.
    s = linear(total=300_000, warmup=100_000)
    report = stability(s, 25000.0)
    values = s.values()
    above = np.flatnonzero(values > 8e-5)
    assert report.spans == ((int(above[0]), int(above[-1]) + 1),)
    assert report.unstable == len(above)

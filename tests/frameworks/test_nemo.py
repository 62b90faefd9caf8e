"""NeMo's annealing schedulers: get_lr restated by hand, quirks, raises and bad input.

Reference: nemo_toolkit 3.0.0, ``nemo/core/optim/lr_scheduler.py``. Every scheduler is a torch
``_LRScheduler`` stepped once per optimizer update (Lightning ``interval: step``), so update ``k``
runs at ``last_epoch = k``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary
from warmupctl.spec.library import resolve_library


def spec(name: str, args: dict[str, Any], lr: float | None = 1.0, **top: Any) -> dict[str, Any]:
    mapping: dict[str, Any] = {"schedule": f"nemo.{name}", "args": args, **top}
    if lr is not None:
        mapping["lr"] = lr
    return mapping


def close(got: np.ndarray, want: list[float], peak: float = 1.0) -> None:
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * peak)


def policy(t: int, base: float, w: int, top: int | None, low: float,
           decay: Callable[[int], float], hold_end: int = 0) -> float:
    """WarmupPolicy / WarmupHoldPolicy.get_lr restated: warmup, hold, cut, then the decay."""
    if w > 0 and t <= w:
        return base * ((t + 1) / (w + 1))
    if hold_end > 0 and w <= t < hold_end:
        return base
    if top is not None and t > top:
        return low
    return decay(t)


# ------------------------------------------------------------------------ the warmup family


def test_warmup_policy_starts_at_base_over_w_plus_one():
    schedule = resolve_library(spec("WarmupPolicy", {"warmup_steps": 4, "max_steps": 8},
                                    total_steps=11))
    close(schedule.values(), [0.2, 0.4, 0.6, 0.8, 1.0, 1, 1, 1, 1, 0, 0])
    assert schedule.warmup_steps == 4
    assert schedule.boundaries == (Boundary(4, "warmup end"), Boundary(9, "min_lr"))
    assert any("update 0 gets lr / 5 = 0.2, not 0" in n for n in schedule.notes)
    assert any("jumps from 1 to min_lr 0 after update 8" in n for n in schedule.notes)


def test_warmup_ratio_is_truncated():
    schedule = resolve_library(spec("WarmupPolicy", {"warmup_ratio": 0.105, "max_steps": 100}))
    assert schedule.warmup_steps == 10 and schedule.total_steps == 100
    assert schedule.values()[10] == 1.0 and schedule.values()[9] == pytest.approx(10 / 11)
    assert any("10.5 is truncated to 10" in n for n in schedule.notes)


def test_warmup_policy_without_max_steps_needs_total_steps():
    with pytest.raises(SpecError) as err:
        resolve_library(spec("WarmupPolicy", {"warmup_steps": 4}))
    assert err.value.path == "total_steps"
    schedule = resolve_library(spec("WarmupPolicy", {"warmup_steps": 4}, total_steps=50))
    assert schedule.values()[-1] == 1.0


@pytest.mark.parametrize(("name", "args", "decay"), [
    ("SquareAnnealing", {"max_steps": 20, "warmup_steps": 4},
     lambda t: max(((16 - (t - 4)) / 16) ** 2, 1e-5)),
    ("SquareRootAnnealing", {"max_steps": 20, "warmup_steps": 4, "min_lr": 0.05},
     lambda t: max(math.sqrt((20 - t) / 20), 0.05)),
    ("WarmupAnnealing", {"max_steps": 20, "warmup_steps": 4, "min_lr": 0.1},
     lambda t: 0.1 + (1 - (t - 4) / 16) * 0.9),
    ("InverseSquareRootAnnealing", {"max_steps": 20, "warmup_steps": 4},
     lambda t: 1 / math.sqrt((t + 1) / 5)),
    ("PolynomialDecayAnnealing", {"max_steps": 20, "warmup_steps": 4, "power": 2.0,
                                  "min_lr": 0.01},
     lambda t: 0.99 * (1 - (t - 4) / 16) ** 2 + 0.01),
    ("PolynomialDecayAnnealing", {"max_steps": 20, "warmup_steps": 0, "cycle": True},
     lambda t: 1 - t / 20),
    ("CosineAnnealing", {"max_steps": 20, "warmup_steps": 4, "min_lr": 0.1},
     lambda t: 0.9 * 0.5 * (1 + math.cos(math.pi * (t - 4) / 16)) + 0.1),
])
def test_warmup_family_matches_the_formula(name, args, decay):
    schedule = resolve_library(spec(name, args, total_steps=26))
    low = args.get("min_lr", 1e-5 if name == "SquareAnnealing" else 0.0)
    want = [policy(t, 1.0, args["warmup_steps"], 20, low, decay) for t in range(26)]
    close(schedule.values(), want)
    assert schedule.total_steps == 26


def test_the_peak_lands_at_w_and_the_run_ends_at_max_steps():
    schedule = resolve_library(spec("CosineAnnealing", {"max_steps": 30, "warmup_steps": 5},
                                    lr=0.3))
    got = schedule.values()
    assert schedule.total_steps == 30 and got[5] == 0.3 and got[4] < 0.3 and got[6] < 0.3
    assert got[0] == pytest.approx(0.05, rel=1e-15)


def test_square_root_annealing_drops_right_after_the_warmup():
    schedule = resolve_library(spec("SquareRootAnnealing", {"max_steps": 20, "warmup_steps": 4}))
    got = schedule.values()
    assert got[4] == 1.0 and got[5] == pytest.approx(math.sqrt(15 / 20), rel=1e-15)
    assert any("drops from 1 at update 4" in n and "t / max_steps" in n for n in schedule.notes)


def test_inverse_sqrt_is_cut_to_min_lr_after_max_steps():
    schedule = resolve_library(spec("InverseSquareRootAnnealing",
                                    {"max_steps": 20, "warmup_steps": 4, "min_lr": 0.01},
                                    total_steps=23))
    got = schedule.values()
    assert got[20] == pytest.approx(1 / math.sqrt(21 / 5), rel=1e-15) and got[21] == 0.01
    assert any("after update 20" in n and "past max_steps" in n for n in schedule.notes)


# ------------------------------------------------------------------------ CosineAnnealing


def test_cosine_with_constant_steps_is_megatrons_cosine_then_min_lr():
    schedule = resolve_library(spec("CosineAnnealing", {"max_steps": 30, "warmup_steps": 5,
                                                        "min_lr": 0.1, "constant_steps": 5}))
    decay = 30 - 5 - 5

    def want(t: int) -> float:
        if t <= 5:
            return 1.0 * t / 5
        if t > 5 + decay:
            return 0.1
        return 0.1 + 0.5 * (math.cos(math.pi * (t - 5) / decay) + 1) * 0.9

    close(schedule.values(), [want(t) for t in range(30)])
    assert schedule.values()[0] == 0.0
    assert Boundary(26, "min_lr") in schedule.boundaries
    assert any("update 0 gets LR 0" in n and "lr * t / 5" in n for n in schedule.notes)
    assert any("last 5 updates" in n and "not the peak" in n for n in schedule.notes)


def test_cosine_constant_ratio_is_truncated():
    a = resolve_library(spec("CosineAnnealing", {"max_steps": 30, "warmup_steps": 5,
                                                 "constant_ratio": 0.19}))
    b = resolve_library(spec("CosineAnnealing", {"max_steps": 30, "warmup_steps": 5,
                                                 "constant_steps": 5}))
    assert a.values().tolist() == b.values().tolist()
    assert any("5.7 is truncated to 5" in n for n in a.notes)


def test_cosine_lr_below_min_lr():
    schedule = resolve_library(spec("CosineAnnealing", {"max_steps": 10, "warmup_steps": 3,
                                                        "min_lr": 2.0}))
    got = schedule.values()
    assert np.all(np.isfinite(got[:4])) and np.all(np.isnan(got[4:]))
    assert any("ValueError" in n and "update 4" in n for n in schedule.notes)
    with pytest.raises(SpecError) as err:  # no warmup: NeMo raises in the constructor
        resolve_library(spec("CosineAnnealing", {"max_steps": 10, "min_lr": 2.0}))
    assert err.value.path == "lr"
    with pytest.raises(SpecError) as err:  # constant_steps: asserted before the first update
        resolve_library(spec("CosineAnnealing", {"max_steps": 10, "min_lr": 1.0,
                                                 "constant_steps": 2}))
    assert err.value.path == "lr" and "lr > min_lr" in err.value.hint


# ------------------------------------------------------------------------ Noam


def test_noam_clamps_update_zero_and_never_cuts():
    schedule = resolve_library(spec("NoamAnnealing", {"d_model": 256, "warmup_steps": 4,
                                                      "max_steps": 10, "min_lr": 0.01},
                                    lr=2.0, total_steps=14))

    def want(t: int) -> float:
        s = max(1, t)
        out = 2.0 * 256**-0.5 * min(s**-0.5, s * 4**-1.5)
        return max(out, 0.01) if s > 4 else out

    close(schedule.values(), [want(t) for t in range(14)], 2.0)
    got = schedule.values()
    assert got[0] == got[1] and got[13] > 0.01
    assert schedule.warmup_steps == 4
    assert any("updates 0 and 1 get the same LR" in n for n in schedule.notes)
    assert any("no cut at max_steps" in n for n in schedule.notes)


def test_noam_without_warmup_and_bad_lr():
    got = resolve_library(spec("NoamAnnealing", {"d_model": 4}, total_steps=4)).values()
    close(got, [0.5, 0.5, 0.5 / math.sqrt(2), 0.5 / math.sqrt(3)])
    with pytest.raises(SpecError) as err:
        resolve_library(spec("NoamAnnealing", {"d_model": 4, "min_lr": 2.0}, total_steps=4))
    assert err.value.path == "lr"


def test_noam_hold_annealing():
    schedule = resolve_library(spec("NoamHoldAnnealing", {"max_steps": 20, "warmup_steps": 4,
                                                          "hold_steps": 3, "decay_rate": 1.0}))

    def want(t: int) -> float:
        return policy(t, 1.0, 4, 20, 0.0, lambda t: 4 / max(1, t - 3), hold_end=7)

    close(schedule.values(), [want(t) for t in range(20)])
    assert schedule.values()[7] == 1.0 and Boundary(7, "decay start") in schedule.boundaries


def test_noam_hold_needs_a_warmup():
    schedule = resolve_library(spec("NoamHoldAnnealing", {"max_steps": 20, "hold_steps": 3}))
    got = schedule.values()
    assert got[:3].tolist() == [1.0, 1.0, 1.0] and np.all(np.isnan(got[3:]))
    assert any("without warmup steps" in n for n in schedule.notes)
    with pytest.raises(SpecError) as err:
        resolve_library(spec("NoamHoldAnnealing", {"max_steps": 20}))
    assert err.value.path == "args.warmup_steps"


# ------------------------------------------------------------------------ the hold family


def test_hold_policy_holds_then_cuts():
    schedule = resolve_library(spec("WarmupHoldPolicy", {"warmup_steps": 2, "hold_steps": 3,
                                                         "max_steps": 8}, total_steps=10))
    close(schedule.values(), [1 / 3, 2 / 3, 1, 1, 1, 1, 1, 1, 1, 0])


def test_hold_policy_without_max_steps_fails_where_nemo_compares_with_none():
    schedule = resolve_library(spec("WarmupHoldPolicy", {"warmup_steps": 2, "hold_steps": 3},
                                    total_steps=8))
    got = schedule.values()
    assert np.all(np.isfinite(got[:5])) and np.all(np.isnan(got[5:]))
    assert any("TypeError" in n and "update 5" in n for n in schedule.notes)


@pytest.mark.parametrize(("name", "decay"), [
    ("WarmupHoldAnnealLinear", lambda t, h: 1 - 0.9 * (t - h) / (20 - h)),
    ("WarmupHoldAnnealOneMinusSquareRoot",
     lambda t, h: max(0.1, 1 - math.sqrt((t - h) / (20 - h)))),
    ("PolynomialHoldDecayAnnealing",
     lambda t, h: 0.9 * (1 - min(t - h, 20 - max(4, h)) / (20 - max(4, h))) + 0.1),
])
@pytest.mark.parametrize("hold", [None, 0, 5])
def test_hold_family_matches_the_formula(name, decay, hold):
    args: dict[str, Any] = {"max_steps": 20, "warmup_steps": 4, "min_lr": 0.1}
    if hold is not None:
        args["hold_steps"] = hold
    hold_end = 0 if hold is None else hold + 4
    schedule = resolve_library(spec(name, args, total_steps=24))
    want = [policy(t, 1.0, 4, 20, 0.1, lambda t: decay(t, hold_end), hold_end)
            for t in range(24)]
    close(schedule.values(), want)
    without_hold = any("without hold_steps" in n for n in schedule.notes)
    assert without_hold == (hold is None)


def test_polynomial_hold_without_hold_reaches_min_early_and_cycles_back():
    schedule = resolve_library(spec("PolynomialHoldDecayAnnealing",
                                    {"max_steps": 30, "warmup_steps": 5, "cycle": True}))
    got = schedule.values()
    assert got[25] == 0.0 and got[26] == pytest.approx(1 - 26 / 50, rel=1e-15)
    assert any("reaches min_lr at update 25" in n and "climbs again" in n for n in schedule.notes)


# ------------------------------------------------------------------------ T5


def test_t5_ignores_the_optimizer_lr():
    schedule = resolve_library(spec("T5InverseSquareRootAnnealing",
                                    {"max_steps": 10, "constant_steps": 4}, lr=None,
                                    total_steps=12))
    want = [0.5] * 5 + [1 / math.sqrt(t) for t in range(5, 11)] + [0.0]
    close(schedule.values(), want)
    assert schedule.boundaries == (Boundary(4, "constant end"), Boundary(11, "min_lr"))
    with_lr = resolve_library(spec("T5InverseSquareRootAnnealing",
                                   {"max_steps": 10, "constant_steps": 4}, lr=5.0))
    assert with_lr.values().tolist() == schedule.values(10).tolist()
    assert any("ignores the optimizer's LR" in n for n in schedule.notes)


def test_t5_plateau_wins_over_the_cut():
    got = resolve_library(spec("T5InverseSquareRootAnnealing", {"max_steps": 3,
                                                                "constant_steps": 9},
                               total_steps=11)).values()
    close(got, [1 / 3] * 10 + [0.0])


@pytest.mark.parametrize(("args", "path", "word"), [
    ({"max_steps": 10}, "args.constant_steps", "TypeError"),
    ({"max_steps": 10, "constant_ratio": 0.1}, "args.constant_steps", "constant_ratio alone"),
    ({"max_steps": 10, "constant_steps": 0}, "args.constant_steps", "ZeroDivisionError"),
    ({"max_steps": 10, "constant_steps": 2, "constant_ratio": 0.1}, "args.constant_ratio",
     "only one"),
])
def test_t5_refusals(args, path, word):
    with pytest.raises(SpecError) as err:
        resolve_library(spec("T5InverseSquareRootAnnealing", args))
    assert err.value.path == path and word in str(err.value)


# ------------------------------------------------------------------------ raises and bad input


def test_polynomial_with_negative_power_fails_at_the_end_of_the_decay():
    schedule = resolve_library(spec("PolynomialDecayAnnealing",
                                    {"max_steps": 10, "warmup_steps": 2, "power": -0.5}))
    got = schedule.values(12)
    assert np.all(np.isfinite(got[:10])) and np.all(np.isnan(got[10:]))
    assert any("math.pow" in n and "update 10" in n for n in schedule.notes)


@pytest.mark.parametrize(("name", "args", "path", "word"), [
    ("WarmupPolicy", {"warmup_steps": 2, "warmup_ratio": 0.1, "max_steps": 10},
     "args.warmup_ratio", "only one"),
    ("WarmupPolicy", {"warmup_ratio": 0.1}, "args.max_steps", "total steps"),
    ("WarmupHoldPolicy", {"hold_steps": 2, "hold_ratio": 0.1, "max_steps": 10},
     "args.hold_ratio", "only one"),
    ("SquareAnnealing", {"max_steps": 0}, "args.max_steps", "ZeroDivisionError"),
    ("SquareRootAnnealing", {"max_steps": 0}, "args.max_steps", "ZeroDivisionError"),
    ("CosineAnnealing", {"max_steps": 5, "constant_steps": 5}, "args.max_steps",
     "ZeroDivisionError"),
    ("CosineAnnealing", {"max_steps": -1}, "args.max_steps", "-1"),
    ("WarmupPolicy", {"warmup_steps": -3, "max_steps": 10}, "args.warmup_steps", "negative"),
    ("NoamAnnealing", {"d_model": 0}, "args.d_model", "positive"),
    ("SquareAnnealing", {"warmup_steps": 3}, "args.max_steps", "needs this argument"),
])
def test_refusals(name, args, path, word):
    with pytest.raises(SpecError) as err:
        resolve_library(spec(name, args, total_steps=5))
    assert err.value.path == path and word in str(err.value)


def test_hold_linear_divides_by_zero_at_max_steps_when_the_hold_reaches_it():
    schedule = resolve_library(spec("WarmupHoldAnnealLinear", {"max_steps": 8, "warmup_steps": 2,
                                                               "hold_steps": 6},
                                    total_steps=10))
    got = schedule.values()
    assert got[:8].tolist()[2:] == [1.0] * 6 and np.all(np.isnan(got[8:]))


def test_lr_is_required():
    with pytest.raises(SpecError) as err:
        resolve_library(spec("CosineAnnealing", {"max_steps": 10}, lr=None))
    assert err.value.path == "lr"


def test_spec_and_source():
    schedule = resolve_library(spec("CosineAnnealing", {"max_steps": 10}, lr=0.2))
    assert schedule.spec["schedule"] == "nemo.CosineAnnealing" and schedule.spec["lr"] == 0.2
    assert schedule.spec["args"]["max_steps"] == 10
    assert "nemo_toolkit 3.0.0" in schedule.source and "lr_scheduler.py" in schedule.source
    assert schedule.label == "nemo.CosineAnnealing"

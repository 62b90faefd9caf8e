"""transformers' step schedules: values from the restated formulas, quirks, notes and bad input.

The reference below restates transformers 5.23.0's lambdas (``src/transformers/optimization.py``)
one scalar at a time with ``math``, independently of the vectorized module; update ``k`` of a
LambdaLR built with ``last_epoch = L`` uses ``lr * m(k + L + 1)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warmupctl.core.errors import SpecError
from warmupctl.frameworks import load_libraries
from warmupctl.spec.library import resolve_library

load_libraries()

NAMES = {
    "linear": "get_linear_schedule_with_warmup",
    "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup",
    "constant": "get_constant_schedule",
    "constant_with_warmup": "get_constant_schedule_with_warmup",
    "inverse_sqrt": "get_inverse_sqrt_schedule",
    "cosine_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup",
    "cosine_warmup_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "warmup_stable_decay": "get_wsd_schedule",
}


def spec(name: str, lr: float = 1.0, **args: Any) -> dict[str, Any]:
    return {"schedule": f"transformers.{name}", "lr": lr, "args": args}


def values(mapping: dict[str, Any], count: int) -> np.ndarray:
    return resolve_library(mapping).values(count)


# --------------------------------------------------------------------------------------------------
# The reference: transformers' lambdas restated, one step at a time


def _cosine(progress: float, cycles: float) -> float:
    return 0.5 * (1.0 + math.cos(math.pi * cycles * 2.0 * progress))


def reference(name: str, lr: float, a: dict[str, Any], t: int) -> float:  # noqa: C901
    """``lr * m(t)`` for the scheduler's counter ``t``, NaN where transformers raises."""
    w = a.get("num_warmup_steps", 0)
    n = a.get("num_training_steps")
    ramp = t / max(1, w)
    rate = a.get("min_lr_rate")
    if a.get("min_lr") is not None:
        rate = a["min_lr"] / lr
    if name == "constant":
        m = 1.0
    elif name == "constant_with_warmup":
        m = ramp if t < w else 1.0
    elif name == "linear":
        m = ramp if t < w else max(0.0, (n - t) / max(1, n - w))
    elif name in ("cosine", "cosine_with_min_lr"):
        r = rate if name == "cosine_with_min_lr" else 0.0
        c = _cosine((t - w) / max(1, n - w), a.get("num_cycles", 0.5))
        m = ramp if t < w else max(0.0, c * (1 - r) + r)
    elif name == "cosine_with_restarts":
        p = (t - w) / max(1, n - w)
        cycles = a.get("num_cycles", 1)
        wave = 0.0 if p >= 1 else max(0.0, 0.5 * (1 + math.cos(math.pi * ((cycles * p) % 1.0))))
        m = ramp if t < w else wave
    elif name == "polynomial":
        end, power = a.get("lr_end", 1e-7), a.get("power", 1.0)
        if t < w:
            m = ramp
        elif t > n:
            m = end / lr
        elif n == w or (power < 0 and t == n):
            return math.nan
        else:
            m = ((lr - end) * (1 - (t - w) / (n - w)) ** power + end) / lr
    elif name == "inverse_sqrt":
        scale = a.get("timescale") or w or 10_000
        m = ramp if t < w else 1.0 / math.sqrt((t + scale - w) / scale)
    elif name == "cosine_warmup_with_min_lr":
        wr = a.get("warmup_lr_rate")
        if t < w:
            m = (t + 1) / max(1, w) if wr is None else wr + (1 - wr) * t / max(1, w - 1)
        else:
            c = _cosine((t - w + 1) / max(1, n - w), a.get("num_cycles", 0.5))
            m = max(0.0, c * (1 - rate) + rate)
    elif name == "warmup_stable_decay":
        d, mr = a["num_decay_steps"], a.get("min_lr_ratio", 0.0)
        s = a["num_stable_steps"] if a.get("num_stable_steps") is not None else n - w - d
        if t < w:
            p = t / max(1, w)
            f = {"linear": p, "cosine": 0.5 * (1 - math.cos(math.pi * p)),
                 "1-sqrt": 1 - math.sqrt(1 - p)}[a.get("warmup_type", "linear")]
            m = max(0.0, f * (1 - mr) + mr)
        elif t < w + s:
            m = 1.0
        elif t < w + s + d:
            p = (t - w - s) / max(1, d)
            f = {"linear": 1 - p, "cosine": _cosine(p, a.get("num_cycles", 0.5)),
                 "1-sqrt": 1 - math.sqrt(p)}[a.get("decay_type", "cosine")]
            m = max(0.0, f * (1 - mr) + mr)
        else:
            m = mr
    else:
        raise AssertionError(name)
    return lr * m


def reference_values(name: str, lr: float, args: dict[str, Any], count: int) -> np.ndarray:
    shift = args.get("last_epoch", -1) + 1
    return np.array([reference(name, lr, args, k + shift) for k in range(count)])


CASES = [
    # (name, lr, args, updates): odd lengths, W = 0, W = T, W > T, past the end, resuming
    ("linear", 1.0, {"num_warmup_steps": 3, "num_training_steps": 8}, 12),
    ("linear", 0.1, {"num_warmup_steps": 0, "num_training_steps": 7}, 13),
    ("linear", 1.0, {"num_warmup_steps": 5, "num_training_steps": 5}, 9),
    ("linear", 1.0, {"num_warmup_steps": 7, "num_training_steps": 5}, 13),
    ("linear", 3e-4, {"num_warmup_steps": 10, "num_training_steps": 101, "last_epoch": 4}, 97),
    ("cosine", 1.0, {"num_warmup_steps": 0, "num_training_steps": 4}, 9),
    ("cosine", 0.1, {"num_warmup_steps": 3, "num_training_steps": 13}, 37),
    ("cosine", 1.0, {"num_warmup_steps": 4, "num_training_steps": 4}, 9),
    ("cosine", 6e-4, {"num_warmup_steps": 5, "num_training_steps": 60, "num_cycles": 1.5}, 70),
    ("cosine_with_restarts", 1.0, {"num_warmup_steps": 2, "num_training_steps": 10,
                                   "num_cycles": 2}, 11),
    ("cosine_with_restarts", 0.1, {"num_warmup_steps": 3, "num_training_steps": 23,
                                   "num_cycles": 1.5}, 37),
    ("cosine_with_restarts", 1.0, {"num_warmup_steps": 4, "num_training_steps": 4}, 9),
    ("polynomial", 1.0, {"num_warmup_steps": 2, "num_training_steps": 6, "power": 2.0,
                         "lr_end": 0.1}, 8),
    ("polynomial", 0.1, {"num_warmup_steps": 3, "num_training_steps": 13}, 23),
    ("polynomial", 0.01, {"num_warmup_steps": 0, "num_training_steps": 7, "power": 0.5,
                          "lr_end": 0.001}, 13),
    ("polynomial", 0.1, {"num_warmup_steps": 6, "num_training_steps": 3, "lr_end": 0.01}, 10),
    ("polynomial", 1.0, {"num_warmup_steps": 5, "num_training_steps": 5}, 7),
    ("constant", 0.1, {}, 7),
    ("constant_with_warmup", 1.0, {"num_warmup_steps": 4}, 13),
    ("constant_with_warmup", 0.1, {"num_warmup_steps": 0}, 7),
    ("inverse_sqrt", 1.0, {"num_warmup_steps": 4}, 9),
    ("inverse_sqrt", 1.0, {"num_warmup_steps": 0}, 13),
    ("inverse_sqrt", 0.1, {"num_warmup_steps": 3, "timescale": 10}, 37),
    ("cosine_with_min_lr", 1.0, {"num_warmup_steps": 2, "num_training_steps": 10,
                                 "min_lr_rate": 0.1}, 23),
    ("cosine_with_min_lr", 1e-3, {"num_warmup_steps": 3, "num_training_steps": 13,
                                  "min_lr": 1e-5}, 23),
    ("cosine_warmup_with_min_lr", 1.0, {"num_warmup_steps": 3, "num_training_steps": 8,
                                        "min_lr_rate": 0.1}, 13),
    ("cosine_warmup_with_min_lr", 1e-3, {"num_warmup_steps": 4, "num_training_steps": 13,
                                         "min_lr": 1e-4, "warmup_lr_rate": 0.1}, 23),
    ("cosine_warmup_with_min_lr", 1.0, {"num_warmup_steps": 0, "num_training_steps": 7,
                                        "min_lr_rate": 0.05}, 13),
    ("cosine_warmup_with_min_lr", 0.1, {"num_warmup_steps": 7, "num_training_steps": 5,
                                        "min_lr_rate": 0.1}, 11),
    ("warmup_stable_decay", 1.0, {"num_warmup_steps": 2, "num_decay_steps": 4,
                                  "num_training_steps": 12}, 15),
    ("warmup_stable_decay", 0.1, {"num_warmup_steps": 3, "num_decay_steps": 5,
                                  "num_stable_steps": 3, "warmup_type": "cosine",
                                  "decay_type": "linear", "min_lr_ratio": 0.1}, 13),
    ("warmup_stable_decay", 1.0, {"num_warmup_steps": 4, "num_decay_steps": 4,
                                  "num_training_steps": 16, "warmup_type": "1-sqrt",
                                  "decay_type": "1-sqrt", "min_lr_ratio": 0.05}, 23),
    ("warmup_stable_decay", 1.0, {"num_warmup_steps": 4, "num_decay_steps": 5,
                                  "num_training_steps": 6}, 12),
    ("warmup_stable_decay", 1.0, {"num_warmup_steps": 0, "num_decay_steps": 6,
                                  "num_stable_steps": 2, "num_cycles": 1.0,
                                  "last_epoch": 1}, 11),
]


@pytest.mark.parametrize(("name", "lr", "args", "count"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_values_match_the_restated_formula(name, lr, args, count):
    got = values(spec(name, lr, **args) | {"total_steps": count}, count)
    want = reference_values(name, lr, args, count)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * lr, equal_nan=True)


@pytest.mark.parametrize("name", sorted(NAMES))
def test_every_get_function_is_an_alias(name):
    args = {
        "constant": {},
        "constant_with_warmup": {"num_warmup_steps": 2},
        "inverse_sqrt": {"num_warmup_steps": 2},
        "cosine_with_min_lr": {"num_warmup_steps": 2, "num_training_steps": 9, "min_lr": 0.01},
        "cosine_warmup_with_min_lr": {"num_warmup_steps": 2, "num_training_steps": 9,
                                      "min_lr_rate": 0.1},
        "warmup_stable_decay": {"num_warmup_steps": 2, "num_decay_steps": 3,
                                "num_training_steps": 9},
    }.get(name, {"num_warmup_steps": 2, "num_training_steps": 9})
    by_word = resolve_library(spec(name, 0.1, **args) | {"total_steps": 11})
    by_function = resolve_library(spec(NAMES[name], 0.1, **args) | {"total_steps": 11})
    np.testing.assert_array_equal(by_word.values(), by_function.values())
    assert by_word.label == by_function.label == f"transformers.{name}"
    assert NAMES[name] in by_word.source and "transformers 5.23.0" in by_word.source


# --------------------------------------------------------------------------------------------------
# The reference document's verified vectors (rounded to 6 decimals there)


@pytest.mark.parametrize(("mapping", "count", "expected"), [
    (spec("linear", num_warmup_steps=3, num_training_steps=8), 10,
     [0, .333333, .666667, 1, .8, .6, .4, .2, 0, 0]),
    (spec("polynomial", num_warmup_steps=2, num_training_steps=6, power=2.0, lr_end=0.1), 8,
     [0, .5, 1, .60625, .325, .15625, .1, .1]),
    (spec("inverse_sqrt", num_warmup_steps=4) | {"total_steps": 9}, 9,
     [0, .25, .5, .75, 1, .894427, .816497, .755929, .707107]),
    (spec("cosine_with_restarts", num_warmup_steps=2, num_training_steps=10, num_cycles=2), 11,
     [0, .5, 1, .853553, .5, .146447, 1, .853553, .5, .146447, 0]),
    (spec("cosine", num_warmup_steps=0, num_training_steps=4), 9,
     [1, .853553, .5, .146447, 0, .146447, .5, .853553, 1]),
    (spec("cosine_warmup_with_min_lr", num_warmup_steps=3, num_training_steps=8,
          min_lr_rate=0.1), 9,
     [.333333, .666667, 1, .914058, .689058, .410942, .185942, .1, .185942]),
])
def test_reference_vectors(mapping, count, expected):
    np.testing.assert_allclose(values(mapping, count), expected, atol=5e-7)


# --------------------------------------------------------------------------------------------------
# Quirks and the notes that must say so


def test_update_zero_gets_lr_zero_and_the_peak_lands_at_w():
    schedule = resolve_library(spec("cosine", 0.1, num_warmup_steps=10, num_training_steps=100))
    lrs = schedule.values()
    assert lrs[0] == 0.0 and lrs[10] == 0.1 and lrs[9] < 0.1
    assert "update 0 gets LR 0 (transformers warms up from 0)" in schedule.notes
    assert schedule.warmup_steps == 10 and schedule.total_steps == 100
    assert [b.step for b in schedule.boundaries] == [10]  # the decay end (100) is past the run: not marked


def test_no_warmup_no_zero_note():
    schedule = resolve_library(spec("linear", 0.1, num_warmup_steps=0, num_training_steps=10))
    assert schedule.values(1)[0] == 0.1
    assert not any("LR 0" in note for note in schedule.notes)


def test_cosine_rises_again_after_the_end_and_says_so():
    schedule = resolve_library(spec("cosine", 1.0, num_warmup_steps=2, num_training_steps=12))
    lrs = schedule.values(20)
    assert lrs[12] == pytest.approx(0.0, abs=1e-15) and lrs[13] > lrs[12] and lrs[19] > lrs[13]
    assert any("rises again after update 12" in n and "does not clamp progress" in n
               for n in schedule.notes)


def test_cosine_with_w_equal_t_oscillates():
    lrs = values(spec("cosine", 1.0, num_warmup_steps=4, num_training_steps=4), 9)
    np.testing.assert_allclose(lrs[4:], [1, 0, 1, 0, 1], atol=1e-15)
    notes = resolve_library(spec("cosine", 1.0, num_warmup_steps=4, num_training_steps=4)).notes
    assert any("jumps every update" in note for note in notes)


def test_linear_clamps_to_zero_and_restarts_return_zero_after_the_end():
    assert values(spec("linear", 1.0, num_warmup_steps=1, num_training_steps=5), 9)[5:].max() == 0
    lrs = values(spec("cosine_with_restarts", 1.0, num_warmup_steps=1, num_training_steps=9,
                      num_cycles=2), 15)
    assert lrs[9:].max() == 0.0 and lrs[5] == 1.0


def test_restarts_cut_short_note():
    schedule = resolve_library(spec("cosine_with_restarts", 1.0, num_warmup_steps=0,
                                    num_training_steps=10, num_cycles=1.5))
    assert any("last cycle is cut short" in note for note in schedule.notes)


def test_linear_with_warmup_past_the_end_never_reaches_the_peak():
    schedule = resolve_library(spec("linear", 1.0, num_warmup_steps=5, num_training_steps=5))
    lrs = schedule.values(8)
    assert lrs.max() == pytest.approx(0.8) and lrs[5] == 0.0
    assert any(n.startswith("the peak lr 1 is never reached") and "update 4" in n
               for n in schedule.notes)


def test_polynomial_w_equal_t_is_nan_at_t_with_a_note():
    schedule = resolve_library(spec("polynomial", 1.0, num_warmup_steps=5, num_training_steps=5))
    lrs = schedule.values(7)
    assert np.isnan(lrs[5]) and not np.isnan(np.delete(lrs, 5)).any()
    assert lrs[6] == pytest.approx(1e-7)  # t > T: lr_end / lr_init
    assert any("ZeroDivisionError at update 5" in n and "NaN" in n for n in schedule.notes)


def test_polynomial_negative_power_is_nan_at_t():
    schedule = resolve_library(spec("polynomial", 0.1, num_warmup_steps=0, num_training_steps=5,
                                    power=-1.0, lr_end=0.0))
    lrs = schedule.values(7)
    assert np.isnan(lrs[5]) and lrs[4] == pytest.approx(0.5, rel=1e-12)
    assert any("ZeroDivisionError at update 5" in n for n in schedule.notes)


def test_polynomial_ends_at_lr_end_relative_to_lr():
    lrs = values(spec("polynomial", 0.1, num_warmup_steps=0, num_training_steps=4,
                      lr_end=0.01), 8)
    # past T the multiplier is lr_end / lr_init, multiplied back by LambdaLR
    assert lrs[5] == 0.1 * (0.01 / 0.1)


def test_inverse_sqrt_timescale_defaults():
    schedule = resolve_library(spec("inverse_sqrt", 1.0, num_warmup_steps=0) | {"total_steps": 3})
    assert schedule.values()[2] == 1.0 / math.sqrt(10_002 / 10_000)
    assert any("10000" in note for note in schedule.notes)
    with_w = values(spec("inverse_sqrt", 1.0, num_warmup_steps=4) | {"total_steps": 9}, 9)
    assert with_w[8] == 1.0 / math.sqrt(8 / 4)


def test_cosine_warmup_with_min_lr_is_one_update_ahead():
    schedule = resolve_library(spec("cosine_warmup_with_min_lr", 1.0, num_warmup_steps=3,
                                    num_training_steps=8, min_lr_rate=0.1))
    lrs = schedule.values(10)
    assert lrs[0] == pytest.approx(1 / 3) and lrs[2] == 1.0 and lrs[7] == pytest.approx(0.1)
    assert lrs[8] > lrs[7]
    notes = " | ".join(schedule.notes)
    assert "update 0 gets 0.333333, not 0" in notes
    assert "peak is at update 2 and the floor at update 7" in notes
    assert "rises again after update 7" in notes


def test_cosine_warmup_with_min_lr_without_warmup_never_uses_the_peak():
    schedule = resolve_library(spec("cosine_warmup_with_min_lr", 1.0, num_warmup_steps=0,
                                    num_training_steps=7, min_lr_rate=0.05))
    assert schedule.values(1)[0] < 1.0
    assert any("never reached" in n and "progress 1/(T - W)" in n for n in schedule.notes)


def test_cosine_with_min_lr_converts_min_lr_with_the_optimizer_lr():
    lrs = values(spec("cosine_with_min_lr", 0.2, num_warmup_steps=0, num_training_steps=10,
                      min_lr=0.01), 11)
    # min_lr becomes the ratio min_lr / lr, which LambdaLR multiplies back: not always min_lr bit
    # for bit (here 0.010000000000000002)
    assert lrs[10] == 0.2 * (0.01 / 0.2)
    assert lrs[10] == pytest.approx(0.01, rel=1e-15)


def test_wsd_warmup_starts_at_min_lr_ratio_and_floor_comes_after_the_decay():
    schedule = resolve_library(spec("warmup_stable_decay", 1.0, num_warmup_steps=2,
                                    num_decay_steps=3, num_stable_steps=2, decay_type="linear",
                                    min_lr_ratio=0.1))
    lrs = schedule.values(9)
    np.testing.assert_allclose(lrs, [.1, .55, 1, 1, 1, .7, .4, .1, .1], atol=1e-15)
    assert schedule.total_steps == 7
    assert [b.step for b in schedule.boundaries] == [2, 4]  # the decay end (7) is past the run
    notes = " | ".join(schedule.notes)
    assert "update 0 gets min_lr_ratio·lr = 0.1" in notes
    assert "first used at update 7" in notes


def test_wsd_num_stable_steps_wins_over_num_training_steps():
    schedule = resolve_library(spec("warmup_stable_decay", 1.0, num_warmup_steps=2,
                                    num_decay_steps=3, num_training_steps=20, num_stable_steps=4))
    lrs = schedule.values(20)
    assert lrs[5] == 1.0 and lrs[6] == 1.0 and lrs[7] < 1.0 and lrs[9:].max() == 0.0
    assert schedule.total_steps == 20
    assert any("num_stable_steps wins" in n and "ends at update 9" in n for n in schedule.notes)


def test_wsd_negative_stable_phase_starts_the_decay_part_way():
    schedule = resolve_library(spec("warmup_stable_decay", 1.0, num_warmup_steps=4,
                                    num_decay_steps=5, num_training_steps=6))
    lrs = schedule.values(8)
    assert lrs[4] == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.6)))
    notes = " | ".join(schedule.notes)
    assert "stable phase is -3 updates" in notes and "never reached" in notes


def test_constant_ignores_num_warmup_steps_like_get_scheduler():
    schedule = resolve_library(spec("constant", 0.1, num_warmup_steps=100,
                                    num_training_steps=1000))
    assert schedule.total_steps == 1000 and schedule.values(3).tolist() == [0.1, 0.1, 0.1]
    assert any("num_warmup_steps 100 is ignored" in note for note in schedule.notes)


def test_num_training_steps_is_the_table_length_where_get_scheduler_ignores_it():
    for name in ("constant_with_warmup", "inverse_sqrt"):
        schedule = resolve_library(spec(name, 0.1, num_warmup_steps=5, num_training_steps=50))
        assert schedule.total_steps == 50


def test_resume_with_last_epoch_shifts_the_counter():
    fresh = values(spec("linear", 1.0, num_warmup_steps=3, num_training_steps=8), 12)
    resumed = resolve_library(spec("linear", 1.0, num_warmup_steps=3, num_training_steps=8,
                                   last_epoch=4))
    np.testing.assert_array_equal(resumed.values(7), fresh[5:12])
    assert resumed.total_steps == 3 and resumed.warmup_steps == 0
    assert [b.step for b in resumed.boundaries] == []  # the decay end (3) is past the run


def test_the_resolved_spec_records_every_argument():
    schedule = resolve_library(spec("cosine", 0.1, num_warmup_steps=1, num_training_steps=9))
    assert schedule.spec == {"schedule": "transformers.cosine", "lr": 0.1,
                             "args": {"num_warmup_steps": 1, "num_training_steps": 9,
                                      "num_cycles": 0.5, "last_epoch": -1},
                             "total_steps": 9}


def test_values_past_the_end_and_at_huge_indices():
    schedule = resolve_library(spec("inverse_sqrt", 1.0, num_warmup_steps=4) | {"total_steps": 9})
    big = schedule([10**12])
    assert big[0] == pytest.approx(1.0 / math.sqrt((10**12) / 4))


@settings(max_examples=25)
@given(w=st.integers(0, 50), extra=st.integers(1, 200), lr=st.floats(1e-6, 1.0))
def test_warmups_rise_monotonically_and_stay_within_lr(w, extra, lr):
    n = w + extra
    for name in ("linear", "cosine", "polynomial"):
        args = {"num_warmup_steps": w, "num_training_steps": n}
        if name == "polynomial":
            args["lr_end"] = 0.0
        lrs = values(spec(name, lr, **args), n + 5)
        assert np.all(np.diff(lrs[: w + 1]) > 0) if w else True
        assert lrs.max() <= lr * (1 + 1e-15) and lrs.min() >= 0.0
        assert lrs[w] == pytest.approx(lr, rel=1e-12)


# --------------------------------------------------------------------------------------------------
# Bad input: what transformers (or get_scheduler) rejects, with the argument's path


@pytest.mark.parametrize(("mapping", "path", "words"), [
    (spec("linear", num_training_steps=10), "args.num_warmup_steps", "needs this argument"),
    (spec("cosine", num_warmup_steps=10), "args.num_training_steps", "needs this argument"),
    (spec("constant_with_warmup") | {"total_steps": 5}, "args.num_warmup_steps",
     "needs this argument"),
    (spec("warmup_stable_decay", num_warmup_steps=2, num_decay_steps=3),
     "args.num_training_steps", "num_training_steps or num_stable_steps"),
    (spec("warmup_stable_decay", num_warmup_steps=2, num_training_steps=9),
     "args.num_decay_steps", "needs this argument"),
    (spec("polynomial", 0.1, num_warmup_steps=0, num_training_steps=5, lr_end=0.1),
     "args.lr_end", "smaller than"),
    (spec("polynomial", 1e-7, num_warmup_steps=1, num_training_steps=5), "args.lr_end",
     "smaller than"),
    (spec("cosine_with_min_lr", num_warmup_steps=0, num_training_steps=5, min_lr=0.01,
          min_lr_rate=0.1), "args.min_lr_rate", "not both"),
    (spec("cosine_with_min_lr", num_warmup_steps=0, num_training_steps=5), "args.min_lr",
     "min_lr or min_lr_rate"),
    (spec("cosine_warmup_with_min_lr", num_warmup_steps=2, num_training_steps=7), "args.min_lr",
     "min_lr or min_lr_rate"),
    (spec("cosine_with_min_lr", 0.0, num_warmup_steps=0, num_training_steps=5, min_lr=0.0),
     "lr", "divided by"),
    (spec("linear", num_warmup_steps=-1, num_training_steps=5), "args.num_warmup_steps",
     "negative"),
    (spec("linear", num_warmup_steps=0, num_training_steps=0), "args.num_training_steps",
     "at least 1"),
    (spec("warmup_stable_decay", num_warmup_steps=1, num_decay_steps=-2, num_stable_steps=2),
     "args.num_decay_steps", "negative"),
    (spec("linear", num_warmup_steps=0, num_training_steps=5, last_epoch=-2), "args.last_epoch",
     "must be at least -1"),
    (spec("linear", num_warmup_steps=0, num_training_steps=5, last_epoch=4), "args.last_epoch",
     "no update is left"),
    (spec("inverse_sqrt", num_warmup_steps=2, timescale=0) | {"total_steps": 5},
     "args.timescale", "positive"),
    (spec("constant"), "total_steps", "no natural end"),
    (spec("inverse_sqrt", num_warmup_steps=3), "total_steps", "no natural end"),
    (spec("warmup_stable_decay", num_warmup_steps=1, num_decay_steps=2, num_stable_steps=2,
          decay_type="exp"), "args.decay_type", ""),
    (spec("cosine", num_warmup_steps=1, num_training_steps=5, eta_min=0.1), "args.eta_min",
     "unknown argument"),
    ({"schedule": "transformers.linear", "args": {"num_warmup_steps": 1,
                                                 "num_training_steps": 5}}, "lr", "needs lr"),
])
def test_bad_input_names_the_argument(mapping, path, words):
    with pytest.raises(SpecError) as caught:
        resolve_library(mapping)
    assert caught.value.path == path
    assert words in str(caught.value)
    assert caught.value.hint


def test_library_errors_quote_transformers():
    with pytest.raises(SpecError, match="transformers raises ValueError: lr_end"):
        resolve_library(spec("polynomial", 0.1, num_warmup_steps=0, num_training_steps=5,
                             lr_end=0.5))
    with pytest.raises(SpecError, match="Either num_training_steps or num_stable_steps"):
        resolve_library(spec("warmup_stable_decay", num_warmup_steps=2, num_decay_steps=3))

"""DeepSpeed's LR schedules: the restated formulas, the engine's indexing, notes and bad input.

The reference restates deepspeed 0.19.8's ``deepspeed/runtime/lr_schedules.py`` one iteration at a
time with ``math``, independently of the vectorized module. The engine (``_take_model_step``) steps
the scheduler after each optimizer step and the constructor writes the first LR, so update ``k``
uses iteration ``k - 1`` and update 0 the constructor's value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from warmupctl.core.errors import SpecError
from warmupctl.frameworks import load_libraries
from warmupctl.spec.library import resolve_library

load_libraries()


def spec(name: str, lr: float | None = None, total: int | None = None, **args: Any
         ) -> dict[str, Any]:
    mapping: dict[str, Any] = {"schedule": f"deepspeed.{name}", "args": args}
    if lr is not None:
        mapping["lr"] = lr
    if total is not None:
        mapping["total_steps"] = total
    return mapping


def values(mapping: dict[str, Any], count: int) -> np.ndarray:
    return resolve_library(mapping).values(count)


# --------------------------------------------------------------------------------------------------
# The reference: DeepSpeed's get_lr restated, one iteration at a time


def _gamma(i: int, w: int, kind: str) -> float:
    return (1.0 / math.log(w)) * math.log(i + 1) if kind == "log" else i / w


def at_iteration(name: str, lr: float | None, a: dict[str, Any], i: int) -> float:
    """The LR DeepSpeed writes at ``last_batch_iteration = i`` (i = -1: the constructor)."""
    kind = a.get("warmup_type", "log")
    kind = kind if kind in ("log", "linear") else "log"
    w = max(2, a.get("warmup_num_steps", 1000))
    if name in ("WarmupLR", "WarmupDecayLR"):
        low = a.get("warmup_min_lr", 0.0)
        high = a.get("warmup_max_lr", None if name == "WarmupLR" else 0.001)
        high = lr if high is None else high
        if i < 0:
            return low
        if i < w:
            g = _gamma(i, w, kind)
        elif name == "WarmupLR":
            g = 1.0
        else:
            t = a["total_num_steps"]
            g = max(0.0, float(t - i) / float(max(1.0, t - w)))
        return low + (high - low) * g
    if name == "WarmupCosineLR":
        assert lr is not None
        if i < 0:
            return 0.0
        wmr, cmr, t = a.get("warmup_min_ratio", 0.0), a.get("cos_min_ratio", 1e-4), \
            a["total_num_steps"]
        if i < w:
            return lr * (wmr + _gamma(i, w, kind) * (1.0 - wmr))
        progress = min(1.0, (i - w + 1) / max(1, t - w))
        return lr * max(0.0, cmr + (1.0 - cmr) * (1 + math.cos(math.pi * progress)) / 2)
    if name == "LRRangeTest":
        low, size = a.get("lr_range_test_min_lr", 1e-3), a.get("lr_range_test_step_size", 2000)
        if i < 0:
            return low
        interval = float(i + 1) / size
        if a.get("lr_range_test_staircase", False):
            interval = math.floor(interval)
        return low * (1 + a.get("lr_range_test_step_rate", 1.0) * interval)
    # OneCycle
    low, high = a["cycle_min_lr"], a["cycle_max_lr"]
    if i < 0:
        return low
    first = float(a.get("cycle_first_step_size", 2000))
    second = a.get("cycle_second_step_size")
    second = first if second is None else float(second)
    size = first + second
    if i >= size:
        every, rate = a.get("decay_step_size", 0), a.get("decay_lr_rate", 0.0)
        if math.isclose(every, 0) or math.isclose(rate, 0):
            return low
        return low / (1 + rate * ((i - size + 1) / every))
    b = i + 1
    ratio = first / size
    cycle = math.floor(1 + b / size)
    x = 1.0 + b / size - cycle
    up = a.get("cycle_first_stair_count", 0)
    down = a.get("cycle_second_stair_count")
    down = up if down is None else down
    if x <= ratio:
        scale, count = x / ratio, up
    else:
        scale, count = (x - 1) / (ratio - 1), down
    if count > 0:
        pos = b % size
        place = pos * count / first if pos <= first else (size - pos) * count / second
        scale = math.floor(place) / count
    return low + (high - low) * scale


def reference(name: str, lr: float | None, a: dict[str, Any], count: int) -> list[float]:
    return [at_iteration(name, lr, a, k - 1) for k in range(count)]


def assert_matches(got: np.ndarray, want: list[float], scale: float = 1.0) -> None:
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * scale)


# --------------------------------------------------------------------------------------------------
# Known vectors (update-indexed, verified against deepspeed 0.19.8)


def test_warmup_lr_log_and_linear_vectors() -> None:
    log = values(spec("WarmupLR", 1.0, total=6, warmup_num_steps=4), 6)
    assert log.tolist() == pytest.approx([0, 0, 0.5, 0.792481, 1, 1], abs=1e-6)
    linear = values(spec("WarmupLR", 1.0, total=6, warmup_num_steps=4, warmup_type="linear"), 6)
    assert linear.tolist() == [0, 0, 0.25, 0.5, 0.75, 1]


def test_warmup_decay_vector() -> None:
    got = values(spec("WarmupDecayLR", total_num_steps=8, warmup_max_lr=1.0,
                      warmup_num_steps=4, warmup_type="linear", total=10), 10)
    assert got.tolist() == [0, 0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25, 0]


def test_warmup_cosine_vector_never_reaches_the_peak() -> None:
    schedule = resolve_library(spec("WarmupCosineLR", 1.0, total_num_steps=8, warmup_num_steps=4,
                                    warmup_type="linear", warmup_min_ratio=0.1, cos_min_ratio=0.0))
    got = schedule.values(9)
    assert got.tolist() == pytest.approx([0, 0.1, 0.325, 0.55, 0.775, 0.853553, 0.5, 0.146447, 0],
                                         abs=1e-6)
    assert got.max() < 1.0
    assert any("the peak lr 1 is never reached" in n and "update 5 is already on the cosine" in n
               for n in schedule.notes)


def test_one_cycle_vector() -> None:
    got = values(spec("OneCycle", total=9, cycle_min_lr=0.1, cycle_max_lr=1.0, decay_lr_rate=0.5,
                      cycle_first_step_size=2, decay_step_size=2), 9)
    assert got.tolist() == pytest.approx([0.1, 0.55, 1, 0.55, 0.1, 0.08, 0.066667, 0.057143, 0.05],
                                         abs=1e-6)


def test_range_test_staircase_vector() -> None:
    got = values(spec("LRRangeTest", total=7, lr_range_test_min_lr=0.1,
                      lr_range_test_step_size=2, lr_range_test_staircase=True), 7)
    assert got.tolist() == pytest.approx([0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4], abs=1e-15)


# --------------------------------------------------------------------------------------------------
# Values against the restated formulas

CASES = [
    ("WarmupLR", 0.1, {"warmup_num_steps": 5, "warmup_type": "linear", "warmup_min_lr": 0.01}),
    ("WarmupLR", 0.1, {"warmup_num_steps": 1}),
    ("WarmupLR", 0.1, {"warmup_num_steps": 7, "warmup_max_lr": 0.5, "warmup_type": "cubic"}),
    ("WarmupDecayLR", None, {"total_num_steps": 13, "warmup_min_lr": 1e-4, "warmup_max_lr": 0.1,
                             "warmup_num_steps": 3}),
    ("WarmupDecayLR", None, {"total_num_steps": 4, "warmup_num_steps": 6,
                             "warmup_type": "linear"}),
    ("WarmupDecayLR", 0.3, {"total_num_steps": 9, "warmup_max_lr": None, "warmup_num_steps": 2}),
    ("WarmupCosineLR", 0.1, {"total_num_steps": 15, "warmup_num_steps": 5}),
    ("WarmupCosineLR", 0.1, {"total_num_steps": 10, "warmup_num_steps": 1,
                             "warmup_type": "linear", "cos_min_ratio": 0.01}),
    ("WarmupCosineLR", 0.1, {"total_num_steps": 3, "warmup_num_steps": 5,
                             "warmup_min_ratio": 0.2}),
    ("OneCycle", None, {"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 3,
                        "cycle_second_step_size": 5, "decay_lr_rate": 0.1, "decay_step_size": 1}),
    ("OneCycle", None, {"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 6,
                        "cycle_first_stair_count": 3, "cycle_second_step_size": 4,
                        "cycle_second_stair_count": 2}),
    ("OneCycle", None, {"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 2.5,
                        "cycle_second_step_size": 0, "cycle_first_stair_count": 2}),
    ("LRRangeTest", None, {"lr_range_test_min_lr": 0.001, "lr_range_test_step_size": 3,
                           "lr_range_test_step_rate": 0.5}),
]


@pytest.mark.parametrize(("name", "lr", "args"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_against_reference(name: str, lr: float | None, args: dict[str, Any]) -> None:
    count = 23
    got = values(spec(name, lr, total=count, **args), count)
    assert_matches(got, reference(name, lr, args, count))


@given(st.sampled_from(["WarmupLR", "WarmupDecayLR", "WarmupCosineLR"]), st.integers(1, 12),
       st.integers(1, 30), st.sampled_from(["log", "linear"]), st.sampled_from([0.0, 0.1]))
def test_warmup_family_matches_reference(name: str, warmup: int, total: int, kind: str,
                                         low: float) -> None:
    a: dict[str, Any] = {"warmup_num_steps": warmup, "warmup_type": kind}
    if name != "WarmupLR":
        a["total_num_steps"] = total
    if name == "WarmupCosineLR":
        a["warmup_min_ratio"] = low
    else:
        a["warmup_min_lr"] = low * 1e-3
    got = values(spec(name, 1.0 if name != "WarmupDecayLR" else None, total=40, **a), 40)
    assert_matches(got, reference(name, 1.0, a, 40))


@given(st.integers(1, 6), st.one_of(st.none(), st.integers(0, 6)), st.integers(0, 3),
       st.one_of(st.none(), st.integers(0, 3)), st.sampled_from([0, 1, 3]),
       st.sampled_from([0.0, 0.5]))
def test_one_cycle_matches_reference(first: int, second: int | None, up: int, down: int | None,
                                     every: int, rate: float) -> None:
    a = {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": first,
         "cycle_second_step_size": second, "cycle_first_stair_count": up,
         "cycle_second_stair_count": down, "decay_step_size": every, "decay_lr_rate": rate}
    assert_matches(values(spec("OneCycle", total=30, **a), 30), reference("OneCycle", None, a, 30))


# --------------------------------------------------------------------------------------------------
# Indexing and notes


def test_first_two_updates_run_at_the_minimum() -> None:
    schedule = resolve_library(spec("WarmupLR", 0.1, total=13, warmup_num_steps=5,
                                    warmup_type="linear", warmup_min_lr=0.01))
    got = schedule.values(13)
    assert got[0] == got[1] == 0.01 and got[2] > 0.01
    assert got[6] == pytest.approx(0.1, abs=1e-15) and got[5] < 0.1  # peak at update W + 1
    assert any("updates 0 and 1 both run at warmup_min_lr 0.01" in n for n in schedule.notes)
    assert any("reaches the peak 0.1 at update 6, not 5" in n for n in schedule.notes)
    assert schedule.warmup_steps == 6
    assert [(b.step, b.label) for b in schedule.boundaries] == [(6, "warmup end")]


def test_log_warmup_note_and_peak_at_update_w() -> None:
    schedule = resolve_library(spec("WarmupLR", 1.0, total=1001))
    got = schedule.values(1001)
    assert got[1000] == pytest.approx(1.0, abs=1e-15)  # iteration 999: log(1000)/log(1000)
    assert got[32] >= 0.5 > got[31]  # half the range at update ceil(sqrt(1000)) = 32
    assert any("log warmup (DeepSpeed's default warmup_type)" in n and "update 32" in n
               for n in schedule.notes)


def test_warmup_num_steps_one_is_clamped_to_two() -> None:
    schedule = resolve_library(spec("WarmupLR", 0.1, total=4, warmup_num_steps=1))
    assert schedule.values(4).tolist() == pytest.approx([0, 0, 0.1, 0.1], abs=1e-15)
    assert any("raised to 2" in n for n in schedule.notes)


def test_unknown_warmup_type_falls_back_to_log() -> None:
    odd = resolve_library(spec("WarmupLR", 1.0, total=9, warmup_num_steps=4, warmup_type="cubic"))
    log = resolve_library(spec("WarmupLR", 1.0, total=9, warmup_num_steps=4))
    np.testing.assert_array_equal(odd.values(), log.values())
    assert any("unknown warmup_type 'cubic'" in n for n in odd.notes)


def test_warmup_max_lr_replaces_the_optimizer_lr() -> None:
    schedule = resolve_library(spec("WarmupLR", 0.1, total=9, warmup_max_lr=0.5,
                                    warmup_num_steps=3, warmup_type="linear"))
    assert schedule.values(9)[-1] == 0.5
    assert any("the optimizer's lr 0.1 is not used" in n for n in schedule.notes)
    default = resolve_library(spec("WarmupDecayLR", total_num_steps=100))
    assert any("DeepSpeed's default 0.001" in n for n in default.notes)
    assert default.total_steps == 100


def test_decay_reaches_the_minimum_after_the_run() -> None:
    schedule = resolve_library(spec("WarmupDecayLR", total_num_steps=8, warmup_max_lr=1.0,
                                    warmup_num_steps=4, warmup_type="linear"))
    assert schedule.total_steps == 8
    assert schedule.values(8)[-1] == 0.5
    assert schedule([9, 10, 1000]).tolist() == [0.0, 0.0, 0.0]  # clamps at warmup_min_lr
    assert any("first used at update 9 (iteration 8)" in n for n in schedule.notes)


def test_decay_shorter_than_warmup() -> None:
    schedule = resolve_library(spec("WarmupDecayLR", total_num_steps=4, warmup_num_steps=6,
                                    warmup_type="linear"))
    assert schedule.warmup_steps == 7  # the hand-over, past the run of 4: a lint says so
    assert schedule([7])[0] == 0.0
    assert any("total_num_steps 4 < warmup_num_steps 6" in n for n in schedule.notes)


def test_cosine_update_zero_and_floor_notes() -> None:
    schedule = resolve_library(spec("WarmupCosineLR", 0.1, total_num_steps=15,
                                    warmup_num_steps=5, warmup_min_ratio=0.1))
    got = schedule.values(16)
    assert got[0] == 0.0 and got[1] == pytest.approx(0.01, abs=1e-15)
    assert got[15] == pytest.approx(0.1 * 1e-4, abs=1e-15)  # cos_min_ratio at update T
    assert any("update 0 runs at LR 0" in n for n in schedule.notes)
    assert any("first used at update 15, one past the 15 updates" in n for n in schedule.notes)
    assert schedule([100, 10**9]).tolist() == pytest.approx([1e-5, 1e-5], abs=1e-18)
    # cos_min_ratio is first used at update 15, past the run of 15: not marked
    assert [(b.step, b.label) for b in schedule.boundaries] == [(6, "cosine start")]


def test_cosine_without_a_decay_window() -> None:
    schedule = resolve_library(spec("WarmupCosineLR", 0.1, total_num_steps=3,
                                    warmup_num_steps=5, cos_min_ratio=0.2))
    assert schedule.values(8)[6:].tolist() == pytest.approx([0.02, 0.02], abs=1e-15)
    assert any("there is no cosine" in n for n in schedule.notes)


def test_one_cycle_notes_and_marks() -> None:
    schedule = resolve_library(spec("OneCycle", total=13, cycle_min_lr=0.001, cycle_max_lr=0.01,
                                    cycle_first_step_size=4, decay_lr_rate=0.1))
    got = schedule.values(13)
    assert got[4] == pytest.approx(0.01, abs=1e-15) and (got[8:] == 0.001).all()
    assert any("decay_lr_rate is ignored" in n for n in schedule.notes)
    assert any("beta2 to 0.99" in n for n in schedule.notes)
    assert [(b.step, b.label) for b in schedule.boundaries] == [(4, "cycle peak"), (8, "cycle end")]


def test_source_and_spec() -> None:
    schedule = resolve_library(spec("LRRangeTest", total=7))
    assert schedule.source == "deepspeed 0.19.8, deepspeed/runtime/lr_schedules.py, LRRangeTest"
    assert schedule.spec["args"] == {"lr_range_test_min_lr": 1e-3, "lr_range_test_step_size": 2000,
                                     "lr_range_test_step_rate": 1.0,
                                     "lr_range_test_staircase": False}
    assert schedule.label == "deepspeed.LRRangeTest"


# --------------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(("mapping", "path", "words"), [
    (spec("WarmupLR", 0.1, total=5, warmup_num_steps=0), "args.warmup_num_steps",
     "DeepSpeed raises ValueError"),
    (spec("WarmupCosineLR", 0.1, total_num_steps=10, warmup_num_steps=-3),
     "args.warmup_num_steps", "clamped to 2"),
    (spec("WarmupLR", total=5), "lr", "warmup_max_lr"),
    (spec("WarmupDecayLR", total_num_steps=5, warmup_max_lr=None), "lr", "optimizer's LR"),
    (spec("WarmupLR", 0.1), "total_steps", "total_steps: N"),
    (spec("OneCycle", cycle_min_lr=0.1, cycle_max_lr=1.0), "total_steps", "lasts 4001 updates"),
    (spec("LRRangeTest"), "total_steps", "total_steps: N"),
    (spec("WarmupDecayLR", total_num_steps=0), "args.total_num_steps", "total_steps: N"),
    (spec("WarmupCosineLR", total_num_steps=10), "lr", "lr: 3e-4"),
    (spec("OneCycle", total=5, cycle_min_lr=0.1, cycle_max_lr=1.0, cycle_first_step_size=0),
     "args.cycle_first_step_size", "rising half"),
    (spec("OneCycle", total=5, cycle_min_lr=0.1, cycle_max_lr=1.0, cycle_second_step_size=-1),
     "args.cycle_second_step_size", "falling half"),
    (spec("OneCycle", total=5, cycle_max_lr=1.0), "args.cycle_min_lr", "needs this argument"),
    (spec("LRRangeTest", total=5, lr_range_test_step_size=0), "args.lr_range_test_step_size",
     "must be positive (got 0); DeepSpeed raises ValueError"),
])
def test_bad_input(mapping: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(SpecError) as caught:
        resolve_library(mapping)
    assert caught.value.path == path
    assert words in str(caught.value)


@pytest.mark.parametrize(("name", "args"), [
    ("OneCycle", {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0}),
    ("LRRangeTest", {}),
])
def test_a_top_level_lr_is_accepted_with_a_note_as_torch_onecyclelr_does(
    name: str, args: dict[str, Any]
) -> None:
    without = resolve_library(spec(name, total=9, **args))
    schedule = resolve_library(spec(name, 0.5, total=9, **args))
    np.testing.assert_array_equal(schedule.values(), without.values())
    assert (f"the optimizer's lr (0.5) has no effect: deepspeed.{name} takes its LRs from its args"
            in schedule.notes)
    assert schedule.spec["lr"] is None  # the schedule does not use it


def test_registry_entries() -> None:
    registry = load_libraries()
    lr_use = {"WarmupLR": "optional", "WarmupDecayLR": "optional", "WarmupCosineLR": "required",
              "OneCycle": "unused", "LRRangeTest": "unused"}
    for name, use in lr_use.items():
        entry = registry[f"deepspeed.{name}"]
        assert entry.lr == use and entry.source.startswith("deepspeed 0.19.8")
    assert registry["deepspeed.WarmupDecayLR"].arg("warmup_max_lr").default == 0.001
    assert registry["deepspeed.WarmupCosineLR"].arg("cos_min_ratio").default == 0.0001

"""Native specs: defaults, the vocabulary, every kind against its formula, phases, ratio rounding."""

import math

import numpy as np
import pytest

import warmupctl
from warmupctl.core.errors import SpecError
from warmupctl.spec import load_spec


def test_defaults_reproduce_the_usual_transformers_example():
    schedule = warmupctl.schedule()
    assert schedule.total_steps == 1000 and schedule.warmup_steps == 100
    values = schedule.values()
    assert values[0] == 0.0 and values[100] == 1e-4
    assert values[50] == pytest.approx(5e-5, rel=1e-15)


def test_ratio_is_rounded_without_float_noise_and_the_difference_is_said():
    schedule = warmupctl.schedule(ratio=0.07, total_steps=100)
    assert schedule.warmup_steps == 7
    assert any("transformers' Trainer computes ceil(100 * 0.07) = 8" in n for n in schedule.notes)
    assert warmupctl.schedule(ratio=0.1, total_steps=1000).notes == ()


def test_a_flag_of_the_length_group_replaces_the_files_key(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("warmup_steps: 50\ntotal_steps: 200\n")
    assert load_spec(str(path)).warmup_steps == 50
    assert load_spec(str(path), {"ratio": 0.25}).warmup_steps == 50 * 1  # 0.25 * 200 = 50
    assert load_spec(str(path), {"ratio": 0.1}).warmup_steps == 20
    assert load_spec(str(path), {"warmup_steps": "7"}).warmup_steps == 7


LR, W, T, MIN = 2e-3, 10, 57, 1e-4


def _expected(kind: str, k: int, **extra) -> float:
    """Each kind's formula after the warmup, restated from the issue (k = update index)."""
    if k < W:
        return LR * k / W
    d, n = k - W, T - W
    p = min(d, n) / n
    if kind == "constant":
        return LR
    if kind == "linear":
        return MIN + (LR - MIN) * (1 - p)
    if kind == "cosine":
        return MIN + (LR - MIN) * 0.5 * (1 + math.cos(math.pi * 2 * extra.get("num_cycles", 0.5) * p))
    if kind == "cosine_with_restarts":
        if p >= 1:
            return MIN
        return MIN + (LR - MIN) * 0.5 * (1 + math.cos(math.pi * ((extra["num_cycles"] * p) % 1)))
    if kind == "polynomial":
        return MIN + (LR - MIN) * (1 - p) ** extra["power"]
    if kind == "inverse_sqrt":
        return max(MIN, LR / math.sqrt((min(d, n) + W) / W))
    if kind == "exponential":
        return max(MIN, LR * extra["gamma"] ** min(d, n))
    if kind == "step":
        return max(MIN, LR * extra["gamma"] ** (min(d, n) // extra["step_size"]))
    if kind == "multistep":
        return max(MIN, LR * extra["gamma"] ** sum(k >= m for m in extra["milestones"]))
    raise AssertionError(kind)


KIND_CASES = [
    ("constant", {}),
    ("linear", {}),
    ("cosine", {}),
    ("cosine", {"num_cycles": 2.0}),
    ("cosine_with_restarts", {"num_cycles": 3.0}),
    ("polynomial", {"power": 2.0}),
    ("inverse_sqrt", {}),
    ("exponential", {"gamma": 0.95}),
    ("step", {"step_size": 7, "gamma": 0.5}),
    ("multistep", {"milestones": [20, 40], "gamma": 0.3}),
]


@pytest.mark.parametrize(("kind", "extra"), KIND_CASES)
def test_each_kind_equals_its_formula(kind, extra):
    schedule = warmupctl.schedule(kind=kind, lr=LR, warmup_steps=W, total_steps=T, min_lr=MIN, **extra)
    steps = np.arange(T + 4)  # past the end: native schedules hold the value they end at
    want = [_expected(kind, min(k, T), **extra) for k in steps]
    np.testing.assert_allclose(schedule(steps), want, rtol=1e-12, atol=1e-18)


def test_wsd_has_warmup_stable_and_decay():
    schedule = warmupctl.schedule(kind="wsd", lr=1.0, warmup_steps=10, total_steps=100,
                                  decay_steps=20, decay_shape="linear")
    values = schedule.values(101)
    assert values[10] == values[79] == 1.0
    assert values[80] == 1.0 and values[90] == pytest.approx(0.5)
    assert values[100] == 0.0
    assert [b.step for b in schedule.boundaries] == [10, 80]


def test_wsd_decay_ratio_defaults_to_ten_percent():
    assert warmupctl.schedule(kind="wsd", total_steps=1000).spec["decay_steps"] == 100


def test_noam_matches_the_paper():
    schedule = warmupctl.schedule(kind="noam", d_model=512, warmup_steps=4000, total_steps=10000)
    for k in (0, 1, 3998, 3999, 4000, 9999):
        s = k + 1
        assert schedule(k) == pytest.approx(512**-0.5 * min(s**-0.5, s * 4000**-1.5), rel=1e-12)
    assert int(np.argmax(schedule.values())) == 3999


def test_phases_make_a_tri_stage_without_new_code():
    schedule = warmupctl.from_mapping({
        "lr": 1.0, "init_lr": 0.01, "total_steps": 100,
        "phases": [
            {"name": "warmup", "ratio": 0.1, "shape": "linear", "to": "lr"},
            {"name": "hold", "steps": 40, "shape": "constant"},
            {"name": "decay", "steps": "rest", "shape": "exponential", "to": 0.05},
        ],
    })
    values = schedule.values(101)
    assert values[0] == 0.01 and values[10] == 1.0 and values[49] == 1.0
    assert values[100] == pytest.approx(0.05)
    assert values[75] == pytest.approx(1.0 * 0.05 ** (25 / 50))
    assert [b.label for b in schedule.boundaries] == ["warmup end", "decay start"]


def test_step_offset_moves_update_zero():
    schedule = warmupctl.schedule(kind="linear", warmup_steps=4, total_steps=8, lr=1.0, step_offset=1)
    assert schedule.values(3).tolist() == [0.25, 0.5, 0.75]


BAD = [
    ({"kind": "cosin"}, "--kind: unknown kind (got 'cosin'); did you mean 'cosine'?"),
    ({"lr": 0}, "--lr: must be positive"),
    ({"lr": "nan"}, "--lr: must be a finite number"),
    ({"lr": "inf"}, "--lr: must be a finite number"),
    ({"total_steps": 0}, "--total-steps: must be positive"),
    ({"total_steps": -5}, "--total-steps: must be positive"),
    ({"total_steps": 2**64}, "--total-steps: integer out of range"),
    ({"warmup_steps": -1}, "--warmup-steps: must not be negative"),
    ({"warmup_steps": 1.5}, "--warmup-steps: expected a whole number"),
    ({"ratio": 1.2}, "--ratio: must be between 0 and 1"),
    ({"ratio": -0.1}, "--ratio: must be between 0 and 1"),
    ({"warmup_steps": 2000}, "--warmup-steps: the warmup is longer than the run (1000 updates)"),
    ({"min_lr": 1}, "--min-lr: min_lr is above lr"),
    ({"warmup_shape": "exponential"}, "--init-lr: an exponential warmup cannot start from 0"),
    ({"warmup_shape": "cubic"}, "--warmup-shape: unknown value (got 'cubic')"),
    ({"kind": "step"}, "--step-size: kind step needs step_size"),
    ({"kind": "multistep", "milestones": [500, 100]}, "--milestones[1]: milestones must increase"),
    ({"kind": "exponential"}, "--gamma: kind exponential needs gamma"),
    ({"kind": "wsd", "decay_steps": 950}, "--decay-steps: warmup (100) and decay (950) are longer"),
    ({"kind": "noam", "lr": 1e-3}, "--lr: kind noam derives its peak from d_model and scale"),
    ({"lr": True}, "--lr: expected a number"),
]


@pytest.mark.parametrize(("flags", "message"), BAD, ids=[m.split(":")[0] + str(i) for i, (_, m) in
                                                          enumerate(BAD)])
def test_bad_flags_name_the_flag_value_and_hint(flags, message):
    with pytest.raises(SpecError) as caught:
        load_spec(None, flags)
    text = str(caught.value)
    assert text.startswith("command line: ")
    assert message in text
    assert "\n" not in text

"""Hypothesis properties of native schedules: monotone warmups, continuity, bounds, scalar = vector."""

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

import warmupctl
from warmupctl.core.vocabulary import KINDS, WARMUP_SHAPES

lrs = st.floats(min_value=1e-7, max_value=10.0, allow_nan=False)
smooth_shapes = [s for s in WARMUP_SHAPES if s not in ("constant",)]


@st.composite
def specs(draw, kinds=tuple(k for k in KINDS if k != "noam")):
    total = draw(st.integers(min_value=2, max_value=3000))
    warmup = draw(st.integers(min_value=0, max_value=total))
    lr = draw(lrs)
    spec = {
        "kind": draw(st.sampled_from(kinds)),
        "lr": lr,
        "total_steps": total,
        "warmup_steps": warmup,
        "warmup_shape": draw(st.sampled_from(WARMUP_SHAPES)),
        "init_lr": draw(st.floats(min_value=0, max_value=1)) * lr,
        "min_lr": draw(st.floats(min_value=0, max_value=1)) * lr,
    }
    if spec["warmup_shape"] == "exponential":
        spec["init_lr"] = max(spec["init_lr"], lr * 1e-3)
    if spec["kind"] == "step":
        spec["step_size"] = draw(st.integers(1, total))
    if spec["kind"] == "multistep":
        spec["milestones"] = sorted(set(draw(st.lists(st.integers(warmup, total), max_size=4))))
    if spec["kind"] == "exponential":
        spec["gamma"] = draw(st.floats(min_value=0.5, max_value=1.0))
    if spec["kind"] == "wsd":
        spec["decay_steps"] = draw(st.integers(0, total - warmup))
        if spec.get("min_lr", 0) == 0:
            spec["decay_shape"] = draw(st.sampled_from(["linear", "cosine", "1-sqrt"]))
        else:
            spec["decay_shape"] = draw(st.sampled_from(["linear", "cosine", "1-sqrt", "exponential"]))
    return spec


@given(specs())
def test_values_stay_within_the_spec_bounds(spec):
    schedule = warmupctl.schedule(**spec)
    values = schedule.values(spec["total_steps"] + 5)
    low = min(spec["init_lr"], spec["min_lr"]) if spec["warmup_steps"] else spec["min_lr"]
    if spec["kind"] == "constant":
        low = min(low, spec["lr"])
    assert np.all(np.isfinite(values))
    assert values.min() >= low * (1 - 1e-12) - 1e-300
    assert values.max() <= max(spec["lr"], spec["init_lr"]) * (1 + 1e-12)


@given(specs(), st.sampled_from(smooth_shapes))
def test_warmup_is_monotone_and_hands_over_the_peak(spec, shape):
    spec["warmup_shape"] = shape
    if shape == "exponential":
        spec["init_lr"] = max(spec["init_lr"], spec["lr"] * 1e-3)
    assume(spec["warmup_steps"] >= 1 and spec["init_lr"] <= spec["lr"])
    schedule = warmupctl.schedule(**spec)
    warm = schedule(np.arange(spec["warmup_steps"] + 1))
    assert np.all(np.diff(warm) >= -1e-15 * spec["lr"])
    assert warm[0] == spec["init_lr"] or abs(warm[0] - spec["init_lr"]) <= 1e-15 * spec["lr"]
    if spec["warmup_steps"] < spec["total_steps"]:
        assert warm[-1] == spec["lr"]  # continuity: update W gets the peak exactly


@given(specs(kinds=("linear", "cosine", "polynomial", "wsd")))
def test_decays_are_non_increasing_and_end_at_min_lr(spec):
    schedule = warmupctl.schedule(**spec)
    total, warmup = spec["total_steps"], spec["warmup_steps"]
    after = schedule(np.arange(warmup, total + 3))
    assert np.all(np.diff(after) <= 1e-15 * spec["lr"])
    assert schedule([total + 2])[0] == schedule([total])[0]  # held after the run


@given(specs(), st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=20))
def test_scalar_evaluation_equals_vector_evaluation(spec, steps):
    schedule = warmupctl.schedule(**spec)
    vector = schedule(np.array(steps))
    for step, value in zip(steps, vector):
        assert schedule(step) == value

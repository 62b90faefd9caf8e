"""Keras 3 schedules (keras 3.15.1, JAX backend): formulas restated here, float32, quirks, bad input.

Values are checked against each formula restated in float64 (agreement to float32 rounding),
against vectors verified on Keras 3.15.1 and against float32 values
read from the live Keras 3.15.1 on jax 0.10.2 (``schedule(jnp.int32(k))``, eager).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.frameworks import LIBRARY_SCHEDULES, load_libraries
from warmupctl.spec.library import resolve_library

NAMES = ("CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "PolynomialDecay",
         "PiecewiseConstantDecay", "InverseTimeDecay")
RTOL32 = 1e-6


def spec(schedule: str, total: int | None = None, **args: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"schedule": f"keras.{schedule}", "args": args}
    if total is not None:
        out["total_steps"] = total
    return out


def lr(name: str, steps: int | None = None, total: int | None = None, **args: Any) -> np.ndarray:
    return resolve_library(spec(name, total, **args)).values(steps)


def bad(name: str, total: int | None = None, **args: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        resolve_library(spec(name, total, **args))
    return info.value


def test_every_class_is_registered_with_lr_unused_and_float32_values():
    load_libraries()
    for name in NAMES:
        entry = LIBRARY_SCHEDULES[f"keras.{name}"]
        assert entry.lr == "unused" and entry.source.startswith("keras 3.15.1, keras/src/")
        assert entry.arg("name") is not None  # Keras' own keyword, accepted and ignored
    s = resolve_library({"schedule": "keras.CosineDecay", "args": {
        "initial_learning_rate": 0.1, "decay_steps": 10, "name": "my_decay"}})
    values = s.values(12)
    assert np.array_equal(values, values.astype(np.float32).astype(np.float64))
    assert any("float32" in n and "Keras" in n for n in s.notes)


@pytest.mark.parametrize(("name", "args", "path"), [
    ("ExponentialDecay", {"decay_steps": 0, "decay_rate": 0.5}, "args.decay_steps"),
    ("InverseTimeDecay", {"decay_steps": -1, "decay_rate": 0.5}, "args.decay_steps"),
    ("PolynomialDecay", {"decay_steps": 0}, "args.decay_steps"),
    ("CosineDecay", {"decay_steps": 0}, "args.decay_steps"),
    ("CosineDecayRestarts", {"first_decay_steps": 0}, "args.first_decay_steps"),
])
def test_non_positive_steps_are_keras_valueerrors(name, args, path):
    err = bad(name, 10, initial_learning_rate=0.1, **args)
    assert err.path == path and "ValueError" in str(err)


@pytest.mark.parametrize(("name", "args"), [
    ("ExponentialDecay", {"decay_steps": 10, "decay_rate": 0.5}),
    ("InverseTimeDecay", {"decay_steps": 10, "decay_rate": 0.5}),
    ("CosineDecayRestarts", {"first_decay_steps": 10}),
    ("PolynomialDecay", {"decay_steps": 10, "cycle": True}),
])
def test_schedules_without_an_end_need_total_steps(name, args):
    err = bad(name, initial_learning_rate=0.1, **args)
    assert err.path == "total_steps" and err.hint.startswith("add total_steps")
    assert resolve_library(spec(name, 7, initial_learning_rate=0.1, **args)).total_steps == 7


# --- ExponentialDecay / InverseTimeDecay ----------------------------------------------------------


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_formula(staircase):
    got = lr("ExponentialDecay", 500, 500, initial_learning_rate=0.1, decay_steps=37,
             decay_rate=0.93, staircase=staircase)
    p = np.arange(500) / 37
    want = 0.1 * 0.93 ** (np.floor(p) if staircase else p)
    np.testing.assert_allclose(got, want, rtol=RTOL32)


def test_exponential_matches_live_keras():
    s = resolve_library(spec("ExponentialDecay", 10, initial_learning_rate=0.1, decay_steps=37,
                             decay_rate=0.93))
    # keras 3.15.1 / jax 0.10.2: ExponentialDecay(0.1, 37, 0.93)(jnp.int32(k)); pow within an ulp
    live = [0.10000000149011612, 0.09980405867099762, 0.09318258613348007, 0.09300000220537186,
            0.08218996971845627, 0.03757904842495918]
    np.testing.assert_allclose(s([0, 1, 36, 37, 100, 499]), live, rtol=2.5e-7)


def test_exponential_growth_note():
    s = resolve_library(spec("ExponentialDecay", 5, initial_learning_rate=0.1, decay_steps=1,
                             decay_rate=2.0))
    assert s.values().tolist() == [0.10000000149011612 * 2**k for k in range(5)]
    assert any("grows without bound" in n for n in s.notes)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_is_one_over_t_not_rsqrt(staircase):
    got = lr("InverseTimeDecay", 300, 300, initial_learning_rate=0.1, decay_steps=37,
             decay_rate=0.5, staircase=staircase)
    p = np.arange(300) / 37
    want = 0.1 / (1 + 0.5 * (np.floor(p) if staircase else p))
    np.testing.assert_allclose(got, want, rtol=RTOL32)
    assert got[37] == np.float32(np.float32(0.1) / np.float32(1.5))


# --- PiecewiseConstantDecay -----------------------------------------------------------------------


def test_piecewise_switches_one_update_after_each_boundary():
    # verified on Keras 3.15.1: Piecewise([2, 4], [1, .5, .1]) -> 1, 1, 1, .5, .5, .1
    s = resolve_library(spec("PiecewiseConstantDecay", boundaries=[2, 4], values=[1.0, 0.5, 0.1]))
    np.testing.assert_allclose(s.values(7), [1, 1, 1, 0.5, 0.5, 0.1, 0.1], rtol=RTOL32)
    assert s.total_steps == 5  # values[-1] starts at boundaries[-1] + 1
    assert [b.step for b in s.boundaries] == [3]  # 5 is past the run
    assert any("one update after each boundary" in n and "update 3, not 2" in n for n in s.notes)


def test_piecewise_unordered_boundaries_add_overlapping_values():
    s = resolve_library(spec("PiecewiseConstantDecay", 8, boundaries=[5, 3],
                             values=[0.3, 0.1, 0.01]))
    k = np.arange(8)
    want = (k <= 5) * 0.3 + (k > 3) * 0.01 + ((k > 5) & (k <= 3)) * 0.1
    np.testing.assert_allclose(s.values(), want, rtol=RTOL32)
    assert any("not strictly increasing" in n for n in s.notes)


@pytest.mark.parametrize(("boundaries", "values", "path"), [
    ([5], [0.3, 0.1, 0.01], "args.values"),
    ([], [0.3], "args.boundaries"),
])
def test_piecewise_bad_lengths(boundaries, values, path):
    err = bad("PiecewiseConstantDecay", 5, boundaries=boundaries, values=values)
    assert err.path == path


# --- PolynomialDecay ------------------------------------------------------------------------------


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_polynomial_formula_and_clamp(power):
    got = lr("PolynomialDecay", 60, initial_learning_rate=0.1, decay_steps=37,
             end_learning_rate=0.001, power=power)
    s = np.minimum(np.arange(60), 37)
    want = (0.1 - 0.001) * (1 - s / 37) ** power + 0.001
    np.testing.assert_allclose(got, want, rtol=RTOL32)


def test_polynomial_cycle_reference_vector():
    # verified on Keras 3.15.1: PolynomialDecay(1, 2, 0, cycle) -> 1, .5, 0, .25, 0, .166667, 0
    s = resolve_library(spec("PolynomialDecay", 7, initial_learning_rate=1.0, decay_steps=2,
                             end_learning_rate=0.0, cycle=True))
    np.testing.assert_allclose(s.values(), [1, 0.5, 0, 0.25, 0, 1 / 6, 0], rtol=RTOL32,
                               atol=1e-12)
    assert any("jumps back up" in n for n in s.notes)


def test_polynomial_and_others_match_live_keras():
    # keras 3.15.1 / jax 0.10.2, schedule(jnp.int32(k)), eager
    poly = resolve_library(spec("PolynomialDecay", 80, initial_learning_rate=0.1, decay_steps=37,
                                end_learning_rate=0.001, power=1.7, cycle=True))
    np.testing.assert_allclose(poly([0, 1, 36, 37, 38, 74, 75]), [
        0.10000000149011612, 0.09549450129270554, 0.0012136446312069893, 0.0010000000474974513,
        0.030084092170000076, 0.0010000000474974513, 0.015598234720528126], rtol=2.5e-7)
    inverse = resolve_library(spec("InverseTimeDecay", 101, initial_learning_rate=0.1,
                                   decay_steps=37, decay_rate=0.5))
    assert inverse([0, 1, 37, 100]).tolist() == [0.10000000149011612, 0.09866666048765182,
                                                 0.06666667014360428, 0.04252873733639717]
    piecewise = resolve_library(spec("PiecewiseConstantDecay", boundaries=[100, 200],
                                     values=[0.3, 0.1, 0.01]))
    assert piecewise([100, 101, 200, 201]).tolist() == [0.30000001192092896, 0.10000000149011612,
                                                        0.10000000149011612, 0.009999999776482582]


def test_polynomial_cycle_formula():
    got = lr("PolynomialDecay", 120, 120, initial_learning_rate=0.1, decay_steps=37,
             end_learning_rate=0.001, power=1.7, cycle=True)
    k = np.arange(120)
    span = 37 * np.where(k == 0, 1, np.ceil(k / 37))
    want = (0.1 - 0.001) * (1 - k / span) ** 1.7 + 0.001
    np.testing.assert_allclose(got, want, rtol=RTOL32)


def test_fractional_power_nan_under_jit_is_noted():
    # measured: model.fit with PolynomialDecay(0.1, 37, 0.001, power=0.5) on the JAX backend (CPU)
    # gives NaN LRs from update 37 on and NaN weights; T = 4 stays finite
    def notes(steps: int, power: float, cycle: bool = False) -> str:
        return " ".join(resolve_library(spec("PolynomialDecay", 50, initial_learning_rate=0.1,
                                             decay_steps=steps, power=power, cycle=cycle)).notes)

    assert "NaN LR from update 37 on" in notes(37, 0.5)
    assert "NaN" not in notes(4, 0.5) + notes(37, 2.0) + notes(37, 0.5, cycle=True)


def test_polynomial_default_end_is_1e_4_with_a_note():
    s = resolve_library(spec("PolynomialDecay", initial_learning_rate=3e-4, decay_steps=250))
    assert s.total_steps == 250 and s([250, 10**6]).tolist() == [float(np.float32(1e-4))] * 2
    assert any("0.0001 (Keras' default)" in n for n in s.notes)


# --- CosineDecay ----------------------------------------------------------------------------------


def test_cosine_with_warmup_reference_vector():
    # verified on Keras 3.15.1, float32: CosineDecay(0, ds 5, alpha .1, target 1, W 3)
    s = resolve_library(spec("CosineDecay", initial_learning_rate=0.0, decay_steps=5, alpha=0.1,
                             warmup_target=1.0, warmup_steps=3))
    np.testing.assert_allclose(s.values(10), [0, .333333, .666667, 1, .914058, .689058, .410942,
                                              .185942, .1, .1], atol=1e-6)
    assert s.total_steps == 8 and s.warmup_steps == 3 and [b.step for b in s.boundaries] == [3]
    assert any("decay_steps excludes the warmup" in n and "update 8" in n for n in s.notes)
    assert any("alpha x warmup_target = 0.1" in n for n in s.notes)


def test_cosine_warmup_steps_ignored_without_target():
    # Keras 3.15.1: CosineDecay(1, 5, warmup_steps=3) -> 1, .904508, .654508, .345491, .095491, 0
    s = resolve_library(spec("CosineDecay", initial_learning_rate=1.0, decay_steps=5,
                             warmup_steps=3))
    np.testing.assert_allclose(s.values(7), [1, .904508, .654508, .345491, .095491, 0, 0],
                               atol=1e-6)
    assert s.total_steps == 5 and s.warmup_steps == 0
    assert any("warmup_steps 3 is ignored" in n for n in s.notes)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_cosine_formula_with_and_without_warmup(alpha):
    init, target, w, t = 1e-6, 6e-4, 77, 1000
    got = lr("CosineDecay", 1200, initial_learning_rate=init, decay_steps=t, alpha=alpha,
             warmup_target=target, warmup_steps=w)
    k = np.minimum(np.arange(1200), t + w)
    cosine = target * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * (k - w) / t)) + alpha)
    want = np.where(k < w, init + (target - init) * k / w, cosine)
    # (target - init) * s/W + init: float32 rounding relative to the target
    np.testing.assert_allclose(got, want, rtol=RTOL32, atol=target * 1e-7)
    plain = lr("CosineDecay", 1100, initial_learning_rate=3e-4, decay_steps=1000, alpha=alpha)
    s = np.minimum(np.arange(1100), 1000)
    want = 3e-4 * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * s / 1000)) + alpha)
    np.testing.assert_allclose(plain, want, rtol=RTOL32, atol=3e-4 * 2e-7)


def test_cosine_matches_live_keras():
    s = resolve_library(spec("CosineDecay", initial_learning_rate=1e-6, decay_steps=1000,
                             alpha=0.1, warmup_target=6e-4, warmup_steps=77))
    # keras 3.15.1 / jax 0.10.2, eager; the warmup is an FMA inside ops.cond (bit for bit)
    live = [9.999999974752427e-07, 8.779221388977021e-06, 0.0005922208074480295,
            0.0006000000284984708, 0.0005999986897222698, 0.0003946785582229495,
            6.000000212225132e-05, 6.000000212225132e-05]
    got = s([0, 1, 76, 77, 78, 500, 1077, 1500])
    assert got[:4].tolist() == live[:4]
    np.testing.assert_allclose(got, live, rtol=3e-7)


def test_cosine_target_without_warmup_never_uses_the_initial_lr():
    s = resolve_library(spec("CosineDecay", initial_learning_rate=0.5, decay_steps=4,
                             warmup_target=1.0))
    np.testing.assert_allclose(s.values(5), [1.0, 0.853553, 0.5, 0.146447, 0.0], atol=1e-6)
    assert any("initial_learning_rate 0.5 is never used" in n for n in s.notes)


# --- CosineDecayRestarts --------------------------------------------------------------------------


def restarts(k: np.ndarray, first: int, t_mul: float, m_mul: float, alpha: float) -> np.ndarray:
    """Keras' SGDR restated with exact period arithmetic (away from float32-sensitive restarts)."""
    out = []
    for step in k:
        i, start, period = 0, 0.0, float(first)
        while step >= start + period:
            start, period, i = start + period, period * t_mul, i + 1
        frac = (step - start) / period
        out.append((1 - alpha) * 0.5 * m_mul**i * (1 + math.cos(math.pi * frac)) + alpha)
    return np.array(out)


def test_restarts_reference_vector():
    # verified on Keras 3.15.1: CosineDecayRestarts(1, 2, 2, .5, .1) -> 1, .55, .55, .484099, .325, ...
    got = lr("CosineDecayRestarts", 7, 7, initial_learning_rate=1.0, first_decay_steps=2,
             t_mul=2.0, m_mul=0.5, alpha=0.1)
    np.testing.assert_allclose(got, [1, .55, .55, .484099, .325, .165901, .325], atol=1e-6)


@pytest.mark.parametrize(("first", "t_mul", "m_mul", "alpha"),
                         [(10, 2.0, 0.5, 0.1), (7, 1.0, 0.9, 0.05), (10, 1.5, 0.8, 0.0)])
def test_restarts_formula(first, t_mul, m_mul, alpha):
    s = resolve_library(spec("CosineDecayRestarts", 400, initial_learning_rate=0.1,
                             first_decay_steps=first, t_mul=t_mul, m_mul=m_mul, alpha=alpha))
    k = np.arange(400)
    np.testing.assert_allclose(s(k), 0.1 * restarts(k, first, t_mul, m_mul, alpha), rtol=2e-6,
                               atol=1e-8)
    assert s.boundaries[0].step == first and s.boundaries[0].label == "restart 1"
    if m_mul != 1 and alpha:
        assert any("alpha is not scaled by m_mul" in n for n in s.notes)


def test_restarts_match_live_keras_at_the_restarts():
    s = resolve_library(spec("CosineDecayRestarts", 100, initial_learning_rate=0.1,
                             first_decay_steps=10, t_mul=2.0, m_mul=0.5, alpha=0.1))
    # keras 3.15.1 / jax 0.10.2: CosineDecayRestarts(0.1, 10, 2.0, 0.5, 0.1)(jnp.int32(k))
    live = [0.10000000149011612, 0.012202458456158638, 0.055000003427267075,
            0.05472299084067345, 0.01027701236307621, 0.032499998807907104,
            0.010034679435193539, 0.021250000223517418]
    np.testing.assert_allclose(s([0, 9, 10, 11, 29, 30, 69, 70]), live, rtol=3e-7)


def test_restarts_replay_xla_inside_the_cond():
    # keras 3.15.1 / jax 0.10.2 (the golden keras-restarts-tmul15): inside ops.cond XLA computes
    # (f - sum) / 1.5 as (f - sum) * 1.5**-1, which moves update 9 by 8 ulp from plain division
    s = resolve_library(spec("CosineDecayRestarts", 60, initial_learning_rate=1.0,
                             first_decay_steps=4, t_mul=1.5, alpha=0.05))
    assert s([9])[0] == 0.11363787949085236
    f = np.float32(1.25) / np.float32(1.5)  # what plain float32 division would give
    plain = np.float32(0.95) * (np.float32(0.5) * (1 + np.float32(math.cos(np.float32(math.pi) * f))))
    assert float(plain + np.float32(0.05)) != s([9])[0]

"""optax schedules (optax 0.2.8): formulas restated here, float32 fidelity, quirks and bad input.

Values are checked three ways: against each formula restated in float64 (agreement to float32
rounding, rtol 1e-6); against float32 values read from the live optax 0.2.8 / jax 0.10.2 (eager,
int32 count), bit for bit where no transcendental is involved and to a few ulp where XLA's cos may
round differently; and against vectors verified on optax 0.2.8.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.frameworks import LIBRARY_SCHEDULES, load_libraries
from warmupctl.spec.library import resolve_library

NAMES = (
    "constant_schedule", "linear_schedule", "polynomial_schedule", "cosine_decay_schedule",
    "exponential_decay", "piecewise_constant_schedule", "piecewise_interpolate_schedule",
    "warmup_constant_schedule", "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule", "linear_onecycle_schedule", "cosine_onecycle_schedule",
    "sgdr_schedule", "join_schedules",
)
RTOL32 = 1e-6  # float32 rounding, with room for a few ulp


def spec(name: str, total: int | None = None, **args: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"schedule": f"optax.{name}", "args": args}
    if total is not None:
        out["total_steps"] = total
    return out


def lr(name: str, steps: int | None = None, total: int | None = None, **args: Any) -> np.ndarray:
    return resolve_library(spec(name, total, **args)).values(steps)


def bad(name: str, total: int | None = None, **args: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        resolve_library(spec(name, total, **args))
    return info.value


def is_float32(values: np.ndarray) -> bool:
    return bool(np.array_equal(values, values.astype(np.float32).astype(np.float64)))


# --- the registry -------------------------------------------------------------------------------


def test_every_function_is_registered_with_lr_unused():
    load_libraries()
    for name in NAMES:
        entry = LIBRARY_SCHEDULES[f"optax.{name}"]
        assert entry.lr == "unused"
        assert entry.source.startswith("optax 0.2.8, optax/schedules/")
        assert entry.formula


def test_lr_is_accepted_with_a_note_because_values_live_in_args():
    s = resolve_library({"schedule": "optax.constant_schedule", "lr": 0.5, "args": {"value": 0.1},
                         "total_steps": 3})
    assert ("the optimizer's lr (0.5) has no effect: optax.constant_schedule takes its LRs from "
            "its args") in s.notes
    np.testing.assert_allclose(s.values(), [0.1] * 3, rtol=RTOL32)


def test_float32_note_and_values():
    s = resolve_library(spec("cosine_decay_schedule", init_value=3e-4, decay_steps=100))
    assert any("float32" in n and "optax" in n for n in s.notes)
    assert is_float32(s.values(120))
    assert s.source.startswith("optax 0.2.8") and s.label == "optax.cosine_decay_schedule"
    assert s.spec["args"]["alpha"] == 0.0 and s.spec["total_steps"] == 100


# --- polynomial / linear --------------------------------------------------------------------------


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5, 1.7])
def test_polynomial_formula(power):
    init, end, steps, begin = 0.3, 0.01, 17, 3
    got = lr("polynomial_schedule", 30, init_value=init, end_value=end, power=power,
             transition_steps=steps, transition_begin=begin)
    t = np.clip(np.arange(30) - begin, 0, steps)
    want = (init - end) * (1 - t / steps) ** power + end
    np.testing.assert_allclose(got, want, rtol=RTOL32)
    assert got[begin] == got[0] and got[-1] == np.float32(end)


def test_polynomial_matches_live_optax_bit_for_bit():
    # optax 0.2.8, jax 0.10.2: polynomial_schedule(0.3, 0.01, 1.7 / 3, 17, 3) at int32 counts
    s = resolve_library(spec("polynomial_schedule", init_value=0.3, end_value=0.01, power=1.7,
                             transition_steps=17, transition_begin=3))
    assert s([0, 3, 4, 10, 19, 20, 21]).tolist() == [
        0.29999998211860657, 0.29999998211860657, 0.2716006338596344, 0.1276616007089615,
        0.012347657233476639, 0.009999999776482582, 0.009999999776482582]
    cube = resolve_library(spec("polynomial_schedule", init_value=0.3, end_value=0.01, power=3,
                                transition_steps=17, transition_begin=3))
    assert cube([4, 10, 19]).tolist() == [0.2517748773097992, 0.06902705878019333,
                                          0.010059027001261711]


def test_linear_matches_live_optax_and_holds_after_the_end():
    s = resolve_library(spec("linear_schedule", init_value=1e-7, end_value=3e-4,
                             transition_steps=997))
    assert s.total_steps == 997
    assert s([0, 1, 35, 500, 996, 997, 2000]).tolist() == [
        1.00000761449337e-07, 4.0081795305013657e-07, 1.06280785985291e-05,
        0.00015050121874082834, 0.0002996991970576346, 0.0003000000142492354,
        0.0003000000142492354]


def test_linear_with_begin_has_its_end_after_the_begin():
    s = resolve_library(spec("linear_schedule", init_value=0.1, end_value=0.0, transition_steps=10,
                             transition_begin=5))
    assert s.total_steps == 15
    assert [b.step for b in s.boundaries] == [5]
    np.testing.assert_allclose(s.values(17)[5:], [0.1 * (1 - t / 10) for t in range(11)] + [0.0],
                               rtol=RTOL32, atol=1e-9)


def test_transition_steps_zero_falls_back_to_constant_with_a_note():
    s = resolve_library(spec("linear_schedule", 4, init_value=0.1, end_value=0.0,
                             transition_steps=0))
    assert s.values().tolist() == [float(np.float32(0.1))] * 4
    assert any("transition_steps 0 <= 0" in n and "holds init_value" in n for n in s.notes)
    err = bad("linear_schedule", init_value=0.1, end_value=0.0, transition_steps=-2)
    assert err.path == "total_steps" and "total_steps" in err.hint


def test_negative_transition_begin_is_zero_with_a_note():
    s = resolve_library(spec("polynomial_schedule", init_value=1.0, end_value=0.0, power=2,
                             transition_steps=4, transition_begin=-3))
    assert s.values(6).tolist() == [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    assert any("negative transition_begin -3" in n for n in s.notes)


def test_count_saturates_at_int32_max_like_optax_safe_increment():
    s = resolve_library(spec("exponential_decay", 10, init_value=1.0, transition_steps=2**30,
                             decay_rate=0.5))
    assert s([2**40])[0] == s([2**31 - 1])[0] == pytest.approx(0.25, rel=1e-6)


# --- cosine ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("alpha", "exponent"), [(0.0, 1.0), (0.1, 2.0), (0.05, 0.5)])
def test_cosine_formula_and_tail(alpha, exponent):
    init, steps = 3e-4, 1000
    got = lr("cosine_decay_schedule", 1100, init_value=init, decay_steps=steps, alpha=alpha,
             exponent=exponent)
    t = np.minimum(np.arange(1100), steps)
    want = init * ((1 - alpha) * (0.5 * (1 + np.cos(np.pi * t / steps))) ** exponent + alpha)
    # 1 + cos(x) near x = pi cancels in float32, and a power < 1 amplifies it: optax's own error
    np.testing.assert_allclose(got, want, rtol=RTOL32, atol=init * 3e-6)
    assert got[1000] == got[1099] == np.float32(np.float32(init) * np.float32(alpha))


def test_cosine_reference_vector_exponent_2():
    # verified on optax 0.2.8: cosine_decay(1, 10, alpha=.1, exponent=2)
    got = lr("cosine_decay_schedule", 11, init_value=1.0, decay_steps=10, alpha=0.1, exponent=2)
    assert got[0] == 1.0 and got[10] == np.float32(0.1)
    np.testing.assert_allclose(got[1:3], [0.95649, 0.836322], atol=1e-6)


def test_cosine_needs_positive_decay_steps():
    err = bad("cosine_decay_schedule", init_value=1.0, decay_steps=0)
    assert err.path == "args.decay_steps" and "ValueError" in err.message


# --- exponential ----------------------------------------------------------------------------------


def test_exponential_reference_vector_with_end_value():
    # optax 0.2.8: exponential(1, 2, .5, begin 2, staircase, end .2)
    s = resolve_library(spec("exponential_decay", init_value=1.0, transition_steps=2,
                             decay_rate=0.5, transition_begin=2, staircase=True, end_value=0.2))
    assert s.total_steps == 8  # the first update held at end_value
    assert s.values(10).tolist() == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25] + [
        float(np.float32(0.2))] * 2


def test_exponential_formula_matches_live_optax():
    s = resolve_library(spec("exponential_decay", init_value=0.1, transition_steps=37,
                             decay_rate=0.93, transition_begin=11, end_value=0.01))
    d = np.arange(1200) - 11
    want = np.maximum(np.where(d <= 0, 0.1, 0.1 * 0.93 ** (d / 37)), 0.01)
    np.testing.assert_allclose(s.values(1200), want, rtol=RTOL32)
    assert s([0, 11, 12, 50, 400, 1000]).tolist() == [
        0.10000000149011612, 0.10000000149011612, 0.09980405867099762, 0.09263589978218079,
        0.04662781581282616, 0.014373342506587505]
    first = s.total_steps
    assert s([first - 1])[0] > s([first])[0] == float(np.float32(0.01))
    assert 11 + 37 * math.log(0.1) / math.log(0.93) == pytest.approx(first, abs=2)


def test_exponential_growth_is_capped_by_end_value_as_a_ceiling():
    s = resolve_library(spec("exponential_decay", init_value=0.01, transition_steps=10,
                             decay_rate=1.1, end_value=0.02))
    values = s.values(s.total_steps + 5)
    assert values.max() == float(np.float32(0.02)) and values[s.total_steps - 1] < values.max()


def test_exponential_without_end_needs_total_steps():
    err = bad("exponential_decay", init_value=0.1, transition_steps=10, decay_rate=0.9)
    assert err.path == "total_steps" and err.hint.startswith("add total_steps")
    s = resolve_library(spec("exponential_decay", 50, init_value=0.1, transition_steps=10,
                             decay_rate=1.5))
    assert s.total_steps == 50 and any("grows without bound" in n for n in s.notes)


@pytest.mark.parametrize(("steps", "rate", "why"), [(0, 0.5, "transition_steps 0"),
                                                    (3, 0.0, "decay_rate 0")])
def test_exponential_fallbacks_hold_init_value(steps, rate, why):
    s = resolve_library(spec("exponential_decay", 5, init_value=1.0, transition_steps=steps,
                             decay_rate=rate))
    assert s.values().tolist() == [1.0] * 5
    assert any(n.startswith(why) and "optax logs it" in n for n in s.notes)


def test_negative_rate_gives_nan_with_a_note():
    s = resolve_library(spec("exponential_decay", 4, init_value=1.0, transition_steps=3,
                             decay_rate=-0.5))
    assert s.values()[0] == 1.0 and np.isnan(s.values()[1])
    assert any("NaN" in n for n in s.notes)


# --- piecewise ------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", [{"3": 0.5, "5": 0.1}, {3: 0.5, 5: 0.1}, [[5, 0.1], [3, 0.5]]])
def test_piecewise_constant_forms_are_equivalent(form):
    s = resolve_library(spec("piecewise_constant_schedule", init_value=1.0,
                             boundaries_and_scales=form))
    # optax 0.2.8: the scale applies AT the boundary (k >= b) and accumulates
    np.testing.assert_allclose(s.values(7), [1, 1, 1, 0.5, 0.5, 0.05, 0.05], rtol=RTOL32)
    assert s.total_steps == 5 and [b.step for b in s.boundaries] == [3]  # 5 is past the run
    assert s.spec["args"]["boundaries_and_scales"] == [[3, 0.5], [5, 0.1]]
    assert any("cumulative" in n for n in s.notes)


def test_piecewise_constant_products_round_like_optax():
    s = resolve_library(spec("piecewise_constant_schedule", init_value=0.3,
                             boundaries_and_scales={100: 0.1, 200: 0.1, 300: 0.37}))
    assert s([99, 100, 199, 200, 300]).tolist() == [
        0.30000001192092896, 0.030000001192092896, 0.030000001192092896, 0.0030000002589076757,
        0.0011100000701844692]


@pytest.mark.parametrize(("form", "path", "words"), [
    ({"2": -0.1}, "args.boundaries_and_scales.2", "non-negative"),
    ({"x": 0.1}, "args.boundaries_and_scales.x", "number"),
    ([[3, 0.5], [3, 0.1]], "args.boundaries_and_scales[1]", "twice"),
    ([[3, 0.5, 1]], "args.boundaries_and_scales[0]", "pair"),
    (0.5, "args.boundaries_and_scales", "mapping"),
])
def test_piecewise_bad_scales(form, path, words):
    for name in ("piecewise_constant_schedule", "piecewise_interpolate_schedule"):
        args = {"init_value": 1.0, "boundaries_and_scales": form}
        if name == "piecewise_interpolate_schedule":
            args["interpolate_type"] = "linear"
        err = bad(name, **args)
        assert err.path == path and words in str(err)


def test_piecewise_without_boundaries_needs_total_steps():
    assert bad("piecewise_constant_schedule", init_value=1.0).path == "total_steps"
    s = resolve_library(spec("piecewise_constant_schedule", 3, init_value=1.0))
    assert s.values().tolist() == [1.0, 1.0, 1.0]


def test_piecewise_interpolate_linear_docstring_example():
    got = lr("piecewise_interpolate_schedule", 11, interpolate_type="linear", init_value=1.0,
             boundaries_and_scales={"4": 0.1, "8": 0.01})
    np.testing.assert_allclose(got[::2], [1.0, 0.55, 0.1, 0.0505, 0.001, 0.001], rtol=RTOL32)


def test_piecewise_interpolate_cosine_formula_and_live_values():
    s = resolve_library(spec("piecewise_interpolate_schedule", interpolate_type="cosine",
                             init_value=0.3, boundaries_and_scales={"37": 0.13, "301": 0.7}))
    assert s.total_steps == 301
    k = np.arange(320)
    v0, v1, v2 = 0.3, 0.3 * 0.13, 0.3 * 0.13 * 0.7
    first = v1 + (v0 - v1) / 2 * (np.cos(np.pi * k / 37) + 1)
    second = v2 + (v1 - v2) / 2 * (np.cos(np.pi * (k - 37) / 264) + 1)
    want = np.where(k < 37, first, np.where(k < 301, second, v2))
    np.testing.assert_allclose(s(k), want, rtol=RTOL32)
    live = [0.30000001192092896, 0.29952988028526306, 0.0394701287150383, 0.039000000804662704,
            0.038999587297439575, 0.031040554866194725, 0.027300000190734863]
    np.testing.assert_allclose(s([0, 1, 36, 37, 38, 200, 301]), live, rtol=3e-7)


def test_piecewise_interpolate_rejects_an_unknown_type():
    err = bad("piecewise_interpolate_schedule", interpolate_type="cubic", init_value=1.0)
    assert err.path == "args.interpolate_type"


# --- onecycle -------------------------------------------------------------------------------------


def test_cosine_onecycle_reference_vector():
    # optax 0.2.8: optax peaks at int(pct_start*T) = 3 and ends at T = 10 (torch: 2 and 9)
    s = resolve_library(spec("cosine_onecycle_schedule", transition_steps=10, peak_value=1.0))
    assert s.total_steps == 10 and s.warmup_steps == 3
    live = [0.04000002145767212, 0.2800000309944153, 0.7600000500679016, 1.0, 0.950484573841095,
            0.8117456436157227, 0.6112619638442993, 0.3887419104576111, 0.18825826048851013,
            0.04951934888958931, 3.999999989900971e-06, 3.999999989900971e-06]
    np.testing.assert_allclose(s.values(12), live, rtol=3e-7)
    assert s([0])[0] == live[0]  # end + (start - end): float32 rounding, not 0.04 exactly


def test_linear_onecycle_three_phases_bit_for_bit():
    s = resolve_library(spec("linear_onecycle_schedule", transition_steps=10, peak_value=1.0))
    assert s.values(12).tolist() == [
        0.03999999910593033, 0.35999998450279236, 0.6800000071525574, 1.0, 0.8079999685287476,
        0.6159999966621399, 0.42399996519088745, 0.23199999332427979, 0.03999999910593033,
        0.020002000033855438, 3.999999989900971e-06, 3.999999989900971e-06]
    assert [b.step for b in s.boundaries] == [3, 8]


def test_onecycle_colliding_boundaries_keep_the_later_scale():
    s = resolve_library(spec("linear_onecycle_schedule", transition_steps=2, peak_value=1.0))
    # int(0.3*2) = 0 and int(0.85*2) = 1: {0: 25, 1: 1/25, 2: 1e-4}
    np.testing.assert_allclose(s.values(4), [1.0, 0.04, 4e-6, 4e-6], rtol=RTOL32)
    s = resolve_library(spec("cosine_onecycle_schedule", transition_steps=1, peak_value=1.0,
                             pct_start=1.0))
    assert any("same update" in n for n in s.notes)


@pytest.mark.parametrize(("name", "args", "path"), [
    ("linear_onecycle_schedule", {"transition_steps": 0}, "args.transition_steps"),
    ("cosine_onecycle_schedule", {"transition_steps": -1}, "args.transition_steps"),
    ("cosine_onecycle_schedule", {"transition_steps": 10, "div_factor": 0}, "args.div_factor"),
    ("linear_onecycle_schedule", {"transition_steps": 10, "final_div_factor": -1},
     "args.final_div_factor"),
])
def test_onecycle_bad_input(name, args, path):
    assert bad(name, peak_value=1.0, **args).path == path


# --- warmup schedules -----------------------------------------------------------------------------


def test_warmup_cosine_reference_vector():
    # verified on optax 0.2.8, float32: wcd(0, 1, W=3, T=10, end .1)
    s = resolve_library(spec("warmup_cosine_decay_schedule", init_value=0.0, peak_value=1.0,
                             warmup_steps=3, decay_steps=10, end_value=0.1))
    want = [0, .3333334, .6666667, 1, .9554359, .8305705, .6501344, .4498655, .2694295, .144564,
            .1, .1]
    np.testing.assert_allclose(s.values(12), want, rtol=RTOL32)
    assert s.total_steps == 10 and s.warmup_steps == 3 and [b.step for b in s.boundaries] == [3]


def test_warmup_cosine_formula_decay_steps_includes_the_warmup():
    init, peak, w, total, end = 1e-6, 6e-4, 71, 1000, 6e-5
    got = lr("warmup_cosine_decay_schedule", 1100, init_value=init, peak_value=peak,
             warmup_steps=w, decay_steps=total, end_value=end)
    k = np.arange(1100)
    c = np.minimum(k - w, total - w)
    cosine = peak * ((1 - end / peak) * 0.5 * (1 + np.cos(np.pi * c / (total - w))) + end / peak)
    want = np.where(k < w, init + (peak - init) * k / w, cosine)
    # (init - peak) * 1 + peak: update 0 is init_value only to float32 rounding of the peak
    np.testing.assert_allclose(got, want, rtol=RTOL32, atol=peak * 1e-7)
    assert got[0] != init
    live = [1.00000761449337e-06, 9.436625987291336e-06, 0.0005915634101256728,
            0.0006000000284984708, 0.000599998515099287, 0.000362335704267025,
            6.000155190122314e-05, 6.000000212225132e-05, 6.000000212225132e-05]
    np.testing.assert_allclose(got[[0, 1, 70, 71, 72, 500, 999, 1000, 1099]], live, rtol=3e-7)


def test_warmup_cosine_decay_steps_equal_to_warmup_is_optax_valueerror():
    err = bad("warmup_cosine_decay_schedule", init_value=0.0, peak_value=1.0, warmup_steps=10,
              decay_steps=10)
    assert err.path == "args.decay_steps" and "warmup included" in err.hint


def test_warmup_cosine_zero_peak_ignores_end_value():
    s = resolve_library(spec("warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.0,
                             warmup_steps=3, decay_steps=10, end_value=0.1))
    assert s.values(12).tolist() == [0.0] * 12
    assert any("end_value 0.1 is ignored" in n for n in s.notes)


def test_warmup_cosine_without_warmup_starts_at_peak():
    got = lr("warmup_cosine_decay_schedule", 3, init_value=0.0, peak_value=1.0, warmup_steps=0,
             decay_steps=4)
    np.testing.assert_allclose(got, [1.0, 0.853553, 0.5], rtol=RTOL32)


def test_warmup_constant_and_its_zero_warmup_fallback():
    s = resolve_library(spec("warmup_constant_schedule", init_value=0.0, peak_value=0.1,
                             warmup_steps=4))
    assert s.total_steps == 4 and s.warmup_steps == 4
    np.testing.assert_allclose(s.values(6), [0, 0.025, 0.05, 0.075, 0.1, 0.1], rtol=RTOL32)
    s = resolve_library(spec("warmup_constant_schedule", 3, init_value=0.01, peak_value=0.1,
                             warmup_steps=0))
    assert s.values().tolist() == [float(np.float32(0.01))] * 3  # the peak is never used
    assert any("peak_value 0.1 is never used" in n for n in s.notes)


def test_warmup_exponential_counts_the_decay_from_the_end_of_warmup():
    s = resolve_library(spec("warmup_exponential_decay_schedule", init_value=0.0, peak_value=0.1,
                             warmup_steps=4, transition_steps=2, decay_rate=0.5,
                             transition_begin=2, staircase=True, end_value=0.02))
    np.testing.assert_allclose(s.values(14), [0, 0.025, 0.05, 0.075, 0.1, 0.1, 0.1, 0.1, 0.05,
                                              0.05, 0.025, 0.025, 0.02, 0.02], rtol=RTOL32)
    assert s.total_steps == 12 and [b.step for b in s.boundaries] == [4, 6]
    assert bad("warmup_exponential_decay_schedule", init_value=0.0, peak_value=0.1,
               warmup_steps=4, transition_steps=2, decay_rate=0.5).path == "total_steps"


# --- sgdr and join --------------------------------------------------------------------------------

CYCLES = [
    {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 2, "decay_steps": 6},
    {"init_value": 0.01, "peak_value": 0.05, "warmup_steps": 0, "decay_steps": 4,
     "end_value": 0.001},
]


def test_sgdr_restarts_each_cycle_at_its_own_count():
    s = resolve_library(spec("sgdr_schedule", cosine_kwargs=CYCLES))
    assert s.total_steps == 10
    first = lr("warmup_cosine_decay_schedule", 6, **CYCLES[0])
    second = lr("warmup_cosine_decay_schedule", 6, **CYCLES[1])
    assert s.values(12).tolist() == [*first, *second]
    assert [(b.step, b.label) for b in s.boundaries] == [(2, "cycle 0 warmup end"),
                                                         (6, "restart 1")]
    assert s.spec["args"]["cosine_kwargs"][0]["exponent"] == 1.0


@pytest.mark.parametrize(("kwargs", "path"), [
    ([{**CYCLES[0], "decay_step": 5}], "args.cosine_kwargs[0].decay_step"),
    ([CYCLES[0], {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 1}],
     "args.cosine_kwargs[1].decay_steps"),
    ([{**CYCLES[0], "decay_steps": 2}], "args.cosine_kwargs[0].decay_steps"),
    ([], "args.cosine_kwargs"),
    ([0.1], "args.cosine_kwargs[0]"),
])
def test_sgdr_bad_cycles(kwargs, path):
    err = bad("sgdr_schedule", cosine_kwargs=kwargs)
    assert err.path == path
    if "decay_step" in path and path.endswith("decay_step"):
        assert "decay_steps" in err.hint


LINEAR = {"schedule": "optax.linear_schedule",
          "args": {"init_value": 0.0, "end_value": 0.1, "transition_steps": 4}}
CONSTANT = {"schedule": "optax.constant_schedule", "args": {"value": 0.1}}
COSINE = {"schedule": "optax.cosine_decay_schedule",
          "args": {"init_value": 0.1, "decay_steps": 4, "alpha": 0.0}}


def test_join_evaluates_each_schedule_from_its_boundary():
    s = resolve_library(spec("join_schedules", schedules=[LINEAR, CONSTANT, COSINE],
                             boundaries=[4, 6]))
    assert s.total_steps == 10  # the last boundary plus the cosine's decay_steps
    cosine = lr("cosine_decay_schedule", 6, **COSINE["args"])
    np.testing.assert_allclose(s.values(12)[:6], [0, 0.025, 0.05, 0.075, 0.1, 0.1], rtol=RTOL32)
    assert s.values(12)[6:].tolist() == cosine.tolist()  # count - 6, not the global count
    assert [b.step for b in s.boundaries] == [4, 6]
    assert s.warmup_steps == 0
    assert "total_steps" not in s.spec["args"]["schedules"][1]


def test_join_boundaries_out_of_order_and_count_mismatch_are_noted():
    s = resolve_library(spec("join_schedules", 10, schedules=[LINEAR, CONSTANT, COSINE],
                             boundaries=[6, 4]))
    assert s.values()[4:8].tolist() == lr("cosine_decay_schedule", 4, **COSINE["args"]).tolist()
    assert any("not increasing" in n for n in s.notes)
    s = resolve_library(spec("join_schedules", 10, schedules=[LINEAR, CONSTANT, COSINE],
                             boundaries=[4]))
    assert s.values()[-1] == np.float32(0.1)
    assert any("only the first 2 schedules" in n for n in s.notes)


def test_join_last_schedule_without_end_needs_total_steps():
    err = bad("join_schedules", schedules=[LINEAR, CONSTANT], boundaries=[4])
    assert err.path == "total_steps" and "constant_schedule" in err.message
    assert resolve_library(spec("join_schedules", 9, schedules=[LINEAR, CONSTANT],
                                boundaries=[4])).total_steps == 9


@pytest.mark.parametrize(("schedules", "path"), [
    ([], "args.schedules"),
    ([LINEAR, {"schedule": "torch.StepLR", "args": {"step_size": 2}}],
     "args.schedules[1].schedule"),
    ([LINEAR, {"schedule": "optax.cosine_decay_schedule", "args": {"init_value": 0.1}}],
     "args.schedules[1].args.decay_steps"),
])
def test_join_bad_nested(schedules, path):
    assert bad("join_schedules", schedules=schedules, boundaries=[4]).path == path


def test_schedules_accept_any_index_past_the_end():
    s = resolve_library(spec("warmup_cosine_decay_schedule", init_value=0.0, peak_value=1.0,
                             warmup_steps=3, decay_steps=10, end_value=0.1))
    assert s([10, 11, 10**6, 10**12]).tolist() == [float(np.float32(0.1))] * 4


def test_fractional_power_under_jit_is_noted_where_xla_gives_nan():
    # measured with jax.jit on CPU: polynomial_schedule(1, 0, 0.5, T) is NaN at count T for
    # T = 3, 5, 6, 250, 997, ... and finite for T = 1, 2, 4, 8, 16, 25, ...
    def notes(power: float, steps: int) -> str:
        return " ".join(resolve_library(spec("polynomial_schedule", init_value=1.0, end_value=0.0,
                                             power=power, transition_steps=steps)).notes)

    assert "NaN from update 250 on" in notes(0.5, 250)
    assert "jax.jit" not in notes(0.5, 4) and "jax.jit" not in notes(2.0, 250)
    assert lr("polynomial_schedule", 252, init_value=1.0, end_value=0.0, power=0.5,
              transition_steps=250)[-1] == 0.0

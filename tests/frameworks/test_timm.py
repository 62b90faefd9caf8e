"""timm's schedulers: values from the restated formulas, the train.py indexing, quirks, notes, errors.

The reference below restates timm 1.0.31's ``_get_lr(t)`` (``timm/scheduler/*.py``) one count at a
time with ``math``, independently of the vectorized module, and the train.py loop around it: update
``k`` uses the constructor's value while ``t = k // per == 0``, else ``_get_lr(t)`` (``per`` = 1
with ``t_in_epochs=False``, the updates per epoch otherwise).
"""

from __future__ import annotations

import bisect
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from warmupctl.core.errors import SpecError
from warmupctl.frameworks import load_libraries
from warmupctl.spec.library import resolve_library

load_libraries()

PREFIXED = ("StepLRScheduler", "MultiStepLRScheduler")


def spec(name: str, lr: float = 1.0, upe: int | None = None, total: int | None = None,
         **args: Any) -> dict[str, Any]:
    mapping: dict[str, Any] = {"schedule": f"timm.{name}", "lr": lr, "args": args}
    if upe is not None:
        mapping["updates_per_epoch"] = upe
    if total is not None:
        mapping["total_steps"] = total
    return mapping


def values(mapping: dict[str, Any], count: int) -> np.ndarray:
    return resolve_library(mapping).values(count)


# --------------------------------------------------------------------------------------------------
# The reference: timm's _get_lr restated, one count at a time


def _cycle(t: int, a: dict[str, Any]) -> tuple[int, float, float]:
    t_initial, mul = a["t_initial"], a.get("cycle_mul", 1.0)
    if mul != 1:
        i = math.floor(math.log(1 - t / t_initial * (1 - mul), mul))
        return i, mul**i * t_initial, t - (1 - mul**i) / (1 - mul) * t_initial
    i = t // t_initial
    return i, t_initial, t - t_initial * i


def _decay(name: str, lr: float, a: dict[str, Any], t: int) -> float:
    """The scheduler's value after warmup at count t (t already shifted when prefixed)."""
    lr_min = a.get("lr_min", 0.0)
    if name == "StepLRScheduler":
        return lr * a.get("decay_rate", 1.0) ** (t // a["decay_t"])
    if name == "MultiStepLRScheduler":
        return lr * a.get("decay_rate", 1.0) ** bisect.bisect_right(a["decay_t"], t + 1)
    i, t_i, t_curr = _cycle(t, a)
    if i >= a.get("cycle_limit", 1):
        return lr_min
    peak, k = lr * a.get("cycle_decay", 1.0) ** i, a.get("k_decay", 1.0)
    if name == "CosineLRScheduler":
        return lr_min + 0.5 * (peak - lr_min) * (1 + math.cos(math.pi * t_curr**k / t_i**k))
    if name == "PolyLRScheduler":
        return lr_min + (peak - lr_min) * (1 - t_curr**k / t_i**k) ** a.get("power", 0.5)
    tr = t_curr / t_i
    lb, ub = a.get("lb", -7.0), a.get("ub", 3.0)
    return lr_min + 0.5 * (peak - lr_min) * (1 - math.tanh(lb * (1.0 - tr) + ub * tr))


def _wsd(lr: float, a: dict[str, Any], t_s: int) -> float:
    lr_min, fn = a.get("lr_min", 0.0), a.get("stable_fn", "constant")
    factor = 1.0
    if fn != "constant":
        scale = a.get("stable_timescale") or a.get("warmup_t", 0)
        factor = (1.0 + t_s / scale) ** -(0.5 if fn == "rsqrt" else a.get("stable_power", 0.5))
    stable = max(lr * factor, lr_min)
    into = t_s - (a["t_initial"] - a["decay_t"])
    if into <= 0:
        return stable
    f = min(into / a["decay_t"], 1.0)
    shape = a.get("decay_fn", "1-sqrt")
    r = a.get("decay_ratio", 0.1)
    d = {"linear": 1.0 - f, "1-sqrt": 1.0 - math.sqrt(f), "cosine": 0.5 * (1.0 + math.cos(math.pi * f)),
         "power": 1.0 - f ** a.get("decay_power", 0.5), "exp": (r**f - r) / (1.0 - r)}[shape]
    return lr_min + (stable - lr_min) * d


def get_lr(name: str, lr: float, a: dict[str, Any], t: int) -> float:
    """timm's ``_get_lr(t)``; NaN where timm raises."""
    w, init = a.get("warmup_t", 0), a.get("warmup_lr_init", 0.0)
    prefix = a.get("warmup_prefix", name in PREFIXED) or name == "WSDLRScheduler"
    try:
        if t < w:
            target = lr
            if name == "TanhLRScheduler" and not prefix:
                target = _decay(name, lr, a, w)
            return init + t * (target - init) / w
        s = t - w if prefix else t
        return _wsd(lr, a, s) if name == "WSDLRScheduler" else _decay(name, lr, a, s)
    except (ValueError, ZeroDivisionError):
        return math.nan


def reference(name: str, lr: float, a: dict[str, Any], count: int, per: int = 1) -> list[float]:
    """train.py: the constructor's value until the first step call, then ``_get_lr(k // per)``."""
    initial = a.get("warmup_lr_init", 0.0) if a.get("warmup_t", 0) else lr
    return [initial if k // per == 0 else get_lr(name, lr, a, k // per) for k in range(count)]


def assert_matches(got: np.ndarray, want: list[float], scale: float = 1.0) -> None:
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * scale, equal_nan=True)


# --------------------------------------------------------------------------------------------------
# Known vectors (verified against timm 1.0.31; base LR 1)


def test_cosine_prefix_vector() -> None:
    got = values(spec("CosineLRScheduler", t_initial=10, warmup_t=3, warmup_lr_init=0.1,
                      warmup_prefix=True, t_in_epochs=False), 16)
    assert got[:4].tolist() == pytest.approx([0.1, 0.4, 0.7, 1.0], abs=1e-15)
    assert got[4] == pytest.approx(0.975528, abs=1e-6)
    assert got[5] == pytest.approx(0.904508, abs=1e-6)
    assert got[12] == pytest.approx(0.024472, abs=1e-6)
    assert got[13:].tolist() == [0.0, 0.0, 0.0]  # t_initial + warmup reached: lr_min from then on


def test_cosine_without_prefix_never_reaches_the_peak() -> None:
    schedule = resolve_library(spec("CosineLRScheduler", t_initial=10, warmup_t=3,
                                    warmup_lr_init=0.1, t_in_epochs=False))
    got = schedule.values(5)
    assert got[:4].tolist() == pytest.approx([0.1, 0.4, 0.7, 0.793893], abs=1e-6)
    assert got.max() < 1.0
    assert any("the peak 1 is never reached" in n and "warmup_prefix=False" in n
               for n in schedule.notes)


def test_cosine_cycles_vector() -> None:
    got = values(spec("CosineLRScheduler", t_initial=4, cycle_mul=2.0, cycle_decay=0.5,
                      cycle_limit=3, lr_min=0.01, t_in_epochs=False), 13)
    assert got[:6].tolist() == pytest.approx([1, 0.855018, 0.505, 0.154982, 0.5, 0.48135],
                                             abs=1e-6)
    assert got[12] == pytest.approx(0.25, abs=1e-12)


def test_tanh_vector() -> None:
    got = values(spec("TanhLRScheduler", t_initial=10, warmup_t=2, t_in_epochs=False), 11)
    want = [0, 0.499977, 0.999955, 0.999665, 0.997527, 0.982014, 0.880797, 0.5, 0.119203,
            0.017986, 0]
    assert got.tolist() == pytest.approx(want, abs=1e-6)


def test_multistep_applies_milestones_one_step_early() -> None:
    schedule = resolve_library(spec("MultiStepLRScheduler", decay_t=[3, 5], decay_rate=0.5,
                                    t_in_epochs=False, total=6))
    assert schedule.values().tolist() == [1, 1, 0.5, 0.5, 0.25, 0.25]
    assert any("milestone 3 takes effect at update 2" in n for n in schedule.notes)


def test_wsd_vector() -> None:
    got = values(spec("WSDLRScheduler", t_initial=8, decay_t=4, warmup_t=2, decay_fn="linear",
                      t_in_epochs=False), 12)
    assert got.tolist() == pytest.approx([0, 0.5, 1, 1, 1, 1, 1, 0.75, 0.5, 0.25, 0, 0],
                                         abs=1e-15)


# --------------------------------------------------------------------------------------------------
# Values against the restated formulas

CASES = [
    ("CosineLRScheduler", 0.1, {"t_initial": 7, "lr_min": 1e-3}, 13),
    ("CosineLRScheduler", 0.1, {"t_initial": 7, "warmup_t": 7, "warmup_lr_init": 0.01}, 13),
    ("CosineLRScheduler", 0.1, {"t_initial": 5, "warmup_t": 5, "warmup_prefix": True}, 13),
    ("CosineLRScheduler", 1.0, {"t_initial": 6, "k_decay": 2.0, "cycle_limit": 3,
                                "cycle_decay": 0.5}, 23),
    ("CosineLRScheduler", 1.0, {"t_initial": 4, "cycle_mul": 1.5, "cycle_limit": 5,
                                "warmup_t": 2, "warmup_prefix": True}, 61),
    ("TanhLRScheduler", 0.1, {"t_initial": 10}, 13),
    ("TanhLRScheduler", 0.1, {"t_initial": 9, "warmup_t": 3, "warmup_lr_init": 0.001,
                              "warmup_prefix": True, "lb": -6.0, "ub": 4.0}, 13),
    ("PolyLRScheduler", 1.0, {"t_initial": 10, "power": 2.0, "warmup_t": 3,
                              "lr_min": 0.01}, 13),
    ("PolyLRScheduler", 0.1, {"t_initial": 7, "cycle_limit": 2, "cycle_decay": 0.5,
                              "k_decay": 0.5}, 23),
    ("StepLRScheduler", 1.0, {"decay_t": 3, "decay_rate": 0.5, "warmup_t": 2,
                              "warmup_lr_init": 0.1}, 13),
    ("StepLRScheduler", 1.0, {"decay_t": 3, "decay_rate": 0.5, "warmup_t": 2,
                              "warmup_lr_init": 0.1, "warmup_prefix": False}, 13),
    ("StepLRScheduler", 0.1, {"decay_t": 2.5, "decay_rate": 0.7}, 13),
    ("MultiStepLRScheduler", 0.1, {"decay_t": [3, 6], "decay_rate": 0.1, "warmup_t": 2,
                                   "warmup_lr_init": 0.001}, 13),
    ("MultiStepLRScheduler", 0.1, {"decay_t": [5, 2, 8], "decay_rate": 0.5}, 13),
    ("WSDLRScheduler", 1.0, {"t_initial": 10, "decay_t": 4}, 13),
    ("WSDLRScheduler", 0.1, {"t_initial": 10, "decay_t": 5, "decay_fn": "cosine",
                             "lr_min": 0.001, "warmup_t": 3, "warmup_lr_init": 0.001}, 16),
    ("WSDLRScheduler", 1.0, {"t_initial": 10, "decay_t": 6, "decay_fn": "exp"}, 13),
    ("WSDLRScheduler", 1.0, {"t_initial": 18, "decay_t": 4, "stable_fn": "power",
                             "stable_timescale": 3.0, "stable_power": 0.3, "lr_min": 0.05,
                             "warmup_t": 2, "decay_fn": "power", "decay_power": 2.0}, 23),
    ("WSDLRScheduler", 1.0, {"t_initial": 18, "decay_t": 4, "stable_fn": "rsqrt",
                             "warmup_t": 2}, 23),
]


@pytest.mark.parametrize("per", [1, 3])
@pytest.mark.parametrize(("name", "lr", "args", "count"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_against_reference(name: str, lr: float, args: dict[str, Any], count: int,
                           per: int) -> None:
    if per == 1:
        mapping = spec(name, lr, t_in_epochs=False, total=count, **args)
    else:
        mapping = spec(name, lr, upe=per, total=count * per, **args)
    assert_matches(values(mapping, count * per), reference(name, lr, args, count * per, per), lr)


@st.composite
def cyclic_configs(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(["CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"]))
    a: dict[str, Any] = {
        "t_initial": draw(st.integers(1, 12)),
        "lr_min": draw(st.sampled_from([0.0, 1e-4, 0.02])),
        "cycle_mul": draw(st.sampled_from([1.0, 1.0, 2.0, 1.5, 3.0, 0.5])),
        "cycle_decay": draw(st.sampled_from([1.0, 0.5])),
        "cycle_limit": draw(st.integers(0, 4)),
        "warmup_t": draw(st.integers(0, 5)),
        "warmup_lr_init": draw(st.sampled_from([0.0, 0.01])),
        "warmup_prefix": draw(st.booleans()),
    }
    if name != "TanhLRScheduler":
        a["k_decay"] = draw(st.sampled_from([1.0, 0.5, 2.0]))
    if name == "PolyLRScheduler":
        a["power"] = draw(st.sampled_from([0.5, 1.0, 2.0]))
    return name, a


@given(cyclic_configs(), st.integers(1, 3))
def test_cyclic_schedulers_match_reference(config: tuple[str, dict[str, Any]], per: int) -> None:
    name, a = config
    count = 40
    # a Tanh warmup without prefix evaluates _get_lr(warmup_t) in the constructor, which may raise
    # (cycle_mul < 1; see test_bad_input)
    assume(not (name == "TanhLRScheduler" and a["warmup_t"] and not a["warmup_prefix"]
                and math.isnan(get_lr(name, 1.0, a, a["warmup_t"]))))
    mapping = spec(name, 1.0, upe=per, total=count, **a)
    assert_matches(values(mapping, count), reference(name, 1.0, a, count, per))


def test_float_cycle_index_misplaces_a_restart() -> None:
    """cycle_mul 3, t_initial 2: log_3(1 + 242) rounds below 5, so t=242 stays in cycle 4."""
    a = {"t_initial": 2, "cycle_mul": 3.0, "cycle_limit": 10}
    assert math.floor(math.log(1 - 242 / 2 * (1 - 3.0), 3.0)) == 4  # the quirk, in Python itself
    schedule = resolve_library(spec("CosineLRScheduler", t_in_epochs=False, total=250, **a))
    got = schedule.values(250)
    assert_matches(got, reference("CosineLRScheduler", 1.0, a, 250))
    assert got[242] == pytest.approx(0.0, abs=1e-12)  # end of cycle 4 instead of a restart
    assert got[243] == pytest.approx(1.0, abs=1e-3)  # cycle 5 starts one update late
    assert any("puts t=242 into cycle 4" in n for n in schedule.notes)
    assert (243, "restart 5") in [(b.step, b.label) for b in schedule.boundaries]


# --------------------------------------------------------------------------------------------------
# Indexing: the constructor's value, per-epoch stepping, past the end


def test_update_zero_is_the_constructor_value() -> None:
    """Tanh without warmup: the constructor writes lr, though _get_lr(0) = 0.99999917 lr."""
    schedule = resolve_library(spec("TanhLRScheduler", 0.1, t_initial=10, t_in_epochs=False))
    got = schedule.values(2)
    assert got[0] == 0.1
    assert got[1] == pytest.approx(get_lr("TanhLRScheduler", 0.1, {"t_initial": 10}, 1), abs=1e-15)
    assert any(n.startswith("update 0 runs at 0.1, the value the constructor writes")
               for n in schedule.notes)


def test_multistep_milestone_one_is_hidden_by_the_constructor() -> None:
    got = values(spec("MultiStepLRScheduler", decay_t=[1, 4], decay_rate=0.5, t_in_epochs=False,
                      total=7), 7)
    assert got.tolist() == [1, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]


def test_per_epoch_lr_is_constant_within_each_epoch() -> None:
    schedule = resolve_library(spec("CosineLRScheduler", 0.1, upe=4, t_initial=5, warmup_t=1,
                                    warmup_lr_init=0.01))
    blocks = schedule.values(24).reshape(6, 4)
    assert (blocks == blocks[:, :1]).all()
    # epoch 0: the constructor's warmup_lr_init; epoch 1 (no prefix) is already cos(pi/5)
    assert blocks[0, 0] == 0.01
    assert blocks[1, 0] == pytest.approx(0.05 * (1 + math.cos(math.pi / 5)), abs=1e-15)
    assert blocks[5, 0] == 0.0  # past t_initial: lr_min
    assert schedule.total_steps == 20 and schedule.warmup_steps == 4
    assert any("the LR changes once every 4 updates" in n for n in schedule.notes)


def test_clamps_at_lr_min_past_the_end() -> None:
    schedule = resolve_library(spec("CosineLRScheduler", 0.1, t_initial=10, lr_min=1e-3,
                                    t_in_epochs=False))
    assert schedule.total_steps == 10
    assert schedule([10, 11, 10**9]).tolist() == [1e-3, 1e-3, 1e-3]


def test_cycle_mul_below_one_raises_later_and_shows_nan() -> None:
    a = {"t_initial": 8, "cycle_mul": 0.5, "cycle_limit": 3}
    schedule = resolve_library(spec("CosineLRScheduler", t_in_epochs=False, total=20, **a))
    got = schedule.values(20)
    assert np.isnan(got[16:]).all() and not np.isnan(got[:16]).any()  # 1 - t/8*0.5 <= 0 at t=16
    assert any("ValueError (math domain error) from update 16 on" in n for n in schedule.notes)


def test_step_with_zero_interval_is_nan_after_warmup() -> None:
    schedule = resolve_library(spec("StepLRScheduler", decay_t=0, warmup_t=2, t_in_epochs=False,
                                    total=5))
    got = schedule.values(5)
    assert got[:2].tolist() == [0.0, 0.5] and np.isnan(got[2:]).all()
    assert any("ZeroDivisionError (decay_t 0) from update 2 on" in n for n in schedule.notes)


def test_warmup_covering_the_whole_cycle() -> None:
    """W = t_initial without prefix: the warmup ends where the cycle has already ended."""
    got = values(spec("CosineLRScheduler", 1.0, t_initial=4, warmup_t=4, lr_min=0.1,
                      t_in_epochs=False), 6)
    assert got.tolist() == pytest.approx([0, 0.25, 0.5, 0.75, 0.1, 0.1], abs=1e-15)


def test_boundaries_and_spec() -> None:
    schedule = resolve_library(spec("WSDLRScheduler", 0.1, upe=3, t_initial=5, decay_t=2,
                                    warmup_t=1))
    assert schedule.total_steps == 18
    # lr_min is first used at update 18, past the run of 18: a note says so, no mark
    assert [(b.step, b.label) for b in schedule.boundaries] == [
        (3, "warmup end"), (12, "decay start")]
    assert schedule.spec["updates_per_epoch"] == 3 and schedule.spec["total_steps"] == 18
    assert schedule.spec["args"]["decay_fn"] == "1-sqrt"
    assert "timm 1.0.31" in schedule.source and "wsd_lr.py" in schedule.source
    assert any("lr_min 0 is first used at update 18 (epoch 6)" in n for n in schedule.notes)


# --------------------------------------------------------------------------------------------------
# create_scheduler_v2


def factory(upe: int = 3, **args: Any) -> dict[str, Any]:
    return {"schedule": "timm.create_scheduler_v2", "lr": 0.1, "args": args,
            "updates_per_epoch": upe}


def test_factory_converts_epochs_to_updates() -> None:
    schedule = resolve_library(factory(4, sched="cosine", num_epochs=5, warmup_epochs=1,
                                       min_lr=1e-4, step_on_epochs=False))
    a = {"t_initial": 20, "lr_min": 1e-4, "warmup_t": 4, "warmup_lr_init": 1e-5,
         "cycle_decay": 0.1}
    assert schedule.total_steps == 20  # get_cycle_length() // 4 = 5 epochs of 4 updates
    assert_matches(schedule.values(26), reference("CosineLRScheduler", 0.1, a, 26), 0.1)
    assert any("warmup_lr 1e-05" in n for n in schedule.notes)


def test_factory_per_epoch_with_prefix_and_cooldown() -> None:
    schedule = resolve_library(factory(2, sched="cosine", num_epochs=6, warmup_epochs=2,
                                       warmup_prefix=True, cooldown_epochs=1, warmup_lr=0.0))
    a = {"t_initial": 6, "warmup_t": 2, "warmup_prefix": True}
    assert schedule.total_steps == (6 + 2 + 1) * 2
    assert_matches(schedule.values(20), reference("CosineLRScheduler", 0.1, a, 20, 2), 0.1)


def test_factory_cycle_decay_default_and_note() -> None:
    schedule = resolve_library(factory(1, sched="cosine", num_epochs=5, cycle_limit=3))
    assert schedule.values(11)[10] == pytest.approx(0.001, abs=1e-15)  # 0.1 * 0.1^2
    assert any("cycle_decay defaults to 0.1" in n for n in schedule.notes)


def test_factory_poly_uses_decay_rate_as_power() -> None:
    got = values(factory(1, sched="poly", num_epochs=10, decay_rate=2.0), 11)
    assert got[5] == pytest.approx(0.1 * 0.5**2, abs=1e-15)


def test_factory_multistep_and_step() -> None:
    got = values(factory(3, sched="multistep", num_epochs=10, decay_milestones=[2, 4],
                         decay_rate=0.5, step_on_epochs=False), 13)
    assert got.tolist() == pytest.approx([0.1] * 5 + [0.05] * 6 + [0.025] * 2, abs=1e-15)
    steps = resolve_library(factory(2, sched="step", num_epochs=10, decay_epochs=3,
                                    decay_rate=0.5))
    assert steps.total_steps == 20
    got = steps.values(14)  # epoch e = k // 2 decays at e = 3, 6: updates 6 and 12
    assert got[5:7].tolist() == [0.1, 0.05] and got[12] == pytest.approx(0.025, abs=1e-15)


def test_factory_wsd_fraction_of_the_run() -> None:
    schedule = resolve_library(factory(3, sched="wsd", num_epochs=10, warmup_epochs=2,
                                       step_on_epochs=False))
    a = {"t_initial": 24, "decay_t": 5, "warmup_t": 6, "warmup_lr_init": 1e-5}  # round(0.2 * 24)
    assert schedule.total_steps == 30
    assert_matches(schedule.values(37), reference("WSDLRScheduler", 0.1, a, 37), 0.1)


def test_factory_floor_division_of_the_run() -> None:
    schedule = resolve_library(factory(4, sched="cosine", num_epochs=5, cooldown_epochs=0,
                                       warmup_epochs=1, warmup_prefix=True, step_on_epochs=False))
    assert schedule.total_steps == 24  # (20 + 4) // 4 epochs
    odd = resolve_library(factory(4, sched="cosine", num_epochs=5, cycle_limit=2, cycle_mul=1.5,
                                  step_on_epochs=False))
    assert odd.total_steps == 48  # floor(20 * (1.5^2 - 1) / 0.5) = 50 updates -> 12 epochs
    assert any("returns num_epochs = 50 // 4 = 12" in n for n in odd.notes)


def test_factory_constant_and_none() -> None:
    got = values(factory(1, sched="constant", num_epochs=5, warmup_epochs=2), 7)
    assert got.tolist() == pytest.approx([1e-5, (1e-5 + 0.1) / 2, 0.1, 0.1, 0.1, 0.1, 0.1],
                                         abs=1e-15)
    none = resolve_library(factory(2, sched="none", num_epochs=5))
    assert none.total_steps == 10 and (none.values() == 0.1).all()


def test_factory_takes_updates_per_epoch_from_args() -> None:
    mapping = factory(sched="cosine", num_epochs=5, updates_per_epoch=2)
    del mapping["updates_per_epoch"]
    assert resolve_library(mapping).total_steps == 10


# --------------------------------------------------------------------------------------------------
# Bad input: the path, the value and a hint


@pytest.mark.parametrize(("mapping", "path", "words"), [
    (spec("CosineLRScheduler", t_initial=10), "updates_per_epoch", "t_in_epochs: false"),
    (spec("CosineLRScheduler", upe=0, t_initial=10), "updates_per_epoch", "must be positive"),
    (spec("CosineLRScheduler", t_initial=10, t_in_epochs=False, noise_range_t=[2, 5]),
     "args.noise_range_t", "torch.Generator"),
    (spec("CosineLRScheduler", t_initial=0, t_in_epochs=False), "args.t_initial", "t_initial > 0"),
    (spec("PolyLRScheduler", t_initial=5, lr_min=-1, t_in_epochs=False), "args.lr_min",
     "lr_min >= 0"),
    (spec("CosineLRScheduler", t_initial=5, cycle_mul=0.0, t_in_epochs=False), "args.cycle_mul",
     "math.log"),
    (spec("CosineLRScheduler", t_initial=5, warmup_t=-1, t_in_epochs=False), "args.warmup_t",
     "0 for no warmup"),
    (spec("TanhLRScheduler", t_initial=5, lb=3.0, t_in_epochs=False), "args.lb", "lb < ub"),
    (spec("TanhLRScheduler", t_initial=5, cycle_limit=-1, t_in_epochs=False), "args.cycle_limit",
     "cycle_limit >= 0"),
    (spec("TanhLRScheduler", t_initial=5, warmup_lr_init=-0.1, t_in_epochs=False),
     "args.warmup_lr_init", "warmup_lr_init >= 0"),
    (spec("TanhLRScheduler", t_initial=8, warmup_t=20, cycle_mul=0.5, t_in_epochs=False),
     "args.cycle_mul", "before warmup_t"),
    (spec("WSDLRScheduler", t_initial=5, decay_t=6, t_in_epochs=False), "args.decay_t",
     "(0, t_initial]"),
    (spec("WSDLRScheduler", t_initial=0, decay_t=0, t_in_epochs=False), "args.t_initial", "> 0"),
    (spec("WSDLRScheduler", t_initial=5, decay_t=2, lr_min=-1, t_in_epochs=False),
     "args.lr_min", ">= 0"),
    (spec("WSDLRScheduler", t_initial=5, decay_t=2, decay_ratio=1.0, t_in_epochs=False),
     "args.decay_ratio", "(0, 1)"),
    (spec("WSDLRScheduler", t_initial=5, decay_t=2, decay_power=0, t_in_epochs=False),
     "args.decay_power", "> 0"),
    (spec("WSDLRScheduler", t_initial=5, decay_t=2, stable_power=0, t_in_epochs=False),
     "args.stable_power", "> 0"),
    (spec("WSDLRScheduler", t_initial=5, decay_t=2, stable_fn="rsqrt", t_in_epochs=False),
     "args.stable_timescale", "no warmup"),
    (spec("StepLRScheduler", decay_t=3, t_in_epochs=False), "total_steps", "total_steps: N"),
    (spec("MultiStepLRScheduler", decay_t=[3], t_in_epochs=False), "total_steps",
     "total_steps: N"),
    ({"schedule": "timm.CosineLRScheduler", "args": {"t_initial": 5}, "updates_per_epoch": 1},
     "lr", "lr: 3e-4"),
    (factory(sched="plateau"), "args.sched", "metrics"),
    (factory(sched="cosine", noise=0.5), "args.noise", "torch"),
    (factory(0, sched="cosine"), "args.updates_per_epoch", "place each epoch"),
    ({"schedule": "timm.create_scheduler_v2", "lr": 0.1, "args": {"step_on_epochs": False}},
     "args.updates_per_epoch", "timm asserts"),
    (factory(3, sched="cosine", updates_per_epoch=4), "updates_per_epoch", "once, under args"),
    (factory(3, sched="wsd", num_epochs=10, decay_epochs=12), "args.decay_epochs",
     "stable + decay length of 10"),
    (factory(3, sched="cosine", num_epochs=0), "args.num_epochs", "t_initial > 0"),
    (factory(3, sched="rsqrt", num_epochs=10), "args.stable_timescale", "no warmup"),
    (factory(3, sched="cosine", min_lr=-1.0), "args.min_lr", "lr_min >= 0"),
])
def test_bad_input(mapping: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(SpecError) as caught:
        resolve_library(mapping)
    assert caught.value.path == path
    assert words in str(caught.value)


def test_every_class_is_registered_with_its_source() -> None:
    registry = load_libraries()
    for name in ("CosineLRScheduler", "TanhLRScheduler", "StepLRScheduler",
                 "MultiStepLRScheduler", "PolyLRScheduler", "WSDLRScheduler",
                 "create_scheduler_v2"):
        entry = registry[f"timm.{name}"]
        assert entry.lr == "required" and "timm 1.0.31" in entry.source
        assert [a.name for a in entry.extra] == ["updates_per_epoch"]
    assert registry["timm.StepLRScheduler"].arg("warmup_prefix").default is True
    assert registry["timm.CosineLRScheduler"].arg("warmup_prefix").default is False
    assert registry["timm.create_scheduler_v2"].arg("warmup_lr").default == 1e-5


def test_cycle_length_past_2_53_is_no_natural_end_not_an_internal_error(cli):
    """cycle_mul 3, cycle_limit 100: get_cycle_length() is ~5e47 updates, past int64. The run is then
    bounded by --steps; its first 250 LRs are the recorded golden's (cycle_limit 10: the same first
    five cycles; live timm 1.0.31 gives the same 250 values for cycle_limit 100)."""
    import json
    from pathlib import Path

    goldens = json.loads((Path(__file__).parents[1] / "goldens" / "timm.json").read_text())
    want = next(c for c in goldens["cases"] if c["id"] == "timm-cosine-cycle-mul3-log-boundary")["lr"]
    spec = {"schedule": "timm.CosineLRScheduler", "lr": 1.0, "total_steps": 250,
            "args": {"t_initial": 2, "cycle_mul": 3.0, "cycle_limit": 100, "t_in_epochs": False}}
    assert resolve_library(spec).values(250).tolist() == want
    args = ["--schedule", "timm.CosineLRScheduler", "--lr", "1", "--arg", "t_initial=2", "--arg",
            "cycle_mul=3.0", "--arg", "cycle_limit=100", "--arg", "t_in_epochs=false"]
    result = cli("summary", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: command line: --total-steps: timm.CosineLRScheduler has no natural end, so the run length is "
        "unknown; add total_steps: N (the updates of the run), or bound the command with --steps N or --at; "
        "timm's get_cycle_length() overflows or passes 2**53 updates for these cycles"]

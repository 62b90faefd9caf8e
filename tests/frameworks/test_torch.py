"""torch.optim.lr_scheduler (torch 2.13.0): every scheduler against its formula restated here.

Recursive (chainable) schedulers are restated as the plain-float loop torch runs (read the LR, step,
``lr = f(lr, t)``), and warmupctl must equal it bit for bit; the reference vectors are the ones
verified against torch 2.13.0 (rounded to 6 places).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from warmupctl.core.errors import SpecError
from warmupctl.engine import Schedule
from warmupctl.frameworks import LIBRARY_SCHEDULES, load_libraries
from warmupctl.frameworks import torch as wt
from warmupctl.frameworks.torch import _ops
from warmupctl.spec.library import resolve_library

NAMES = ("LinearLR", "ConstantLR", "ExponentialLR", "StepLR", "MultiStepLR", "PolynomialLR",
         "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR",
         "SequentialLR", "ChainedScheduler")


def lib(name: str, lr: float | None = 0.1, total: int | None = None, **args: Any) -> Schedule:
    spec: dict[str, Any] = {"schedule": f"torch.{name}", "args": args}
    if lr is not None:
        spec["lr"] = lr
    if total is not None:
        spec["total_steps"] = total
    return resolve_library(spec)


def sub(name: str, **args: Any) -> dict[str, Any]:
    return {"schedule": f"torch.{name}", "args": args}


def replay(lr: float, n: int, update: Callable[[float, int], float]) -> np.ndarray:
    """torch's loop: update 0 reads the constructor's LR, each step then sets lr = update(lr, t)."""
    out = [lr]
    for t in range(1, n):
        lr = update(lr, t)
        out.append(lr)
    return np.array(out)


def rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


def bad(spec: dict[str, Any]) -> SpecError:
    with pytest.raises(SpecError) as info:
        resolve_library(spec)
    return info.value


def has_note(schedule: Schedule, *words: str) -> bool:
    return any(all(w in note for w in words) for note in schedule.notes)


# --------------------------------------------------------------------------------------------------
# registry


def test_every_scheduler_is_registered_with_its_lr_policy():
    load_libraries()
    for name in NAMES:
        entry = LIBRARY_SCHEDULES[f"torch.{name}"]
        assert entry.library == "torch" and "2.13.0" in entry.source and entry.formula
        assert entry.lr == ("optional" if name in ("CyclicLR", "OneCycleLR") else "required")


def test_defaults_are_torchs():
    load_libraries()
    linear = LIBRARY_SCHEDULES["torch.LinearLR"]
    assert linear.arg("start_factor").default == 1.0 / 3 and linear.arg("total_iters").default == 5
    assert LIBRARY_SCHEDULES["torch.StepLR"].arg("gamma").default == 0.1
    assert LIBRARY_SCHEDULES["torch.CyclicLR"].arg("step_size_up").default == 2000
    one = LIBRARY_SCHEDULES["torch.OneCycleLR"]
    assert (one.arg("pct_start").default, one.arg("div_factor").default,
            one.arg("final_div_factor").default) == (0.3, 25.0, 1e4)


# --------------------------------------------------------------------------------------------------
# chainable schedulers: replayed bit for bit


@pytest.mark.parametrize(("s", "e", "total", "n"), [
    (1 / 3, 1.0, 5, 13), (0.1, 1.0, 5, 9), (1.0, 0.5, 7, 13), (0.001, 1.0, 100, 131),
    (1.0, 0.0, 10, 13), (0.25, 1.0, 0, 7),
])
def test_linear_lr_is_the_recursion(s, e, total, n):
    def step(lr: float, t: int) -> float:
        if t > total:
            return lr
        return lr * (1.0 + (e - s) / (total * s + (t - 1) * (e - s)))

    got = lib("LinearLR", 0.3, n, start_factor=s, end_factor=e, total_iters=total).values()
    assert np.array_equal(got, replay(0.3 * s, n, step))


def test_linear_lr_drifts_from_its_closed_form():
    got = lib("LinearLR", 1.0, 6, start_factor=0.1, total_iters=5).values()
    assert got[1] == 0.27999999999999997 != 0.1 + 0.9 * 1 / 5  # the recursion, not the formula
    assert got[5] == 0.9999999999999998


def test_linear_lr_warmup_marks_and_total_steps_requirement():
    s = lib("LinearLR", 0.1, 20, start_factor=0.1, total_iters=10)
    assert s.warmup_steps == 10 and [b.step for b in s.boundaries] == [10]
    err = bad({"schedule": "torch.LinearLR", "lr": 0.1, "args": {"total_iters": 10}})
    assert err.path == "total_steps" and "total_iters" in err.hint
    zero = lib("LinearLR", 0.1, 7, start_factor=0.25, total_iters=0)
    assert np.all(zero.values() == 0.025) and has_note(zero, "total_iters=0")


@pytest.mark.parametrize(("factor", "total"), [(1 / 3, 5), (0.5, 3), (0.2, 0), (1.0, 4)])
def test_constant_lr_is_the_recursion(factor, total):
    def step(lr: float, t: int) -> float:
        return lr * (1.0 / factor) if t == total else lr

    got = lib("ConstantLR", 0.1, 13, factor=factor, total_iters=total).values()
    assert np.array_equal(got, replay(0.1 * factor, 13, step))


def test_constant_lr_factor_zero_raises_at_total_iters():
    s = lib("ConstantLR", 0.1, 6, factor=0.0, total_iters=3)
    v = s.values()
    assert np.array_equal(v[:3], [0.0, 0.0, 0.0]) and np.isnan(v[3:]).all()
    assert has_note(s, "ZeroDivisionError", "update 3", "NaN")


@pytest.mark.parametrize("gamma", [0.9, 0.5, 0.999])
def test_exponential_lr_multiplies_recursively(gamma):
    got = lib("ExponentialLR", 0.1, 301, gamma=gamma).values()
    assert np.array_equal(got, replay(0.1, 301, lambda lr, t: lr * gamma))
    if gamma == 0.999:  # the product drifts from 0.1 * gamma ** t: only a replay reproduces it
        assert not np.array_equal(got, 0.1 * gamma ** np.arange(301.0))


@pytest.mark.parametrize(("size", "gamma"), [(3, 0.1), (1, 0.5), (10, 0.3), (-4, 0.5)])
def test_step_lr_decays_at_multiples(size, gamma):
    got = lib("StepLR", 0.1, 37, step_size=size, gamma=gamma).values()
    assert np.array_equal(got, replay(0.1, 37, lambda lr, t: lr * gamma if t % size == 0 else lr))


def test_step_lr_size_zero_raises_at_update_1():
    s = lib("StepLR", 0.1, 5, step_size=0)
    assert s.values()[0] == 0.1 and np.isnan(s.values()[1:]).all()
    assert has_note(s, "ZeroDivisionError", "update 1")


def test_multistep_lr_duplicates_compound_and_order_does_not_matter():
    got = lib("MultiStepLR", 1.0, 6, milestones=[2, 2, 5], gamma=0.5).values()
    assert rounded(got) == [1, 1, 0.25, 0.25, 0.25, 0.125]
    unsorted = lib("MultiStepLR", 0.1, 13, milestones=[8, 1, 40], gamma=0.7).values()
    assert np.array_equal(unsorted, replay(0.1, 13, lambda lr, t: lr * 0.7 if t in (1, 8) else lr))


def test_multistep_lr_milestone_zero_decays_in_the_constructor():
    s = lib("MultiStepLR", 0.1, 6, milestones=[0, 3])
    expect = replay(0.1 * 0.1, 6, lambda lr, t: lr * 0.1 if t == 3 else lr)
    assert np.array_equal(s.values(), expect)
    assert has_note(s, "milestone 0") and [b.step for b in s.boundaries] == [3]


@pytest.mark.parametrize(("total", "power"), [(5, 1.0), (7, 2.0), (10, 0.5)])
def test_polynomial_lr_is_the_recursion_and_clamps_at_zero(total, power):
    def step(lr: float, t: int) -> float:
        if t > total:
            return lr
        return lr * ((1.0 - t / total) / (1.0 - (t - 1) / total)) ** power

    s = lib("PolynomialLR", 0.05, 23, total_iters=total, power=power)
    got = s.values()
    assert np.array_equal(got, replay(0.05, 23, step))
    assert np.all(got[total:] == 0.0) and has_note(s, f"0 from update {total}")
    assert lib("PolynomialLR", 0.05, total_iters=total).total_steps == total  # natural end


def cosine(base: float, T: int, eta: float, n: int) -> np.ndarray:
    """CosineAnnealingLR's get_lr, restated: the ratio of consecutive (1 + cos) terms applied to
    (lr - eta), and just past each minimum (where the ratio would be 0/0) a fixed increment."""
    def step(lr: float, t: int) -> float:
        if (t - 1 - T) % (2 * T) == 0:
            return lr + (base - eta) * (1 - math.cos(math.pi / T)) / 2
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return ratio * (lr - eta) + eta

    return replay(base, n, step)


@pytest.mark.parametrize(("T", "eta", "n"), [(7, 0.001, 23), (1, 0.0, 7), (10, 0.0, 41),
                                             (100, 1e-5, 301), (1000, 1e-3, 4001), (3, 0.05, 40)])
def test_cosine_annealing_is_the_recursion_past_the_end(T, eta, n):
    s = lib("CosineAnnealingLR", 3e-4, n, T_max=T, eta_min=eta)
    got = s.values()
    assert np.array_equal(got, cosine(3e-4, T, eta, n))
    assert got[T] == eta  # 1 + cos(pi) is exactly 0
    assert has_note(s, f"rises again after update {T}", f"2·T_max = {2 * T}") == (n > T + 1)


def test_cosine_annealing_tmax1_alternates_and_is_periodic():
    assert np.array_equal(lib("CosineAnnealingLR", 0.1, 7, T_max=1).values(),
                          [0.1, 0.0, 0.1, 0.0, 0.1, 0.0, 0.1])
    s = lib("CosineAnnealingLR", 1.0, T_max=10)
    assert s.total_steps == 10 and not s.notes  # natural end T_max; no note within it
    assert not lib("CosineAnnealingLR", 1.0, 11, T_max=10).notes  # ends at eta_min (update 10)
    assert has_note(lib("CosineAnnealingLR", 1.0, 12, T_max=10), "rises again after update 10")
    assert np.allclose(s(np.arange(20, 31)), s(np.arange(0, 11)), rtol=1e-12, atol=0)


def test_cosine_annealing_t_max_zero_raises():
    s = lib("CosineAnnealingLR", 0.1, 4, T_max=0)
    assert np.isnan(s.values()[1:]).all() and has_note(s, "ZeroDivisionError", "update 1")
    assert bad({"schedule": "torch.CosineAnnealingLR", "lr": 0.1, "args": {"T_max": 0}}).path == \
        "total_steps"


# --------------------------------------------------------------------------------------------------
# schedulers that overwrite the LR (closed forms of the counter)


def test_warm_restarts_reference_vector_and_the_incremental_counter():
    got = lib("CosineAnnealingWarmRestarts", 1.0, 11, T_0=3, T_mult=2).values()
    assert rounded(got) == [1, 0.75, 0.25, 1, 0.933013, 0.75, 0.5, 0.25, 0.066987, 1, 0.982963]

    t_cur, t_i, expect = 0, 4, []
    for _ in range(60):  # torch's own step(): count up, restart at T_i, T_i *= T_mult
        expect.append(0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
        t_cur += 1
        if t_cur >= t_i:
            t_cur, t_i = t_cur % t_i, t_i * 3
    s = lib("CosineAnnealingWarmRestarts", 0.1, 60, T_0=4, T_mult=3, eta_min=0.01)
    assert np.array_equal(s.values(), expect)
    assert [b.step for b in s.boundaries] == [4, 16, 52]
    assert np.array_equal(s(np.array([59, 4, 0])), [expect[59], expect[4], expect[0]])
    plain = lib("CosineAnnealingWarmRestarts", 0.1, 23, T_0=5).values()
    assert np.array_equal(plain, [0.0 + (0.1 - 0.0) * (1 + math.cos(math.pi * (t % 5) / 5)) / 2
                                  for t in range(23)])


def test_cyclic_lr_reference_vectors():
    tri = lib("CyclicLR", None, 7, base_lr=0.1, max_lr=1.0, step_size_up=2, step_size_down=3)
    assert rounded(tri.values()) == [0.1, 0.55, 1.0, 0.7, 0.4, 0.1, 0.55]
    tri2 = lib("CyclicLR", None, 10, base_lr=0.1, max_lr=1.0, step_size_up=2, mode="triangular2")
    assert rounded(tri2.values()) == [0.1, 0.55, 1, 0.55, 0.1, 0.325, 0.55, 0.325, 0.1, 0.2125]


def test_cyclic_lr_exp_range_scales_by_gamma_per_iteration():
    got = lib("CyclicLR", None, 37, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range",
              gamma=0.9).values()
    expect = []
    for t in range(37):
        cycle = math.floor(1 + t / 6.0)
        x = 1.0 + t / 6.0 - cycle
        scale = x / 0.5 if x <= 0.5 else (x - 1) / (0.5 - 1)
        expect.append(0.01 + (0.1 - 0.01) * scale * 0.9**t)
    assert np.array_equal(got, expect)


def test_cyclic_lr_refuses_scale_fn_and_notes_the_ignored_lr():
    err = bad({"schedule": "torch.CyclicLR", "total_steps": 9,
               "args": {"base_lr": 0.1, "max_lr": 1.0, "scale_fn": "lambda x: 0.5 ** x"}})
    assert err.path == "args.scale_fn" and "mode" in err.hint
    s = lib("CyclicLR", 0.5, 9, base_lr=0.1, max_lr=1.0, step_size_up=2)
    assert s.values()[0] == 0.1 and has_note(s, "lr (0.5) has no effect")
    assert bad({"schedule": "torch.CyclicLR", "args": {"base_lr": 0.1, "max_lr": 1.0}}).path == \
        "total_steps"
    zero = bad({"schedule": "torch.CyclicLR", "total_steps": 9,
                "args": {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 0, "step_size_down": 3}})
    assert zero.path == "args.step_size_up" and "ZeroDivisionError" in zero.message


def test_cyclic_lr_triangular2_overflows_after_1024_cycles():
    s = lib("CyclicLR", None, 2050, base_lr=0.1, max_lr=1.0, step_size_up=1)
    assert np.isfinite(s.values()).all()
    s2 = lib("CyclicLR", None, 2050, base_lr=0.1, max_lr=1.0, step_size_up=1, mode="triangular2")
    v = s2.values()
    assert np.isfinite(v[:2048]).all() and np.isnan(v[2048:]).all()
    assert has_note(s2, "OverflowError", "update 2048")


def onecycle(n: int, pct: float, t: int, three: bool = False, cos: bool = True) -> float:
    """OneCycleLR restated for max_lr 1, div 25, final_div 1e4."""
    initial, peak = 1 / 25.0, 1.0
    low = initial / 1e4
    if three:
        phases = [(pct * n - 1, initial, peak), (2 * pct * n - 2, peak, initial),
                  (n - 1, initial, low)]
    else:
        phases = [(pct * n - 1, initial, peak), (n - 1, peak, low)]
    start = 0.0
    for i, (end, a, b) in enumerate(phases):
        if t <= end or i == len(phases) - 1:
            pct_done = (t - start) / (end - start)
            if cos:
                return b + (a - b) / 2.0 * (math.cos(math.pi * pct_done) + 1)
            return (b - a) * pct_done + a
        start = end
    raise AssertionError


def test_onecycle_reference_vectors_and_the_step_past_the_end():
    s = lib("OneCycleLR", None, 12, max_lr=1.0, total_steps=10)
    v = s.values()
    assert rounded(v[:10]) == [0.04, 0.52, 1, 0.950485, 0.811746, 0.611262, 0.388742, 0.188258,
                               0.049519, 4e-6]
    assert v[10] == onecycle(10, 0.3, 10) and np.isnan(v[11])
    assert has_note(s, "update 10 (one past total_steps)")
    assert has_note(s, "ValueError", "update 11", "NaN")
    three = lib("OneCycleLR", None, max_lr=1.0, total_steps=10, three_phase=True,
                anneal_strategy="linear")
    assert three.total_steps == 10 and not three.notes
    assert rounded(three.values()) == [0.04, 0.52, 1, 0.52, 0.04, 0.032001, 0.024002, 0.016002,
                                       0.008003, 4e-6]
    assert s.warmup_steps == 2 and [b.step for b in s.boundaries] == [3]


@pytest.mark.parametrize(("n", "pct", "three", "cos"), [
    (23, 0.3, False, False), (37, 0.25, True, True), (10, 0.0, False, True), (9, 1.0, False, True),
])
def test_onecycle_is_its_formula(n, pct, three, cos):
    s = lib("OneCycleLR", None, n, max_lr=1.0, total_steps=n, pct_start=pct, three_phase=three,
            anneal_strategy="cos" if cos else "linear")
    assert np.array_equal(s.values(), [onecycle(n, pct, t, three, cos) for t in range(n)])


def test_onecycle_notes_and_errors():
    s = lib("OneCycleLR", 0.01, max_lr=0.1, total_steps=95, three_phase=True)
    assert has_note(s, "never reached exactly", "27.5") and has_note(s, "lr (0.01) has no effect")
    assert s.warmup_steps == 28 and [b.step for b in s.boundaries] == [28, 56]
    epochs = lib("OneCycleLR", None, max_lr=0.5, epochs=3, steps_per_epoch=4)
    assert epochs.total_steps == 12
    err = bad({"schedule": "torch.OneCycleLR", "args": {"max_lr": 1.0, "total_steps": 10,
                                                        "pct_start": 0.1}})
    assert err.path == "args.pct_start" and "ZeroDivisionError" in err.message
    assert "pct_start·total_steps" in err.hint
    err = bad({"schedule": "torch.OneCycleLR", "args": {"max_lr": 1.0, "epochs": 3}})
    assert err.path == "args.total_steps" and "epochs and steps_per_epoch" in err.message
    for args, path in (({"total_steps": 0}, "args.total_steps"),
                       ({"epochs": 0, "steps_per_epoch": 4}, "args.epochs"),
                       ({"total_steps": 10, "pct_start": 1.5}, "args.pct_start")):
        assert bad({"schedule": "torch.OneCycleLR", "args": {"max_lr": 1.0, **args}}).path == path


# --------------------------------------------------------------------------------------------------
# composition


def test_sequential_restarts_the_next_scheduler_at_its_own_step_zero():
    s = lib("SequentialLR", 1.0, 23, schedulers=[sub("LinearLR", start_factor=0.1, total_iters=5),
                                                  sub("CosineAnnealingLR", T_max=10)],
            milestones=[5])
    v = s.values()
    assert rounded(v[:5]) == [0.1, 0.28, 0.46, 0.64, 0.82]
    assert np.array_equal(v[5:], cosine(1.0, 10, 0.0, 18))  # the cosine from its step 0
    assert has_note(s, "starts torch.CosineAnnealingLR at its own step 0 at update 5")
    assert s.warmup_steps == 5 and [(b.step, b.label) for b in s.boundaries] == \
        [(5, "torch.CosineAnnealingLR")]
    natural = lib("SequentialLR", 1.0, schedulers=[sub("LinearLR"), sub("CosineAnnealingLR",
                                                                        T_max=95)], milestones=[5])
    assert natural.total_steps == 100  # last milestone + T_max


def test_sequential_does_not_compound_constructors():
    """threestudio#226: three ConstantLRs give lr, 0.1·lr, 0.5·lr (older torch compounded them)."""
    s = lib("SequentialLR", 0.01, 9, schedulers=[sub("ConstantLR", factor=1.0, total_iters=100),
                                                  sub("ConstantLR", factor=0.1, total_iters=100),
                                                  sub("ConstantLR", factor=0.5, total_iters=100)],
            milestones=[3, 6])
    assert np.array_equal(s.values(), [0.01] * 3 + [0.01 * 0.1] * 3 + [0.01 * 0.5] * 3)


def test_sequential_milestone_zero_and_unsorted_milestones():
    s = lib("SequentialLR", 0.1, 13, schedulers=[sub("ConstantLR", factor=0.5, total_iters=3),
                                                  sub("StepLR", step_size=3, gamma=0.5)],
            milestones=[0])
    assert np.array_equal(s.values(), replay(0.1, 13, lambda lr, t: lr * 0.5 if t % 3 == 0 else lr))
    assert has_note(s, "milestone 0", "schedulers[1]")
    odd = lib("SequentialLR", 0.1, 12, schedulers=[sub("ConstantLR", factor=0.5), sub("LinearLR"),
                                                    sub("ExponentialLR", gamma=0.5)],
              milestones=[3, 3])
    assert has_note(odd, "schedulers[1] (torch.LinearLR) never runs")
    assert np.array_equal(odd.values()[3:], replay(0.1, 9, lambda lr, t: lr * 0.5))
    assert has_note(lib("SequentialLR", 0.1, 12, schedulers=[sub("ConstantLR"), sub("LinearLR"),
                                                             sub("ConstantLR")],
                        milestones=[6, 3]), "not increasing")


def test_sequential_cannot_restart_a_composite():
    s = lib("SequentialLR", 0.1, 8, schedulers=[
        sub("ConstantLR"), sub("ChainedScheduler", schedulers=[sub("ExponentialLR", gamma=0.9)])],
        milestones=[4])
    v = s.values()
    assert np.isfinite(v[:4]).all() and np.isnan(v[4:]).all()
    assert has_note(s, "NotImplementedError", "update 4")


def test_sequential_bad_input():
    def seq(**top: Any) -> dict[str, Any]:
        spec = {"schedule": "torch.SequentialLR", "lr": 0.1, "total_steps": 10,
                "args": {"schedulers": [sub("LinearLR"), sub("ExponentialLR", gamma=0.9)],
                         "milestones": [5]}}
        spec["args"].update(top)
        return spec

    err = bad(seq(milestones=[5, 6]))
    assert err.path == "args.milestones" and "2 schedulers need 1 milestone" in err.hint
    assert bad(seq(schedulers=[])).path == "args.schedulers"
    err = bad(seq(schedulers=[{"schedule": "torch.LinearLR", "lr": 0.2}, sub("LinearLR")]))
    assert err.path == "args.schedulers[0].lr" and "0.1" in err.hint
    err = bad(seq(schedulers=[sub("transformers.linear"), sub("LinearLR")]))
    assert err.path in ("args.schedulers[0].schedule", "args.schedulers[0]")
    err = bad(seq(schedulers=[sub("LinearLR"), sub("ExponentialLR", gamm=0.9)]))
    assert err.path == "args.schedulers[1].args.gamm" and "gamma" in err.hint
    err = bad(seq(schedulers=[{**sub("LinearLR"), "total_steps": 5}, sub("LinearLR")]))
    assert err.path == "args.schedulers[0].total_steps"
    no_end = seq()
    del no_end["total_steps"]
    assert bad(no_end).path == "total_steps"


def test_chained_multiplies_the_recursive_forms():
    s = lib("ChainedScheduler", 1.0, 7, schedulers=[sub("LinearLR", start_factor=0.1,
                                                         total_iters=5),
                                                     sub("ExponentialLR", gamma=0.9)])
    assert rounded(s.values()) == [0.1, 0.252, 0.3726, 0.46656, 0.538002, 0.59049, 0.531441]

    def step(lr: float, t: int) -> float:  # each scheduler's get_lr applied to the current LR
        if t <= 4:  # LinearLR first
            lr = lr * (1.0 + (1.0 - 0.2) / (4 * 0.2 + (t - 1) * (1.0 - 0.2)))
        if (t - 1 - 10) % 20 == 0:  # then CosineAnnealingLR (its base is the optimizer's 0.1)
            return lr + (0.1 - 0.01) * (1 - math.cos(math.pi / 10)) / 2
        ratio = (1 + math.cos(math.pi * t / 10)) / (1 + math.cos(math.pi * (t - 1) / 10))
        return ratio * (lr - 0.01) + 0.01

    cos_first = lib("ChainedScheduler", 0.1, 23, schedulers=[sub("LinearLR", start_factor=0.2,
                                                                  total_iters=4),
                                                              sub("CosineAnnealingLR", T_max=10,
                                                                  eta_min=0.01)])
    assert np.array_equal(cos_first.values(), replay(0.1 * 0.2, 23, step))
    assert cos_first.total_steps == 23 and cos_first.warmup_steps == 4
    assert lib("ChainedScheduler", 0.1, schedulers=[sub("LinearLR"),
                                                    sub("CosineAnnealingLR", T_max=50)]
               ).total_steps == 50


def test_chained_notes_overwriting_members():
    s = lib("ChainedScheduler", 0.1, 12, schedulers=[
        sub("ExponentialLR", gamma=0.5),
        sub("CyclicLR", base_lr=0.01, max_lr=0.5, step_size_up=2)])
    assert has_note(s, "schedulers[1] (torch.CyclicLR) overwrites the LR")
    v = s.values()
    assert v[0] == 0.1 and has_note(s, "initial_lr, not base_lr")  # torch's quirk at update 0
    tri = [min(t % 4, 4 - t % 4) / 2 for t in range(12)]  # then CyclicLR from base_lr on
    assert np.allclose(v[1:], [0.01 + (0.5 - 0.01) * x for x in tri[1:]], rtol=1e-15, atol=0)
    assert bad({"schedule": "torch.ChainedScheduler", "lr": 0.1,
                "args": {"schedulers": [sub("ExponentialLR", gamma=0.5)]}}).path == "total_steps"


# --------------------------------------------------------------------------------------------------
# bad input shared by the leaves


@pytest.mark.parametrize(("name", "args", "path"), [
    ("LinearLR", {"start_factor": 0.0}, "args.start_factor"),
    ("LinearLR", {"start_factor": 1.5}, "args.start_factor"),
    ("LinearLR", {"end_factor": -0.1}, "args.end_factor"),
    ("ConstantLR", {"factor": 1.5}, "args.factor"),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}, "args.T_0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 0}, "args.T_mult"),
    ("ExponentialLR", {"gamma": 0.9}, "total_steps"),
    ("StepLR", {"step_size": 3}, "total_steps"),
    ("MultiStepLR", {"milestones": [3]}, "total_steps"),
    ("ConstantLR", {}, "total_steps"),
    ("CosineAnnealingWarmRestarts", {"T_0": 3}, "total_steps"),
])
def test_rejected_arguments_name_their_path_and_give_a_hint(name, args, path):
    err = bad({"schedule": f"torch.{name}", "lr": 0.1, "args": args})
    assert err.path == path and err.hint


def test_lr_is_required_where_torch_scales_it():
    assert bad({"schedule": "torch.CosineAnnealingLR", "args": {"T_max": 5}}).path == "lr"


# --------------------------------------------------------------------------------------------------
# the replay machinery


KINDS = st.sampled_from([wt.MUL, wt.SET, wt.AFF, wt.ADD])


@given(st.lists(st.tuples(KINDS, st.floats(0.5, 1.5), st.sampled_from([0.0, 1e-3, 0.02])),
                min_size=1, max_size=80),
       st.booleans())
def test_op_programs_equal_a_plain_loop(ops, sparse):
    if sparse:  # long runs of one kind take the vectorized path
        ops = [o for o in ops for _ in range(20)]
    kind = np.array([k for k, _, _ in ops], dtype=np.int8)
    a = np.array([x for _, x, _ in ops])
    b = np.array([e for _, _, e in ops])
    lr, expect = 0.1, []
    for k, x, e in ops:
        lr = {wt.MUL: lr * x, wt.SET: x, wt.AFF: x * (lr - e) + e, wt.ADD: lr + x}[k]
        expect.append(lr)
    assert np.array_equal(wt._apply(0.1, kind, a, b), expect)


def test_chunks_carry_the_recursion_and_random_access_matches(monkeypatch):
    monkeypatch.setattr(_ops, "_BLOCK", 37)
    monkeypatch.setattr(_ops, "_CACHE", 50)
    spec = {"schedule": "torch.SequentialLR", "lr": 0.1, "total_steps": 400,
            "args": {"schedulers": [sub("LinearLR", start_factor=0.1, total_iters=40),
                                    sub("CosineAnnealingLR", T_max=100, eta_min=1e-3)],
                     "milestones": [40]}}
    s = resolve_library(spec)
    whole = s.values()
    assert np.array_equal(whole[40:], cosine(0.1, 100, 1e-3, 360))
    blocks = [b for _, b in s.iter_chunks(chunk_size=13)]
    assert max(b.size for b in blocks) <= 13 and np.array_equal(np.concatenate(blocks), whole)
    picks = np.array([399, 3, 250, 41, 3, 0])
    assert np.array_equal(s(picks), whole[picks])  # past the cache: replayed in blocks
    assert np.array_equal(s(np.array([7, 2])), whole[[7, 2]])


def test_nan_after_a_raise_spans_later_chunks(monkeypatch):
    monkeypatch.setattr(_ops, "_BLOCK", 5)
    s = lib("ConstantLR", 0.1, 23, factor=0.0, total_iters=7)
    blocks = [b for _, b in s.iter_chunks(chunk_size=4)]
    v = np.concatenate(blocks)
    assert v.size == 23 and np.array_equal(v[:7], np.zeros(7)) and np.isnan(v[7:]).all()


def test_cos_falls_back_to_math_cos(monkeypatch):
    fast = lib("CosineAnnealingLR", 0.1, 50, T_max=17, eta_min=0.002).values()
    monkeypatch.setattr(_ops, "_COS_OK", [False])
    assert np.array_equal(lib("CosineAnnealingLR", 0.1, 50, T_max=17, eta_min=0.002).values(), fast)


def test_spec_records_every_argument():
    s = lib("SequentialLR", 0.1, 10, schedulers=[sub("LinearLR"), sub("ExponentialLR", gamma=0.9)],
            milestones=[5])
    assert s.spec["total_steps"] == 10 and s.spec["args"]["milestones"] == [5]
    assert s.spec["args"]["schedulers"][0] == {
        "schedule": "torch.LinearLR", "lr": 0.1,
        "args": {"start_factor": 1.0 / 3, "end_factor": 1.0, "total_iters": 5}}
    assert s.label == "torch.SequentialLR" and "SequentialLR" in s.source


@pytest.mark.parametrize(("key", "role"), [("div_factor", "initial LR = max_lr / div_factor"),
                                           ("final_div_factor", "min LR = initial LR / final_div_factor")])
def test_onecycle_zero_div_factor_is_refused_not_an_internal_error(cli, key, role):
    """OneCycleLR divides by both factors in __init__ (goldens torch-onecycle-div-zero-raises and
    torch-onecycle-final-div-zero-raises: ZeroDivisionError)."""
    result = cli("table", "--schedule", "torch.OneCycleLR", "--lr", "0.1", "--arg", "max_lr=0.5",
                 "--arg", "total_steps=12", "--arg", f"{key}=0", "--steps", "12")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: command line: --arg {key}: must not be 0 (got 0.0); torch raises ZeroDivisionError when it "
        f"builds OneCycleLR ({role})"]

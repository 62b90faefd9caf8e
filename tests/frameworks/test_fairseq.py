"""fairseq's schedulers: step_update restated by hand, quirks, the raises fairseq hits, bad input.

Reference: fairseq 0.12.2 (git tag v0.12.2), ``fairseq/optim/lr_scheduler/*.py`` and
``fairseq/trainer.py``: the trainer calls ``step_update(0)`` once the scheduler is built and
``step_update(num_updates)`` after every update, so update ``k`` runs at ``step_update(k)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary
from warmupctl.spec.library import resolve_library


def spec(name: str, args: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"schedule": f"fairseq.{name}", "args": args, **top}


def values(name: str, args: dict[str, Any], count: int, **top: Any) -> np.ndarray:
    return resolve_library(spec(name, args, total_steps=count, **top)).values()


def close(got: np.ndarray, want: list[float], peak: float = 1.0) -> None:
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * peak)


# ------------------------------------------------------------------------ inverse_sqrt
# inverse_square_root_schedule.py: n < W: init + n (lr - init) / W; else lr sqrt(W) n**-0.5


def inverse_sqrt(n: int, lr: float, w: int, init: float = 0.0) -> float:
    return init + n * ((lr - init) / w) if n < w else lr * math.sqrt(w) / math.sqrt(n)


@pytest.mark.parametrize(("w", "init"), [(4, -1.0), (1, -1.0), (10, 0.2), (4000, -1.0)])
def test_inverse_sqrt_matches_the_formula(w, init):
    got = values("inverse_sqrt", {"warmup_updates": w, "warmup_init_lr": init}, 2 * w + 7,
                 lr=0.5)
    start = 0.0 if init < 0 else init
    close(got, [inverse_sqrt(n, 0.5, w, start) for n in range(2 * w + 7)], 0.5)


def test_inverse_sqrt_starts_at_zero_and_peaks_at_w():
    schedule = resolve_library(spec("inverse_sqrt", {"warmup_updates": 4}, lr=1.0,
                                    total_steps=10))
    got = schedule.values()
    assert got[0] == 0.0 and got[4] == 1.0 and got[9] == pytest.approx(2 / 3, rel=1e-15)
    assert schedule.warmup_steps == 4 and schedule.boundaries == (Boundary(4, "warmup end"),)
    assert any("update 0 gets LR 0" in n for n in schedule.notes)
    assert any("no floor" in n for n in schedule.notes)


def test_inverse_sqrt_default_warmup_is_4000():
    got = values("inverse_sqrt", {}, 4001, lr=1.0)
    # lr * 4000**0.5 * 4000**-0.5: fairseq's own rounding leaves it an ulp under lr.
    assert got[4000] == pytest.approx(1.0, rel=1e-15) and got[2000] == 0.5


def test_inverse_sqrt_without_warmup_divides_by_zero_in_fairseq():
    with pytest.raises(SpecError) as err:
        resolve_library(spec("inverse_sqrt", {"warmup_updates": 0}, lr=1.0, total_steps=5))
    assert err.value.path == "args.warmup_updates" and "ZeroDivisionError" in err.value.hint


def test_schedules_without_an_end_need_total_steps():
    for name, args in (("inverse_sqrt", {}), ("step", {}), ("fixed", {}),
                       ("triangular", {"max_lr": 1.0})):
        with pytest.raises(SpecError) as err:
            resolve_library(spec(name, args, lr=0.1))
        assert err.value.path == "total_steps" and "max-update" in err.value.hint


# ------------------------------------------------------------------------ cosine
# cosine_lr_scheduler.py: warmup from warmup_init_lr (default min_lr); then cycle i, period
# P t_mult**i, shrink**i on both ends, min + 0.5 (max - min)(1 + cos(pi t_curr / t_i)).


def cosine(n: int, lr: float, low: float, w: int, period: float, t_mult: float, shrink: float,
           init: float) -> float:
    if n < w:
        return init + n * ((lr - init) / w)
    c = n - w
    if t_mult == 1:
        i = math.floor(c / period)
        t_i, t_curr = period, c - period * i
    else:
        i = math.floor(math.log(1 - c / period * (1 - t_mult), t_mult))
        t_i = t_mult**i * period
        t_curr = c - (1 - t_mult**i) / (1 - t_mult) * period
    s = shrink**i
    return low * s + 0.5 * (lr * s - low * s) * (1 + math.cos(math.pi * t_curr / t_i))


@pytest.mark.parametrize(("w", "period", "t_mult", "shrink", "low"), [
    (0, 10, 1.0, 0.1, 0.0),
    (5, 10, 1.0, 0.5, 0.01),
    (3, 4, 2.0, 0.5, 0.1),
    (0, 2.5, 1.5, 1.0, 0.0),
    (7, 3, 3.0, 0.1, 0.05),
    (2, 7, 1.1, 0.9, 0.0),
])
def test_cosine_matches_the_formula(w, period, t_mult, shrink, low):
    count = 400
    args = {"warmup_updates": w, "lr_period_updates": period, "t_mult": t_mult,
            "lr_shrink": shrink, "min_lr": low}
    got = values("cosine", args, count, lr=1.0)
    close(got, [cosine(n, 1.0, low, w, period, t_mult, shrink, low) for n in range(count)])


def test_cosine_restarts_land_where_fairseq_floors_the_log():
    # t_mult 2, period 1: restarts at c = 2**i - 1 exactly, where log2 sits on an integer.
    args = {"lr_period_updates": 1, "t_mult": 2.0, "lr_shrink": 0.5}
    schedule = resolve_library(spec("cosine", args, lr=1.0, total_steps=1100))
    got = schedule.values()
    close(got, [cosine(n, 1.0, 0.0, 0, 1, 2.0, 0.5, 0.0) for n in range(1100)])
    restarts = [2**i - 1 for i in range(1, 11)]
    for i, r in enumerate(restarts, start=1):
        # One cycle early, the update would sit at the previous cycle's bottom (0), not its peak.
        assert got[r] == pytest.approx(0.5**i, rel=1e-15)
    assert [b.step for b in schedule.boundaries] == restarts


def test_cosine_without_warmup_starts_at_the_peak():
    schedule = resolve_library(spec("cosine", {"max_update": 8, "warmup_init_lr": 0.3}, lr=1.0))
    got = schedule.values()
    assert schedule.total_steps == 8 and got[0] == 1.0
    close(got, [0.5 * (1 + math.cos(math.pi * n / 8)) for n in range(8)])
    assert any("warmup_init_lr is never used" in n for n in schedule.notes)


def test_cosine_warms_up_from_min_lr_and_derives_its_period_from_max_update():
    schedule = resolve_library(spec("cosine", {"warmup_updates": 4, "min_lr": 0.1,
                                               "max_update": 14}, lr=1.0))
    got = schedule.values()
    assert schedule.total_steps == 14 and got[0] == 0.1 and got[4] == 1.0
    close(got, [cosine(n, 1.0, 0.1, 4, 10, 1.0, 0.1, 0.1) for n in range(14)])
    assert any("update 0 gets LR 0.1" in n and "min_lr" in n for n in schedule.notes)
    assert not any("restarts at" in n for n in schedule.notes)


def test_cosine_restarts_forever_with_lr_shrink():
    schedule = resolve_library(spec("cosine", {"lr_period_updates": 5}, lr=1.0, total_steps=16))
    got = schedule.values()
    assert got[5] == pytest.approx(0.1, rel=1e-15) and got[10] == pytest.approx(0.01, rel=1e-14)
    assert [b.step for b in schedule.boundaries] == [5, 10, 15]
    assert any("restarts at update 5" in n and "forever" in n for n in schedule.notes)


def test_cosine_shrinking_periods_run_out_where_math_log_fails():
    # t_mult 0.5, period 10: 1 - c/10 * 0.5 reaches 0 at c = 20: fairseq raises ValueError.
    schedule = resolve_library(spec("cosine", {"warmup_updates": 2, "lr_period_updates": 10,
                                               "t_mult": 0.5}, lr=1.0, total_steps=30))
    got = schedule.values()
    assert np.all(np.isfinite(got[:22])) and np.all(np.isnan(got[22:]))
    assert any("update 22" in n and "NaN" in n for n in schedule.notes)
    with pytest.raises(SpecError) as err:
        resolve_library(spec("cosine", {"lr_period_updates": 10, "t_mult": 0.0}, lr=1.0))
    assert err.value.path == "args.t_mult" and "before the first update" in err.value.hint


def test_cosine_zero_period_divides_by_zero_after_the_warmup():
    schedule = resolve_library(spec("cosine", {"warmup_updates": 5, "max_update": 5}, lr=1.0,
                                    total_steps=8))
    got = schedule.values()
    assert np.all(np.isfinite(got[:5])) and np.all(np.isnan(got[5:]))
    with pytest.raises(SpecError):
        resolve_library(spec("cosine", {"max_update": 0, "lr_period_updates": 0}, lr=1.0))


def test_cosine_run_shorter_than_its_warmup_is_said():
    schedule = resolve_library(spec("cosine", {"warmup_updates": 10, "max_update": 6}, lr=1.0))
    assert schedule.total_steps == 6
    close(schedule.values(), [n / 10 for n in range(6)])
    assert any("inside the warmup" in n for n in schedule.notes)


@pytest.mark.parametrize(("args", "path", "word"), [
    ({"min_lr": 1.0, "max_update": 10}, "args.min_lr", "must be more than min_lr"),
    ({"min_lr": 2.0, "max_update": 10}, "args.min_lr", "clamps"),
    ({}, "args.lr_period_updates", "max_update"),
    ({"warmup_updates": -1, "max_update": 10}, "args.warmup_updates", "negative"),
])
def test_cosine_refusals(args, path, word):
    with pytest.raises(SpecError) as err:
        resolve_library(spec("cosine", args, lr=1.0))
    assert err.value.path == path and word in str(err.value)


# ------------------------------------------------------------------------ polynomial_decay
# polynomial_decay_schedule.py: W > 0, n <= W: lr n / W; n >= T: end;
# else (lr - end)(1 - (n - W)/(T - W))**power + end


def poly(n: int, lr: float, w: int, total: float, end: float, power: float) -> float:
    if w > 0 and n <= w:
        return n / w * lr
    if n >= total:
        return end
    return (lr - end) * (1 - (n - w) / (total - w)) ** power + end


@pytest.mark.parametrize(("w", "total", "end", "power"), [
    (0, 10, 0.0, 1.0), (3, 10, 0.01, 2.0), (5, 12.5, 0.0, 0.5), (10, 8, 0.1, 1.0)])
def test_polynomial_matches_the_formula(w, total, end, power):
    got = values("polynomial_decay", {"warmup_updates": w, "total_num_update": total,
                                      "end_learning_rate": end, "power": power}, 20, lr=1.0)
    close(got, [poly(n, 1.0, w, total, end, power) for n in range(20)])


def test_polynomial_first_update_is_zero_and_total_defaults_to_max_update():
    schedule = resolve_library(spec("polynomial_decay", {"warmup_updates": 4, "max_update": 12},
                                    lr=0.5))
    got = schedule.values()
    assert schedule.total_steps == 12 and got[0] == 0.0 and got[4] == 0.5
    assert schedule.spec["args"]["total_num_update"] == 12
    assert any("update 0 gets LR 0" in n for n in schedule.notes)


@pytest.mark.parametrize(("args", "path"), [
    ({}, "args.total_num_update"),
    ({"max_update": 10, "force_anneal": 2}, "args.force_anneal"),
    ({"max_update": 10, "lr": [0.1, 0.05]}, "args.lr"),
])
def test_polynomial_refusals(args, path):
    top = {} if "lr" in args else {"lr": 0.1}
    with pytest.raises(SpecError) as err:
        resolve_library(spec("polynomial_decay", args, **top))
    assert err.value.path == path


# ------------------------------------------------------------------------ tri_stage
# tri_stage_lr_scheduler.py: n < W: init + rate n; n < W+H: lr; n <= W+H+D:
# lr exp(-(-ln(final_scale) / D)(n - W - H)); else lr final_scale


def tri(n: int, lr: float, w: int, h: int, d: int, init_scale: float, final_scale: float) -> float:
    init = init_scale * lr
    if n < w:
        return init + (lr - init) / w * n
    if n < w + h:
        return lr
    if n <= w + h + d:
        return lr * math.exp(-(-math.log(final_scale) / d) * (n - w - h))
    return final_scale * lr


@pytest.mark.parametrize(("w", "h", "d", "i", "f"), [
    (4, 3, 6, 0.01, 0.01), (0, 0, 5, 0.1, 0.5), (3, 0, 1, 0.5, 0.05)])
def test_tri_stage_matches_the_formula(w, h, d, i, f):
    got = values("tri_stage", {"warmup_steps": w, "hold_steps": h, "decay_steps": d,
                               "init_lr_scale": i, "final_lr_scale": f}, w + h + d + 4, lr=2.0)
    close(got, [tri(n, 2.0, w, h, d, i, f) for n in range(w + h + d + 4)], 2.0)


def test_tri_stage_phase_ratio_is_floored():
    schedule = resolve_library(spec("tri_stage", {"phase_ratio": [0.1, 0.4, 0.5],
                                                  "max_update": 33}, lr=1.0))
    assert schedule.total_steps == 33
    close(schedule.values(), [tri(n, 1.0, 3, 13, 16, 0.01, 0.01) for n in range(33)])
    assert schedule.spec["args"]["warmup_steps"] == 3
    assert any("truncated" in n and "warmup 3, hold 13, decay 16" in n for n in schedule.notes)
    assert any("peak lands at update 3" in n for n in schedule.notes)


@pytest.mark.parametrize(("args", "path", "word"), [
    ({"warmup_steps": 2, "hold_steps": 2}, "args.decay_steps", "ZeroDivisionError"),
    ({}, "args.warmup_steps", "phase_ratio"),
    ({"phase_ratio": [0.1, 0.2, 0.6], "max_update": 10}, "args.phase_ratio", "add up to 1"),
    ({"phase_ratio": [0.5, 0.5], "max_update": 10}, "args.phase_ratio", "three"),
    ({"phase_ratio": [0.1, 0.4, 0.5]}, "args.max_update", "max_update > 0"),
    ({"decay_steps": 4, "final_lr_scale": 0.0}, "args.final_lr_scale", "math.log"),
    ({"decay_steps": 4, "lr": [0.1, 0.2]}, "args.lr", "ValueError"),
])
def test_tri_stage_refusals(args, path, word):
    top = {} if "lr" in args else {"lr": 0.1}
    with pytest.raises(SpecError) as err:
        resolve_library(spec("tri_stage", args, **top))
    assert err.value.path == path and word in str(err.value)


# ------------------------------------------------------------------------ step
# step_lr_scheduler.py: n < W: init + n (lr - init)/W; else max(lr decay**((n-W)//P), min_lr)


def test_step_matches_the_formula():
    args = {"warmup_updates": 3, "lr_deacy_period": 4, "lr_decay": 0.5, "min_lr": 0.1}
    schedule = resolve_library(spec("step", args, lr=1.0, total_steps=20))
    want = [0.1 + n * (0.9 / 3) if n < 3 else max(0.5 ** ((n - 3) // 4), 0.1) for n in range(20)]
    close(schedule.values(), want)
    assert [b.step for b in schedule.boundaries] == [3, 7, 11, 15, 19]
    assert any("update 0 gets LR 0.1" in n for n in schedule.notes)


def test_step_uses_only_the_first_lr_of_a_list():
    schedule = resolve_library(spec("step", {"lr": [1.0, 0.5], "lr_deacy_period": 2},
                                    total_steps=5))
    assert schedule.values().tolist() == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert any("lr[0]" in n for n in schedule.notes)


def test_step_keeps_fairseqs_spelling():
    with pytest.raises(SpecError) as err:
        resolve_library(spec("step", {"lr_decay_period": 10}, lr=1.0, total_steps=5))
    assert "lr_deacy_period" in str(err.value)


@pytest.mark.parametrize(("args", "path"), [
    ({"lr_deacy_period": 0}, "args.lr_deacy_period"),
    ({"lr_decay": 1.5}, "args.lr_decay"),
    ({"min_lr": 1.0}, "args.min_lr"),
])
def test_step_assertions(args, path):
    with pytest.raises(SpecError) as err:
        resolve_library(spec("step", args, lr=1.0, total_steps=5))
    assert err.value.path == path and "assert" in err.value.hint


# ------------------------------------------------------------------------ triangular
# triangular_lr_scheduler.py: s = period // 2; c = floor(n / 2s); x = |n/s - 2(c + 1) + 1|;
# lr + (max_lr shrink**c - lr) max(0, 1 - x)   (the bottom shrinks too with shrink_min)


def triangle(n: int, low: float, high: float, period: float, shrink: float,
             shrink_min: bool) -> float:
    s = period // 2
    c = math.floor(n / (2 * s))
    top = high * shrink**c
    bottom = low * shrink**c if shrink_min else low
    x = abs(n / s - 2 * (c + 1) + 1)
    return bottom + (top - bottom) * max(0, 1 - x)


@pytest.mark.parametrize(("period", "shrink", "shrink_min"), [
    (10, 0.1, False), (7.0, 0.5, True), (2, 1.0, False)])
def test_triangular_matches_the_formula(period, shrink, shrink_min):
    args = {"max_lr": 1.0, "lr_period_updates": period, "lr_shrink": shrink,
            "shrink_min": shrink_min}
    schedule = resolve_library(spec("triangular", args, lr=0.1, total_steps=40))
    close(schedule.values(), [triangle(n, 0.1, 1.0, period, shrink, shrink_min)
                              for n in range(40)])
    assert schedule.values()[0] == 0.1
    assert any("cycles forever" in n for n in schedule.notes)


@pytest.mark.parametrize(("args", "path"), [
    ({"max_lr": 0.1}, "args.max_lr"), ({"max_lr": 1.0, "lr_period_updates": 1},
                                       "args.lr_period_updates")])
def test_triangular_refusals(args, path):
    with pytest.raises(SpecError) as err:
        resolve_library(spec("triangular", args, lr=0.1, total_steps=5))
    assert err.value.path == path


# ------------------------------------------------------------------------ fixed


def test_fixed_warms_up_as_n_plus_one_over_w():
    schedule = resolve_library(spec("fixed", {"warmup_updates": 4}, lr=1.0, total_steps=6))
    assert schedule.values().tolist() == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert any("peak lands at update 3" in n for n in schedule.notes)
    with pytest.raises(SpecError) as err:
        resolve_library(spec("fixed", {"force_anneal": 3}, lr=1.0, total_steps=6))
    assert err.value.path == "args.force_anneal"


# ------------------------------------------------------------------------ the lr list


def test_lr_may_be_a_number_or_a_one_element_list_under_args():
    a = values("inverse_sqrt", {"warmup_updates": 2, "lr": [0.4]}, 5)
    b = values("inverse_sqrt", {"warmup_updates": 2, "lr": 0.4}, 5)
    c = values("inverse_sqrt", {"warmup_updates": 2}, 5, lr=0.4)
    assert a.tolist() == b.tolist() == c.tolist()
    assert resolve_library(spec("inverse_sqrt", {"lr": [0.4]}, total_steps=2)).spec["lr"] == 0.4


def test_lr_defaults_to_fairseqs_025_with_a_note():
    schedule = resolve_library(spec("inverse_sqrt", {"warmup_updates": 2}, total_steps=3))
    close(schedule.values(), [0.0, 0.125, 0.25])
    assert any("0.25" in n for n in schedule.notes)


@pytest.mark.parametrize(("args", "top", "path", "word"), [
    ({"lr": [0.1]}, {"lr": 0.1}, "args.lr", "twice"),
    ({"lr": []}, {}, "args.lr", "empty"),
    ({"lr": [-0.1]}, {}, "args.lr", "negative"),
    ({"lr": [0.1, 0.2]}, {}, "args.lr", "Cannot use a fixed learning rate schedule"),
])
def test_lr_refusals(args, top, path, word):
    with pytest.raises(SpecError) as err:
        resolve_library(spec("inverse_sqrt", args, total_steps=3, **top))
    assert err.value.path == path and word in str(err.value)

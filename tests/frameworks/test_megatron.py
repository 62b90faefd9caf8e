"""Megatron-LM's OptimizerParamScheduler: values by hand, samples vs updates, notes, errors.

Reference: megatron-core 0.16.1, ``megatron/core/optimizer_param_scheduler.py``
(``OptimizerParamScheduler.get_lr``, ``step``) and ``megatron/training/training.py``
(``get_optimizer_param_scheduler``, ``train_step``). The constructor calls ``step(0)`` and training
calls ``step(global_batch_size)`` after every update, so update ``k`` runs at ``n = k * GBS``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary
from warmupctl.spec.library import resolve_library

OPS = "megatron.OptimizerParamScheduler"
TRAINING = "megatron.get_optimizer_param_scheduler"


def spec(args: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"schedule": OPS, "args": args, **top}


def megatron_lr(n: float, init: float, peak: float, low: float, warmup: float, decay: float,
                style: str, wsd: float | None = None, wsd_style: str | None = None) -> float:
    """get_lr at num_steps = n, restated from megatron-core 0.16.1 in plain Python."""
    if warmup > 0 and n <= warmup:
        return init + (peak - init) * n / warmup
    if style == "constant":
        return peak
    if n > decay:
        return low
    if style == "inverse-square-root":
        return max(low, peak * math.sqrt(max(warmup, 1)) / math.sqrt(max(n, 1)))
    r = (n - warmup) / (decay - warmup)
    if style == "linear":
        coeff = 1 - r
    elif style == "cosine":
        coeff = 0.5 * (math.cos(math.pi * r) + 1)
    else:
        assert wsd is not None
        start = decay - wsd
        if n <= start:
            coeff = 1.0
        else:
            q = (n - start) / wsd
            coeff = {"linear": 1 - q, "cosine": 0.5 * (math.cos(math.pi * q) + 1),
                     "exponential": 2 * 0.5**q - 1, "minus_sqrt": 1 - math.sqrt(q)}[wsd_style]
    return low + coeff * (peak - low)


CASES = [
    ("linear", 0.0, 1.0, 0.0, 3, 10, None, None),
    ("linear", 0.02, 0.3, 0.01, 0, 9, None, None),
    ("cosine", 0.0, 1.0, 0.1, 2, 10, None, None),
    ("cosine", 0.01, 0.1, 0.001, 5, 20, None, None),
    ("constant", 0.0, 1.0, 0.0, 3, 6, None, None),
    ("inverse-square-root", 0.0, 1.0, 0.2, 4, 20, None, None),
    ("inverse-square-root", 0.0, 0.1, 0.0, 0, 10, None, None),
    ("WSD", 0.0, 1.0, 0.0, 2, 12, 4, "linear"),
    ("WSD", 0.0, 1.0, 0.1, 2, 12, 5, "cosine"),
    ("WSD", 0.0, 1.0, 0.0, 2, 12, 4, "exponential"),
    ("WSD", 0.0, 1.0, 0.05, 2, 12, 6, "minus_sqrt"),
    ("WSD", 0.0, 1.0, 0.05, 3, 12, 12, "cosine"),  # the decay window starts inside the warmup
]


@pytest.mark.parametrize(("style", "init", "peak", "low", "warmup", "decay", "wsd", "wsd_style"),
                         CASES)
def test_every_style_matches_the_formula(style, init, peak, low, warmup, decay, wsd, wsd_style):
    args = {"init_lr": init, "max_lr": peak, "min_lr": low, "lr_warmup_steps": warmup,
            "lr_decay_steps": decay, "lr_decay_style": style}
    if wsd is not None:
        args |= {"wsd_decay_steps": wsd, "lr_wsd_decay_style": wsd_style}
    schedule = resolve_library(spec(args))
    assert schedule.total_steps == decay
    count = decay + 5  # past the end too
    want = [megatron_lr(k, init, peak, low, warmup, decay, style, wsd, wsd_style)
            for k in range(count)]
    np.testing.assert_allclose(schedule.values(count), want, rtol=0, atol=1e-12 * peak)


def test_cosine_values_recorded_from_megatron_core():
    # megatron-core 0.16.1, init 0, max 1, min 0.1, W=3, D=10, cosine (run once, pasted here).
    recorded = [0.0, 0.3333333333333333, 0.6666666666666666, 1.0, 0.9554359905560885,
                0.8305704108364301, 0.6501344202803414, 0.44986557971965857, 0.26942958916356996,
                0.14456400944391146, 0.1, 0.1, 0.1]
    schedule = resolve_library(spec({"max_lr": 1.0, "min_lr": 0.1, "lr_warmup_steps": 3,
                                     "lr_decay_steps": 10, "lr_decay_style": "cosine"}))
    np.testing.assert_allclose(schedule.values(13), recorded, rtol=0, atol=1e-15)


def test_defaults_follow_scheduler_config():
    # SchedulerConfig: lr_decay_style linear, lr_warmup_init 0.0, min_lr 0.0.
    schedule = resolve_library(spec({"max_lr": 1.0, "lr_decay_steps": 4}))
    assert schedule.values(6).tolist() == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    args = schedule.spec["args"]
    assert args["lr_decay_style"] == "linear" and args["init_lr"] == 0.0
    assert args["lr_wsd_decay_style"] == "exponential"
    assert schedule.spec["global_batch_size"] == 1 and schedule.spec["lr"] is None
    assert "megatron-core 0.16.1" in schedule.source and schedule.label == OPS


def test_update_zero_gets_init_lr_and_the_peak_lands_at_w():
    schedule = resolve_library(spec({"max_lr": 0.5, "lr_warmup_steps": 4, "lr_decay_steps": 10}))
    values = schedule.values()
    assert values[0] == 0.0 and values[4] == 0.5 and values[5] < 0.5
    assert schedule.warmup_steps == 4
    assert Boundary(4, "warmup end") in schedule.boundaries
    assert any("update 0 gets LR 0" in n and "init_lr" in n for n in schedule.notes)


def test_no_warmup_starts_at_the_peak_without_a_first_lr_note():
    schedule = resolve_library(spec({"max_lr": 0.5, "lr_decay_steps": 10}))
    assert schedule.values(1)[0] == 0.5
    assert schedule.warmup_steps == 0 and not any("update 0" in n for n in schedule.notes)


def test_global_batch_size_counts_samples():
    args = {"max_lr": 0.1, "lr_warmup_steps": 8, "lr_decay_steps": 40, "lr_decay_style": "cosine"}
    schedule = resolve_library(spec(args, global_batch_size=4))
    assert schedule.total_steps == 10 and schedule.warmup_steps == 2
    want = [megatron_lr(4 * k, 0.0, 0.1, 0.0, 8, 40, "cosine") for k in range(13)]
    np.testing.assert_allclose(schedule.values(13), want, rtol=0, atol=1e-14)
    # Same ratios in updates: identical values.
    per_update = resolve_library(spec({**args, "lr_warmup_steps": 2, "lr_decay_steps": 10}))
    np.testing.assert_allclose(schedule.values(13), per_update.values(13), rtol=0, atol=1e-15)


def test_warmup_between_two_updates_never_uses_the_peak():
    schedule = resolve_library(spec({"max_lr": 0.1, "lr_warmup_steps": 12, "lr_decay_steps": 80,
                                     "lr_decay_style": "cosine"}, global_batch_size=8))
    values = schedule.values()
    assert values.max() < 0.1
    assert values[1] == pytest.approx(0.1 * 8 / 12, rel=1e-15)  # last warmup update, n = 8
    assert values[2] == pytest.approx(megatron_lr(16, 0, 0.1, 0, 12, 80, "cosine"), rel=1e-14)
    assert schedule.warmup_steps == 2
    assert any("never used" in n and "between updates 1 and 2" in n for n in schedule.notes)


def test_a_fractional_warmup_is_not_rounded():
    schedule = resolve_library(spec({"max_lr": 1.0, "lr_warmup_steps": 2.5,
                                     "lr_decay_steps": 10}))
    assert schedule.values(4).tolist()[:3] == [0.0, 0.4, 0.8]
    assert schedule.values(4)[3] == pytest.approx(1 - 0.5 / 7.5, rel=1e-15)
    assert schedule.spec["args"]["lr_warmup_steps"] == 2.5


def test_inverse_square_root_is_cut_to_min_lr_after_the_decay():
    schedule = resolve_library(spec({"max_lr": 1.0, "min_lr": 0.1, "lr_warmup_steps": 4,
                                     "lr_decay_steps": 16, "lr_decay_style": "inverse-square-root"},
                                    total_steps=20))
    values = schedule.values()
    assert values[16] == pytest.approx(0.5, rel=1e-15) and values[17] == 0.1
    assert any("drops from 0.5 to min_lr 0.1 after update 16" in n for n in schedule.notes)


def test_constant_ignores_the_decay_length():
    schedule = resolve_library(spec({"max_lr": 1.0, "min_lr": 0.1, "lr_decay_steps": 3,
                                     "lr_decay_style": "constant"}, total_steps=6))
    assert schedule.values().tolist() == [1.0] * 6
    assert any("min_lr is never used" in n for n in schedule.notes)


def test_wsd_marks_where_the_decay_starts():
    schedule = resolve_library(spec({"max_lr": 1.0, "lr_warmup_steps": 2, "lr_decay_steps": 12,
                                     "lr_decay_style": "WSD", "wsd_decay_steps": 4}))
    assert schedule.boundaries == (Boundary(2, "warmup end"), Boundary(8, "decay start"))
    values = schedule.values()
    assert values[8] == 1.0 and values[9] == pytest.approx(2 * 0.5**0.25 - 1, rel=1e-15)


def test_wsd_without_a_decay_style_fails_where_megatron_asserts():
    args = {"max_lr": 1.0, "lr_warmup_steps": 2, "lr_decay_steps": 10, "lr_decay_style": "WSD",
            "wsd_decay_steps": 4, "lr_wsd_decay_style": None}
    schedule = resolve_library(spec(args, total_steps=12))
    values = schedule.values()
    assert np.all(np.isfinite(values[:7])) and np.all(np.isnan(values[7:]))
    assert any("assert" in n and "update 7" in n for n in schedule.notes)
    with pytest.raises(SpecError) as err:  # anneals from sample 0: fails in step(0)
        resolve_library(spec({**args, "lr_warmup_steps": 0, "wsd_decay_steps": 12}))
    assert err.value.path == "args.lr_wsd_decay_style" and "step(0)" in err.value.hint


def test_total_steps_overrides_the_natural_end():
    schedule = resolve_library(spec({"max_lr": 1.0, "lr_decay_steps": 10}, total_steps=15))
    assert schedule.total_steps == 15 and schedule.values()[-1] == 0.0
    assert Boundary(11, "min_lr") in schedule.boundaries


# ------------------------------------------------------------------------ training arguments


def test_training_arguments_in_iterations():
    schedule = resolve_library({"schedule": TRAINING, "lr": 0.3, "global_batch_size": 32, "args": {
        "train_iters": 20, "lr_warmup_iters": 4, "min_lr": 0.03, "lr_decay_style": "cosine"}})
    assert schedule.total_steps == 20 and schedule.warmup_steps == 4
    want = [megatron_lr(32 * k, 0.0, 0.3, 0.03, 4 * 32, 20 * 32, "cosine") for k in range(20)]
    np.testing.assert_allclose(schedule.values(), want, rtol=0, atol=1e-12 * 0.3)
    assert schedule.spec["lr"] == 0.3


def test_training_warmup_fraction_is_not_rounded():
    schedule = resolve_library({"schedule": TRAINING, "lr": 1.0, "args": {
        "train_iters": 100, "lr_decay_iters": 50, "lr_warmup_fraction": 0.05}})
    values = schedule.values()
    assert schedule.total_steps == 100
    assert values[2] == pytest.approx(2 / 2.5, rel=1e-15)  # W = 0.05 * 50 = 2.5 updates
    assert values[3] == pytest.approx(1 - 0.5 / 47.5, rel=1e-15)
    assert values[50] == pytest.approx(0.0, abs=1e-15) and values[51] == 0.0
    assert any("lr_warmup_fraction" in n and "2.5" in n for n in schedule.notes)


def test_training_arguments_in_samples():
    schedule = resolve_library({"schedule": TRAINING, "lr": 1.0, "global_batch_size": 8, "args": {
        "train_samples": 100, "lr_warmup_samples": 20, "lr_decay_style": "linear"}})
    assert schedule.total_steps == 12  # 100 // 8
    want = [megatron_lr(8 * k, 0, 1.0, 0, 20, 100, "linear") for k in range(12)]
    np.testing.assert_allclose(schedule.values(), want, rtol=0, atol=1e-15)


def test_training_wsd_in_iterations():
    schedule = resolve_library({"schedule": TRAINING, "lr": 1.0, "global_batch_size": 2, "args": {
        "train_iters": 12, "lr_warmup_iters": 2, "lr_decay_style": "WSD",
        "lr_wsd_decay_iters": 4, "lr_wsd_decay_style": "linear"}})
    want = [megatron_lr(2 * k, 0, 1.0, 0, 4, 24, "WSD", 8, "linear") for k in range(12)]
    np.testing.assert_allclose(schedule.values(), want, rtol=0, atol=1e-15)


@pytest.mark.parametrize(("args", "path", "word"), [
    ({}, "args.train_iters", "train_iters or train_samples"),
    ({"train_iters": 10, "train_samples": 100}, "args.train_samples", "iteration-based"),
    ({"train_iters": 10, "lr_warmup_samples": 5}, "args.lr_warmup_samples", "iteration-based"),
    ({"train_iters": 10, "lr_warmup_iters": 2, "lr_warmup_fraction": 0.1},
     "args.lr_warmup_iters", "one of"),
    ({"train_samples": 100, "lr_decay_iters": 5}, "args.lr_decay_iters", "sample-based"),
    ({"train_samples": 100, "lr_warmup_samples": 5, "lr_warmup_fraction": 0.1},
     "args.lr_warmup_samples", "one of"),
    ({"train_iters": 10, "lr_decay_style": "WSD"}, "args.lr_wsd_decay_iters", "WSD"),
    ({"train_iters": 10, "lr_warmup_iters": 10}, "args.lr_warmup_iters", "decay"),
    ({"train_iters": 10, "lr_warmup_init": 2.0}, "args.lr_warmup_init", "above max_lr"),
    ({"train_samples": 3}, "args.train_samples", "no update"),
])
def test_training_argument_checks(args, path, word):
    with pytest.raises(SpecError) as err:
        resolve_library({"schedule": TRAINING, "lr": 1.0, "global_batch_size": 4, "args": args})
    assert err.value.path == path
    assert word in str(err.value)


def test_training_needs_lr():
    with pytest.raises(SpecError) as err:
        resolve_library({"schedule": TRAINING, "args": {"train_iters": 10}})
    assert err.value.path == "lr"


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(("args", "path", "word"), [
    ({"max_lr": 1.0, "min_lr": -0.1, "lr_decay_steps": 5}, "args.min_lr", "min_lr >= 0"),
    ({"max_lr": 0.1, "min_lr": 0.2, "lr_decay_steps": 5}, "args.max_lr", "max_lr >= min_lr"),
    ({"max_lr": 0.1, "init_lr": 0.2, "lr_decay_steps": 5}, "args.init_lr", "init_lr <= max_lr"),
    ({"max_lr": 0.1, "lr_decay_steps": 0}, "args.lr_decay_steps", "lr_decay_steps > 0"),
    ({"max_lr": 0.1, "lr_decay_steps": 10, "lr_warmup_steps": 10}, "args.lr_warmup_steps",
     "lr_warmup_steps < lr_decay_steps"),
    ({"max_lr": 0.1, "lr_decay_steps": 10, "lr_warmup_steps": -1}, "args.lr_warmup_steps",
     "number of samples"),
    ({"max_lr": 0.1, "lr_decay_steps": 10, "lr_decay_style": "WSD"}, "args.wsd_decay_steps",
     "wsd_decay_steps is set"),
    ({"max_lr": 0.1, "lr_decay_steps": 10, "start_wd": -0.1}, "args.start_wd", "start_wd >= 0"),
    ({"max_lr": 0.1, "lr_decay_steps": 10, "start_wd": 0.1, "end_wd": 0.0}, "args.end_wd",
     "end_wd >= start_wd"),
    ({"max_lr": 0.1, "lr_decay_steps": 10, "start_wd": 0.0, "end_wd": 0.1}, "args.start_wd",
     "constant"),
    ({"max_lr": 0.1, "lr_decay_steps": 10, "wd_incr_style": "linear", "wd_incr_steps": 0},
     "args.wd_incr_steps", "ZeroDivisionError"),
    ({"max_lr": 0.1, "lr_decay_steps": 10, "override_opt_param_scheduler": True},
     "args.override_opt_param_scheduler", "use_checkpoint_opt_param_scheduler: false"),
])
def test_constructor_assertions(args, path, word):
    with pytest.raises(SpecError) as err:
        resolve_library(spec(args))
    assert err.value.path == path
    assert word in str(err.value)


def test_weight_decay_arguments_are_accepted_and_ignored():
    plain = resolve_library(spec({"max_lr": 0.1, "lr_decay_steps": 10}))
    with_wd = resolve_library(spec({"max_lr": 0.1, "lr_decay_steps": 10, "start_wd": 0.0,
                                    "end_wd": 0.1, "wd_incr_steps": 10,
                                    "wd_incr_style": "cosine", "override_opt_param_scheduler": True,
                                    "use_checkpoint_opt_param_scheduler": False}))
    assert with_wd.values().tolist() == plain.values().tolist()


def test_a_top_level_lr_has_no_effect_and_says_so():
    without = resolve_library(spec({"max_lr": 0.1, "lr_decay_steps": 10}))
    schedule = resolve_library(spec({"max_lr": 0.1, "lr_decay_steps": 10}, lr=0.5))
    np.testing.assert_array_equal(schedule.values(), without.values())
    assert any(n.startswith("the optimizer's lr (0.5) has no effect: megatron.") for n in schedule.notes)


@pytest.mark.parametrize("gbs", [0, -4])
def test_global_batch_size_must_be_positive(gbs):
    with pytest.raises(SpecError) as err:
        resolve_library(spec({"max_lr": 0.1, "lr_decay_steps": 10}, global_batch_size=gbs))
    assert err.value.path == "global_batch_size"


def test_unknown_decay_style_is_refused_with_the_choices():
    with pytest.raises(SpecError) as err:
        resolve_library(spec({"max_lr": 0.1, "lr_decay_steps": 10, "lr_decay_style": "cosin"}))
    assert err.value.path == "args.lr_decay_style" and "cosine" in str(err.value)

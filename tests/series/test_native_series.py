"""Native specs with param_groups, layer_decay, momentum and weight_decay."""

from __future__ import annotations

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.native import resolve_native

BASE = {"kind": "linear", "lr": 1.0, "warmup_steps": 2, "total_steps": 6}


def test_the_lr_is_unchanged_by_the_series_keys() -> None:
    plain = resolve_native(BASE)
    rich = resolve_native({**BASE, "param_groups": [{"lr_mult": 2}], "momentum": 0.9})
    assert np.array_equal(plain.values(), rich.values())
    assert plain.values().tolist() == [0.0, 0.5, 1.0, 0.75, 0.5, 0.25]


def test_param_group_multiplier_and_own_peak() -> None:
    schedule = resolve_native({**BASE, "min_lr": 0.2, "param_groups": [
        {"lr_mult": 1}, {"name": "head", "lr_mult": 0.1}, {"lr": 0.5, "min_lr": 0.1}]})
    assert list(schedule.series) == ["lr/pg0", "lr/head", "lr/pg2"]
    assert np.array_equal(schedule.series["lr/pg0"].values(), schedule.values())
    assert schedule.series["lr/head"].values().tolist() == [0.1 * x for x in schedule.values()]
    # lr 0.5 warming up from 0 over 2 updates, then linear to min_lr 0.1 at update 6
    assert schedule.series["lr/pg2"].values().round(12).tolist() == [0.0, 0.25, 0.5, 0.4, 0.3, 0.2]


def test_layer_decay_gives_each_layer_decay_to_the_depth_minus_i() -> None:
    schedule = resolve_native({**BASE, "layer_decay": {"decay": 0.5, "depth": 3}})
    assert list(schedule.series) == ["lr/layer0", "lr/layer1", "lr/layer2", "lr/layer3"]
    at_peak = [float(schedule.series[f"lr/layer{i}"](2)) for i in range(4)]
    assert at_peak == [0.125, 0.25, 0.5, 1.0]


def test_momentum_phases_use_the_lr_phase_shapes() -> None:
    schedule = resolve_native({**BASE, "momentum": {"phases": [
        {"steps": 2, "from": 0.95, "to": 0.85}, {"steps": "rest", "to": 0.95, "shape": "cosine"}]},
        "weight_decay": 0.05})
    momentum = schedule.series["momentum"].values()
    assert momentum[:3].round(12).tolist() == [0.95, 0.9, 0.85]
    assert momentum[4] == pytest.approx(0.85 + 0.1 * 0.5)  # cosine half-way: 0.9
    assert schedule.series["weight_decay"].values().tolist() == [0.05] * 6


@pytest.mark.parametrize(("extra", "message"), [
    ({"param_groups": [{"lr_mult": 0}]},
     "param_groups[0].lr_mult: must be positive (got 0); the group's LR is lr_mult × the "
     "schedule's LR"),
    ({"param_groups": [{"lr_mult": 2, "lr": 0.1}]},
     "param_groups[0].lr: lr_mult scales the schedule; it does not combine with a group's own "
     "values (got 0.1); give lr_mult, or lr (with min_lr, init_lr)"),
    ({"param_groups": [{"lr_multi": 2}]},
     "param_groups[0].lr_multi: unknown param-group key (got 'lr_multi'); did you mean 'lr_mult'?"),
    ({"param_groups": [{"lr": 0.1, "min_lr": 0.5}]},
     "param_groups[0].min_lr: min_lr is above lr (got 0.5); the floor must not exceed the peak "
     "lr 0.1"),
    ({"layer_decay": {"decay": 1.5, "depth": 12}},
     "layer_decay.decay: must be in (0, 1] (got 1.5); each layer below the top gets decay × the LR "
     "of the layer above"),
    ({"layer_decay": {"decay": 0.75}},
     "layer_decay.depth: layer_decay needs decay and depth; e.g. layer_decay: {decay: 0.75, depth: "
     "12}"),
    ({"momentum": {"phases": [{"steps": 4, "from": 0.9, "to": 0.8}]}},
     "momentum.total_steps: the phases add up to 4 updates, not total_steps 6 (got 6); fix a phase "
     "length, use 'steps: rest' on one phase, or drop total_steps"),
    ({"momentum": {"phases": [{"steps": 6, "from": 0.9, "to": "lr"}]}},
     "momentum.phases[0].to: must be a number (got 'lr'); a momentum phase goes between numbers "
     "(lr, min_lr name LRs)"),
    ({"weight_decay": -0.1}, "weight_decay: must not be negative (got -0.1)"),
])
def test_errors_are_one_line_with_the_key_path(extra: dict, message: str) -> None:
    with pytest.raises(SpecError) as info:
        resolve_native({**BASE, **extra})
    assert str(info.value) == message


def test_param_groups_are_bounded() -> None:
    with pytest.raises(SpecError) as info:
        resolve_native({**BASE, "param_groups": [{"lr_mult": 1}] * 1001})
    assert str(info.value) == ("param_groups: more than 1000 param groups (got 1001); one entry per "
                               "optimizer param group")

"""The torch adapter sets every group's LR, momentum/betas and weight decay as tabulated."""

from __future__ import annotations

import pytest

from warmupctl.calc.param_groups import group_values
from warmupctl.spec.library import resolve_library
from warmupctl.spec.native import resolve_native

SPEC = {"kind": "linear", "lr": 1.0, "warmup_steps": 2, "total_steps": 6,
        "param_groups": [{"lr_mult": 1}, {"name": "head", "lr_mult": 0.5}],
        "momentum": {"phases": [{"steps": 2, "from": 0.9, "to": 0.8}, {"steps": "rest", "to": 0.9}]},
        "weight_decay": 0.1}


def test_values_per_group() -> None:
    schedule = resolve_native(SPEC)
    rows = group_values(schedule, 2, [{"momentum": 0.0}, {"betas": (0.9, 0.999)}])
    assert rows == [{"lr": 1.0, "momentum": 0.8, "weight_decay": 0.1},
                    {"lr": 0.5, "betas": (0.8, 0.999), "weight_decay": 0.1}]


def test_group_count_must_match() -> None:
    with pytest.raises(ValueError) as info:
        group_values(resolve_native(SPEC), 0, [{"momentum": 0.9}])
    assert str(info.value) == ("the schedule has 2 param-group LRs (lr/pg0, lr/head); the optimizer "
                               "has 1 param groups: give it one group per series, in order")


def test_megatron_groups_get_their_weight_decay() -> None:
    schedule = resolve_library({"schedule": "megatron.OptimizerParamScheduler", "args": {
        "max_lr": 1.0, "lr_decay_steps": 10, "start_wd": 0.1, "end_wd": 0.1, "wd_incr_steps": 10},
        "param_groups": [{}, {"wd_mult": 0.0}]})
    rows = group_values(schedule, 5, [{"weight_decay": 0.0}, {"weight_decay": 0.0}])
    assert [row["weight_decay"] for row in rows] == [0.1, 0.0]


def test_torch_optimizer_follows_the_table() -> None:
    torch = pytest.importorskip("torch")
    import warmupctl.torch as adapter

    schedule = resolve_native(SPEC)
    params = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    optimizer = torch.optim.SGD([{"params": [params[0]]}, {"params": [params[1]]}], lr=1.0,
                                momentum=0.5)
    scheduler = adapter.scheduler(optimizer, schedule)
    seen = []
    for _ in range(6):
        seen.append([(g["lr"], g["momentum"], g["weight_decay"]) for g in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    table = {name: member.values().tolist() for name, member in schedule.series.items()}
    for k, groups in enumerate(seen):
        assert groups[0] == (table["lr/pg0"][k], table["momentum"][k], 0.1)
        assert groups[1] == (table["lr/head"][k], table["momentum"][k], 0.1)
    adam = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    onecycle = resolve_library({"schedule": "torch.OneCycleLR", "optimizer": "Adam",
                                "args": {"max_lr": 1.0, "total_steps": 10}})
    follower = adapter.scheduler(adam, onecycle)
    for k in range(10):
        assert adam.param_groups[0]["betas"][0] == float(onecycle.series["betas[0]"](k))
        assert adam.param_groups[0]["lr"] == float(onecycle(k))
        adam.step()
        follower.step()

"""Every series a library schedules, against values recorded from the real library
(``tests/goldens/series/series.json``, written by ``tests/goldens/record_series.py``), and the live
library when it is installed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.library import resolve_library

GOLDENS = json.loads((Path(__file__).resolve().parents[1] / "goldens" / "series" / "series.json").read_text())
CASES = GOLDENS["cases"]


def _computed(spec: dict, steps: int) -> dict[str, np.ndarray]:
    schedule = resolve_library(json.loads(json.dumps(spec)))
    out = {"lr": schedule(np.arange(steps))}
    out.update({name: member(np.arange(steps)) for name, member in schedule.series.items()})
    return out


def _assert_same(got: np.ndarray, want: list[float], what: str) -> None:
    want_array = np.asarray(want, dtype=np.float64)
    scale = max(1.0, float(np.nanmax(np.abs(want_array))))
    np.testing.assert_allclose(got, want_array, rtol=0, atol=1e-12 * scale, err_msg=what)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_every_series_matches_the_library(case: dict) -> None:
    got = _computed(case["spec"], case["steps"])
    recorded = dict(case["series"])
    if case["spec"].get("param_groups"):
        # Megatron: the recorded "lr" is group 0's; warmupctl's lr is the default config's, and
        # group 0 is the series lr/<first group>.
        first = case["spec"]["param_groups"][0].get("name", "pg0")
        recorded[f"lr/{first}"] = recorded.pop("lr")
        got.pop("lr")
    assert sorted(got) == sorted(recorded)
    for name, values in recorded.items():
        _assert_same(got[name], values, f"{case['id']}: {name}")


def test_goldens_cover_every_series_the_issue_names() -> None:
    names = {name for case in CASES for name in case["series"]}
    assert {"momentum", "betas[0]", "betas[1]", "weight_decay", "weight_decay/pg1",
            "lr/embed"} <= names
    schedules = {case["spec"]["schedule"] for case in CASES}
    assert schedules == {"torch.OneCycleLR", "torch.CyclicLR", "deepspeed.OneCycle",
                         "megatron.OptimizerParamScheduler"}


def test_torch_testsuite_onecycle_momentum_restated() -> None:
    """torch's test_lrscheduler.py, test_onecycle_lr_cosine_annealing: momentum 22 at the start,
    1 at the peak (update 2 of 10 with pct_start 0.3), back to 22 at the end."""
    schedule = resolve_library({"schedule": "torch.OneCycleLR", "optimizer": "SGD", "args": {
        "max_lr": 25.0, "final_div_factor": 2.0, "base_momentum": 1.0, "max_momentum": 22.0,
        "total_steps": 10}})
    momentum = schedule.series["momentum"].values()
    assert momentum[0] == 22.0 and momentum[2] == 1.0 and momentum[9] == 22.0


def test_cycle_momentum_false_sets_no_series() -> None:
    schedule = resolve_library({"schedule": "torch.OneCycleLR", "args": {
        "max_lr": 1.0, "total_steps": 10, "cycle_momentum": False}})
    assert dict(schedule.series) == {}


def test_optimizer_without_momentum_is_torchs_value_error() -> None:
    with pytest.raises(SpecError) as info:
        resolve_library({"schedule": "torch.CyclicLR", "optimizer": "Adagrad",
                         "args": {"base_lr": 0.1, "max_lr": 1.0}, "total_steps": 5})
    assert str(info.value) == (
        "optimizer: torch raises ValueError constructing CyclicLR: the optimizer has neither "
        "momentum nor betas (got 'Adagrad'); set args.cycle_momentum: false, or use an optimizer "
        "with momentum or betas")


def test_deepspeed_with_sgd_cycles_nothing_and_says_so() -> None:
    schedule = resolve_library({"schedule": "deepspeed.OneCycle", "optimizer": "SGD", "total_steps": 5,
                                "args": {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0}})
    assert dict(schedule.series) == {}
    assert any("does not cycle momentum with SGD" in note for note in schedule.notes)


def test_megatron_param_group_errors_name_the_key() -> None:
    base = {"schedule": "megatron.OptimizerParamScheduler",
            "args": {"max_lr": 1.0, "lr_decay_steps": 10}}
    with pytest.raises(SpecError) as info:
        resolve_library({**base, "param_groups": [{}, {"max_lr": "fast"}]})
    assert str(info.value).startswith("param_groups[1].max_lr: expected a number (got 'fast')")
    with pytest.raises(SpecError) as info:
        resolve_library({**base, "param_groups": [{"lr_scale": 2}]})
    assert str(info.value).startswith("param_groups[0].lr_scale: unknown param-group key")


def test_megatron_lr_mult_is_reported_as_ignored() -> None:
    schedule = resolve_library({"schedule": "megatron.OptimizerParamScheduler",
                                "args": {"max_lr": 1.0, "lr_decay_steps": 10},
                                "param_groups": [{}, {"lr_mult": 0.1}]})
    assert np.array_equal(schedule.series["lr/pg1"].values(), schedule.values())
    assert any("lr_mult has no effect" in note for note in schedule.notes)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_live_library_agrees(case: dict) -> None:
    """Live parity: where torch, DeepSpeed and megatron-core are installed (CI's library job), the
    libraries themselves, run now, against warmupctl."""
    pytest.importorskip("torch")
    record = pytest.importorskip("tests.goldens.record_series")
    library = case["spec"]["schedule"].partition(".")[0]
    pytest.importorskip({"torch": "torch", "deepspeed": "deepspeed",
                         "megatron": "megatron.core"}[library])
    live = record.live_series(case["spec"], case["steps"])
    got = _computed(case["spec"], case["steps"])
    if case["spec"].get("param_groups"):
        first = case["spec"]["param_groups"][0].get("name", "pg0")
        live[f"lr/{first}"] = live.pop("lr")
        got.pop("lr")
    assert sorted(got) == sorted(live)
    for name, values in live.items():
        _assert_same(got[name], values, f"{case['id']}: {name}")


def test_megatron_training_arguments_give_the_constructors_series() -> None:
    """get_optimizer_param_scheduler passes start/end_weight_decay and wd_incr_steps =
    train_iters × global_batch_size to OptimizerParamScheduler, whose series the goldens check."""
    groups = [{}, {"wd_mult": 0.0}, {"name": "embed", "max_lr": 1e-4}]
    training = resolve_library({
        "schedule": "megatron.get_optimizer_param_scheduler", "lr": 3e-4, "global_batch_size": 4,
        "args": {"train_iters": 12, "lr_warmup_iters": 2, "lr_decay_style": "cosine",
                 "min_lr": 3e-5},
        "start_weight_decay": 0.01, "end_weight_decay": 0.1, "weight_decay_incr_style": "cosine",
        "param_groups": groups})
    constructor = resolve_library({
        "schedule": "megatron.OptimizerParamScheduler", "global_batch_size": 4,
        "args": {"max_lr": 3e-4, "min_lr": 3e-5, "lr_warmup_steps": 8, "lr_decay_steps": 48,
                 "lr_decay_style": "cosine", "start_wd": 0.01, "end_wd": 0.1, "wd_incr_steps": 48,
                 "wd_incr_style": "cosine"},
        "param_groups": groups})
    assert list(training.series) == ["lr/pg0", "lr/pg1", "lr/embed", "weight_decay/pg0",
                                     "weight_decay/pg1", "weight_decay/embed"]
    for name in training.series:
        assert np.array_equal(training.series[name].values(), constructor.series[name].values())


@pytest.mark.parametrize(("extra", "message"), [
    ({"start_weight_decay": 0.01},
     "start_weight_decay: is set with a constant weight_decay_incr_style (got 0.01); Megatron's "
     "validate_args asserts it is not; give weight_decay, or a linear/cosine style"),
    ({"weight_decay_incr_style": "linear", "start_weight_decay": 0.0},
     "end_weight_decay: a linear weight_decay_incr_style needs it; Megatron's validate_args "
     "asserts it is given"),
])
def test_megatron_training_weight_decay_checks(extra: dict, message: str) -> None:
    with pytest.raises(SpecError) as info:
        resolve_library({"schedule": "megatron.get_optimizer_param_scheduler", "lr": 1e-3,
                         "args": {"train_iters": 10}, **extra})
    assert str(info.value) == message


def test_megatron_training_constant_weight_decay() -> None:
    schedule = resolve_library({"schedule": "megatron.get_optimizer_param_scheduler", "lr": 1e-3,
                                "args": {"train_iters": 10}, "weight_decay": 0.1})
    assert schedule.series["weight_decay"].values().tolist() == [0.1] * 10
    plain = resolve_library({"schedule": "megatron.get_optimizer_param_scheduler", "lr": 1e-3,
                             "args": {"train_iters": 10}})
    assert dict(plain.series) == {}


def test_a_nested_onecycle_names_the_momentum_it_does_not_compose() -> None:
    schedule = resolve_library({"schedule": "torch.SequentialLR", "lr": 0.1, "total_steps": 12,
                                "args": {"milestones": [2], "schedulers": [
                                    {"schedule": "torch.LinearLR", "args": {"total_iters": 2}},
                                    {"schedule": "torch.OneCycleLR",
                                     "args": {"max_lr": 1.0, "total_steps": 10}}]}})
    assert dict(schedule.series) == {}
    assert ("schedulers[1] (torch.OneCycleLR) also cycles the momentum (or betas[0]); warmupctl "
            "shows that series for a top-level OneCycleLR or CyclicLR only") in schedule.notes

"""Momentum cases of torch's own test suite (test/optim/test_lrscheduler.py, ``_test_cycle_lr``),
restated: the LR and momentum targets listed there, for updates 0, 1, 2, ..."""

from __future__ import annotations

import math

import pytest

from warmupctl.spec.library import resolve_library


def cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


CASES = [
    ("test_onecycle_lr_linear_annealing",
     {"schedule": "torch.OneCycleLR", "args": {"max_lr": 25, "final_div_factor": 2, "base_momentum": 1,
                                              "max_momentum": 22, "total_steps": 10,
                                              "anneal_strategy": "linear"}},
     [1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5], [22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22]),
    ("test_onecycle_lr_linear_annealing_three_phases",
     {"schedule": "torch.OneCycleLR", "args": {"max_lr": 25, "div_factor": 25, "base_momentum": 1,
                                              "max_momentum": 22, "total_steps": 10,
                                              "anneal_strategy": "linear", "pct_start": 0.4,
                                              "final_div_factor": 4, "three_phase": True}},
     [1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25], [22, 15, 8, 1, 8, 15, 22, 22, 22, 22]),
    ("test_onecycle_lr_cosine_annealing",
     {"schedule": "torch.OneCycleLR", "args": {"max_lr": 25, "final_div_factor": 2, "base_momentum": 1,
                                              "max_momentum": 22, "total_steps": 10}},
     [1, 13, 25, *(cos(25, 0.5, i / 7.0) for i in range(1, 7)), 0.5],
     [22, 11.5, 1, *(cos(1, 22, i / 7.0) for i in range(1, 7)), 22]),
    ("test_cycle_lr_triangular_mode_one_lr",
     {"schedule": "torch.CyclicLR", "total_steps": 11,
      "args": {"base_lr": 1, "max_lr": 5, "step_size_up": 4, "cycle_momentum": True,
               "base_momentum": 1, "max_momentum": 5, "mode": "triangular"}},
     [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3], [5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3]),
]


@pytest.mark.parametrize(("name", "spec", "lrs", "momenta"), CASES, ids=[c[0] for c in CASES])
def test_torch_testsuite_targets(name: str, spec: dict, lrs: list, momenta: list) -> None:
    schedule = resolve_library(spec)
    # torch's test compares with assertEqual's float tolerance; these agree to 1e-12
    assert schedule.values(len(lrs)).tolist() == pytest.approx(lrs, rel=1e-12, abs=1e-12)
    momentum = schedule.series["momentum"].values(len(momenta)).tolist()
    assert momentum == pytest.approx(momenta, rel=1e-12, abs=1e-12)

"""Causes planted together are found together: skipped steps with each logging convention, and a
resume (fresh scheduler) with skipped steps before it, after it, or both."""

import numpy as np
import pytest

from tests.logs.planted import lagged
from warmupctl.calc.explain import explain
from warmupctl.calc.infer import planned, rebuilder
from warmupctl.spec.resolve import resolve

SPEC = {"schedule": "transformers.cosine", "lr": 1e-3,
        "args": {"num_warmup_steps": 50, "num_training_steps": 1000}}


def run(positions, offset=1, convention=None):
    schedule = resolve(SPEC)
    k = np.arange(len(positions))
    return explain(schedule, k + offset, schedule(positions), convention=convention,
                   rebuild=rebuilder(schedule.spec), planned=planned(schedule.spec))


@pytest.mark.parametrize(("offset", "convention"), [(1, None), (0, 0), (-1, None), (1, 0)])
def test_skips_with_each_offset(offset, convention):
    skipped = [70, 300, 301, 650]
    report = run(lagged(np.arange(900), skipped), offset, convention)
    best = report.best
    assert best.name == "skipped" and best.offset == offset and best.residual == 0
    assert best.causes[0].params["updates"] == skipped


@pytest.mark.parametrize(("before", "after"), [([100, 101], []), ([], [600, 720]), ([30, 200], [650])])
def test_a_fresh_resume_with_skipped_steps(before, after):
    k = np.arange(900)
    at = 400
    positions = np.where(k < at, lagged(k, before), lagged(k, after) - at)
    report = run(positions)
    best = report.best
    assert [c.name for c in best.causes][:2] == ["resume", "skipped"] and best.residual == 0
    assert dict(best.causes[0].params) == {"at": at, "scheduler": "fresh"}
    assert best.causes[1].params["updates"] == before + after and best.offset == 1


@pytest.mark.parametrize("skipped", [[100, 101], [600, 720], [30, 650]])
def test_a_restored_resume_with_a_new_length_and_skipped_steps(skipped):
    """The scheduler restored at update 400 but rebuilt for 1500 updates: the lag carries over."""
    k = np.arange(900)
    positions = lagged(k, skipped)
    longer = resolve({**SPEC, "args": {"num_warmup_steps": 50, "num_training_steps": 1500}})
    schedule = resolve(SPEC)
    values = np.where(k < 400, schedule(positions), longer(positions))
    report = explain(schedule, k + 1, values, rebuild=rebuilder(schedule.spec),
                     planned=planned(schedule.spec))
    best = report.best
    assert [c.name for c in best.causes][:2] == ["resume", "skipped"] and best.residual == 0
    params = best.causes[0].params
    assert (params["scheduler"], params["total"], params["at"]) == ("restored", 1500, 400)
    assert best.causes[1].params["updates"] == skipped

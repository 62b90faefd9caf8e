"""``explain``: every cause planted in a synthetic log at known parameters is found with those
parameters and no residual; the real logs of tests/data/logs are explained the same way."""

import pathlib

import numpy as np
import pytest

from tests.logs import planted
from warmupctl.calc.explain import explain
from warmupctl.calc.infer import infer, planned, rebuilder
from warmupctl.calc.stepping import PerEpoch, PerMicroBatch, TimesPerUpdate
from warmupctl.spec.logs import read_log
from warmupctl.spec.resolve import resolve

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
SPEC = {"schedule": "transformers.cosine", "lr": 1e-3,
        "args": {"num_warmup_steps": 50, "num_training_steps": 1000}}


def cosine(**args):
    return resolve({**SPEC, "args": {**SPEC["args"], **args}})


def run(logged_positions, *, steps=None, schedule=None, spec=SPEC, offset=1, values=None, **kw):
    """Explain a log whose value at ``step`` is the planned schedule at ``position``."""
    planned_schedule = resolve(spec)
    source = schedule or planned_schedule
    positions = np.asarray(logged_positions, dtype=np.int64)
    if steps is None:
        steps = np.arange(len(positions)) + offset
    lrs = source(positions) if values is None else values
    return explain(planned_schedule, np.asarray(steps), np.asarray(lrs, dtype=np.float64),
                   rebuild=rebuilder(planned_schedule.spec), planned=planned(planned_schedule.spec), **kw)


@pytest.mark.parametrize(("offset", "cause"), [(1, "offset"), (0, "none"), (-1, "offset")])
def test_logging_convention(offset, cause):
    k = np.arange(1000)
    report = run(k, steps=k + offset)
    assert report.best.name == cause and report.best.offset == offset
    assert report.best.residual == 0 and report.best.explained


def lagged(count: int, skipped: list[int]) -> np.ndarray:
    """Positions of updates 0..count-1 when the scheduler is not stepped at ``skipped``."""
    return planted.lagged(np.arange(count), skipped)


def test_skipped_steps_logged_every_update():
    skipped = [0, 1, 2, 300, 301, 700]
    report = run(lagged(1000, skipped))
    best = report.best
    assert best.name == "skipped" and best.offset == 1 and best.residual == 0
    assert best.causes[0].params["count"] == 6 and best.causes[0].params["updates"] == skipped


def test_skipped_steps_logged_every_10_updates():
    positions = lagged(1000, [0, 1, 2, 433])
    k = np.arange(9, 1000, 10)  # logged at steps 10, 20, ... (update 9, 19, ...)
    report = run(positions[k], steps=k + 1)
    params = report.best.causes[0].params
    assert report.best.name == "skipped" and report.best.residual == 0
    assert params["count"] == 4
    assert params["windows"] == [{"first": 0, "last": 8, "count": 3}, {"first": 429, "last": 438, "count": 1}]


@pytest.mark.parametrize(("policy", "cause", "param", "value"), [
    (PerMicroBatch(4), "per-micro-batch", "grad_accum", 4),
    (PerMicroBatch(16), "per-micro-batch", "grad_accum", 16),
    (TimesPerUpdate(8), "per-process", "processes", 8),
    (PerEpoch(37), "per-epoch", "updates_per_epoch", 37),
])
def test_stepping_policies(policy, cause, param, value):
    report = run(policy.position(np.arange(600)))
    assert report.best.name == cause and report.best.causes[0].params[param] == value
    assert report.best.residual == 0 and report.best.offset == 1


def test_resume_with_a_fresh_scheduler():
    k = np.arange(900)
    report = run(np.where(k < 400, k, k - 400))
    assert report.best.name == "resume" and report.best.residual == 0
    assert dict(report.best.causes[0].params) == {"at": 400, "scheduler": "fresh"}


def test_resume_restored_with_a_new_length():
    k = np.arange(1400)
    longer = cosine(num_training_steps=1500)
    values = np.where(k < 400, cosine()(k), longer(k))
    report = run(k, values=values)
    params = report.best.causes[0].params
    assert report.best.name == "resume" and report.best.residual == 0
    assert params["at"] == 400 and params["total"] == 1500 and params["scheduler"] == "restored"


@pytest.mark.parametrize(("args", "lr", "causes"), [
    ({"num_warmup_steps": 80}, 1e-3, {"warmup": 80}),
    ({"num_training_steps": 1200}, 1e-3, {"total": 1200}),
    ({}, 2e-3, {"peak": 2e-3}),
    ({"num_warmup_steps": 10, "num_training_steps": 2808}, 3e-4, {"warmup": 10, "total": 2808, "peak": 3e-4}),
])
def test_fitted_warmup_length_peak(args, lr, causes):
    actual = resolve({**SPEC, "lr": lr, "args": {**SPEC["args"], **args}})
    report = run(np.arange(900), schedule=actual)
    found = {c.name: c.params[c.name] for c in report.best.causes if c.name != "offset"}
    assert found == causes and report.best.residual == 0


def test_another_scheduler_type():
    linear = resolve({**SPEC, "schedule": "transformers.linear"})
    report = run(np.arange(1000), schedule=linear)
    params = report.best.causes[0].params
    assert report.best.name == "type" and report.best.residual == 0
    assert params == {"schedule": "transformers.linear", "warmup": 50, "total": 1000, "peak": 1e-3}


def test_nothing_explains_noise():
    rng = np.random.default_rng(0)
    report = run(np.arange(300), values=rng.uniform(1e-4, 1e-3, 300))
    assert not report.best.explained and len(report.worst) == 5
    assert report.worst[0].rel_diff >= report.worst[-1].rel_diff > 0


def test_float32_log_is_explained_within_float32_rounding():
    positions = lagged(1000, [5, 6, 7])
    values = cosine()(positions).astype(np.float32).astype(np.float64)
    report = run(positions, values=values, rounding=2.0 ** -24, offset=0)
    assert report.best.name == "skipped" and report.best.causes[0].params["updates"] == [5, 6, 7]
    assert report.best.residual <= 2.0 ** -24


def test_stopped_early_only_when_the_state_says_so():
    report = run(np.arange(300), facts={"max_steps": 1000, "global_step": 300})
    assert report.notes == ("the run stopped at update 300 of its max_steps 1000 (stopped early, or "
                            "still going when the log was copied)",)
    assert run(np.arange(300), facts={"max_steps": 300, "global_step": 300}).notes == ()


@pytest.mark.parametrize(("schedule", "args", "extra"), [
    ("transformers.cosine", {"num_warmup_steps": 30, "num_training_steps": 700}, {}),
    ("transformers.linear", {"num_warmup_steps": 100, "num_training_steps": 5000}, {}),
    ("transformers.constant_with_warmup", {"num_warmup_steps": 20}, {"total_steps": 700}),
])
def test_inference_without_a_spec(schedule, args, extra):
    spec = {"schedule": schedule, "lr": 3e-4, "args": args, **extra}
    truth = resolve(spec)
    k = np.arange(0, 700, 3)
    found = infer(k + 1, truth(k))[0]
    assert found.spec == spec and found.offset == 1 and found.residual == 0


# --- real logs -----------------------------------------------------------------------------------------


def explain_file(name: str, spec: dict, series=None):
    log = read_log(str(DATA / name), series)
    schedule = resolve(spec)
    return explain(schedule, log.steps, log.lrs, rounding=log.rounding, convention=log.offset,
                   rebuild=rebuilder(schedule.spec), planned=planned(schedule.spec), facts=log.facts)


def lib(name: str, lr: float, warmup: int, total: int) -> dict:
    return {"schedule": f"transformers.{name}", "lr": lr,
            "args": {"num_warmup_steps": warmup, "num_training_steps": total}}


def test_real_fp16_skipped_steps():
    report = explain_file("logs/skipped_trainer_state.json", lib("linear", 1e-3, 20, 200))
    assert report.best.name == "skipped" and report.best.offset == 1 and report.best.residual == 0
    assert report.best.causes[0].params["updates"] == [0, 1, 2, 57, 130]


def test_real_per_micro_batch():
    report = explain_file("logs/microbatch_trainer_state.json", lib("cosine", 1e-3, 10, 300))
    assert report.best.name == "per-micro-batch" and report.best.residual == 0
    assert report.best.causes[0].params == {"grad_accum": 4}


def test_real_accelerate_on_4_processes():
    report = explain_file("logs/accelerate_4proc.csv", lib("linear", 1e-3, 100, 400))
    assert report.best.name == "per-process" and report.best.offset == 0 and report.best.residual == 0
    assert report.best.causes[0].params == {"processes": 4}


def test_real_resume_with_a_longer_run():
    report = explain_file("logs/resume_trainer_state.json", lib("cosine", 1e-3, 6, 60))
    params = report.best.causes[0].params
    assert report.best.name == "resume" and report.best.residual == 0
    assert (params["at"], params["total"], params["scheduler"]) == (30, 90, "restored")


def test_real_tensorboard_events_in_float32():
    report = explain_file("logs/tensorboardx_events.out.tfevents", lib("linear", 1e-3, 5, 50))
    assert report.best.name == "none" and report.best.explained
    assert 0 < report.best.residual <= 2.0 ** -24

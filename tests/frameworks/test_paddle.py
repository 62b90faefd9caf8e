"""PaddlePaddle's ``paddle.optimizer.lr`` (warmupctl/frameworks/paddle.py) beyond the goldens: far
updates without a walk, refusals in paddle's terms, and the NaN where paddle raises.

Values restated by hand from paddlepaddle 3.3.1 ``paddle/optimizer/lr.py`` (the goldens in
tests/goldens/paddle.json were recorded from the package itself).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec import resolve


def lrs(spec: dict, updates: list[int]) -> list[float]:
    with np.errstate(all="ignore"):
        return resolve(spec, source="t").__call__(np.array(updates, dtype=np.int64)).tolist()


def test_closed_forms_answer_far_updates_without_a_walk():
    spec = {"schedule": "paddle.ExponentialDecay", "total_steps": 10**10,
            "args": {"learning_rate": 0.5, "gamma": 0.9}}
    schedule = resolve(spec, source="t")
    assert schedule.chunks is None
    assert lrs(spec, [0, 3, 10**10]) == [0.5, 0.5 * 0.9**3, 0.5 * 0.9**10**10]


def test_step_decay_counts_its_steps_in_integers():
    spec = {"schedule": "paddle.StepDecay", "total_steps": 10**10,
            "args": {"learning_rate": 0.1, "step_size": 3, "gamma": 0.5}}
    assert lrs(spec, [2, 3, 2**40]) == [0.1, 0.1 * 0.5, 0.1 * 0.5 ** (2**40 // 3)]


def test_linear_warmup_wrapping_restarts_takes_the_explicit_epoch_branch():
    # math.log(243, 3) is 4.999999999999999 in floats: paddle's step(242) puts the wrapped scheduler
    # at T_cur = 162 of T_i = 162, the bottom of cycle 4, where the sequential scheduler restarts
    inner = {"schedule": "paddle.CosineAnnealingWarmRestarts",
             "args": {"learning_rate": 1.0, "T_0": 2, "T_mult": 3, "eta_min": 0.1}}
    spec = {"schedule": "paddle.LinearWarmup", "total_steps": 300,
            "args": {"learning_rate": inner, "warmup_steps": 5, "start_lr": 0.0, "end_lr": 1.0}}
    assert lrs(spec, [5 + 242]) == [0.1]
    alone = {**inner, "total_steps": 300}
    assert lrs(alone, [242]) == [1.0]


def test_onecycle_is_nan_after_its_extra_step_with_a_note():
    spec = {"schedule": "paddle.OneCycleLR", "total_steps": 30,
            "args": {"max_learning_rate": 0.1, "total_steps": 20}}
    schedule = resolve(spec, source="t")
    values = schedule.values(30)
    assert np.isfinite(values[:21]).all() and np.isnan(values[21:]).all()
    assert ("paddle raises ValueError (OneCycleLR: tried to step 21 times; total_steps is 20) at "
            "update 21; warmupctl shows NaN from there") in schedule.notes


def test_cyclic_triangular2_overflows_where_python_does():
    spec = {"schedule": "paddle.CyclicLR", "total_steps": 3000,
            "args": {"base_learning_rate": 0.0, "max_learning_rate": 1.0, "step_size_up": 1,
                     "mode": "triangular2"}}
    schedule = resolve(spec, source="t")
    values = schedule.values(3000)
    first = int(np.flatnonzero(np.isnan(values))[0])
    assert first == 2048  # cycle 1025: 2.0 ** 1024 raises OverflowError
    assert any("OverflowError" in note for note in schedule.notes)


def test_cosine_is_torchs_recursion_walked_in_order():
    spec = {"schedule": "paddle.CosineAnnealingDecay",
            "args": {"learning_rate": 0.5, "T_max": 10, "eta_min": 0.01}}
    schedule = resolve(spec, source="t")
    assert schedule.total_steps == 10 and schedule.chunks is not None
    values = schedule.values(10)
    assert values[0] == 0.5
    closed = 0.01 + (0.5 - 0.01) * (1 + math.cos(math.pi * 5 / 10)) / 2
    assert abs(values[5] - closed) < 1e-15


@pytest.mark.parametrize(("args", "message"), [
    ({"d_model": 0, "warmup_steps": 4}, "t: args.d_model: must be positive (got 0); "
     "paddle raises ValueError"),
    ({"d_model": 8, "warmup_steps": 0}, "t: args.warmup_steps: must be at least 1 (got 0); "
     "paddle raises at construction (0 ** -1.5, or a complex power)"),
])
def test_noam_refusals(args, message):
    with pytest.raises(SpecError) as exc:
        resolve({"schedule": "paddle.NoamDecay", "total_steps": 5, "args": args}, source="t")
    assert str(exc.value) == message


@pytest.mark.parametrize(("inner", "message"), [
    ({"schedule": "paddle.StepDecay", "args": {"learning_rate": 0.1, "step_sise": 3}},
     "t: args.learning_rate.args.step_sise: paddle.StepDecay takes no argument 'step_sise'; its "
     "arguments: learning_rate, step_size, gamma"),
    ({"schedule": "paddle.StepDecay", "total_steps": 9, "args": {"learning_rate": 0.1, "step_size": 3}},
     "t: args.learning_rate.total_steps: a wrapped scheduler takes schedule: and args: only (got 9); "
     "its LRs come from its args (learning_rate: ...); the run is the outer spec's"),
])
def test_a_wrapped_scheduler_is_checked_like_a_top_level_one(inner, message):
    spec = {"schedule": "paddle.LinearWarmup", "total_steps": 5,
            "args": {"learning_rate": inner, "warmup_steps": 2, "start_lr": 0.0, "end_lr": 0.1}}
    with pytest.raises(SpecError) as exc:
        resolve(spec, source="t")
    assert str(exc.value) == message


@pytest.mark.parametrize(("args", "line"), [
    (["--arg", "learning_rate=-0.5", "--arg", "T_max=10"],
     "error: command line: --arg learning_rate: must not be negative (got -0.5); paddle raises ValueError "
     "(LRScheduler refuses a learning rate below 0); the initial (base) learning rate"),
])
def test_negative_base_lr_is_refused_as_paddle_does(cli, args, line):
    """LRScheduler.__init__ raises ValueError("Invalid learning rate") below 0 (golden
    paddle-cosine-negative-lr-raises): a refusal, never a table of negative LRs."""
    result = cli("table", "--schedule", "paddle.CosineAnnealingDecay", *args, "--steps", "5")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [line]


def test_onecycle_divide_factor_zero_is_refused_not_an_internal_error(cli):
    """OneCycleLR computes max_learning_rate / divide_factor when it is built (golden
    paddle-onecycle-divide-zero-raises: ZeroDivisionError)."""
    result = cli("table", "--schedule", "paddle.OneCycleLR", "--arg", "max_learning_rate=0.1", "--arg",
                 "total_steps=10", "--arg", "divide_factor=0", "--steps", "10")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: command line: --arg divide_factor: must be positive (got 0.0); paddle raises at construction: "
        "max_learning_rate / divide_factor is the initial LR (ZeroDivisionError at 0, ValueError below)"]

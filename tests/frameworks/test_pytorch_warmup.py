"""pytorch_warmup's dampeners: factors restated by hand, the base schedule, notes and bad input.

pytorch_warmup 0.2.0: update ``k`` uses ``base_lr(k) * ω(k + last_step + 1)``; without a base,
``base_lr(k)`` is the optimizer's ``lr``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks import LIBRARY_SCHEDULES, LibraryCall, load_libraries
from warmupctl.spec.library import resolve_library

load_libraries()

HAS_TORCH = "torch.CosineAnnealingLR" in LIBRARY_SCHEDULES
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="warmupctl.frameworks.torch not there yet")


def spec(name: str, lr: float | None = 0.1, **top: Any) -> dict[str, Any]:
    mapping: dict[str, Any] = {"schedule": f"pytorch_warmup.{name}", "args": top.pop("args", {})}
    if lr is not None:
        mapping["lr"] = lr
    return mapping | top


# --------------------------------------------------------------------------------------------------
# The factors restated from pytorch_warmup's docs and code, one step at a time


def linear(t: int, period: int) -> float:
    return min(1.0, (t + 1) / period)


def exponential(t: int, period: int) -> float:
    return 1.0 - math.exp(-(t + 1) / period)


def radam(t: int, beta2: float) -> float:
    rho_inf = 2.0 / (1 - beta2) - 1

    def rho(step: int) -> float:
        b2t = beta2**step
        return rho_inf - 2 * step * b2t / (1 - b2t)

    offset = 1
    while not rho(offset) > 4:
        offset += 1
    r = rho(t + offset)
    return math.sqrt((r - 4) * (r - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * r))


def test_linear_warmup_values_by_hand():
    schedule = resolve_library(spec("LinearWarmup", 0.1, args={"warmup_period": 5},
                                    total_steps=9))
    np.testing.assert_allclose(schedule.values(),
                               [0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1, 0.1, 0.1], rtol=1e-15)
    assert schedule.values()[4] == 0.1 and schedule.warmup_steps == 4
    assert schedule.boundaries == (Boundary(4, "warmup end (factor 1)"),)
    assert any("update 0 gets lr/5, not 0" in note and "update 4" in note
               for note in schedule.notes)


def test_linear_warmup_period_one_is_no_warmup():
    schedule = resolve_library(spec("LinearWarmup", 0.1, args={"warmup_period": 1},
                                    total_steps=7))
    assert schedule.values().tolist() == [0.1] * 7
    assert schedule.warmup_steps == 0 and not schedule.notes


@pytest.mark.parametrize("period", [1, 3, 5, 17])
def test_exponential_warmup_matches_the_formula(period):
    count = 4 * period + 3
    schedule = resolve_library(spec("ExponentialWarmup", 1.0, args={"warmup_period": period},
                                    total_steps=count))
    want = [exponential(k, period) for k in range(count)]
    np.testing.assert_allclose(schedule.values(), want, rtol=1e-14)
    assert schedule.values().max() < 1.0
    nearly = math.ceil(period * math.log(100)) - 1  # first k with 1 - exp(-(k+1)/τ) >= 0.99
    assert any("never reached" in n and f"0.99 from update {nearly} on" in n
               for n in schedule.notes)


@pytest.mark.parametrize(("beta2", "period"), [(0.999, 1999), (0.99, 199), (0.95, 39),
                                               (0.98, 99), (0.9, 20), (0.0, 2)])
def test_untuned_linear_period_truncates_like_the_library(beta2, period):
    schedule = resolve_library(spec("UntunedLinearWarmup", 1.0, args={"betas": [0.9, beta2]},
                                    total_steps=period + 3))
    lrs = schedule.values()
    assert lrs[0] == 1 / period and lrs[period - 1] == 1.0 and lrs[period - 2] < 1.0
    assert any(f"= {period} for beta2" in note for note in schedule.notes)


def test_untuned_linear_default_betas_give_1999_and_say_why():
    schedule = resolve_library(spec("UntunedLinearWarmup", 0.001, total_steps=60))
    np.testing.assert_allclose(schedule.values(), [0.001 * (k + 1) / 1999 for k in range(60)],
                               rtol=1e-15)
    note = next(n for n in schedule.notes if "warmup_period" in n)
    assert "1999" in note and "not 2000" in note and "truncates" in note
    assert schedule.spec["args"]["betas"] == [0.9, 0.999]


def test_untuned_exponential_period():
    schedule = resolve_library(spec("UntunedExponentialWarmup", 0.1, betas=[0.9, 0.95],
                                    total_steps=60))
    np.testing.assert_allclose(schedule.values(), [0.1 * exponential(k, 19) for k in range(60)],
                               rtol=1e-14)
    default = resolve_library(spec("UntunedExponentialWarmup", 0.1, total_steps=3))
    assert default.values()[0] == pytest.approx(0.1 * exponential(0, 999), rel=1e-14)


def test_betas_at_the_top_level_or_under_args():
    top = resolve_library(spec("UntunedLinearWarmup", 1.0, betas=[0.9, 0.95], total_steps=40))
    under = resolve_library(spec("UntunedLinearWarmup", 1.0, args={"betas": [0.9, 0.95]},
                                 total_steps=40))
    both = resolve_library(spec("UntunedLinearWarmup", 1.0, args={"betas": [0.9, 0.95]},
                                betas=[0.9, 0.95], total_steps=40))
    np.testing.assert_array_equal(top.values(), under.values())
    np.testing.assert_array_equal(top.values(), both.values())
    assert top.values()[38] == 1.0


@pytest.mark.parametrize("beta2", [0.999, 0.99, 0.95, 0.9999, 0.7, 0.61])
def test_radam_warmup_matches_the_formula(beta2):
    schedule = resolve_library(spec("RAdamWarmup", 0.1, args={"betas": [0.9, beta2]},
                                    total_steps=300))
    want = np.array([0.1 * radam(k, beta2) for k in range(300)])
    np.testing.assert_allclose(schedule.values(), want, rtol=1e-13)


def test_radam_default_offset_and_notes():
    schedule = resolve_library(spec("RAdamWarmup", 1.0, total_steps=60))
    assert schedule.values()[0] == pytest.approx(0.017311503166315034, rel=1e-14)
    assert schedule([10**7])[0] == 1.0
    note = " | ".join(schedule.notes)
    assert "offset 5" in note and "0.99 from update" in note
    assert schedule.warmup_steps > 0


def test_resume_with_last_step():
    fresh = resolve_library(spec("LinearWarmup", 1.0, args={"warmup_period": 10},
                                 total_steps=20)).values()
    resumed = resolve_library(spec("LinearWarmup", 1.0, args={"warmup_period": 10,
                                                              "last_step": 3}, total_steps=16))
    np.testing.assert_array_equal(resumed.values(), fresh[4:])
    assert resumed.warmup_steps == 5
    assert any("resumed" in note for note in resumed.notes)


# --------------------------------------------------------------------------------------------------
# A base schedule: the warmup multiplies its LR, update by update


def cosine(k: int, lr: float, w: int, n: int) -> float:
    """transformers' get_cosine_schedule_with_warmup, restated."""
    if k < w:
        return lr * (k / max(1, w))
    progress = (k - w) / max(1, n - w)
    return lr * max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))


def test_base_lr_times_the_warmup_factor():
    base = {"schedule": "transformers.cosine", "args": {"num_warmup_steps": 0,
                                                       "num_training_steps": 30}}
    schedule = resolve_library(spec("LinearWarmup", 0.1, args={"warmup_period": 5}, base=base))
    want = [cosine(k, 0.1, 0, 30) * linear(k, 5) for k in range(35)]
    np.testing.assert_allclose(schedule.values(35), want, rtol=0, atol=1e-12 * 0.1)
    assert schedule.total_steps == 30
    assert schedule.label == "pytorch_warmup.LinearWarmup over transformers.cosine"
    assert [b.step for b in schedule.boundaries] == [4]  # the base's decay end (30) ends the run
    assert schedule.spec["base"]["lr"] == 0.1 and schedule.spec["lr"] == 0.1
    assert "base: transformers 5.23.0" in schedule.source


def test_base_notes_are_passed_on():
    base = {"schedule": "transformers.cosine", "args": {"num_warmup_steps": 3,
                                                       "num_training_steps": 30}}
    schedule = resolve_library(spec("LinearWarmup", 0.1, args={"warmup_period": 5}, base=base))
    assert schedule.values(1)[0] == 0.0
    assert any(n.startswith("base transformers.cosine: update 0 gets LR 0")
               for n in schedule.notes)


def test_base_with_its_own_lr_and_no_outer_lr():
    base = {"schedule": "transformers.linear", "lr": 0.5,
            "args": {"num_warmup_steps": 0, "num_training_steps": 10}}
    schedule = resolve_library(spec("ExponentialWarmup", None, args={"warmup_period": 2},
                                    base=base))
    want = [0.5 * (10 - k) / 10 * exponential(k, 2) for k in range(10)]
    np.testing.assert_allclose(schedule.values(), want, rtol=1e-14)
    assert schedule.spec["lr"] == 0.5


def test_outer_total_steps_is_passed_to_the_base():
    base = {"schedule": "transformers.constant", "args": {}}
    schedule = resolve_library(spec("LinearWarmup", 0.1, args={"warmup_period": 4}, base=base,
                                    total_steps=12))
    assert schedule.total_steps == 12 and schedule.spec["base"]["total_steps"] == 12
    assert schedule.values()[3:].tolist() == [0.1] * 9


def test_a_replayed_base_keeps_its_chunks():
    """A base with a chunked walk (torch's recursive forms): the warmup dampens every chunk."""
    entry = LIBRARY_SCHEDULES["pytorch_warmup.LinearWarmup"]

    def walk(count: int, size: int):
        for first in range(0, count, size):
            yield np.full(min(size, count - first), 0.5)

    fake = Schedule(fn=lambda k: np.full(k.shape, 0.5), total_steps=10, label="fake",
                    chunks=walk, spec={"schedule": "torch.Fake", "lr": 0.5, "args": {},
                                       "total_steps": 10})
    call = LibraryCall(args={"warmup_period": 4, "last_step": -1}, lr=0.5, total_steps=None,
                       extra={"base": {"schedule": "torch.Fake"}},
                       resolve=lambda mapping, path: fake, entry=entry)
    schedule = entry.build(call)
    assert schedule.chunks is not None
    want = [0.5 * linear(k, 4) for k in range(10)]
    np.testing.assert_allclose(schedule.values(), want, rtol=1e-15)
    walked = np.concatenate([block for _, block in schedule.iter_chunks(10, chunk_size=3)])
    np.testing.assert_array_equal(walked, schedule(np.arange(10)))


@needs_torch
def test_torch_cosine_base():
    base = {"schedule": "torch.CosineAnnealingLR", "args": {"T_max": 10, "eta_min": 0.001}}
    schedule = resolve_library(spec("LinearWarmup", 0.1, args={"warmup_period": 5}, base=base))
    annealed = [0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * k / 10)) / 2 for k in range(23)]
    want = [a * linear(k, 5) for k, a in enumerate(annealed)]
    np.testing.assert_allclose(schedule.values(23), want, rtol=1e-12)


@needs_torch
def test_a_base_without_an_end_asks_for_the_outer_total_steps():
    base = {"schedule": "torch.ExponentialLR", "args": {"gamma": 0.9}}
    with pytest.raises(SpecError) as caught:
        resolve_library(spec("LinearWarmup", 1.0, args={"warmup_period": 3}, base=base))
    assert caught.value.path == "total_steps" and "base torch.ExponentialLR" in str(caught.value)


@needs_torch
def test_torch_step_base_without_total_steps_uses_the_outer_one():
    base = {"schedule": "torch.StepLR", "args": {"step_size": 2, "gamma": 0.5}}
    schedule = resolve_library(spec("LinearWarmup", 1.0, args={"warmup_period": 3}, base=base,
                                    total_steps=13))
    want = [0.5 ** (k // 2) * linear(k, 3) for k in range(13)]
    np.testing.assert_allclose(schedule.values(), want, rtol=1e-12)


# --------------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(("mapping", "path", "words"), [
    (spec("LinearWarmup", args={"warmup_period": 0}, total_steps=5), "args.warmup_period",
     "positive"),
    (spec("ExponentialWarmup", args={"warmup_period": -3}, total_steps=5), "args.warmup_period",
     "positive"),
    (spec("LinearWarmup", args={}, total_steps=5), "args.warmup_period", "needs this argument"),
    (spec("LinearWarmup", args={"warmup_period": 5}), "total_steps", "no natural end"),
    (spec("LinearWarmup", None, args={"warmup_period": 5}, total_steps=5), "lr", "needs lr"),
    (spec("LinearWarmup", args={"warmup_period": 5, "last_step": -2}, total_steps=5),
     "args.last_step", "must be at least -1"),
    (spec("UntunedLinearWarmup", args={"betas": [0.9]}, total_steps=5), "args.betas",
     "two numbers"),
    (spec("UntunedLinearWarmup", betas=0.999, total_steps=5), "betas", "two numbers"),
    (spec("UntunedLinearWarmup", args={"betas": [0.9, 1.0]}, total_steps=5), "args.betas",
     "betas[1]"),
    (spec("UntunedExponentialWarmup", betas=[-0.1, 0.9], total_steps=5), "betas", "betas[0]"),
    (spec("UntunedLinearWarmup", args={"betas": [0.9, 0.99]}, betas=[0.9, 0.95],
          total_steps=5), "betas", "differs"),
    (spec("RAdamWarmup", args={"betas": [0.9, 0.6]}, total_steps=5), "args.betas", "> 0.6"),
    (spec("LinearWarmup", args={"warmup_period": 5}, betas=[0.9, 0.99], total_steps=5), "betas",
     "unknown key"),
    (spec("LinearWarmup", args={"warmup_period": 5},
          base={"schedule": "optax.constant_schedule", "args": {"value": 0.1}}),
     "base.schedule", "torch scheduler"),
    (spec("LinearWarmup", args={"warmup_period": 5},
          base={"schedule": "transformers.cosinus", "args": {}}), "base.schedule", "unknown"),
    (spec("LinearWarmup", 0.1, args={"warmup_period": 5},
          base={"schedule": "transformers.linear", "lr": 0.2,
                "args": {"num_warmup_steps": 0, "num_training_steps": 9}}), "base.lr", "differs"),
    (spec("LinearWarmup", None, args={"warmup_period": 5},
          base={"schedule": "transformers.linear",
                "args": {"num_warmup_steps": 0, "num_training_steps": 9}}), "lr", "needs lr"),
    (spec("LinearWarmup", 0.1, args={"warmup_period": 5},
          base={"schedule": "transformers.linear", "args": {"num_warmup_steps": 0}}),
     "base.args.num_training_steps", "needs this argument"),
])
def test_bad_input_names_the_key(mapping, path, words):
    with pytest.raises(SpecError) as caught:
        resolve_library(mapping)
    assert caught.value.path == path
    assert words in str(caught.value)
    assert caught.value.hint


def test_errors_quote_pytorch_warmup():
    with pytest.raises(SpecError, match="pytorch_warmup raises ValueError: warmup_period"):
        resolve_library(spec("LinearWarmup", args={"warmup_period": 0}, total_steps=5))
    with pytest.raises(SpecError, match=r"beta2 \(0.5\) must be greater than 0.6"):
        resolve_library(spec("RAdamWarmup", betas=[0.9, 0.5], total_steps=5))

"""TF Model Garden experiment YAML (tests/configs_pretrain/real/tfm, provenance in the README there).

The reference is OptimizerFactory.build_learning_rate restated in float64 from tensorflow/models
(optimizer_factory.py, lr_schedule.py, learning_rate_config.py): the decay named by
learning_rate.type runs on the update index; LinearWarmup goes from warmup_learning_rate to the
decay's value at warmup_steps while k < warmup_steps. warmupctl computes in float32 as TensorFlow
does, so the comparison allows float32 rounding (rel 1e-6).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.resolve import load_spec

TFM = Path(__file__).resolve().parent / "real" / "tfm"


def linear_warmup(decay, warmup_steps: int, start: float = 0.0):
    target = decay(warmup_steps)
    return lambda k: start + k / warmup_steps * (target - start) if k < warmup_steps else decay(k)


def cosine(initial: float, steps: int, alpha: float = 0.0, offset: int = 0):
    def lr(k: int) -> float:
        s = min(k - offset, steps)
        return initial * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / steps)) + alpha)
    return lr


def stepwise(boundaries: list[int], values: list[float], offset: int = 0):
    def lr(k: int) -> float:
        x = k - offset
        for bound, value in zip(boundaries, values):
            if x <= bound:
                return value
        return values[-1]
    return lr


@pytest.mark.parametrize(("name", "reference", "total", "warmup"), [
    # learning_rate stepwise [18750, 37500, 50000] x [0.8, 0.08, 0.008, 0.0008], linear warmup 3125
    ("imagenet_resnet50_gpu.yaml",
     linear_warmup(stepwise([18750, 37500, 50000], [0.8, 0.08, 0.008, 0.0008]), 3125), 56160, 3125),
    # cosine 0.0005 over 374400 (the whole run, from update 0), linear warmup from 0 over 12480
    ("imagenet_vitb16_i224_gpu.yaml", linear_warmup(cosine(0.0005, 374400), 12480), 374400, 12480),
])
def test_real_experiments(name, reference, total, warmup):
    schedule = load_spec(str(TFM / name))
    assert schedule.total_steps == total
    assert schedule.warmup_steps == warmup
    steps = [0, 1, 7, warmup - 1, warmup, warmup + 1, 18750, 18751, 37501, 50001, total // 2, total - 1]
    for k, value in zip(steps, schedule(steps), strict=True):
        want = reference(k)
        assert value == pytest.approx(want, rel=1e-6, abs=1e-12), k


def test_the_warmup_ends_on_the_decayed_value(cli):
    result = cli("summary", str(TFM / "imagenet_vitb16_i224_gpu.yaml"))
    assert result.exit_code == 0, result.stderr
    # cosine(12480) of 374400: 0.0005 × 0.5 × (1 + cos(π / 30)) = 0.000498630...
    assert ("note: the warmup climbs to the decay's own value at update 12480 (0.000498630514), not to "
            "initial_learning_rate: the decay runs from update 0") in result.stderr


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "experiment.yaml"
    path.write_text("trainer:\n  train_steps: 100\n  optimizer_config:\n" + text)
    return str(path)


@pytest.mark.parametrize(("block", "reference"), [
    ("    learning_rate:\n      type: polynomial\n      polynomial:\n        initial_learning_rate: 1.0e-3\n"
     "        decay_steps: 80\n        end_learning_rate: 0.0\n        power: 2.0\n"
     "    warmup:\n      type: polynomial\n      polynomial:\n        warmup_steps: 10\n        power: 1\n",
     # PolynomialWarmUp: target × (max(k, 1) / W) ** power with target = decay(10)
     lambda k: ((1e-3 * (1 - min(10, 80) / 80) ** 2) * (max(k, 1) / 10) if k < 10
                else 1e-3 * (1 - min(k, 80) / 80) ** 2)),
    ("    learning_rate:\n      type: exponential\n      exponential:\n        initial_learning_rate: 0.1\n"
     "        decay_steps: 10\n        decay_rate: 0.5\n        staircase: true\n",
     lambda k: 0.1 * 0.5 ** (k // 10)),
    ("    learning_rate:\n      type: cosine\n      cosine:\n        initial_learning_rate: 0.1\n"
     "        decay_steps: 90\n        alpha: 0.1\n        offset: 10\n"
     "    warmup:\n      type: linear\n      linear:\n        warmup_steps: 10\n        warmup_learning_rate: 0.01\n",
     linear_warmup(cosine(0.1, 90, 0.1, offset=10), 10, start=0.01)),
    ("    learning_rate:\n      type: constant\n      constant:\n        learning_rate: 0.05\n",
     lambda k: 0.05),
    ("    learning_rate:\n      type: power\n      power:\n        initial_learning_rate: 0.1\n",
     lambda k: 0.1 * max(k, 1) ** -0.5),
])
def test_the_other_types(tmp_path, block, reference):
    schedule = load_spec(write(tmp_path, block))
    assert schedule.total_steps == 100
    for k, value in zip(range(100), schedule(list(range(100))), strict=True):
        # float32's 1 - k / D near the end of a polynomial decay loses digits to cancellation
        assert value == pytest.approx(reference(k), rel=1e-5, abs=1e-12), k


@pytest.mark.parametrize(("block", "line"), [
    ("    learning_rate:\n      type: power_linear\n      power_linear:\n        initial_learning_rate: 0.1\n",
     "trainer.optimizer_config.learning_rate.type: is not restated by warmupctl (got 'power_linear'); warmupctl reads constant, stepwise, "
     "cosine, polynomial, exponential, power; tabulate the run's logged LR instead"),
    ("    learning_rate:\n      type: cosine\n      cosine:\n        initial_learning_rate: 0.1\n"
     "        decay_step: 10\n",
     "trainer.optimizer_config.learning_rate.cosine.decay_step: is not a field of the cosine learning rate "
     "config (got 10); did you mean 'decay_steps'?"),
    ("    optimizer:\n      type: sgd\n",
     "trainer.optimizer_config.learning_rate: has no learning_rate type; the factory raises 'Learning rate "
     "type must be specified'"),
])
def test_refusals_name_the_key(tmp_path, block, line):
    path = write(tmp_path, block)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == f"{path}: {line}"

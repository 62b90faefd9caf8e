"""Every warmup shape equals its formula, computed here from the formula itself."""

import math

import numpy as np
import pytest

from warmupctl.core.vocabulary import SHAPE_NAMES, WARMUP_SHAPES
from warmupctl.engine import SHAPES, Phase, Piecewise

INIT, PEAK, N = 1e-5, 3e-3, 37  # odd N catches off-by-one


def _formula(shape: str, t: int) -> float:
    """The issue's formulas, at update t < N, restated in plain Python."""
    u = t / N
    span = PEAK - INIT
    return {
        "linear": INIT + span * t / N,
        "cosine": INIT + span * (1 - math.cos(math.pi * t / N)) / 2,
        "exponential": INIT * (PEAK / INIT) ** (t / N),
        "step": INIT + span * math.floor(4 * t / N) / 4,
        "smooth": INIT + span * (3 * u**2 - 2 * u**3),
        "log": INIT + span * math.log(t + 1) / math.log(N),
        "1-sqrt": INIT + span * (1 - math.sqrt(1 - t / N)),
        "constant": INIT,
        "polynomial": INIT + span * u**1.0,
    }[shape]


def test_registry_matches_vocabulary():
    assert set(SHAPES) == set(SHAPE_NAMES)
    assert set(WARMUP_SHAPES) <= set(SHAPES)


@pytest.mark.parametrize("shape", WARMUP_SHAPES)
def test_warmup_shape_equals_formula(shape):
    params = {"stairs": 4} if shape == "step" else {}
    schedule = Piecewise((Phase("warmup", N, INIT, PEAK, shape, params),
                          Phase("hold", 5, PEAK, PEAK, "constant")))
    got = schedule(np.arange(N))
    want = np.array([_formula(shape, t) for t in range(N)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    assert got[0] == pytest.approx(INIT, rel=1e-15)
    # The peak lands exactly at update N, whatever the shape.
    assert schedule([N])[0] == PEAK


@pytest.mark.parametrize("stairs", [1, 2, 3, 5, 8])
def test_step_warmup_has_the_requested_stairs(stairs):
    values = Piecewise((Phase("warmup", 40, 0.0, 1.0, "step", {"stairs": stairs}),))(np.arange(40))
    assert len(np.unique(values)) == stairs
    assert values[0] == 0.0


@pytest.mark.parametrize("shape", ["linear", "cosine", "1-sqrt", "smooth", "polynomial"])
def test_decay_is_the_warmup_played_backwards(shape):
    n = 50
    rise = Piecewise((Phase("up", n, 0.0, 1.0, shape),))(np.arange(n + 1))
    fall = Piecewise((Phase("down", n, 1.0, 0.0, shape),))(np.arange(n + 1))
    np.testing.assert_allclose(fall, rise[::-1], atol=1e-15)


def test_cosine_decay_matches_transformers_lambda():
    """transformers: m = max(0, 0.5 * (1 + cos(pi * num_cycles * 2 * progress)))."""
    n, cycles = 900, 0.5
    got = Piecewise((Phase("decay", n, 1.0, 0.0, "cosine", {"num_cycles": cycles}),))(np.arange(n))
    want = [max(0.0, 0.5 * (1.0 + math.cos(math.pi * cycles * 2.0 * (k / n)))) for k in range(n)]
    assert got.tolist() == want  # bit for bit: same operations, same order


def test_law_shapes_are_floored_at_the_end_value():
    phase = Phase("decay", 100, 1.0, 0.5, "exponential_decay", {"gamma": 0.9})
    values = Piecewise((phase,))(np.arange(100))
    assert values.min() == 0.5
    assert values[1] == pytest.approx(0.9)


def test_restarts_return_to_the_floor_at_the_end():
    phase = Phase("decay", 10, 1.0, 0.0, "cosine_with_restarts", {"num_cycles": 2})
    values = Piecewise((phase,))(np.arange(12))
    assert values[0] == 1.0 and values[5] == 1.0  # the restart
    assert values[10] == 0.0 and values[11] == 0.0  # held after the end

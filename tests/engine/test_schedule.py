"""The piecewise schedule and the Schedule object: boundaries, clamping, offset, chunking."""

import numpy as np
import pytest

from warmupctl.core.errors import EngineError
from warmupctl.engine import Phase, Piecewise, Schedule

PHASES = (Phase("warmup", 4, 0.0, 1.0), Phase("decay", 6, 1.0, 0.1, "cosine"))


def test_clamps_before_and_after():
    schedule = Piecewise(PHASES)
    assert schedule([-5])[0] == 0.0
    assert schedule([10, 11, 10**12]).tolist() == [pytest.approx(0.1)] * 3


def test_output_shape_follows_input_shape():
    schedule = Schedule(Piecewise(PHASES), total_steps=10, label="x")
    grid = np.arange(12).reshape(3, 4)
    assert schedule(grid).shape == (3, 4)
    assert type(schedule(3)) is float and type(schedule(np.int64(3))) is float  # scalars in, floats out
    assert schedule(np.array(3)).shape == ()  # arrays in, arrays out
    assert schedule([3]).shape == (1,)


def test_step_offset_shifts_every_update():
    plain, shifted = Piecewise(PHASES), Piecewise(PHASES, step_offset=1)
    np.testing.assert_array_equal(shifted(np.arange(9)), plain(np.arange(1, 10)))
    assert shifted([0])[0] == 0.25


def test_iter_chunks_equals_values():
    schedule = Schedule(Piecewise(PHASES), total_steps=10, label="x")
    blocks = list(schedule.iter_chunks(23, chunk_size=4))
    assert [first for first, _ in blocks] == [0, 4, 8, 12, 16, 20]
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), schedule.values(23))


def test_engine_rejects_impossible_objects():
    with pytest.raises(EngineError):
        Phase("empty", 0, 0.0, 1.0)
    with pytest.raises(EngineError):
        Phase("x", 3, 0.0, 1.0, "wobbly")
    with pytest.raises(EngineError):
        Schedule(Piecewise(PHASES), total_steps=0, label="x")

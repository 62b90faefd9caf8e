"""What a run has consumed when an update starts: samples and tokens, beside the LR's update index.

A schedule whose library counts data (Megatron's scheduler reads the samples consumed) knows, for
each update ``k``, how many samples the updates before it consumed — ``k × batch`` with a constant
batch, more slowly during a batch-size ramp. :class:`Progress` holds that count as a vectorized
function of the update index and, with the sequence length, the tokens (``samples × seq_length``),
so that tables and plots show updates, samples and tokens from one source.

Counts are exact integers (int64): the samples before update ``k`` are what that update's LR is
computed from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

IntArray = NDArray[np.int64]

#: The columns a progress gives, in order (``tokens`` only with a sequence length).
NAMES = ("samples", "tokens")


@dataclass(frozen=True)
class Progress:
    """The samples (and tokens) consumed before each update.

    Attributes:
        samples: vectorized ``int64 updates -> int64 samples consumed before that update``.
        seq_length: tokens per sample, or None when the run does not say.
        varying: whether the batch changes during the run (a batch-size ramp): then updates are not
            proportional to samples, and tables show the counts without being asked.
        breaks: the updates where the batch changes (the counts are linear between them and after
            the last), for an axis drawn in samples or tokens.

    Examples:
        >>> p = Progress(lambda k: np.asarray(k, dtype=np.int64) * 8, seq_length=1024)
        >>> p.names, {name: values.tolist() for name, values in p.at([0, 3]).items()}
        (('samples', 'tokens'), {'samples': [0, 24], 'tokens': [0, 24576]})
    """

    samples: Callable[[IntArray], IntArray]
    seq_length: int | None = None
    varying: bool = False
    breaks: tuple[int, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The columns this progress gives: ``samples``, and ``tokens`` with a sequence length."""
        return NAMES if self.seq_length is not None else NAMES[:1]

    def at(self, steps: ArrayLike, names: tuple[str, ...] | None = None) -> dict[str, IntArray]:
        """``{column: counts}`` before each of ``steps`` (all of :attr:`names` by default)."""
        samples = np.asarray(self.samples(np.asarray(steps, dtype=np.int64)), dtype=np.int64)
        out = {"samples": samples}
        if self.seq_length is not None:
            out["tokens"] = samples * np.int64(self.seq_length)
        return {name: out[name] for name in (names or self.names)}

    def axis(self, name: str, total: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """``(updates, counts)`` of column ``name`` at the breaks, 0 and twice the run: the counts of
        any update up to there by linear interpolation (exact: they are linear between breaks)."""
        grid = sorted({0, *(b for b in self.breaks if 0 < b < 2 * total), total, 2 * total + 1})
        counts = self.at(grid, (name,))[name]
        return tuple(float(k) for k in grid), tuple(float(c) for c in counts.tolist())

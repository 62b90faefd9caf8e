"""Megatron-LM's batch-size ramp-up: which sample count optimizer update ``k`` starts at.

Megatron's scheduler counts samples (:mod:`warmupctl.frameworks.megatron`): after every update
``train_step`` steps it by the batch that update consumed. With a constant global batch ``G``,
update ``k`` runs at ``k * G`` samples. With ``--rampup-batch-size START INCREMENT SAMPLES`` the
batch grows during the first ``SAMPLES`` samples, so the sample count of update ``k`` (and with it
the LR) follows the ramp.

Restated from megatron-core 0.16.1, ``megatron/core/num_microbatches_calculator.py``,
``RampupBatchsizeNumMicroBatchesCalculator`` (the same at Megatron-LM commits up to 2026-04-20), and
``megatron/training/training.py`` of that era (``train``: ``update_num_microbatches(consumed)`` at
the start of every iteration, ``consumed += batch`` and ``opt_param_scheduler.step(batch)`` after it;
``update_train_iters``):

* ``increments = (G - START) // INCREMENT`` (``G - START`` must be a non-negative multiple of
  ``INCREMENT``) and ``per_increment = SAMPLES / increments`` (a float division);
* at ``c`` consumed samples the batch is ``G`` when ``c > SAMPLES``, else
  ``START + int(c / per_increment) * INCREMENT``;
* the batch must be divisible by ``micro_batch_size × data_parallel_size`` (the consistency check of
  every training iteration);
* ``update_train_iters`` (sample-based runs): walk the ramp while ``c <= SAMPLES`` and
  ``c <= train_samples``, counting updates, then add ``(train_samples - c) // G``.

Megatron-LM removed the ramp on 2026-04-21 (commit 532ad926, "Replace rampup batch size scheduler with
custom step batch size schedules"): from then on ``--rampup-batch-size`` is accepted, warned about
and ignored. Iteration-based runs (``--train-iters``) never allowed it: ``validate_args`` asserts
"expected no batch-size rampup for iteration-based training".

The mapping is exact integer arithmetic: the run is cut into segments of equal batch, each found with
the calculator's own float expression, and ``samples(k)`` is a vectorized lookup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.frameworks._kit import IntArray

RAMP_SOURCE = ("megatron-core 0.16.1, megatron/core/num_microbatches_calculator.py, "
               "RampupBatchsizeNumMicroBatchesCalculator.update")


@dataclass(frozen=True)
class ConstantBatches:
    """Every update consumes ``batch`` samples: update ``k`` starts at ``k * batch``."""

    batch: int

    def samples(self, k: IntArray) -> IntArray:
        return np.asarray(k, dtype=np.int64) * self.batch

    def first_at(self, samples: float) -> int:
        """The first update ``k`` whose start ``samples(k) >= samples``."""
        return max(0, math.ceil(samples / self.batch))

    def first_after(self, samples: float) -> int:
        """The first update ``k`` whose start ``samples(k) > samples``."""
        return 0 if samples < 0 else math.floor(samples / self.batch) + 1

    def batch_of(self, k: int) -> int:
        return self.batch


@dataclass(frozen=True)
class RampedBatches:
    """The ramp as segments: from update ``first[i]`` (at ``start[i]`` samples) the batch is ``batch[i]``.

    The last segment is the final global batch and runs forever.
    """

    first: tuple[int, ...]
    start: tuple[int, ...]
    batch: tuple[int, ...]
    rampup: tuple[int, int, int]
    global_batch_size: int

    def samples(self, k: IntArray) -> IntArray:
        k = np.asarray(k, dtype=np.int64)
        first = np.asarray(self.first, dtype=np.int64)
        seg = np.searchsorted(first, k, side="right") - 1
        return (np.asarray(self.start, dtype=np.int64)[seg]
                + (k - first[seg]) * np.asarray(self.batch, dtype=np.int64)[seg])

    def first_at(self, samples: float) -> int:
        if samples <= 0:
            return 0
        for i in range(len(self.first)):
            last = i == len(self.first) - 1
            end = None if last else self.start[i + 1]
            if end is None or samples <= end:
                # within segment i (or exactly at the next start, which ceil gives too)
                return self.first[i] + max(0, math.ceil((samples - self.start[i]) / self.batch[i]))
        raise AssertionError("unreachable")

    def first_after(self, samples: float) -> int:
        if samples < 0:
            return 0
        for i in range(len(self.first)):
            last = i == len(self.first) - 1
            if last or samples < self.start[i + 1]:
                return self.first[i] + math.floor((samples - self.start[i]) / self.batch[i]) + 1
        raise AssertionError("unreachable")

    def batch_of(self, k: int) -> int:
        seg = int(np.searchsorted(np.asarray(self.first), k, side="right")) - 1
        return self.batch[seg]

    @property
    def ramp_updates(self) -> int:
        """Updates before the batch reaches the global batch size."""
        return self.first[-1]

    def train_iters(self, train_samples: int) -> int:
        """``update_train_iters``: the ramp walked while ``c <= SAMPLES`` and ``c <= train_samples``,
        then whole global batches of what is left."""
        ramp_samples = self.rampup[2]
        # The walk stops at the first update start c with c > min(SAMPLES, train_samples).
        limit = min(ramp_samples, train_samples)
        iterations = self.first_after(limit)
        consumed = int(self.samples(np.array([iterations]))[0])
        if train_samples > consumed:
            iterations += (train_samples - consumed) // self.global_batch_size
        return iterations


def _batch_at(consumed: int, start: int, increment: int, ramp_samples: int, per_increment: float,
              global_batch: int) -> int:
    """``RampupBatchsizeNumMicroBatchesCalculator.update``'s batch at ``consumed`` samples."""
    if consumed > ramp_samples:
        return global_batch
    return start + int(consumed / per_increment) * increment


def ramp(rampup: tuple[int, int, int], global_batch_size: int, micro_times_dp: int | None,
         path: str = "rampup_batch_size") -> RampedBatches:
    """Build the segments of ``--rampup-batch-size START INCREMENT SAMPLES`` up to ``G``.

    ``micro_times_dp`` (``micro_batch_size × data_parallel_size``), when known, is checked against every
    batch of the ramp as Megatron's training loop checks it.

    Raises:
        SpecError: at ``path`` for what the calculator's constructor asserts, or a batch that the
            consistency check would reject.
    """
    start, increment, samples = (int(x) for x in rampup)
    g = int(global_batch_size)
    hint = "--rampup-batch-size START INCREMENT SAMPLES, with START <= --global-batch-size"
    if start <= 0:
        raise SpecError("the start batch size must be positive", path=path, value=list(rampup),
                        hint="Megatron asserts start batch size > 0")
    if increment <= 0:
        raise SpecError("the batch size increment must be positive", path=path, value=list(rampup),
                        hint="Megatron asserts batch size increment > 0")
    if samples < 0:
        raise SpecError("the ramp-up samples must not be negative", path=path, value=list(rampup),
                        hint="Megatron asserts ramp-up samples >= 0")
    diff = g - start
    if diff < 0:
        raise SpecError(f"the start batch is above the global batch size {g}", path=path,
                        value=list(rampup), hint=hint)
    if diff % increment:
        raise SpecError(f"global batch size {g} minus the start batch {start} is not a multiple of "
                        f"the increment {increment}", path=path, value=list(rampup),
                        hint="Megatron asserts (global - start) % increment == 0")
    increments = diff // increment
    if increments == 0:
        raise SpecError("the ramp has no increment (the start batch is the global batch size)",
                        path=path, value=list(rampup),
                        hint="Megatron divides the ramp-up samples by 0 increments and raises "
                        "ZeroDivisionError; drop --rampup-batch-size")
    if samples == 0:
        raise SpecError("a ramp over 0 samples", path=path, value=list(rampup),
                        hint="Megatron's calculator divides by samples / increments = 0 and raises "
                        "ZeroDivisionError; drop --rampup-batch-size or give the ramp's samples")
    per_increment = samples / increments

    def batch(c: int) -> int:
        return _batch_at(c, start, increment, samples, per_increment, g)

    first, starts, batches = [0], [0], [batch(0)]
    consumed, update = 0, 0
    while batches[-1] != g:
        b = batches[-1]
        # Jump to the first multiple of b at which the batch changes: near the segment's end
        # (i + 1) * per_increment, or past SAMPLES; then fix the estimate with the exact expression.
        step = int(consumed / per_increment)
        target = min((step + 1) * per_increment, samples + 1)
        j = max(1, math.ceil((target - consumed) / b))
        while j > 1 and batch(consumed + (j - 1) * b) != b:
            j -= 1
        while batch(consumed + j * b) == b:
            j += 1
        consumed += j * b
        update += j
        first.append(update)
        starts.append(consumed)
        batches.append(batch(consumed))
    if micro_times_dp is not None:
        for b in batches:
            if b % micro_times_dp:
                raise SpecError(f"the ramp's batch {b} is not divisible by micro_batch_size × "
                                f"data-parallel size ({micro_times_dp})", path=path,
                                value=list(rampup), hint="Megatron's consistency check fails "
                                "in the first iteration at that batch")
    return RampedBatches(tuple(first), tuple(starts), tuple(batches), (start, increment, samples), g)

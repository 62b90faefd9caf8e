"""composer.<Scheduler>: the Trainer's stepping, time strings, scale_schedule_ratio and refusals.

The values are pinned by tests/configs/goldens/composer.json (recorded from Composer's own
``Trainer.fit()``); these tests pin what the goldens cannot: warmupctl's refusals (each case raises in
Composer too: ``RAISES`` in record_composer.py), notes and boundaries.
"""

import math

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec import resolve

CW = "composer.CosineAnnealingWithWarmupScheduler"


def _schedule(**spec):
    return resolve({"lr": 1.0, **spec}, source="s.yaml")


def _error(**spec) -> str:
    with pytest.raises(SpecError) as info:
        _schedule(**spec)
    return str(info.value)


def test_update_k_runs_on_the_multiplier_of_batch_k_minus_1():
    # LinearScheduler over 10 batches: m(j) = 1 - j/10; Composer's Trainer gives 1, 1, 0.9, ..., 0.2
    schedule = _schedule(schedule="composer.LinearScheduler", max_duration="10ba", args={})
    values = schedule.values(10)
    assert values[0] == values[1] == 1.0
    assert values[-1] == pytest.approx(0.2)
    assert any("update k ≥ 1 runs on the multiplier of batch k − 1" in note for note in schedule.notes)


def test_warmup_ends_one_update_after_its_batch():
    schedule = _schedule(schedule=CW, max_duration="16ba", args={"t_warmup": "4ba"})
    assert schedule.warmup_steps == 5
    assert [(b.step, b.label) for b in schedule.boundaries] == [(5, "warmup end")]
    assert schedule.values(6)[5] == 1.0


def test_time_strings_are_converted_as_composer_converts_them():
    # 0.15dur of 2 epochs of 7 batches: int(0.15 × 7 × 2) = 2 batches
    schedule = _schedule(schedule=CW, max_duration="2ep", updates_per_epoch=7, args={"t_warmup": "0.15dur"})
    assert schedule.total_steps == 14
    assert "t_warmup '0.15dur' is 2ba (int(0.15 × 7 batches × 2ep))" in schedule.notes
    tokens = _schedule(schedule=CW, max_duration="20480tok", tokens_per_batch=512, args={"t_warmup": "2048tok"})
    assert tokens.total_steps == 40 and tokens.warmup_steps == 5


def test_scale_schedule_ratio_scales_the_run_but_not_the_warmup():
    schedule = _schedule(schedule=CW, max_duration="12ba", scale_schedule_ratio=0.5, args={"t_warmup": "4ba"})
    assert schedule.total_steps == 6
    assert schedule.values(6).tolist() == [0.0, 0.0, 0.25, 0.5, 0.75, 1.0]
    scaled = _schedule(schedule=CW, max_duration="12ba", scale_schedule_ratio=0.5,
                       args={"t_warmup": "4ba", "scale_warmup": True})
    # the ramp reaches 1 at int(4 × 0.5) = 2 batches, the warmup still ends at batch 4
    assert scaled.values(6).tolist() == [0.0, 0.0, 0.5, 1.0, 1.0, 1.0]
    assert "scale_schedule_ratio 0.5: the Trainer runs max_duration 12ba as 6ba" in schedule.notes


def test_restarts_that_decay_to_zero_are_nan_from_where_composer_raises():
    schedule = _schedule(schedule="composer.CosineAnnealingWarmRestartsScheduler", max_duration="12ba",
                         args={"t_0": "4ba", "t_mult": 0.5})
    values = schedule.values(12)
    assert not np.isnan(values[:8]).any() and np.isnan(values[8:]).all()
    assert ("Composer raises ValueError (the interval between restarts has decayed to 0) at update 8; "
            "warmupctl shows NaN from there") in schedule.notes


@pytest.mark.parametrize(("spec", "message"), [
    ({"schedule": CW, "max_duration": "12ba", "args": {"t_warmup": "4ba", "t_max": "8ba"}},
     "s.yaml: args.t_max: Composer raises ValueError (t_max 8ba must be at least max_duration 12ba) when the "
     "Trainer builds CosineAnnealingWithWarmupScheduler; Composer evaluates the scheduler once when the "
     "Trainer wraps it in a LambdaLR"),
    ({"schedule": CW, "max_duration": "40ba", "samples_per_batch": 4, "args": {"t_warmup": "10sp"}},
     "s.yaml: args.t_max: Composer raises ValueError (t_warmup 10sp and t_max 40ba are in different units) "
     "when the Trainer builds CosineAnnealingWithWarmupScheduler; Composer evaluates the scheduler once when "
     "the Trainer wraps it in a LambdaLR"),
    ({"schedule": CW, "max_duration": "12ba", "scale_schedule_ratio": 0.5,
      "args": {"t_warmup": "4ba", "t_max": "12ba"}},
     "s.yaml: args.t_max: Composer raises ValueError (t_max 6ba must be at least max_duration 12ba) when the "
     "Trainer builds CosineAnnealingWithWarmupScheduler; Composer evaluates the scheduler once when the "
     "Trainer wraps it in a LambdaLR"),
    ({"schedule": "composer.LinearScheduler", "max_duration": "4ba", "args": {"t_max": "0ba"}},
     "s.yaml: args.t_max: Composer raises ZeroDivisionError (t_max is 0 batches) when the Trainer builds "
     "LinearScheduler; Composer evaluates the scheduler once when the Trainer wraps it in a LambdaLR"),
    ({"schedule": CW, "max_duration": "4ba", "args": {"t_warmup": "1h"}},
     "s.yaml: args.t_warmup: is in seconds (got '1h'); Composer raises ValueError: wall clock time is not an "
     "allowed unit for a schedule"),
    ({"schedule": CW, "max_duration": "3ep", "args": {"t_warmup": "1ep"}},
     "s.yaml: args.t_warmup: is in epochs: Composer converts epochs with the dataloader's length; add "
     "updates_per_epoch: N (batches per epoch, one update each)"),
    ({"schedule": CW, "max_duration": "100ba", "args": {"t_warmup": "10sp", "t_max": "400sp"}},
     "s.yaml: args.t_warmup: counts samples: Composer compares it with the samples trained so far; add "
     "samples_per_batch: N (per batch, over all devices)"),
    ({"schedule": CW, "args": {"t_warmup": "0.1dur"}},
     "s.yaml: args.t_warmup: is a fraction of the run: Composer multiplies it by max_duration (got '0.1dur'); "
     "add max_duration: (e.g. '1000ba') or total_steps: N"),
    ({"schedule": CW, "max_duration": "12ba", "args": {"t_warmup": "4.5ba"}},
     "s.yaml: args.t_warmup: is not a whole number of batches (got '4.5ba'); Composer raises TypeError: only "
     "dur takes a fraction"),
    ({"schedule": CW, "max_duration": "12ba", "args": {"t_warmup": 4}},
     "s.yaml: args.t_warmup: is not a time string (got 4); Composer reads a Time or a string; write e.g. "
     "'100ba' (batches)"),
    ({"schedule": CW, "max_duration": "0.5dur", "args": {"t_warmup": "4ba"}},
     "s.yaml: max_duration: is a fraction of the run (got '0.5dur'); here Composer takes ba, ep, sp, tok"),
    ({"schedule": CW, "total_steps": 100, "scale_schedule_ratio": 0.5, "args": {"t_warmup": "10ba"}},
     "s.yaml: scale_schedule_ratio: scales max_duration, which the spec does not give (got 0.5); add "
     "max_duration: as the Trainer gets it (total_steps is the run after scaling)"),
    ({"schedule": CW, "max_duration": "3ba", "scale_schedule_ratio": 0.2, "args": {"t_warmup": "1ba"}},
     "s.yaml: scale_schedule_ratio: reduces max_duration 3ba to 0 (got 0.2); Composer raises ValueError"),
])
def test_refusals(spec, message):
    assert _error(**spec) == message


def test_total_steps_stands_for_max_duration_in_batches():
    by_total = _schedule(schedule=CW, total_steps=30, args={"t_warmup": "0.1dur"})
    by_duration = _schedule(schedule=CW, max_duration="30ba", args={"t_warmup": "0.1dur"})
    assert by_total.values(30).tolist() == by_duration.values(30).tolist()
    assert by_total.warmup_steps == 4


def test_polynomial_with_a_negative_power_raises_at_the_end():
    schedule = _schedule(schedule="composer.PolynomialScheduler", max_duration="6ba", args={"power": -1.0})
    values = schedule.values(8)
    assert not any(math.isnan(x) for x in values[:7]) and math.isnan(values[7])

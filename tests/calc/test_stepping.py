"""Stepping policies and resumes: hand-computed effective LRs, moved boundaries, the chunked walk, and
(where torch is installed) the loops themselves run with torch, transformers and accelerate."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import warmupctl
from warmupctl.calc import stepping
from warmupctl.calc.stepping import PerEpoch, PerMicroBatch, PerUpdate, Resume, TimesPerUpdate, effective
from warmupctl.calc.summary import summarize
from warmupctl.core.errors import EngineError

LR = 1e-4


def linear(total: int = 1000, warmup: int = 100):
    """Linear warmup 100 of 1000 to 1e-4, then linear decay to 0: lr(k) = k·1e-6 in the warmup."""
    return warmupctl.schedule(kind="linear", warmup_steps=warmup, total_steps=total, lr=LR)


def cosine(total: int = 1000):
    return warmupctl.schedule(kind="cosine", warmup_steps=100, total_steps=total, lr=LR)


def at(schedule, *steps: int) -> list[float]:
    return schedule(np.array(steps)).tolist()


def marks(schedule) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for boundary in schedule.boundaries:
        out.setdefault(boundary.label, []).append(boundary.step)
    return out


def test_registry():  # the module's doctests run in tests/test_docstrings.py
    assert set(stepping.POLICIES) == {"per-update", "per-micro-batch", "per-process", "per-epoch", "resume"}
    for word, cls in stepping.POLICIES.items():
        assert cls.word == word and cls.__doc__


# --- per micro-batch ------------------------------------------------------------------------------------


def test_per_micro_batch_warmup_100_of_1000_grad_accum_4_ends_at_update_25():
    s = linear()
    e = effective(s, PerMicroBatch(4))
    # Update k reads scheduler step (k + 1)·4 − 1: 3, 7, ..., 99 (update 24), 103 (update 25).
    assert at(e, 0, 1, 24) == at(s, 3, 7, 99)
    assert at(e, 25) == at(s, 103)
    assert e.warmup_steps == 25
    assert marks(e)["warmup end"] == [25]
    assert e.total_steps == 1000 and e.label == "linear, warmup 100, stepped per micro-batch (grad_accum 4)"
    assert summarize(e).peak_step == 25


def test_per_micro_batch_uses_the_schedule_up_four_times_too_early():
    s = linear()
    e = effective(s, PerMicroBatch(4))
    # Step 999 (the last of the schedule) is read by update 249.75 → update 249 reads 999, 250 reads 1003.
    assert at(e, 249) == at(s, 999)
    assert at(e, 250, 999) == [0.0, 0.0]  # a native schedule holds its final value (0) past the end
    notes = " | ".join(e.notes)
    assert "used up at update 250" in notes
    assert "update 0 already reads scheduler step 3" in notes
    assert "ends at update 25, not 100" in notes


def test_per_micro_batch_of_one_is_the_contract():
    s = cosine()
    e = effective(s, PerMicroBatch(1))
    assert np.array_equal(e.values(), s.values())
    assert e.warmup_steps == 100 and not e.notes


# --- N times per update (accelerate), per epoch ----------------------------------------------------------


def test_twice_per_update_reaches_the_peak_at_50_and_ends_at_500():
    s = linear()
    e = effective(s, TimesPerUpdate(2))
    assert at(e, 0, 1, 50, 51) == at(s, 0, 2, 100, 102)
    assert at(e, 50) == [LR]
    assert e.warmup_steps == 50
    assert at(e, 499) == at(s, 998) and at(e, 500, 999) == [0.0, 0.0]
    assert "used up at update 500" in " | ".join(e.notes)


def test_per_epoch_holds_each_epoch_and_never_finishes_the_warmup():
    s = linear()
    e = effective(s, PerEpoch(25))
    assert at(e, 0, 24) == [0.0, 0.0]  # the whole first epoch at LR 0 (transformers#20916)
    assert at(e, 25, 49, 50) == at(s, 1, 1, 2)
    assert at(e, 999) == at(s, 39)
    assert e.warmup_steps == 2500
    assert "the warmup never ends: its 100 scheduler steps need 2500 updates, the run has 1000" in e.notes
    summary = summarize(e)
    assert summary.warmup_end_lr is None and summary.peak_lr == pytest.approx(39e-6)


def test_per_update_is_identity():
    s = cosine()
    e = effective(s, PerUpdate())
    assert np.array_equal(e.values(), s.values()) and e.warmup_steps == 100


# --- resumes -------------------------------------------------------------------------------------------


def test_fresh_resume_warms_up_again():
    s = linear()
    e = effective(s, Resume(500))
    assert at(e, 499) == at(s, 499)
    assert at(e, 500, 550, 600, 999) == at(s, 0, 50, 100, 499)
    assert e.total_steps == 1000
    found = marks(e)
    assert found["resume"] == [500] and found["warmup end (after resume)"] == [600]
    assert found["warmup end"] == [100]
    assert any("update 500 reads scheduler step 0 again" in n for n in e.notes)


def test_restored_resume_with_a_new_total_moves_onto_the_rebuilt_curve():
    s = cosine()
    rebuilt = cosine(2000)
    e = effective(s, Resume(500, total=2000, fresh=False), rebuild=lambda t: cosine(t))
    assert e.total_steps == 2000
    assert at(e, 499, 500) == at(s, 499, 500)  # update 500 runs at the LR the optimizer saved
    assert at(e, 501, 1500, 1999) == at(rebuilt, 501, 1500, 1999)
    assert at(e, 501)[0] > at(s, 501)[0]


def test_ratio_warmup_is_recomputed_by_the_rebuild():
    s = warmupctl.schedule(kind="cosine", ratio=0.1, total_steps=1000, lr=LR)
    e = effective(s, Resume(50, total=2000, fresh=False),
                  rebuild=lambda t: warmupctl.schedule(kind="cosine", ratio=0.1, total_steps=t, lr=LR))
    # Resumed inside the warmup: the rebuilt warmup lasts 200 updates (0.1 of 2000), so the ramp slows.
    assert e.warmup_steps == 200
    assert at(e, 51) == [51 * LR / 200]


def test_restored_resume_without_a_new_total_changes_nothing():
    s = cosine()
    e = effective(s, Resume(300, fresh=False))
    assert np.array_equal(e.values(), s.values())
    assert "continues where it stopped" in e.notes[0]


def test_fresh_resume_with_a_new_total():
    s = linear()
    e = effective(s, Resume(500, total=1500), rebuild=lambda t: linear(t))
    assert e.total_steps == 1500
    assert at(e, 500, 1499) == at(linear(1500), 0, 999)


def test_resume_after_micro_batch_stepping_steps_the_fresh_scheduler_the_same_way():
    s = linear()
    e = effective(s, PerMicroBatch(4), Resume(100))
    assert at(e, 99) == at(s, 399)
    assert at(e, 100, 101) == at(s, 3, 7)


def test_resume_needs_rebuild_for_a_new_total_and_a_sensible_place():
    with pytest.raises(EngineError):
        effective(linear(), Resume(500, total=2000))
    with pytest.raises(EngineError):
        Resume(0)
    with pytest.raises(EngineError):
        Resume(500, total=400)
    with pytest.raises(EngineError):
        effective(linear(), Resume(1000))
    with pytest.raises(EngineError):
        PerMicroBatch(0)


# --- the arithmetic, in general ------------------------------------------------------------------------


POLICY = st.one_of(
    st.builds(PerMicroBatch, st.integers(1, 64)),
    st.builds(TimesPerUpdate, st.integers(1, 64)),
    st.builds(PerEpoch, st.integers(1, 500)),
    st.just(PerUpdate()),
)


@given(POLICY, st.integers(0, 5000))
def test_first_update_is_the_first_update_whose_position_reaches_the_step(policy, step):
    first = policy.first_update(step)
    positions = policy.position(np.arange(0, first + 2, dtype=np.int64))
    assert np.all(np.diff(positions) >= 0)
    assert positions[first] >= step
    assert first == 0 or positions[first - 1] < step


@pytest.mark.parametrize("policies", [
    (PerMicroBatch(3),), (TimesPerUpdate(5),), (PerEpoch(7),), (Resume(40),),
    (PerMicroBatch(2), Resume(33)), (Resume(40, total=150, fresh=False),),
])
def test_walking_a_recursive_replay_gives_what_random_access_gives(policies):
    # torch's CosineAnnealingLR is replayed recursively: the effective schedule then walks it in order.
    spec = {"schedule": "torch.CosineAnnealingLR", "lr": 0.1, "args": {"T_max": 60}, "total_steps": 120}

    def rebuild(total):
        return warmupctl.from_mapping({**spec, "total_steps": total})

    e = effective(warmupctl.from_mapping(spec), *policies, rebuild=rebuild)
    assert e.chunks is not None
    walked = np.concatenate([block for _, block in e.iter_chunks(e.total_steps, chunk_size=7)])
    direct = e(np.arange(e.total_steps))
    np.testing.assert_array_equal(walked, direct)


def test_long_walk_keeps_memory_bounded():
    e = effective(cosine(3_000_000), PerMicroBatch(8))
    sizes = [len(block) for _, block in e.iter_chunks(3_000_000)]
    assert sum(sizes) == 3_000_000 and max(sizes) <= 1 << 16


# --- the real loops (CI installs torch, transformers and accelerate) ------------------------------------


@pytest.mark.parity
def test_real_loops_match():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    accelerate_scheduler = pytest.importorskip("accelerate.scheduler")

    def make(total):
        weight = torch.nn.Parameter(torch.zeros(1))
        optimizer = torch.optim.SGD([weight], lr=LR)
        return optimizer, transformers.get_cosine_schedule_with_warmup(optimizer, 100, total)

    def spec(total):
        return warmupctl.from_mapping({"schedule": "transformers.cosine", "lr": LR, "total_steps": total,
                                       "args": {"num_warmup_steps": 100, "num_training_steps": total}})

    # Stepped after every micro-batch, optimizer every 4th.
    optimizer, scheduler = make(1000)
    seen = []
    for i in range(4000):
        if (i + 1) % 4 == 0:
            seen.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
        with warnings.catch_warnings():  # torch warns: scheduler.step() before optimizer.step()
            warnings.simplefilter("ignore")
            scheduler.step()
    np.testing.assert_allclose(effective(spec(1000), PerMicroBatch(4)).values(), seen, rtol=0, atol=1e-16)

    # accelerate's prepared scheduler on 2 processes.
    class TwoProcesses:
        num_processes = 2

    optimizer, scheduler = make(1000)
    optimizer.step_was_skipped = False
    original = accelerate_scheduler.AcceleratorState
    accelerate_scheduler.AcceleratorState = TwoProcesses
    try:
        prepared = accelerate_scheduler.AcceleratedScheduler(scheduler, [optimizer])
        seen = []
        for _ in range(1000):
            seen.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            prepared.step()
    finally:
        accelerate_scheduler.AcceleratorState = original
    np.testing.assert_allclose(effective(spec(1000), TimesPerUpdate(2)).values(), seen, rtol=0, atol=1e-16)

    # Resumed at 500: optimizer and scheduler state loaded into objects built for 2000 updates.
    optimizer, scheduler = make(1000)
    seen = []
    for _ in range(500):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    saved = optimizer.state_dict(), scheduler.state_dict()
    optimizer, scheduler = make(2000)
    optimizer.load_state_dict(saved[0])
    scheduler.load_state_dict(saved[1])
    for _ in range(500, 2000):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    resumed = effective(spec(1000), Resume(500, total=2000, fresh=False), rebuild=spec)
    np.testing.assert_allclose(resumed.values(), seen, rtol=0, atol=1e-16)

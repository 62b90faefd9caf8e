"""Lints: each fires on the pitfall it names, with the update where it shows, and stays quiet on a
clean schedule; the profile behind them does not depend on the chunk size."""

import math

import numpy as np
import pytest

import warmupctl
from warmupctl.calc import lints
from warmupctl.calc.lints import LINTS, find_lint, profile, run_lints
from warmupctl.core.vocabulary import WARMUP_SHAPES
from warmupctl.engine import Boundary, Schedule

CLEAN = {"kind": "cosine", "init_lr": 1e-6, "ratio": 0.1, "min_lr": 1e-5}


def codes(schedule, **kw) -> list[str]:
    return [f.id for f in run_lints(schedule, **kw)]


def one(schedule, code, **kw):
    found = [f for f in run_lints(schedule, **kw) if f.id == code]
    assert len(found) == 1, run_lints(schedule, **kw)
    return found[0]


def library(fn, total, warmup=0, boundaries=(), **spec) -> Schedule:
    """A schedule as a library module would build it (the lints read only its fields and values)."""
    return Schedule(fn=fn, total_steps=total, label="lib", warmup_steps=warmup,
                    boundaries=tuple(Boundary(b, "hand-off") for b in boundaries),
                    spec={"schedule": "lib.X", **spec}, source="lib 1.0")


def hf_cosine(w: int, t: int, lr: float = 1e-3):
    """transformers' get_cosine_schedule_with_warmup: progress is not clamped after t."""
    def fn(k):
        k = np.asarray(k, dtype=np.float64)
        warm = k / max(1, w)
        cos = np.maximum(0.0, 0.5 * (1 + np.cos(np.pi * (k - w) / max(1, t - w))))
        return lr * np.where(k < w, warm, cos)
    return fn


def test_registry():  # the module's doctests run in tests/test_docstrings.py
    assert [lint.id for lint in LINTS] == [f"W{i:03d}" for i in range(1, len(LINTS) + 1)]
    assert len({lint.name for lint in LINTS}) == len(LINTS)
    assert all(lint.severity in lints.SEVERITIES and len(lint.doc) > 40 for lint in LINTS)
    assert find_lint("w005") is find_lint("rises-after-end") is lints.W005
    assert find_lint("W099") is None


def test_a_clean_schedule_has_no_findings():
    assert run_lints(warmupctl.schedule(**CLEAN)) == ()


def test_w001_zero_first_lr_of_a_warmup_is_info():
    finding = one(warmupctl.schedule(kind="cosine"), "W001")
    assert finding.step == 0 and finding.severity == "info" and "init_lr" in finding.hint
    assert finding.message == ("update 0 gets LR 0: the first optimizer update does not move the weights "
                               "(the warmup starts from 0; 100 warmup updates)")
    assert "W001" not in codes(warmupctl.schedule(kind="cosine", step_offset=1))


@pytest.mark.parametrize("spec", [
    {"schedule": "transformers.linear", "lr": 1e-4, "args": {"num_warmup_steps": 100, "num_training_steps": 1000}},
    {"schedule": "transformers.cosine", "lr": 1e-4, "args": {"num_warmup_steps": 100, "num_training_steps": 1000}},
    {"schedule": "deepspeed.WarmupDecayLR", "args": {"total_num_steps": 1000, "warmup_num_steps": 100,
                                                     "warmup_max_lr": 1e-3, "warmup_type": "linear"}},
    {"kind": "linear", "warmup_steps": 1, "total_steps": 10},
])
def test_w001_is_info_on_stock_warmups(spec):
    found = run_lints(warmupctl.from_mapping(spec))
    assert [(f.id, f.severity) for f in found if f.id == "W001"] == [("W001", "info")]


def test_w001_without_a_warmup_is_a_warning():
    schedule = library(lambda k: np.where(k == 0, 0.0, 1e-3), 100, lr=1e-3)
    finding = one(schedule, "W001")
    assert finding.severity == "warning"
    assert finding.hint == "check the schedule's start: no warmup explains an LR of 0 at update 0"


@pytest.mark.parametrize(("warmup", "total", "fires"), [
    (100, 991, False),   # warmup_ratio 0.1 of 991 updates, rounded up: 10.09 %
    (101, 1000, False),  # 10.1 % is a 10 % warmup
    (105, 1000, False),  # within one update of 10.5 %
    (107, 1000, True),
    (59, 1000, False),
    (56, 1000, False),
    (54, 1000, True),
])
def test_w002_finetune_allows_rounding(warmup, total, fires):
    schedule = warmupctl.schedule(**{**CLEAN, "ratio": None}, warmup_steps=warmup, total_steps=total)
    assert ("W002" in codes(schedule, purpose="finetune")) is fires


def test_w002_a_declared_ratio_in_range_is_in_range():
    # ceil(0.1 * 15) = 2 of 15 updates is 13.3 %, but the author asked for 10 %
    schedule = warmupctl.schedule(**{**CLEAN, "ratio": 0.1}, total_steps=15)
    assert schedule.warmup_steps == 2
    assert "W002" not in codes(schedule, purpose="finetune")
    hf = library(lambda k: np.minimum(k / 2, 1.0) * 1e-3, 15, warmup=2, lr=1e-3, args={"warmup_ratio": 0.1})
    assert "W002" not in codes(hf, purpose="finetune")


@pytest.mark.parametrize(("ratio", "purpose", "fires"), [
    (0.1, None, False), (0.05, None, False), (0.2, None, False), (0.3, None, True), (0.01, None, True),
    (0.08, "finetune", False), (0.15, "finetune", True), (0.01, "pretrain", False),
    (0.1, "pretrain", True), (0.001, "pretrain", False),
])
def test_w002_warmup_length_is_advice(ratio, purpose, fires):
    schedule = warmupctl.schedule(**{**CLEAN, "ratio": ratio}, total_steps=10000)
    found = [f for f in run_lints(schedule, purpose=purpose) if f.id == "W002"]
    assert bool(found) is fires
    if found:
        assert found[0].severity == "advice" and found[0].step == schedule.warmup_steps
        assert ("fine-tuning 6-10 %, LLM pre-training 0.1-2 %" in found[0].message) is (purpose is None)


def test_w003_ratio_truncated_to_zero():
    flat = library(lambda k: np.full(len(k), 1e-3), 500, lr=1e-3, args={"warmup_ratio": 0.001})
    finding = one(flat, "W003")
    assert "args.warmup_ratio 0.001 gives 0 warmup updates of 500" in finding.message
    assert "W003" not in codes(library(lambda k: np.full(len(k), 1e-3), 500, lr=1e-3,
                                       args={"warmup_ratio": 0.0}))
    fairseq = library(lambda k: np.full(len(k), 1e-3), 500, lr=1e-3, args={"phase_ratio": [0.001, 0.5, 0.499]})
    assert "W003" in codes(fairseq)


def test_w004_warmup_fills_the_run():
    schedule = warmupctl.schedule(**{**CLEAN, "ratio": None}, warmup_steps=1000)
    assert one(schedule, "W004").step == 999
    assert one(schedule, "W006").step == 999  # and so the peak lands after the run


def test_w005_rises_after_the_end():
    finding = one(library(hf_cosine(10, 100), 100, warmup=10, boundaries=(10,), lr=1e-3), "W005")
    assert finding.step == 102 and "rises again" in finding.message
    assert finding.severity == "info"  # the library's own loop stops at its total
    native_like = Schedule(fn=hf_cosine(10, 100), total_steps=100, label="mine", warmup_steps=10)
    assert one(native_like, "W005").severity == "warning"
    # warmupctl's own cosine holds its final value; a whole cycle rising into the end is not a re-rise
    assert "W005" not in codes(warmupctl.schedule(**CLEAN))
    assert "W005" not in codes(warmupctl.schedule(**CLEAN, num_cycles=1.0))


def test_w006_peak_never_reached():
    def timm_like(k):  # warmup_prefix=False: the cosine starts under the warmup's last step
        k = np.asarray(k, dtype=np.float64)
        return np.where(k < 10, 1e-3 * k / 10, 1e-3 * 0.5 * (1 + np.cos(np.pi * k / 100)))
    finding = one(library(timm_like, 100, warmup=10, boundaries=(10,), lr=1e-3), "W006")
    assert finding.step == 10 and "never reaches the peak 0.001: the highest is 0.000975528" in finding.message
    assert finding.severity == "warning"  # 2.4 % short: more than the library's hand-off arithmetic
    near = library(lambda k: np.full(len(k), 1e-3 * (1 - 3e-4)), 100, lr=1e-3)  # DeepSpeed: 0.03 % short
    assert one(near, "W006").severity == "info"
    assert one(Schedule(fn=near.fn, total_steps=100, label="mine", spec={"lr": 1e-3}), "W006").severity == "warning"
    # float32 arithmetic (optax, Keras) is not a shortfall
    f32 = library(lambda k: np.full(len(k), np.float64(np.float32(3e-4)) * (1 - 5e-8)), 10,
                  args={"peak_value": 3e-4})
    assert "W006" not in codes(f32)


def test_w007_above_the_peak_at_a_hand_off():
    def overshoot(k):  # DeepSpec#32: CosineAnnealingLR's recursive factor applied to the peak
        k = np.asarray(k)
        return np.where(k < 10, 1e-3 * k / 10, np.where(k == 10, 1e-3 * 1.0251, 1e-3 * 0.9))
    finding = one(library(overshoot, 30, warmup=10, boundaries=(10,), lr=1e-3), "W007")
    assert finding.step == 10 and "(at the hand-off: hand-off)" in finding.message
    assert "+2.51 %" in finding.message


def test_w008_negative_lr():
    def warmup_linear(k):  # transformers PR#327: negative after t_total
        return 1e-3 * (1 - np.asarray(k, dtype=np.float64) / 100)
    finding = one(library(warmup_linear, 100, lr=1e-3), "W008")
    assert finding.step == 101 and "past the end" in finding.message
    finding = one(library(warmup_linear, 120, lr=1e-3), "W008")
    assert finding.step == 101 and "past the end" not in finding.message


def test_w009_floor_never_reached():
    finding = one(warmupctl.schedule(kind="constant", min_lr=1e-5), "W009")
    assert "floor 1e-05" in finding.message
    torch_like = library(lambda k: 5e-4 + 5e-4 * np.cos(np.pi * np.asarray(k) / 2000), 1000, lr=1e-3,
                         args={"T_max": 2000, "eta_min": 1e-5})
    assert one(torch_like, "W009").step == 999
    # a linear decay reaches its floor one update after the run: within one step, so reached
    assert "W009" not in codes(warmupctl.schedule(**{**CLEAN, "kind": "linear"}, total_steps=50))


def test_w010_jump_between_phases():
    jump = warmupctl.from_mapping({"lr": 1e-3, "init_lr": 1e-5, "total_steps": 300, "phases": [
        {"steps": 100, "to": "lr"}, {"steps": "rest", "from": 5e-4, "shape": "cosine", "to": 1e-5}]})
    finding = one(jump, "W010")
    assert finding.step == 100 and "jumps from 0.0009901 to 0.0005 at update 100 (warmup end)" in finding.message

    def nemo_sqrt(k):  # NeMo SquareRootAnnealing: the decay uses t, not t - W, and drops after the peak
        k = np.asarray(k, dtype=np.float64)
        return np.where(k <= 100, 1e-3 * (k + 1) / 101, 1e-3 * np.sqrt(np.maximum(0.0, 1000 - k) / 1000))
    assert one(library(nemo_sqrt, 1000, warmup=100, boundaries=(100,), lr=1e-3), "W010").step == 101


@pytest.mark.parametrize("shape", [s for s in WARMUP_SHAPES if s != "constant"])
@pytest.mark.parametrize("warmup", [3, 10, 400])
def test_continuous_warmups_are_not_jumps(shape, warmup):
    keys = {**CLEAN, "ratio": None, "warmup_steps": warmup, "warmup_shape": shape, "init_lr": 1e-7,
            "total_steps": 2000}
    assert "W010" not in codes(warmupctl.schedule(**keys))
    assert "W010" not in codes(warmupctl.schedule(**{**keys, "kind": "wsd", "decay_shape": "1-sqrt"}))


def test_a_constant_warmup_is_a_jump():
    """torch ConstantLR-style: init_lr for N updates, then lr at once."""
    schedule = warmupctl.schedule(**{**CLEAN, "warmup_shape": "constant", "init_lr": 1e-6})
    assert one(schedule, "W010").step == 100


def test_the_profile_does_not_depend_on_the_chunk_size():
    for schedule in (warmupctl.schedule(**CLEAN), warmupctl.schedule(kind="multistep", milestones=[300, 600]),
                     library(hf_cosine(10, 100), 100, warmup=10, boundaries=(10,), lr=1e-3)):
        whole, pieces = profile(schedule), profile(schedule, chunk_size=7)
        for name in ("first", "peak", "peak_step", "after_peak_min", "after_peak_min_step", "final",
                     "before_final", "first_negative", "first_above", "max_inner_step", "edges"):
            assert getattr(whole, name) == getattr(pieces, name), name


def test_nan_where_a_library_raises():
    def raises_late(k):
        k = np.asarray(k, dtype=np.float64)
        return np.where(k < 50, 1e-3 * (1 - k / 100), np.nan)
    found = run_lints(library(raises_late, 60, lr=1e-3), ignore={"W009"})
    assert all(math.isfinite(f.step) for f in found)
    whole = profile(library(raises_late, 60, lr=1e-3), chunk_size=8)
    assert whole.peak == 1e-3 and whole.after_peak_min_step == 49


def test_nominal_peak_and_floor():
    assert lints.nominal_peak(warmupctl.schedule(lr=3e-4)) == 3e-4
    phases = warmupctl.from_mapping({"phases": [{"steps": 5, "from": 0.1, "to": 0.01}]})
    assert lints.nominal_peak(phases) is None  # lr (1e-4 by default) is not one of its phases
    assert lints.nominal_peak(library(np.zeros_like, 5, lr=1e-3, args={"max_lr": 0.1})) == 0.1
    assert lints.nominal_floor(library(np.zeros_like, 5, lr=1e-3, args={"eta_min": 0.0})) is None
    assert lints.nominal_floor(warmupctl.schedule(min_lr=1e-6)) == 1e-6


def test_ignore():
    assert codes(warmupctl.schedule(kind="cosine"), ignore={"W001"}) == []

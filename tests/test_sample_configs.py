"""Each sample config loads, is commented, and says what its comment promises."""

import pathlib

import numpy as np
import pytest

import warmupctl

SAMPLES = pathlib.Path(__file__).resolve().parents[1] / "sample_configs"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_sample_loads_and_is_commented(path):
    assert path.read_text().lstrip().startswith("#")
    schedule = warmupctl.load(str(path))
    assert np.all(np.isfinite(schedule.values()))


def load(name: str):
    schedule = warmupctl.load(str(SAMPLES / name))
    return schedule, warmupctl.summarize(schedule)


def test_transformers_example_is_the_default():
    schedule, _ = load("transformers_example.yaml")
    np.testing.assert_array_equal(schedule.values(), warmupctl.schedule().values())


def test_pytorch_example_ends_at_eta_min():
    schedule, summary = load("pytorch_example.yaml")
    assert summary.peak_step == 500 and summary.peak_lr == 1e-3
    assert schedule(5000) == pytest.approx(1e-6)


def test_bert():
    _, summary = load("bert.yaml")
    assert (summary.peak_step, summary.peak_lr, summary.total_steps) == (10000, 1e-4, 1_000_000)


def test_noam_peak():
    _, summary = load("noam.yaml")
    assert summary.peak_step == 3999
    assert summary.peak_lr == pytest.approx((512 * 4000) ** -0.5, rel=1e-12)


def test_llama_ends_at_ten_percent():
    schedule, summary = load("llama.yaml")
    assert summary.peak_step == 2000 and schedule(250_000) == pytest.approx(3e-5)


def test_wsd_holds_then_decays():
    schedule, _ = load("wsd.yaml")
    assert schedule(1000) == schedule(17999) == 1e-2
    assert schedule(18000 + 1000) < 1e-2 and schedule(20000) == pytest.approx(1e-4)


def test_warmup_shapes():
    exponential, _ = load("exponential_warmup.yaml")
    assert exponential(0) == 1e-6 and exponential(250) == pytest.approx(1e-6 * 1000**0.5)
    smooth, _ = load("smooth_warmup.yaml")
    assert smooth(250) == pytest.approx(5e-4) and smooth(1) < 1e-3 * 1 / 500
    step, _ = load("step_warmup.yaml")
    assert sorted(set(step.values(400).tolist())) == [0.0, 2.5e-4, 5e-4, 7.5e-4]


def test_two_cosine_cycles_come_back_up():
    schedule, _ = load("cosine_cycles2.yaml")
    assert schedule(1000) == pytest.approx(1e-4)
    assert schedule(100 + 225) == pytest.approx(0.0, abs=1e-12)


def test_tri_stage_phases():
    schedule, summary = load("tri_stage_phases.yaml")
    assert summary.peak_step == 2000 and schedule(20000) == pytest.approx(2.5e-6)


@pytest.mark.parametrize("path", sorted((SAMPLES / "libraries").glob("*.yaml")), ids=lambda p: p.name)
def test_library_samples_load(path):
    assert path.read_text().lstrip().startswith("#")
    schedule = warmupctl.load(str(path))
    assert schedule.values(101)[10] > 0 and schedule.notes

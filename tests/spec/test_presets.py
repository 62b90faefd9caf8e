"""Presets: published schedules with their citations, expanded to specs the user can read and change."""

import pytest

import warmupctl
from warmupctl.presets import preset_names
from warmupctl.spec import load_spec
from warmupctl.spec.presets import citation, preset_text

EXPECTED = {"alpaca", "bert", "gpt3", "llama", "minicpm_wsd", "noam", "pythia"}


def test_every_preset_resolves_and_cites_its_source():
    assert set(preset_names()) == EXPECTED
    for name in preset_names():
        schedule = load_spec(None, {"preset": name})
        assert schedule.total_steps > 0
        assert "20" in citation(name)  # a year: every preset names its paper or repository


def test_gpt3_warms_up_over_375m_tokens():
    summary = warmupctl.summarize(load_spec(None, {"preset": "gpt3"}))
    assert summary.warmup_steps == 120  # 375e6 / (1536 * 2048) = 119.2, rounded up
    assert summary.peak_lr == pytest.approx(6e-5)
    assert summary.final_lr == pytest.approx(6e-6, rel=1e-6)


def test_alpaca_counts_updates_like_the_trainer():
    schedule = load_spec(None, {"preset": "alpaca"})
    assert schedule.total_steps == 1221 and schedule.warmup_steps == 37


def test_flags_and_files_override_a_preset(tmp_path):
    assert load_spec(None, {"preset": "llama", "warmup_steps": "100"}).warmup_steps == 100
    path = tmp_path / "mine.yaml"
    path.write_text("total_steps: 5000\n")
    assert load_spec(str(path), {"preset": "llama"}).total_steps == 5000


def test_unknown_preset(cli):
    result = cli("table", "--preset", "gtp3")
    assert result.exit_code == 2
    assert result.stderr == "error: command line: --preset: unknown preset (got 'gtp3'); did you mean 'gpt3'?\n"


def test_list_presets_and_expand_one(cli):
    listing = cli("list", "presets")
    assert listing.exit_code == 0 and "Brown et al. 2020" in listing.stdout
    expanded = cli("list", "presets", "noam")
    assert expanded.stdout == preset_text("noam")
    assert expanded.stdout.startswith("# The Transformer (Vaswani et al. 2017")

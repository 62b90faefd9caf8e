"""Plot layout by geometry: on every figure, no two texts overlap and every text is inside the figure.

Each case builds the figure the CLI would save (``build_figure``), draws it once on the Agg canvas, and
checks the boxes of all its texts — tick labels, axis labels, titles, legend lines and annotations
(the text, not its arrow) — as the renderer measures them. Cases: the README's and docs' plots,
overlays of 2 to 5 specs, a logged run (``--actual``), a stepping policy, and runs of 10^2 to 10^9
updates (the two longest with their envelope sampled, not walked, to keep the test fast).
"""

from __future__ import annotations

import math
import pathlib

import numpy as np
import pytest

import warmupctl
from tests.render.geometry import assert_clean, texts
from warmupctl.calc.summary import Summary
from warmupctl.render.plot import Envelope, PlotOptions, build_figure, short_count, walk_curves

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_configs"


def load(*names: str):
    return [warmupctl.load(str(SAMPLES / name)) for name in names]


def test_the_readme_first_plot_is_clean():
    boxes = assert_clean(build_figure([warmupctl.schedule()], PlotOptions()))
    for label in ("start 0", "peak 0.0001 @ 100", "final 3.046e-10 @ 999", "warmup end @ 100"):
        assert label in texts(boxes), label


@pytest.mark.parametrize("names", [("transformers_example.yaml", "cosine_cycles2.yaml"),
                                   ("configs/trainer_args.yaml",),
                                   ("transformers_example.yaml", "llama.yaml")])
def test_the_docs_plots_are_clean(names):
    assert_clean(build_figure(load(*names), PlotOptions()))


def test_library_overlay_is_clean():
    libraries = [f"libraries/{name}_cosine.yaml" for name in ("transformers", "timm", "deepspeed")]
    assert_clean(build_figure(load(*libraries), PlotOptions()))


@pytest.mark.parametrize("count,size", [(2, (8, 5)), (3, (8, 5)), (4, (8, 5)), (5, (8, 5)), (5, (6, 4))])
def test_overlays_of_two_to_five_specs_are_clean(count, size):
    kinds = [dict(kind="cosine"), dict(kind="linear", ratio=0.05), dict(kind="constant", warmup_steps=300),
             dict(kind="wsd", ratio=0.02, total_steps=4000, lr=3e-4),
             dict(kind="inverse_sqrt", warmup_steps=50, total_steps=2000, lr=5e-4)]
    specs = [warmupctl.schedule(**keys) for keys in kinds[:count]]
    boxes = assert_clean(build_figure(specs, PlotOptions(width=size[0], height=size[1])))
    # Every curve's peak is said somewhere: beside its dot, or folded into the legend.
    for spec in specs:
        peak = warmupctl.summarize(spec)
        assert f"peak {peak.peak_lr:.4g} @ {peak.peak_step}" in texts(boxes)


def logged_overlay(spec, change: dict[int, float] | None = None):
    """A transformers 5.x log of ``spec`` (the LR of update s − 1 at step s), some values changed."""
    from warmupctl.calc.actual import align

    steps = np.arange(1, spec.total_steps + 1)
    lrs = np.array(spec(steps - 1), dtype=np.float64)
    for update, value in (change or {}).items():
        lrs[update] = value
    return align(spec, steps, lrs, offset=1)


def test_a_logged_run_is_clean():
    spec = warmupctl.load(str(ROOT / "tests/data/trainer_state_cosine.yaml"))
    overlay = logged_overlay(spec)
    boxes = assert_clean(build_figure([spec], PlotOptions(), logged=(overlay, "trainer_state.json")))
    assert "equal at all 40 logged updates" in texts(boxes)


def test_a_deviating_log_labels_its_worst_update():
    spec = warmupctl.schedule(kind="cosine", warmup_steps=5, total_steps=40, lr=1e-3)
    overlay = logged_overlay(spec, {20: 5e-4})
    boxes = assert_clean(build_figure([spec], PlotOptions(), logged=(overlay, "run.json")))
    assert "|Δ| " in texts(boxes) and "@ update 20" in texts(boxes)


@pytest.mark.parametrize("policy,diff", [("micro-batch", False), ("fresh resume", True)])
def test_a_stepping_policy_is_clean(policy, diff):
    from dataclasses import replace

    from warmupctl.calc.stepping import PerMicroBatch, Resume, effective

    intended = warmupctl.schedule(kind="linear", warmup_steps=100)
    shown = effective(intended, PerMicroBatch(4) if policy == "micro-batch" else Resume(500, fresh=True))
    specs = [replace(intended, label="intended: linear, warmup 100"),
             replace(shown, label=f"effective: {policy}")]
    boxes = assert_clean(build_figure(specs, PlotOptions(title=f"linear, warmup 100: intended vs {policy}",
                                                         diff=diff)))
    assert "warmup end @ 100" in texts(boxes)


def test_a_difference_panel_is_clean():
    specs = [warmupctl.schedule(kind="cosine"), warmupctl.schedule(kind="cosine", ratio=0.05),
             warmupctl.schedule(kind="linear")]
    boxes = assert_clean(build_figure(specs, PlotOptions(diff=True)))
    assert "max |Δ| 5e-05 @ 50" in texts(boxes) and "difference Δ lr[k]" in texts(boxes)


def test_theory_overlays_are_clean():
    spec = warmupctl.schedule(kind="cosine", ratio=0.1)
    assert_clean(build_figure([spec], PlotOptions(noise_batch=256, sharpness=2.5e4)))


def sampled_curves(schedule, count: int):
    """The walk of a very long run, sampled: three updates per envelope column (the curves are
    smooth), and the summary from the schedule's own values at its events."""
    envelope = Envelope(count)
    edges = envelope._edges
    for lo, hi in zip(edges[:-1], edges[1:]):
        for k in sorted({int(lo), int((lo + hi) // 2), int(hi) - 1}):
            envelope(k, schedule(np.array([k])))
    warmup = schedule.boundaries[0].step
    value = lambda k: float(schedule(np.array([k]))[0])  # noqa: E731
    summary = Summary(schedule.label, count, value(0), warmup, value(warmup), warmup, value(warmup),
                      count - 1, value(count - 1), count - 1, value(count - 1), math.nan, math.nan, ())
    return [(summary, envelope)]


@pytest.mark.parametrize("exponent", [2, 3, 5, 7, 9])
def test_runs_of_ten_to_the_two_to_nine_updates_are_clean(exponent):
    count = 10**exponent
    spec = warmupctl.schedule(kind="cosine", warmup_steps=max(1, count // 2000), total_steps=count,
                              lr=3e-4, min_lr=3e-5)
    curves = walk_curves([spec], PlotOptions()) if exponent <= 5 else sampled_curves(spec, count)
    figure = build_figure([spec], PlotOptions(), curves)
    boxes = assert_clean(figure)
    if exponent >= 5:  # a warmup of 0.05 % gets its own panel, where its labels are
        assert f"warmup: updates 0-{short_count(math.ceil(2.5 * (count // 2000)))}" in texts(boxes)
    final = curves[0][0]
    assert f"final {final.final_lr:.4g} @ {count - 1}" in texts(boxes)


def test_the_zoom_panel_walks_its_own_updates():
    # The run's envelope has a column every 5000 updates; the zoom's, every dozen.
    spec = warmupctl.schedule(kind="cosine", warmup_steps=10_000, total_steps=10_000_000)
    figure = build_figure([spec], PlotOptions(log_y=True), sampled_curves(spec, 10_000_000))
    zoom = figure.axes[0]
    assert zoom.get_title() == "warmup: updates 0-25k"
    x, y = (np.asarray(a, dtype=float) for a in zoom.get_lines()[0].get_data())
    assert x[0] == 0 and x[-1] == 25_000 and np.diff(x).max() <= 13
    assert np.allclose(y, spec(x.astype(np.int64)), rtol=0, atol=0)
    assert_clean(figure)


def test_when_rounds_run_out_every_label_is_in_the_legend(monkeypatch):
    from warmupctl.render import annotate

    monkeypatch.setattr(annotate, "ROUNDS", 1)
    boxes = assert_clean(build_figure([warmupctl.schedule()], PlotOptions()))
    legend = [text for text, _ in boxes if text.startswith("cosine, warmup 100\n")]
    assert legend and "peak 0.0001 @ 100" in legend[0] and "final 3.046e-10 @ 999" in legend[0]


def test_update_counts_are_short_on_the_axis():
    assert [short_count(v) for v in (0, 950, 9999, 12_500, 250_000, 3e6, 1.25e9)] == [
        "0", "950", "9999", "12.5k", "250k", "3M", "1.25B"]


def test_a_top_axis_in_epochs_or_tokens_is_clean():
    spec = warmupctl.schedule(dataset_size=100, micro_batch_size=1, grad_accum=4, epochs=10, ratio=0.1)
    boxes = assert_clean(build_figure([spec], PlotOptions(per_update=("epochs", 1 / 25))))
    assert "epochs" in texts(boxes) and "8" in texts(boxes).split("\n")
    spec = warmupctl.schedule(total_steps=3815, warmup_steps=39)
    boxes = assert_clean(build_figure([spec], PlotOptions(per_update=("tokens", 524288.0))))
    assert "1.25B" in texts(boxes).split("\n")


def test_log_x_and_a_small_figure_are_clean():
    specs = load("transformers_example.yaml", "llama.yaml")
    assert_clean(build_figure(specs, PlotOptions(log_x=True, width=6, height=4)))

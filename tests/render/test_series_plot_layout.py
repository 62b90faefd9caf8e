"""Plots of several series by geometry: no two texts overlap, every text is inside the figure.

Cases: a native spec with parameter groups and layer-wise decay over 12 layers (plus momentum and
weight decay), torch's OneCycleLR cycling the momentum, Megatron's weight decay and per-group LRs,
and overlays of two such specs; then the bytes: the same input gives the same PNG, SVG and PDF.
"""

from __future__ import annotations

import json

import pytest

from tests.render.geometry import assert_clean, texts
from warmupctl.render.plot import PlotOptions
from warmupctl.render.series_plot import build_series_figure, palette, render_series_plot, walk
from warmupctl.spec.library import resolve_library
from warmupctl.spec.native import resolve_native

LAYERS = {"kind": "cosine", "lr": 3e-4, "warmup_steps": 100, "total_steps": 1000,
          "param_groups": [{"name": "head", "lr_mult": 10}],
          "layer_decay": {"decay": 0.75, "depth": 12},
          "momentum": {"phases": [{"steps": 100, "from": 0.95, "to": 0.85},
                                  {"steps": "rest", "to": 0.95, "shape": "cosine"}]},
          "weight_decay": 0.05}
ONECYCLE = {"schedule": "torch.OneCycleLR", "optimizer": "SGD",
            "args": {"max_lr": 0.01, "total_steps": 1000}}
MEGATRON = {"schedule": "megatron.get_optimizer_param_scheduler", "lr": 3e-4, "global_batch_size": 4,
            "args": {"train_iters": 500, "lr_warmup_iters": 50, "lr_decay_style": "cosine",
                     "min_lr": 3e-5},
            "start_weight_decay": 0.01, "end_weight_decay": 0.1, "weight_decay_incr_style": "cosine",
            "param_groups": [{}, {"wd_mult": 0.0}, {"name": "embed", "max_lr": 1e-4}]}


def layers():
    return resolve_native(LAYERS)


def onecycle():
    return resolve_library(ONECYCLE)


def megatron():
    return resolve_library(MEGATRON)


def legend_text(figure) -> str:
    return "\n".join(t.get_text() for legend in figure.legends + [a.get_legend() for a in figure.axes]
                     if legend is not None for t in legend.get_texts())


def test_layer_decay_with_twelve_layers_is_clean():
    figure = build_series_figure([layers()], PlotOptions())
    boxes = texts(assert_clean(figure))
    # Of 14 LR curves three are labelled: lr, the head (highest) and layer 0 (lowest, 0.75^12 × lr).
    assert "peak 0.003 @ 100" in boxes + legend_text(figure)
    assert f"peak {3e-4 * 0.75 ** 12:.4g} @ 100" in boxes + legend_text(figure)
    assert "peak 0.0003 @ 100" in boxes + legend_text(figure)
    assert f"peak {3e-4 * 0.75 ** 6:.4g} @ 100" not in boxes + legend_text(figure)
    assert "min 0.85 @ 100" in boxes + legend_text(figure)
    assert "constant 0.05" in boxes + legend_text(figure)
    for name in ("lr", "lr/head", "lr/layer0", "lr/layer12", "momentum", "weight_decay"):
        assert name in legend_text(figure).splitlines()


def test_every_series_has_its_own_colour():
    curves = walk([layers()], PlotOptions(steps=50))
    assert len(curves) == 17 and len({c.color for c in curves}) == 17
    assert len(set(palette(20))) == 20


def test_onecycle_momentum_is_clean_and_labelled():
    figure = build_series_figure([onecycle()], PlotOptions())
    shown = texts(assert_clean(figure)) + legend_text(figure)
    # torch: momentum from max_momentum 0.95 down to base_momentum 0.85 at the LR's peak, and back.
    for label in ("peak 0.01 @ 299", "start 0.95", "min 0.85 @ 299", "final 0.95 @ 999",
                  "momentum / beta1"):
        assert label in shown, label


def test_megatron_weight_decay_is_clean_and_labelled():
    figure = build_series_figure([megatron()], PlotOptions())
    shown = texts(assert_clean(figure)) + legend_text(figure)
    for label in ("start 0.01", "final 0.1 @ 499", "constant 0", "peak 0.0001 @ 50", "weight decay"):
        assert label in shown, label


@pytest.mark.parametrize("pair", [("onecycle", "layers"), ("megatron", "onecycle")])
def test_overlays_of_two_specs_are_clean(pair):
    schedules = [{"onecycle": onecycle, "layers": layers, "megatron": megatron}[name]() for name in pair]
    figure = build_series_figure(schedules, PlotOptions())
    shown = texts(assert_clean(figure)) + legend_text(figure)
    # Each spec has a legend line with its tag; a label of one spec only carries the tag.
    assert f"[1] {schedules[0].label}" in shown and f"[2] {schedules[1].label}" in shown
    assert "[1] peak 0.01 @ 299" in shown or "[2] peak 0.01 @ 299" in shown


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_the_same_input_gives_the_same_bytes(fmt):
    small = resolve_library({**ONECYCLE, "args": {"max_lr": 0.01, "total_steps": 100}})
    options = PlotOptions(width=5, height=2.5)
    first = render_series_plot([small], options, fmt)
    assert first == render_series_plot([small], options, fmt)
    assert first.startswith({"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[fmt])


def test_cli_overlays_two_specs_with_series(cli, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(ONECYCLE))
    b.write_text(json.dumps({**ONECYCLE, "args": {"max_lr": 0.02, "total_steps": 1000}}))
    out = tmp_path / "plot.svg"
    result = cli("plot", str(a), str(b), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    svg = out.read_text()
    assert "momentum / beta1" in svg and "[2] peak 0.02 @ 299" in svg


def test_log_y_is_for_the_lr_panel_only():
    figure = build_series_figure([onecycle()], PlotOptions(log_y=True))
    assert [axes.get_yscale() for axes in figure.axes] == ["log", "linear"]
    assert_clean(figure)

"""plot draws each family of series on its own panel."""

from __future__ import annotations

import json

from warmupctl.engine.series import pick
from warmupctl.render.series_plot import family, panels
from warmupctl.spec.library import resolve_library
from warmupctl.spec.native import resolve_native


def test_families_group_the_series_into_panels() -> None:
    schedule = resolve_native({"kind": "linear", "total_steps": 10, "momentum": 0.9,
                               "weight_decay": 0.1, "param_groups": [{"lr_mult": 2}]})
    assert panels(schedule) == [("lr", ["lr", "lr/pg0"]), ("momentum", ["momentum"]),
                                ("weight_decay", ["weight_decay"])]
    assert family("betas[0]") == "momentum" and family("weight_decay/pg1") == "weight_decay"


def test_plot_svg_has_a_panel_per_family(cli, tmp_path) -> None:
    spec = tmp_path / "onecycle.json"
    spec.write_text(json.dumps({"schedule": "deepspeed.OneCycle", "total_steps": 40, "args": {
        "cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 10}}))
    out = tmp_path / "plot.svg"
    result = cli("plot", str(spec), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    svg = out.read_text()
    assert "momentum / beta1" in svg and "learning rate" in svg
    assert "betas[0]" in svg and "betas[1]" in svg
    schedule = resolve_library(json.loads(spec.read_text()))
    assert pick(schedule, "betas[1]").values().tolist() == [0.99] * 40


def test_a_terminal_plot_names_the_series_it_leaves_out(cli, tmp_path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"kind": "linear", "total_steps": 10, "momentum": 0.9}))
    result = cli("plot", str(spec), "--terminal")
    assert result.exit_code == 0, result.stderr
    assert "the series momentum are not drawn in the terminal: pick one with --series NAME" \
        in result.stderr

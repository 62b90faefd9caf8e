"""Plots: annotated, PNG and SVG, byte-identical on every run, never PNG bytes on a terminal."""

import re

import pytest

from warmupctl.render.plot import MAX_POINTS, PlotOptions, curve_points, render_plot


def svg_text(data: bytes) -> str:
    return data.decode()


def test_svg_carries_the_annotations(cli, tmp_path):
    out = tmp_path / "lr.svg"
    result = cli("plot", "--kind", "cosine", "--ratio", "0.1", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and f"wrote {out}" in result.stderr
    text = out.read_text()
    for label in ("warmup end @ 100", "start 0", "peak 0.0001 @ 100", "final 3.046e-10 @ 999",
                  "optimizer update k", "learning rate lr[k]", "cosine, warmup 100"):
        assert label in text, label
    # The warmup end is a dashed vertical line.
    assert "stroke-dasharray" in text
    assert "Date" not in text or re.search(r"<dc:date>", text) is None


def test_png_is_written_and_identical_twice(cli, tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    for out in (first, second):
        assert cli("plot", "--kind", "linear", "--dpi", "40", "-o", str(out)).exit_code == 0
    data = first.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert data == second.read_bytes()


def test_svg_identical_twice():
    from warmupctl import schedule

    specs = [schedule(kind="cosine"), schedule(kind="linear", name="lin")]
    a = render_plot(specs, PlotOptions(), "svg")
    b = render_plot(specs, PlotOptions(), "svg")
    assert a == b
    # Both curves peak at 1e-4 on update 100: the shared mark is drawn once; the finals differ.
    assert svg_text(a).count("peak 0.0001 @ 100") == 1
    assert svg_text(a).count("final ") == 2


def test_default_output_name(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("plot", "--kind", "cosine", "--ratio", "0.1", "--dpi", "30")
    assert result.exit_code == 0
    assert (tmp_path / "warmupctl-cosine-warmup-100.png").exists()
    assert "wrote warmupctl-cosine-warmup-100.png" in result.stderr


def test_png_bytes_go_to_stdout_only_when_piped(cli):
    result = cli("plot", "--kind", "linear", "--dpi", "30", "-o", "-")
    assert result.exit_code == 0  # CliRunner's stdout is not a terminal
    assert result.stdout_bytes.startswith(b"\x89PNG")


def test_envelope_keeps_spikes():
    from warmupctl import from_mapping

    spiky = from_mapping({"total_steps": 100_000, "lr": 1.0, "phases": [
        {"steps": 50_000, "shape": "constant", "from": 0.1},
        {"steps": 1, "from": 1.0},
        {"steps": "rest", "from": 0.1},
    ]})
    x, y = curve_points(spiky, 100_000)
    assert len(x) == MAX_POINTS
    assert y.max() == 1.0 and y.min() == pytest.approx(0.1)

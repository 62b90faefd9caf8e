"""``warmupctl plot --terminal``: braille curves at the terminal's width, for a shell with no image viewer."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

import warmupctl
from warmupctl.render.terminal import BRAILLE, ROWS, WARMUP_AXIS, WARMUP_MARK, render_terminal

WIDTH = 120  # tests/conftest.py sets COLUMNS=120: Rich's width when stdout is not a terminal
TOP_DOTS = 0x01 | 0x08  # the upper dot of either column of a braille cell
BOTTOM_DOTS = 0x40 | 0x80


def braille_bits(char: str) -> int:
    code = ord(char) - BRAILLE
    return code if 0 <= code <= 0xFF else 0


def plot_rows(drawing) -> list[str]:
    lines = drawing.text.plain.split("\n")
    return lines[drawing.first_row:drawing.first_row + drawing.rows]


def test_size_and_frame():
    s = warmupctl.schedule(kind="cosine", warmup_steps=100, total_steps=1000)
    drawing = render_terminal([s], WIDTH)
    lines = drawing.text.plain.split("\n")
    # title, 20 plot rows, the axis, its labels, one legend line
    assert len(lines) == 1 + ROWS + 3
    assert drawing.rows == ROWS and drawing.left + drawing.columns == WIDTH - 1
    assert all(len(line) == WIDTH - 1 for line in plot_rows(drawing))
    assert all(len(line) <= WIDTH for line in lines)
    axis, labels = lines[1 + ROWS], lines[2 + ROWS]
    assert axis[drawing.left - 1] == "└" and len(axis) == WIDTH - 1
    assert labels.split()[0] == "0" and labels.split()[-1] == "999"  # the first and the last update
    assert lines[0] == "cosine, warmup 100"
    # LR labels: the peak on the top row, 0 on the bottom one.
    assert plot_rows(drawing)[0].lstrip().startswith("1e-4 ┤")
    assert plot_rows(drawing)[-1].lstrip().startswith("0 ┤")


@pytest.mark.parametrize("width", [60, 80, 200])
def test_width_follows_the_terminal(width):
    drawing = render_terminal([warmupctl.schedule(kind="linear")], width)
    assert all(len(line) == width - 1 for line in plot_rows(drawing))


def test_the_top_row_holds_the_peak():
    # The peak (update 300 of 1000, LR 1e-3) is on the top dot row, in its column.
    s = warmupctl.schedule(kind="cosine", warmup_steps=300, total_steps=1000, lr=1e-3)
    drawing = render_terminal([s], WIDTH)
    top = plot_rows(drawing)[0]
    column = drawing.cell_column(300)
    assert braille_bits(top[column]) & TOP_DOTS
    # Nowhere else near the top: the row's other dots are next to the peak (the cosine is flat there).
    lit = [c for c in range(drawing.left, len(top)) if braille_bits(top[c]) & TOP_DOTS]
    assert min(lit) <= column <= max(lit) and max(lit) - min(lit) < drawing.columns // 4
    # The curve starts at LR 0 on the bottom dot row, at update 0.
    assert braille_bits(plot_rows(drawing)[-1][drawing.left]) & BOTTOM_DOTS


def test_the_warmup_end_is_a_dotted_column():
    s = warmupctl.schedule(kind="linear", warmup_steps=250, total_steps=1000)
    drawing = render_terminal([s], WIDTH)
    column = drawing.cell_column(250)
    # Independently of the renderer: update 250 of 0..999 on 2 × columns dot columns.
    assert column == drawing.left + round(250 * (2 * drawing.columns - 1) / 999) // 2
    marks = [(r, c) for r, row in enumerate(plot_rows(drawing)) for c, ch in enumerate(row) if ch == WARMUP_MARK]
    assert marks and {c for _, c in marks} == {column}
    assert len(marks) >= ROWS - 3  # every row but where the curve passes (the peak's cells)
    axis = drawing.text.plain.split("\n")[1 + ROWS]
    assert axis[column] == WARMUP_AXIS
    assert "┊ warmup end @ 250" in drawing.text.plain


def test_the_same_input_draws_the_same_text():
    specs = [warmupctl.schedule(kind="cosine", warmup_steps=50, total_steps=700),
             warmupctl.schedule(kind="wsd", warmup_steps=20, total_steps=700, name="wsd")]
    a, b = render_terminal(specs, WIDTH), render_terminal(specs, WIDTH)
    assert a.text.plain == b.text.plain and a.text.spans == b.text.spans


def test_several_specs_have_a_legend_and_their_own_colours():
    specs = [warmupctl.schedule(kind="cosine", warmup_steps=100, total_steps=1000),
             warmupctl.schedule(kind="linear", warmup_steps=50, total_steps=1000, lr=5e-5, name="slow")]
    drawing = render_terminal(specs, WIDTH)
    legend = drawing.text.plain.split("\n")[-2:]
    assert "━━ cosine, warmup 100" in legend[0] and "━━ slow" in legend[1]
    assert drawing.text.plain.split("\n")[0] == "cosine, warmup 100 vs slow"
    styles = {str(span.style) for span in drawing.text.spans}
    assert {"blue", "red"} <= styles
    # Two warmup ends, two dotted columns.
    columns = {c for row in plot_rows(drawing) for c, ch in enumerate(row) if ch == WARMUP_MARK}
    assert columns == {drawing.cell_column(100), drawing.cell_column(50)}


def test_long_schedules_keep_their_spikes():
    # 10^7 updates drawn from the min/max envelope: a one-update spike still reaches the top row.
    phases = [{"steps": 6_000_000, "shape": "constant", "from": 1e-4},
              {"steps": 1, "shape": "constant", "from": 1e-3},
              {"steps": "rest", "shape": "constant", "from": 1e-4}]
    s = warmupctl.schedule(phases=phases, total_steps=10_000_000, lr=1e-3)
    drawing = render_terminal([s], WIDTH)
    top = plot_rows(drawing)[0]
    assert braille_bits(top[drawing.cell_column(6_000_000)]) & TOP_DOTS


def test_log_axis():
    s = warmupctl.schedule(kind="exponential", warmup_steps=10, total_steps=1000, lr=1e-3, min_lr=1e-6)
    drawing = render_terminal([s], WIDTH, log_y=True)
    rows = plot_rows(drawing)
    assert rows[0].lstrip().startswith("1e-3 ┤")
    # The bottom is the smallest positive LR drawn (update 0's LR 0 has no place on a log axis).
    smallest = float(s.values(1000)[1:].min())
    assert rows[-1].lstrip().startswith("1.01e-6 ┤") and 1.005e-6 <= smallest < 1.015e-6
    # An exponential decay is a straight line on a log axis: the middle update sits mid-height.
    middle = drawing.cell_column(505)
    lit = [r for r, row in enumerate(rows) if braille_bits(row[middle])]
    assert lit and abs(np.mean(lit) - (ROWS - 1) / 2) <= 1.5


def test_cli_terminal_writes_text_to_stdout(cli):
    result = cli("plot", "--kind", "cosine", "--ratio", "0.1", "--terminal")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.rstrip("\n").split("\n")
    assert len(lines) == 1 + ROWS + 3 and all(len(line) <= WIDTH for line in lines)
    assert any(BRAILLE < ord(ch) <= BRAILLE + 0xFF for ch in result.stdout)
    assert "\x1b[" not in result.stdout and result.stderr == ""
    again = cli("plot", "--kind", "cosine", "--ratio", "0.1", "--terminal")
    assert again.stdout == result.stdout


def test_cli_terminal_with_a_log(cli):
    from pathlib import Path

    data = Path(__file__).resolve().parents[1] / "data"
    result = cli("plot", str(data / "trainer_state_cosine.yaml"), "--terminal",
                 "--actual", str(data / "trainer_state_cosine.json"))
    assert result.exit_code == 0, result.stderr
    assert "trainer_state_cosine.json (update = step − 1): equal at all 40 logged updates" in result.stdout
    assert all(len(line) <= WIDTH for line in result.stdout.splitlines())


def test_legend_lines_fit_the_width_and_say_everything():
    name = "a schedule with a name far longer than the terminal " * 3
    long = warmupctl.schedule(kind="linear", name=name.strip())
    drawing = render_terminal([long], 80)
    lines = drawing.text.plain.split("\n")
    legend = lines[lines.index(next(line for line in lines if "━━" in line)):]
    assert len(legend) > 2 and all(len(line) <= 79 for line in legend)
    words = " ".join(line.replace("━━", "").strip() for line in legend)
    assert name.strip() in words and "peak 0.0001 @ 100" in words and "final 1.111e-07 @ 999" in words


def test_y_labels_are_round_values():
    from warmupctl.render.terminal import _y_labels, short_lr

    assert [short_lr(v) for v in (0, 3e-4, 2.5e-4, 0.1, 1.25e-5, 12.0)] == [
        "0", "3e-4", "2.5e-4", "0.1", "1.25e-5", "12"]
    labels = _y_labels(0.0, 1e-3, 20, False)
    assert labels[0] == "1e-3" and labels[19] == "0"
    assert set(labels.values()) == {"1e-3", "8e-4", "6e-4", "4e-4", "2e-4", "0"}


def test_cli_terminal_to_a_file(cli, tmp_path):
    out = tmp_path / "lr.txt"
    result = cli("plot", "--kind", "linear", "--terminal", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == "" and f"wrote {out}" in result.stderr
    assert out.read_text().count("\n") == 1 + ROWS + 3


@pytest.mark.parametrize(("flag", "value"), [("--diff", None), ("--format", "svg"), ("--sharpness", "1e4")])
def test_cli_terminal_refuses_what_it_cannot_draw(cli, flag, value):
    args = ["plot", "--kind", "cosine", "--terminal", flag] + ([value] if value else [])
    result = cli(*args)
    assert result.exit_code == 2
    assert f"error: command line: {flag}: is not drawn in the terminal" in result.stderr


PROBE = """
import json, os, sys
from typer.testing import CliRunner
from warmupctl.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({"code": result.exit_code, "matplotlib": "matplotlib" in sys.modules,
                  "out": result.stdout}))
"""


def run(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_no_matplotlib_on_the_terminal_path():
    state = run("plot", "--kind", "cosine", "--terminal")
    assert state["code"] == 0 and state["matplotlib"] is False


COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;[0-9;]+)m")


def test_colour_and_no_color(cli, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # Rich colours even though CliRunner is not a terminal
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR")
    coloured = cli("plot", "--kind", "cosine", "--terminal").stdout
    assert COLOUR.search(coloured)
    monkeypatch.setenv("NO_COLOR", "1")
    plain = cli("plot", "--kind", "cosine", "--terminal").stdout
    assert not COLOUR.search(plain)
    assert cli("--no-color", "plot", "--kind", "cosine", "--terminal").stdout == plain
    assert re.sub(r"\x1b\[[0-9;]*m", "", plain) == re.sub(r"\x1b\[[0-9;]*m", "", coloured)

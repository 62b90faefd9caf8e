"""``plot --actual`` and ``explain --plot`` draw the plan, the log, and the curve of the best
explanation with its skipped updates marked — one builder — and keep the layout's guarantees (no two
texts overlap, every text inside the figure)."""

import pathlib

import pytest

from tests.render.geometry import assert_clean, texts
from warmupctl.calc.actual import align
from warmupctl.calc.explained import explain_log, explained_curve
from warmupctl.render.plot import PlotOptions, build_figure
from warmupctl.spec import load_spec
from warmupctl.spec.logs import read_log

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "logs"
PUBLIC = DATA / "public"


def figure_of(log_path, spec_path, **options):
    log = read_log(str(log_path))
    schedule = load_spec(str(spec_path), {})
    report = explain_log(schedule, log)
    curve = explained_curve(schedule, report)
    overlay = align(schedule, log.steps, log.lrs, log.lines, offset=report.best.offset)
    return curve, build_figure([schedule], PlotOptions(**options), logged=(overlay, log_path.name),
                               explained=curve)


def test_skipped_steps_are_drawn_and_marked():
    curve, figure = figure_of(DATA / "skipped_trainer_state.json", DATA / "skipped.yaml")
    assert curve.skipped == (0, 1, 2, 57, 130) and curve.offset == 1 and curve.explained
    boxes = texts(assert_clean(figure))
    assert "explained: skipped 5 (updates 0, 1, 2, … 5 in all)" in boxes
    assert "skipped optimizer steps (5)" in boxes
    assert "logged: skipped_trainer_state.json, update = step − 1" in boxes


@pytest.mark.parametrize("options", [{}, {"width": 5.0, "height": 3.5}, {"log_y": True}])
def test_windows_of_skipped_steps_are_shaded(options):
    """A log written every 25 updates says which windows hold the skips, not which updates."""
    curve, figure = figure_of(PUBLIC / "whisper_fp16_trainer_state.json", PUBLIC / "whisper_fp16.yaml",
                              **options)
    assert curve.skipped == () and curve.windows == ((0, 24, 2), (100, 124, 1), (350, 374, 1))
    boxes = " ".join(texts(assert_clean(figure)).split())  # a narrow figure wraps the legend
    assert "updates holding the 4 skipped optimizer steps" in boxes
    assert "explained: skipped 4 (among updates 0..24, 100..124, 350..374)" in boxes


def test_a_stepping_cause_is_named_with_its_parameter():
    curve, figure = figure_of(DATA / "microbatch_trainer_state.json", DATA / "microbatch.yaml")
    assert curve.label == "explained: per-micro-batch (grad_accum 4)"
    assert_clean(figure)


def test_a_log_that_follows_its_plan_draws_no_explanation(cli, tmp_path):
    out = tmp_path / "plot.png"
    result = cli("plot", str(DATA.parent / "trainer_state_cosine.yaml"), "--actual",
                 str(DATA.parent / "trainer_state_cosine.json"), "-o", str(out))
    assert result.exit_code == 0 and out.exists()
    assert "explained" not in result.stderr


def test_plot_actual_draws_and_says_the_explanation(cli, tmp_path):
    out = tmp_path / "plot.svg"
    result = cli("plot", str(DATA / "skipped.yaml"), "--actual", str(DATA / "skipped_trainer_state.json"),
                 "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert (f"note: {DATA / 'skipped_trainer_state.json'}: explained (drawn dashed): 5 optimizer steps "
            "skipped (fp16/AMP overflow") in result.stderr
    svg = out.read_text()
    assert "explained: skipped 5 (updates 0, 1, 2, … 5 in all)" in svg
    assert "skipped optimizer steps (5)" in svg
    terminal = cli("plot", str(DATA / "skipped.yaml"), "--actual", str(DATA / "skipped_trainer_state.json"),
                   "--terminal", "--width", "100")
    assert "explained: skipped 5 (updates 0, 1, 2, … 5 in all)" in " ".join(terminal.stdout.split())


def test_explain_plot_uses_the_same_builder(cli, tmp_path):
    out = tmp_path / "explain.svg"
    result = cli("explain", str(DATA / "skipped_trainer_state.json"), str(DATA / "skipped.yaml"),
                 "--plot", str(out))
    assert result.exit_code == 0, result.stderr
    svg = out.read_text()
    assert "explained: skipped 5 (updates 0, 1, 2, … 5 in all)" in svg
    assert "skipped optimizer steps (5)" in svg


@pytest.mark.parametrize("size", [(4.0, 3.0), (5.0, 3.5)])
def test_a_long_legend_line_below_narrow_panels_is_wrapped(size):
    """A log's legend line longer than a narrow figure is wide went below the panels in one column
    and then asked for zero columns (a crash); it is now broken into lines that fit."""
    log = read_log(str(PUBLIC / "whisper_fp16_trainer_state.json"))
    schedule = load_spec(str(PUBLIC / "whisper_fp16.yaml"), {})
    overlay = align(schedule, log.steps, log.lrs, log.lines, offset=0)
    figure = build_figure([schedule], PlotOptions(width=size[0], height=size[1]),
                          logged=(overlay, "whisper_fp16_trainer_state.json"))
    assert "whisper_fp16_trainer_state.json" in texts(assert_clean(figure))

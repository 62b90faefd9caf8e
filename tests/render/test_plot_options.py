"""``warmupctl plot`` options of the layout: PDF, --size, --log-x, the --log-y hint, the top axis, and
--width/--height of the terminal plot; each refused misuse is one line and exit 2."""

import pytest

from warmupctl.render.plot import log_y_advice


def test_pdf_is_written_and_identical_twice(cli, tmp_path):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (first, second):
        result = cli("plot", "--kind", "cosine", "--ratio", "0.1", "-o", str(out))
        assert result.exit_code == 0, result.stderr
    data = first.read_bytes()
    assert data.startswith(b"%PDF-") and data == second.read_bytes()
    assert b"CreationDate" not in data and b"ModDate" not in data


def test_size_sets_the_figure_in_inches(cli, tmp_path):
    out = tmp_path / "lr.png"
    assert cli("plot", "--kind", "linear", "--size", "6x3", "--dpi", "50", "-o", str(out)).exit_code == 0
    data = out.read_bytes()
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (300, 150)


@pytest.mark.parametrize("args,line", [
    (("--size", "big"), "error: command line: --size: is not WIDTHxHEIGHT (got 'big'); e.g. --size 12x5 (inches)"),
    (("--size", "100x2"), "error: command line: --size: is out of range (got '100x2'); each side 2 to 40 inches"),
    (("--width", "90"), "error: command line: --width: sets the size of a terminal plot (got 90); add "
                        "--terminal, or size an image with --size WxH (inches)"),
    (("--terminal", "--size", "10x3"), "error: command line: --size: is out of range (got '10x3'); a "
                                       "terminal plot takes 30-1000 columns and 5-500 rows"),
    (("--terminal", "--log-x"), "error: command line: --log-x: is not drawn in the terminal; drop "
                                "--terminal and write an image: -o lr.png"),
    (("-o", "lr.jpg"), "error: command line: --output: cannot tell the image format from the file name "
                       "(got 'lr.jpg'); end it in .png, .svg or .pdf, or pass --format"),
])
def test_misuse_is_one_line(cli, tmp_path, monkeypatch, args, line):
    monkeypatch.chdir(tmp_path)
    result = cli("plot", "--kind", "linear", *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == line


def test_log_x_draws(cli, tmp_path):
    out = tmp_path / "lr.svg"
    assert cli("plot", "--kind", "cosine", "--total-steps", "100000", "--warmup-steps", "100", "--log-x",
               "-o", str(out)).exit_code == 0
    text = out.read_text()
    assert "warmup: updates" not in text  # the log axis shows the warmup: no zoom panel
    assert "peak 0.0001 @ 100" in text


def test_a_short_warmup_gets_a_zoom_panel(cli, tmp_path):
    out = tmp_path / "lr.svg"
    assert cli("plot", "--kind", "cosine", "--total-steps", "100000", "--warmup-steps", "100",
               "-o", str(out)).exit_code == 0
    assert "warmup: updates 0-250" in out.read_text()


def test_peaks_a_hundred_times_apart_suggest_log_y(cli, tmp_path):
    out = tmp_path / "lr.svg"
    small = tmp_path / "small.yaml"
    small.write_text("kind: cosine\nlr: 1e-6\n")
    big = tmp_path / "big.yaml"
    big.write_text("kind: cosine\nlr: 3e-4\n")
    result = cli("plot", str(big), str(small), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert ("note: the peaks differ by 300× (1e-06 to 0.0003): --log-y shows the lower curves too"
            in result.stderr), result.stderr
    result = cli("plot", str(big), str(small), "--log-y", "-o", str(out))
    assert "--log-y shows" not in result.stderr


def test_log_y_advice_needs_a_hundredfold():
    from warmupctl import schedule, summarize

    near = [summarize(schedule(lr=1e-4)), summarize(schedule(lr=9.9e-3))]
    far = [summarize(schedule(lr=1e-4)), summarize(schedule(lr=1e-2))]
    assert log_y_advice(near) is None and log_y_advice(far[:1]) is None
    assert log_y_advice(far) == "the peaks differ by 100× (0.0001 to 0.01): --log-y shows the lower curves too"


def test_the_top_axis_counts_epochs_tokens_or_samples(cli, tmp_path):
    from warmupctl.cli.plot import _top_axis

    assert _top_axis(None, {"dataset_size": 100, "micro_batch_size": 1, "grad_accum": 4,
                            "epochs": 10}) == ("epochs", 1 / 25)
    assert _top_axis(None, {"micro_batch_size": 8, "seq_len": 2048, "devices": 8}) == ("tokens", 131072.0)
    assert _top_axis(None, {"micro_batch_size": 8, "grad_accum": 2}) == ("samples", 16.0)
    assert _top_axis(None, {"kind": "cosine"}) is None
    library = tmp_path / "lib.yaml"
    library.write_text("schedule: transformers.linear\nargs: {num_warmup_steps: 1, num_training_steps: 9}\n")
    assert _top_axis([str(library)], {"micro_batch_size": 8}) is None
    out = tmp_path / "lr.svg"
    result = cli("plot", "--dataset-size", "100", "--micro-batch-size", "1", "--grad-accum", "4",
                 "--epochs", "10", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert ">epochs<" in out.read_text()


def test_terminal_width_and_height(cli):
    result = cli("plot", "--kind", "cosine", "--terminal", "--width", "50", "--height", "8")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "cosine, warmup 100"
    plot_rows = lines[1:9]
    assert all(len(line.rstrip()) <= 49 for line in lines)
    assert plot_rows[0].lstrip().startswith("1e-4 ┤") and plot_rows[-1].lstrip().startswith("0 ┤")
    assert lines[9].lstrip().startswith("└")
    same = cli("plot", "--kind", "cosine", "--terminal", "--size", "50x8")
    assert same.stdout == result.stdout


def test_a_plot_of_series_is_a_pdf_too(cli, tmp_path):
    spec = tmp_path / "onecycle.json"
    spec.write_text('{"schedule": "deepspeed.OneCycle", "total_steps": 40, "args": {"cycle_min_lr": 0.1, '
                    '"cycle_max_lr": 1.0, "cycle_first_step_size": 10}}')
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (first, second):
        result = cli("plot", str(spec), "-o", str(out))
        assert result.exit_code == 0, result.stderr
    assert first.read_bytes().startswith(b"%PDF-") and first.read_bytes() == second.read_bytes()

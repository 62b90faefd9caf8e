"""``table --at``: negative indices from the end, the words start/warmup_end/peak/last, past end."""

import csv
import io

import pytest

import warmupctl


def rows(text: str) -> list[tuple[int, float]]:
    reader = csv.reader(io.StringIO(text))
    assert next(reader)[:2] == ["step", "lr"]
    return [(int(row[0]), float(row[1])) for row in reader]


def test_negative_indices_count_from_the_end(cli):
    result = cli("table", "--kind", "cosine", "--at", "0,1,500,-1", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    expected = warmupctl.schedule(kind="cosine")
    assert rows(result.stdout) == [(k, float(expected(k))) for k in (0, 1, 500, 999)]


def test_minus_two_is_the_update_before_the_last(cli):
    result = cli("table", "--total-steps", "50", "--at", "-2,-50", "--format", "csv")
    assert [s for s, _ in rows(result.stdout)] == [0, 48]


def test_words_name_the_events(cli):
    result = cli("table", "--kind", "linear", "--warmup-steps", "30", "--total-steps", "200",
                 "--at", "last,peak,warmup_end,start", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert [s for s, _ in rows(result.stdout)] == [0, 30, 199]


def test_words_on_a_library_schedule(cli, tmp_path):
    spec = tmp_path / "onecycle.yaml"
    spec.write_text("schedule: torch.OneCycleLR\nargs: {max_lr: 0.01, total_steps: 100}\n")
    result = cli("table", str(spec), "--at", "peak,last", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    table = rows(result.stdout)
    assert [s for s, _ in table] == [29, 99]
    assert table[0][1] == pytest.approx(0.01)


def test_warmup_end_is_the_table_mark(cli):
    result = cli("table", "--kind", "cosine", "--at", "warmup_end")
    assert result.exit_code == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "│  100 │" in line)
    assert "warmup end" in line


def test_past_the_end_is_marked(cli):
    result = cli("table", "--kind", "cosine", "--at", "999,1200")
    assert result.exit_code == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "1200" in line)
    assert "past end" in line
    final = next(line for line in result.stdout.splitlines() if "│  999 │" in line)
    assert "past end" not in final and "final" in final


def test_past_the_end_side_by_side(cli, tmp_path):
    short, long = tmp_path / "short.yaml", tmp_path / "long.yaml"
    short.write_text("total_steps: 100\n")
    long.write_text("total_steps: 1000\n")
    result = cli("table", str(short), str(long), "--at", "50,500")
    assert result.exit_code == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "│  500 │" in line)
    assert line.count("past end") == 1


def test_several_specs_take_each_ones_last_update(cli, tmp_path):
    short, long = tmp_path / "short.yaml", tmp_path / "long.yaml"
    short.write_text("total_steps: 100\n")
    long.write_text("total_steps: 1000\n")
    result = cli("table", str(short), str(long), "--at", "-1", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    steps = [line.split("|")[1].strip() for line in result.stdout.splitlines()[2:]]
    assert steps == ["99", "999"]


@pytest.mark.parametrize(("at", "message"), [
    ("-1001", "error: command line: --at: -1001 counts back past update 0 of a 1000-update run "
              "(got -1001); -1 is the last update, -1000 update 0"),
    ("peek", "error: command line: --at: not an update (got 'peek'); did you mean 'peak'?"),
    ("1.5", "error: command line: --at: expected a whole number (got '1.5')"),
    (",", "error: command line: --at: expected update indices such as 0,10,100,-1 (got ',')"),
])
def test_bad_at_is_one_line(cli, at, message):
    result = cli("table", "--kind", "cosine", "--at", at)
    assert result.exit_code == 2
    assert result.stderr == message + "\n"


def test_warmup_end_without_a_warmup(cli):
    result = cli("table", "--kind", "constant", "--warmup-steps", "0", "--at", "warmup_end")
    assert result.exit_code == 2
    assert result.stderr == "error: command line: --at: constant has no warmup (got 'warmup_end')\n"


def test_at_with_a_stepping_policy_counts_from_the_shown_run(cli):
    result = cli("table", "--kind", "linear", "--total-steps", "100", "--stepping", "x2",
                 "--at", "-1", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert [s for s, _ in rows(result.stdout)] == [99]

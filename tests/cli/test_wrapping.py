"""Rich output at 80 columns: nothing wider, no word or number split over two lines, captions as
wide as the terminal, a header row on summary."""

import pytest

from warmupctl.render.table import CONVENTION


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def lines_of(result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    return lines


def test_steps_loop_table_keeps_labels_and_numbers_whole(cli):
    lines = lines_of(cli("steps", "--dataset-size", "100", "--micro-batch-size", "3", "--grad-accum", "4",
                         "--epochs", "10", "--ratio", "0.1"))
    for label in ("→ transformers ≥ 4.52 [1]", "transformers ≤ 4.51 [2]", "Lightning 2.x [3]",
                  "plain loop [4]"):
        assert any(label in line for line in lines), label
    assert any(line.startswith("→ the loop a spec uses (loop: transformers); last window: micro-batches")
               for line in lines)


def test_steps_conversions_keep_every_digit_on_one_line(cli):
    lines = lines_of(cli("steps", "--warmup-tokens", "375e6", "--micro-batch-size", "16", "--seq-len",
                         "1024", "--grad-accum", "4", "--devices", "8"))
    row = next(line for line in lines if line.strip().startswith("warmup_tokens"))
    assert row.split() == ["warmup_tokens", "375,000,000", "524288", "716", "715", "715",
                           "715.2557373046875"]


def test_list_libraries_never_splits_a_name(cli):
    from warmupctl.frameworks._registry import load_libraries

    lines = lines_of(cli("list", "libraries"))
    names = {line.strip() for line in lines}
    assert {entry.qualname for entry in load_libraries().values()} <= names
    assert any(line.startswith("    args: num_warmup_steps (required)") for line in lines)


def test_list_of_one_schedule_stays_a_table_when_it_fits(cli):
    lines = lines_of(cli("list", "libraries", "torch.OneCycleLR"))
    assert any("┃ argument" in line for line in lines)


def test_check_wraps_under_the_message(cli):
    lines = lines_of(cli("check", "--kind", "cosine", "--ratio", "0.3"))
    assert lines[1].startswith("  W001 zero-first-lr  info  update 0: update 0 gets LR 0: the first")
    assert lines[2].startswith("      ") and lines[2].strip()
    assert any(line.startswith("      hint: set init_lr > 0") for line in lines)
    assert lines[-1] == "0 warnings, 1 advice, 1 info"
    assert all(line == line.rstrip() for line in lines)


def test_the_caption_under_a_small_table_is_one_line(cli):
    lines = lines_of(cli("table", "--kind", "cosine", "--at", "0,5"))
    assert lines[-1] == CONVENTION


def test_the_caption_under_side_by_side_and_summary(cli, tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("total_steps: 100\n")
    b.write_text("total_steps: 200\n")
    assert lines_of(cli("table", str(a), str(b), "--at", "0"))[-1] == CONVENTION
    assert lines_of(cli("summary", "--kind", "cosine"))[-1] == CONVENTION


def test_summary_has_a_header_row(cli):
    lines = lines_of(cli("summary", "--kind", "cosine"))
    header = next(line for line in lines if "event" in line)
    assert header.split("┃")[1:4] == [" event          ", "          lr ", "    at update "]

"""``--schedule LIBRARY.NAME --arg NAME=VALUE``: a library's scheduler from flags, with completion;
``diff`` takes the spec flags for B."""

import csv
import io

import pytest

import warmupctl

HF = ("--schedule", "transformers.linear", "--arg", "num_warmup_steps=500",
      "--arg", "num_training_steps=10000", "--lr", "1e-3")
HF_SPEC = {"schedule": "transformers.linear", "lr": 1e-3,
           "args": {"num_warmup_steps": 500, "num_training_steps": 10000}}


def rows(text: str) -> list[tuple[int, float]]:
    reader = csv.reader(io.StringIO(text))
    next(reader)
    return [(int(r[0]), float(r[1])) for r in reader]


def test_the_issue_example_equals_the_spec_file(cli):
    result = cli("table", *HF, "--at", "0,499,500,-1", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    expected = warmupctl.from_mapping(HF_SPEC)
    assert rows(result.stdout) == [(k, expected(k)) for k in (0, 499, 500, 9999)]
    # transformers 5.23 get_linear_schedule_with_warmup, restated: 1e-3 * 499/500, 1e-3 * 1/9500
    assert rows(result.stdout)[1][1] == pytest.approx(1e-3 * 499 / 500, rel=1e-15)
    assert rows(result.stdout)[3][1] == pytest.approx(1e-3 * 1 / 9500, rel=1e-15)


@pytest.mark.parametrize("command", ["summary", "check", "plot"])
def test_every_spec_command_takes_them(cli, command, tmp_path):
    extra = ("-o", str(tmp_path / "p.png")) if command == "plot" else ()
    result = cli(command, *HF, *extra)
    assert result.exit_code == 0, result.stderr


def test_values_are_read_as_yaml(cli):
    result = cli("table", "--schedule", "torch.MultiStepLR", "--arg", "milestones=[3, 6]",
                 "--arg", "gamma=0.5", "--lr", "1", "--total-steps", "8", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert [lr for _, lr in rows(result.stdout)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_arg_over_a_library_file_changes_one_argument(cli, tmp_path):
    spec = tmp_path / "lib.yaml"
    spec.write_text("schedule: transformers.linear\nlr: 1e-3\n"
                    "args: {num_warmup_steps: 10, num_training_steps: 100}\n")
    result = cli("table", str(spec), "--arg", "num_warmup_steps=20", "--at", "19,20,99", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert rows(result.stdout) == [(19, 1e-3 * 19 / 20), (20, 1e-3), (99, 1e-3 * 1 / 80)]


@pytest.mark.parametrize(("args", "message"), [
    (("--schedule", "transformers.linear", "--arg", "num_warmup_step=5", "--lr", "1"),
     "error: command line: --arg num_warmup_step: unknown argument (got 'num_warmup_step'); did you mean "
     "'num_warmup_steps'? transformers.linear accepts num_warmup_steps (required), num_training_steps "
     "(required), last_epoch=-1"),
    (("--schedule", "transformers.linear", "--arg", "num_warmup_steps=x", "--arg", "num_training_steps=9",
      "--lr", "1"),
     "error: command line: --arg num_warmup_steps: expected a number (got 'x')"),
    (("--schedule", "transformers.linear", "--lr", "1"),
     "error: command line: --arg num_warmup_steps: transformers.linear needs this argument; it accepts "
     "num_warmup_steps (required), num_training_steps (required), last_epoch=-1"),
    (("--schedule", "transformers.linear", "--arg", "num_warmup_steps=500", "--arg", "num_training_steps=10000"),
     "error: command line: --lr: transformers.linear scales the optimizer's LR: the spec needs lr; add e.g. "
     "--lr 3e-4 (the learning rate given to the optimizer)"),
    (("--schedule", "transformers.linea",),
     "error: command line: --schedule: unknown transformers schedule (got 'transformers.linea'); did you "
     "mean 'transformers.linear'?"),
    (("--arg", "a=1"),
     "error: command line: --arg: needs --schedule LIBRARY.NAME or a library spec file; e.g. --schedule "
     "transformers.linear --arg num_warmup_steps=500"),
    (("--schedule", "transformers.linear", "--arg", "num_warmup_steps"),
     "error: command line: --arg: expected NAME=VALUE (got 'num_warmup_steps'); e.g. --arg "
     "num_warmup_steps=500"),
    (("--schedule", "transformers.linear", "--arg", "num_warmup_steps=1", "--arg", "num_warmup_steps=2"),
     "error: command line: --arg num_warmup_steps: given twice (got 'num_warmup_steps=2')"),
    ((*HF, "--warmup-steps", "3"),
     "error: command line: --warmup-steps: unknown key for a transformers.linear spec (got 'warmup_steps'); "
     "--warmup-steps is a native key; give transformers.linear's own arguments with --arg NAME=VALUE "
     "('warmupctl list libraries transformers.linear')"),
])
def test_mistakes_are_one_line_on_the_flag(cli, args, message):
    result = cli("table", *args)
    assert result.exit_code == 2
    assert result.stderr == message + "\n"


def complete(runner, words: str) -> list[str]:
    from warmupctl.cli import app

    result = runner.invoke(app, [], prog_name="warmupctl", env={
        "_WARMUPCTL_COMPLETE": "complete_bash", "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))})
    return result.stdout.split()


def test_completion_of_schedule_names(runner):
    assert complete(runner, "warmupctl table --schedule transformers.li") == ["transformers.linear"]
    assert "torch.OneCycleLR" in complete(runner, "warmupctl plot --schedule torch.")


def test_completion_of_arg_names_follows_the_schedule(runner):
    assert complete(runner, "warmupctl table --schedule transformers.linear --arg num_") == [
        "num_training_steps=", "num_warmup_steps="]
    assert "max_lr=" in complete(runner, "warmupctl table --schedule torch.OneCycleLR --arg m")


def test_completion_of_at_words(runner):
    assert complete(runner, "warmupctl table --at 0,pe") == ["0,peak"]


# --- diff: the spec flags describe B ------------------------------------------------------------

@pytest.fixture
def lib(tmp_path):
    spec = tmp_path / "lib.yaml"
    spec.write_text("schedule: transformers.linear\nlr: 1e-3\n"
                    "args: {num_warmup_steps: 10, num_training_steps: 100}\n")
    return str(spec)


def test_diff_a_file_against_flags(cli, lib):
    result = cli("diff", lib, "--schedule", "transformers.linear", "--arg", "num_warmup_steps=10",
                 "--arg", "num_training_steps=100", "--lr", "1e-3", "-q")
    assert result.exit_code == 0, result.stderr
    assert " ".join(result.stdout.split()).startswith(
        f"same: {lib} and <flags> agree on all 100 updates, bit for bit")


def test_diff_what_a_change_does(cli, lib):
    result = cli("diff", lib, lib, "--arg", "num_warmup_steps=12", "--format", "json", "-q")
    assert result.exit_code == 1
    import json

    report = json.loads(result.stdout)
    assert report["first_difference"]["step"] == 1


def test_diff_native_flags_alone(cli, tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("kind: cosine\nratio: 0.1\n")
    assert cli("diff", str(spec), "--kind", "cosine", "--warmup-steps", "100").exit_code == 0
    result = cli("diff", str(spec), "--kind", "linear", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("::error title=warmupctl diff%3A schedule changed::")


def test_diff_flags_do_not_change_a_table(cli, lib, tmp_path):
    golden = tmp_path / "golden.csv"
    assert cli("table", lib, "--format", "csv", "-o", str(golden)).exit_code == 0
    result = cli("diff", lib, str(golden), "--lr", "2e-3")
    assert result.exit_code == 2
    assert result.stderr == (f"error: {golden}: is a saved table: the spec flags change a spec; give the "
                             "flags with the spec side, or swap A and B\n")


def test_diff_without_b_or_flags_is_still_missing_b(cli, lib):
    result = cli("diff", lib)
    assert result.exit_code == 2 and "Missing argument 'B'" in result.stderr

"""Global options (-q, --quiet, --no-color, --version) are accepted after the command too."""

import pytest

from warmupctl.cli import app, hoist_global_options

NOTE = "note: power is not used by kind linear"
SPEC_FLAGS = ("--kind", "linear", "--power", "2", "--total-steps", "20")


def _group():
    import typer.main

    return typer.main.get_command(app)


#: One invocation per command that prints a note (the spec sets a key its kind does not use).
NOTED = {
    "table": ("table", *SPEC_FLAGS, "--format", "csv"),
    "plot": ("plot", *SPEC_FLAGS, "--terminal"),
    "summary": ("summary", *SPEC_FLAGS),
    "check": ("check", *SPEC_FLAGS),
}

STEPS = ("steps", "--dataset-size", "100", "--micro-batch-size", "3", "--epochs", "2")


@pytest.mark.parametrize("command", sorted(NOTED))
@pytest.mark.parametrize("quiet", ["-q", "--quiet"])
def test_quiet_after_the_command_silences_the_notes(cli, command, quiet):
    loud = cli(*NOTED[command])
    assert loud.exit_code == 0, loud.stderr
    assert NOTE in loud.stderr
    after = cli(*NOTED[command], quiet)
    before = cli(quiet, *NOTED[command])
    assert after.exit_code == before.exit_code == 0, after.stderr
    assert NOTE not in after.stderr
    assert (after.stdout, after.stderr) == (before.stdout, before.stderr)


@pytest.mark.parametrize("command", sorted(NOTED))
def test_no_color_after_the_command(cli, command):
    result = cli(*NOTED[command], "--no-color")
    assert result.exit_code == 0, result.stderr
    assert "\x1b[" not in result.stdout


@pytest.mark.parametrize("option", ["-q", "--quiet", "--no-color"])
def test_steps_takes_global_options_after_its_flags(cli, option):
    after, before = cli(*STEPS, option), cli(option, *STEPS)
    assert after.exit_code == before.exit_code == 0, after.stderr
    assert (after.stdout, after.stderr) == (before.stdout, before.stderr)
    assert "updates" in after.stdout


def test_check_no_color_is_not_a_misspelt_min_lr(cli):
    result = cli("check", "--kind", "cosine", "--no-color")
    assert result.exit_code == 0, result.stderr
    assert "did you mean" not in result.stderr


def test_diff_quiet_after_the_operands(cli, tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("kind: linear\npower: 2\ntotal_steps: 20\n")
    loud = cli("diff", str(a), str(a))
    assert loud.exit_code == 0 and "power is not used" in loud.stderr
    quiet = cli("diff", str(a), str(a), "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert quiet.stdout == loud.stdout


def test_import_quiet_after_the_config(cli):
    path = "sample_configs/configs/trainer_args.yaml"
    loud = cli("import", path, "--dataset-size", "1000")
    assert loud.exit_code == 0, loud.stderr
    assert loud.stderr
    quiet = cli("import", path, "--dataset-size", "1000", "-q")
    assert quiet.exit_code == 0 and quiet.stdout == loud.stdout
    assert quiet.stderr == ""


@pytest.mark.parametrize("option", ["-q", "--no-color"])
def test_list_takes_global_options_after_its_arguments(cli, option):
    result = cli("list", "libraries", "torch.OneCycleLR", option)
    assert result.exit_code == 0, result.stderr
    assert "max_lr" in result.stdout


def test_version_after_a_command(cli):
    result = cli("table", "--version")
    assert result.exit_code == 0 and result.stdout.startswith("warmupctl ")


@pytest.mark.parametrize(("argv", "expected"), [
    # the value of the command's own option stays its value
    (["table", "--name", "-q", "--at", "0"], ["table", "--name", "-q", "--at", "0"]),
    (["table", "--name=x", "-q"], ["-q", "table", "--name=x"]),
    # after --, nothing is an option
    (["table", "--", "-q"], ["table", "--", "-q"]),
    (["-q", "table", "--no-color", "a.yaml"], ["-q", "--no-color", "table", "a.yaml"]),
    (["nosuchcommand", "-q"], ["nosuchcommand", "-q"]),
    (["table"], ["table"]),
])
def test_hoisting_leaves_option_values_alone(argv, expected):
    assert hoist_global_options(_group(), argv) == expected


def test_a_name_of_minus_q_is_a_label(cli):
    result = cli("table", "--name", "-q", "--at", "0", "--format", "csv", "--total-steps", "5")
    assert result.exit_code == 0, result.stderr

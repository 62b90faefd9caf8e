"""The coercion of plain command-line values without pydantic (``warmupctl.cli._params``) returns
exactly what Typer's own would, for every parameter of every command; anything else goes to Typer's."""

import enum
import json
import subprocess
import sys

import pytest
import typer
from typer._click.core import Context
from typer._coercion import build_runtime_param

from warmupctl.cli import app
from warmupctl.cli._params import fast_coercion

COMMAND = typer.main.get_command(app)
PARAMS = [(name, param) for name, sub in sorted(COMMAND.commands.items()) for param in sub.params
          if getattr(param, "type_descriptor", None) is not None]
TEXTS = ["", "x", "cosine", "0", "5", "-3", "12345678901234567", "007", "+5", " 5", "5.0", "1e3",
         "99999999999999999999", "csv", "CSV", "json", "table", "github", "markdown"]


def candidates(annotation):
    values = [*TEXTS, 5, True, None]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        values += [m.value for m in annotation] + [m.value.upper() for m in annotation] + list(annotation)
    return values + [("a.yaml", "b.yaml"), ["a.yaml"], ()]


@pytest.mark.parametrize(("command", "param"), PARAMS, ids=[f"{c}-{p.name}" for c, p in PARAMS])
def test_fast_coercion_agrees_with_typers(command, param):
    descriptor = param.type_descriptor
    info = descriptor.parameter_info
    fast = fast_coercion(descriptor.annotation, getattr(info, "min", None), getattr(info, "max", None))
    if fast is None:
        pytest.skip(f"{descriptor.annotation!r} goes to Typer's coercion")
    full = build_runtime_param(descriptor)
    ctx = Context(COMMAND.commands[command])
    for value in candidates(descriptor.annotation):
        try:
            ours = fast(value)
        except LookupError:
            continue  # handed to Typer's coercion: its result or its error, by construction
        theirs = full._coerce_value(value, param=param, ctx=ctx)
        assert (ours, type(ours)) == (theirs, type(theirs)), value


def test_most_parameters_take_the_fast_path():
    handled = [p for _, p in PARAMS if fast_coercion(p.type_descriptor.annotation) is not None]
    assert len(handled) >= 0.9 * len(PARAMS)


def test_a_wrong_value_keeps_typers_message(cli):
    result = cli("table", "--steps", "abc")
    assert (result.exit_code, result.stderr) == (2, "error: Invalid value for '--steps': Input should be a valid "
                                                 "integer, unable to parse string as an integer; see "
                                                 "'warmupctl table -h'\n")
    result = cli("table", "--steps", "0")
    # a number outside an option's bounds is said in the house's words (cli._bound_error)
    assert (result.exit_code, result.stderr) == (2, "error: command line: --steps: must be at least 1 (got 0)\n")
    result = cli("table", "--format", "xml")
    assert (result.exit_code, result.stderr) == (2, "error: Invalid value for '--format' / '-f': 'xml' is not one "
                                                 "of 'table', 'csv', 'json', 'markdown'; see 'warmupctl table -h'\n")


def test_a_cold_table_imports_no_pydantic():
    probe = ("import sys; from warmupctl.cli import main; sys.argv = ['warmupctl', 'table', '--kind', "
             "'cosine', '--format', 'csv', '--steps', '3']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
             "print('PYDANTIC' if 'pydantic' in sys.modules else 'NONE', file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "NONE"
    assert json.dumps(out.stdout.splitlines()[:2]) == '["step,lr", "0,0.0"]'

"""The README shows the two set-up commands CI runs, every command, and the spec vocabulary."""

import pathlib
import re

from warmupctl.core.vocabulary import KEYS

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_first_command_is_the_products_first_run():
    assert "pip install . && warmupctl plot --kind cosine --ratio 0.1" in README


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"^(pip install '\.\[test\]' && python -m pytest[^\n#]*?)\s*#", README,
                        re.MULTILINE).group(1)
    assert command in ci


def test_every_command_and_key_is_documented():
    from warmupctl.cli import app

    for command in app.registered_commands:
        assert f"warmupctl {command.name}" in README
    for key in KEYS:
        assert f"`{key}`" in README, key

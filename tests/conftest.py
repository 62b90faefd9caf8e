"""Shared test setup: a quiet, wide, colourless terminal for CliRunner, and hypothesis profiles."""

import os

# Before warmupctl.cli is imported: Typer's own test settings (typer scripts/test.sh).
os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")
os.environ.setdefault("TERMINAL_WIDTH", "3000")
os.environ["NO_COLOR"] = "1"
# Forced, not defaulted: a developer's terminal width must not change what the tests see.
os.environ["COLUMNS"] = "120"
os.environ.pop("LINES", None)

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "sample_configs")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner):
    """Run ``warmupctl ARGS``; returns the Result (stdout and stderr apart)."""
    from warmupctl.cli import app

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    return run

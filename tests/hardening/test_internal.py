"""Anything unexpected exits 3 with a short report — version, command, the exception, where to report
it — and never a traceback (unless WARMUPCTL_DEBUG asks) or a silent wrong number; every mistake of a
user, Click's included, is one line and exit 2."""

from __future__ import annotations

import platform
import re
import subprocess
import sys

import pytest

from tests.hardening.support import invoke
from warmupctl import __version__
from warmupctl.cli import ISSUES_URL

REPORT = re.compile(
    r"internal error: warmupctl (?P<version>\S+) \(Python (?P<python>[\d.]+\S*), (?P<os>[^)]+)\), "
    r"command '(?P<command>[^']*)': (?P<exception>.*)\n"
    r"This is a bug in warmupctl, not in your input\. Please report it at (?P<url>\S+) with the "
    r"command and the spec \(WARMUPCTL_DEBUG=1 shows the traceback\)\.\n\Z"
)


def break_summary(monkeypatch, exc: BaseException) -> None:
    import warmupctl.calc.summary as summary

    def broken(*args, **kwargs):
        raise exc

    monkeypatch.setattr(summary, "summarize", broken)


@pytest.mark.parametrize(("args", "command"), [(["summary"], "summary"),
                                               (["-q", "--no-color", "summary", "--lr", "1e-3"], "summary"),
                                               (["table", "--format", "json"], "table")])
def test_the_report_names_version_command_and_exception(monkeypatch, args, command):
    break_summary(monkeypatch, ZeroDivisionError("float division by zero"))
    result = invoke(args)
    assert result.exit_code == 3
    assert result.stdout == ""
    report = REPORT.match(result.stderr)
    assert report, result.stderr
    assert report["version"] == __version__
    assert report["python"] == platform.python_version()
    assert report["command"] == command
    assert report["exception"] == "ZeroDivisionError: float division by zero"
    assert report["url"] == ISSUES_URL
    assert "Traceback" not in result.stderr


def test_a_long_multi_line_exception_is_cut_to_one_line(monkeypatch):
    break_summary(monkeypatch, ValueError("first line\nsecond line " + "x" * 5000))
    result = invoke(["summary"])
    assert result.exit_code == 3
    report = REPORT.match(result.stderr)
    assert report, result.stderr
    assert report["exception"].startswith("ValueError: first line\\nsecond line xxx")
    assert report["exception"].endswith(" …") and len(report["exception"]) < 400


@pytest.mark.parametrize("exc", [RecursionError("maximum recursion depth exceeded"), KeyError("lr"),
                                 AssertionError(), OSError(107, "Transport endpoint is not connected")])
def test_every_unexpected_exception_is_a_report(monkeypatch, exc):
    break_summary(monkeypatch, exc)
    result = invoke(["summary"])
    assert result.exit_code == 3
    assert REPORT.match(result.stderr), result.stderr
    assert f": {type(exc).__name__}" in result.stderr


def test_an_engine_error_is_a_bug_not_bad_input(monkeypatch):
    from warmupctl.core.errors import EngineError

    break_summary(monkeypatch, EngineError("phase lengths do not add up"))
    result = invoke(["summary"])
    assert result.exit_code == 3
    assert REPORT.match(result.stderr)["exception"] == "EngineError: phase lengths do not add up"


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setenv("WARMUPCTL_DEBUG", "1")
    break_summary(monkeypatch, ZeroDivisionError("boom"))
    result = invoke(["summary"])
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.startswith("internal error: warmupctl")


def test_out_of_memory_is_one_line(monkeypatch):
    break_summary(monkeypatch, MemoryError())
    result = invoke(["summary"])
    assert result.exit_code == 3
    assert result.stderr == "error: out of memory; try fewer updates (--steps) or --every\n"


def test_interrupted(monkeypatch):
    break_summary(monkeypatch, KeyboardInterrupt())
    result = invoke(["summary"])
    assert result.exit_code == 130
    assert result.stderr == "interrupted\n"


def test_numpy_warnings_do_not_reach_stderr():
    """An overflow in a sum is numpy's two-line RuntimeWarning; the CLI keeps stderr to its own lines."""
    result = invoke(["summary", "--lr", "1.7e308", "--total-steps", "100", "--format", "json"])
    assert result.exit_code == 0
    assert "RuntimeWarning" not in result.stderr and "numpy" not in result.stderr


# --------------------------------------------------------------------------------------------------
# The one-line rule on every path Click takes
# --------------------------------------------------------------------------------------------------


def test_warmupctl_alone_prints_the_help_and_exits_2():
    result = invoke([])
    assert result.exit_code == 2
    assert "Usage: warmupctl" in result.stdout and "table" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["table", "--help"], ["diff", "-h"], ["list", "-h"],
                                  ["--version"]])
def test_help_and_version_exit_0(args):
    result = invoke(args)
    assert result.exit_code == 0 and result.stdout and result.stderr == ""


@pytest.mark.parametrize("args", [
    ["nope"], ["nope", "--help"], ["table", "--kind"], ["diff"], ["diff", "a"], ["table", "--format"],
    ["table", "--format", "xml"], ["summary", "--format", "csv"], ["list", "bogus"], ["table", "--bogus"],
    ["table", "-o"], ["table", "--steps", "-3"], ["table", "--every", "x"], ["--no-such-global"],
    ["plot", "--dpi", "5"], ["check", "--purpose", "train"], ["summary", "a", "b"], ["table", "--", "--lr"],
])
def test_every_usage_error_is_one_line(args):
    result = invoke(args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert not result.stderr.rstrip("\n").endswith(".")
    assert ".;" not in result.stderr and "Value error, " not in result.stderr
    assert re.search(r"; see 'warmupctl( \w+)? -h'$", result.stderr.rstrip("\n")) or "command line" in \
        result.stderr or ": no such file" in result.stderr, result.stderr


def test_the_console_script_keeps_the_rule():
    """The real process (standalone mode, sys.exit), not only CliRunner."""
    done = subprocess.run([sys.executable, "-m", "warmupctl", "table", "--kind", "cosin"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == ("error: command line: --kind: unknown kind (got 'cosin'); "
                           "did you mean 'cosine'?\n")

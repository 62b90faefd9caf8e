"""Hardening tests: counts the fuzz inputs each reader got, and says so at the end of the run.

Each fuzz test calls :func:`tests.hardening.support.tried` once per input; the totals are printed in
the terminal summary (plain output, so CI's log shows the budget that was actually spent)::

    fuzz: 400 inputs over spec files (YAML/JSON text)
"""

from tests.hardening.support import FUZZ_COUNTS


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not FUZZ_COUNTS:
        return
    terminalreporter.section("fuzz budget")
    for reader, count in sorted(FUZZ_COUNTS.items()):
        terminalreporter.write_line(f"fuzz: {count} inputs over {reader}")

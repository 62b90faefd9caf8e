"""What every hardening test checks, and the hostile values the fuzzers draw from.

The invariant of the issue: whatever a reader is given, ``warmupctl`` exits 0, 1 or 2; a refusal is
one line ``error: ...`` on stderr (notes may come before it, nothing else); never a traceback, never
exit 3; and the numbers it prints are finite, or NaN (or an overflow) that a note explains.
"""

from __future__ import annotations

import collections
import functools
import math
import os
import time
from typing import Any

from hypothesis import strategies as st

#: ``HYPOTHESIS_PROFILE=fuzz`` multiplies every budget (see tests/conftest.py for the profiles).
FUZZING = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
#: Inputs tried per reader, printed by the terminal summary of tests/hardening/conftest.py.
FUZZ_COUNTS: collections.Counter[str] = collections.Counter()
#: One run that takes longer than this on a tiny input is a hang.
HANG_SECONDS = 20.0


def budget(default: int) -> int:
    """Examples for one fuzz test: ``default`` in the default suite, 20 times that under the fuzz profile."""
    return default * 20 if FUZZING else default


def tried(reader: str) -> None:
    FUZZ_COUNTS[reader] += 1


# --------------------------------------------------------------------------------------------------
# Running and judging
# --------------------------------------------------------------------------------------------------


@functools.cache
def _command():
    """The Click command of the app, built once: Typer rebuilds it on every ``invoke`` otherwise,
    which costs more than most of the runs fuzzed here."""
    import typer.main

    from warmupctl.cli import app

    return typer.main.get_command(app)


def invoke(args: list[str], input: str | bytes | None = None):
    """Run ``warmupctl ARGS`` in-process (CliRunner, stdout and stderr apart), timed."""
    from unittest import mock

    import typer.testing

    started = time.perf_counter()
    with mock.patch.object(typer.testing, "_get_command", lambda app: _command()):
        result = typer.testing.CliRunner().invoke(None, args, input=input)
    result.elapsed = time.perf_counter() - started
    return result


def judge(result: Any, what: str, *, may_differ: bool = False) -> None:
    """Fail unless ``result`` keeps the invariant; ``what`` says which input it was."""
    stderr = result.stderr
    context = (f"\ninput: {what}\nexit: {result.exit_code}\nstderr: {stderr[:2000]!r}"
               f"\nstdout: {result.stdout[:300]!r}")
    escaped = result.exception
    assert escaped is None or isinstance(escaped, SystemExit), f"escaped {escaped!r}{context}"
    assert result.exit_code in ((0, 1, 2) if may_differ else (0, 2)), f"exit code{context}"
    assert "Traceback" not in stderr and "Traceback" not in result.stdout, f"traceback{context}"
    assert "internal error" not in stderr, f"internal error{context}"
    assert result.elapsed < HANG_SECONDS, f"took {result.elapsed:.1f} s{context}"
    lines = stderr.splitlines()
    assert stderr == "" or stderr.endswith("\n"), f"stderr without a final newline{context}"
    errors = [line for line in lines if line.startswith("error: ")]
    others = [line for line in lines if not line.startswith(("error: ", "note: ", "wrote "))]
    assert not others, f"a stderr line that is neither error, note nor wrote{context}"
    if result.exit_code == 2:
        assert len(errors) == 1 and lines[-1] == errors[0], f"not one error line, last{context}"
    else:
        assert not errors, f"error line with exit {result.exit_code}{context}"


def nonfinite_explained(values: list[float], notes: str, what: str) -> None:
    """Every LR is finite, or a note says why it is not (a library that raises, an overflow)."""
    bad = [x for x in values if not math.isfinite(x)]
    if bad:
        words = ("nan", "inf", "overflow", "raise", "undefined", "error")
        assert any(w in notes.lower() for w in words), (
            f"{len(bad)} non-finite LRs ({bad[0]!r}) without a note\ninput: {what}\nnotes: {notes!r}")


def csv_values(stdout: str) -> list[float]:
    """The ``lr`` column of ``warmupctl table --format csv`` output (series columns may follow it)."""
    lines = stdout.splitlines()
    assert lines and lines[0].split(",")[:2] == ["step", "lr"], stdout[:200]
    return [float(line.split(",")[1]) for line in lines[1:]]


# --------------------------------------------------------------------------------------------------
# Hostile values
# --------------------------------------------------------------------------------------------------

#: Numbers at the edges: the ones the issue names, and the ones floats and int64 break at.
EDGE_NUMBERS: tuple[Any, ...] = (
    0, -0.0, 1, -1, 2, 0.5, 1.0, 1e-300, 5e-324, 1e308, -1e308, 1.7976931348623157e308, 2**31,
    2**53 + 1, 2**63 - 1, 2**63, -(2**63), 2**64, 10**12, 10**19, 10**30, 10**400,
    float("nan"), float("inf"), float("-inf"),
)
#: Text that a careless config or a copy-paste could hold where a number is expected.
EDGE_TEXT: tuple[str, ...] = (
    "", " ", "0", "-1", "1e-3", "1_000", "1e10", "1e11", "1e12", "1e308", "1e309", "-1e309", "nan",
    "NaN", "inf", "-inf", "Infinity", "0x10", "1/2", "10%", "1,000", "true", "null", "~", "rest",
    "lr", "min_lr", "\x00", "é", "\u202e", "a\nb", "9" * 30, "9" * 5000, "1" + "0" * 4400, "-0",
    "0.1.2", "1e", "--lr", "-", "cosine", "torch.StepLR",
)

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
edge_numbers = st.sampled_from(EDGE_NUMBERS)
edge_text = st.sampled_from(EDGE_TEXT)
small_counts = st.integers(min_value=0, max_value=3000)

#: A scalar of any kind, weighted towards the edges.
hostile_scalar = st.one_of(
    edge_numbers, edge_text, st.integers(), st.floats(), st.booleans(), st.none(),
    st.text(max_size=20), small_counts,
)
#: Any YAML/JSON value, a few levels deep.
hostile_value = st.recursive(
    hostile_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


#: A flag's value: what a user types (always text), bounded so that an accepted length stays cheap.
flag_text = st.one_of(
    edge_text,
    small_counts.map(str),
    st.floats(min_value=0, max_value=2, allow_nan=False).map(repr),
    st.sampled_from(EDGE_NUMBERS).map(str).filter(lambda s: s not in ("1000000000000",)),
    st.text(max_size=12),
)

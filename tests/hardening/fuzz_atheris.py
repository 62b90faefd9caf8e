"""A coverage-guided fuzzer (atheris, libFuzzer) over warmupctl's readers — run by hand, not by pytest.

    pip install atheris
    python tests/hardening/fuzz_atheris.py -atheris_runs=200000            # all readers
    python tests/hardening/fuzz_atheris.py -max_total_time=600 corpus/     # ten minutes, keep a corpus

The first byte of each input picks the reader (a spec file, a spec on stdin, a saved table for diff,
a training config for import, the command line), the rest is its content. A run that breaks the
invariant of tests/hardening/support.py — exit other than 0, 1 or 2, a traceback, more than one error
line, a non-finite LR without a note — raises, and libFuzzer saves the input as ``crash-*``: replay it
with ``python tests/hardening/fuzz_atheris.py crash-...``, then add it to catalogue/cases.yaml.

The hypothesis tests (test_fuzz.py) cover the same readers on every test run; this script searches
deeper, guided by which branches of warmupctl and PyYAML an input reaches.
"""

from __future__ import annotations

import os
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_COLOR", "1")

import atheris  # noqa: E402

with atheris.instrument_imports(include=["warmupctl", "yaml"]):
    import warmupctl.cli  # noqa: F401
    from warmupctl.frameworks._registry import load_libraries
    from warmupctl.spec import configs, load, native, table_file  # noqa: F401

from tests.hardening.support import csv_values, invoke, judge, nonfinite_explained  # noqa: E402

load_libraries()
FOLDER = pathlib.Path(tempfile.mkdtemp(prefix="warmupctl-atheris-"))
SPEC_B = FOLDER / "b.yaml"
SPEC_B.write_text("kind: linear\ntotal_steps: 40\nwarmup_steps: 4\n")


def one_input(data: bytes) -> None:
    if not data:
        return
    reader, body = data[0] % 5, data[1:]
    if reader == 0:  # a spec file
        path = FOLDER / ("spec.json" if body[:1] == b"{" else "spec.yaml")
        path.write_bytes(body)
        args, stdin = ["table", str(path), "--format", "csv", "--steps", "20"], None
    elif reader == 1:  # a spec on standard input
        args, stdin = ["table", "-", "--format", "csv", "--steps", "20"], body
    elif reader == 2:  # a saved table
        path = FOLDER / ("golden.json" if body[:1] == b"{" else "golden.csv")
        path.write_bytes(body)
        args, stdin = ["diff", str(path), str(SPEC_B), "--format", "json"], None
    elif reader == 3:  # a training config
        path = FOLDER / "config.yaml"
        path.write_bytes(body)
        args, stdin = ["import", str(path)], None
    else:  # the command line: NUL-separated arguments, bounded so a run stays short
        words = body.decode("utf-8", errors="replace").split("\0")[:12]
        args, stdin = ["table", *words, "--steps", "20", "--format", "csv"], None
    result = invoke(args, input=stdin)
    judge(result, repr(data[:200]), may_differ=args[0] == "diff")
    if result.exit_code == 0 and args[0] == "table":
        nonfinite_explained(csv_values(result.stdout), result.stderr, repr(data[:200]))


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Every ``>>>`` example in warmupctl's docstrings runs, in every module, as part of the test command.

This is ``pytest --doctest-modules warmupctl`` with two differences: a module whose optional library
is missing (``warmupctl/torch.py`` without torch) is skipped, not a collection error, and a module
with no example is not collected at all. Examples are checked with ``ELLIPSIS`` (``...`` in an
expected traceback or a long repr) and nothing else: the printed values are the documentation.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "warmupctl"

#: Modules that need a library warmupctl does not depend on, and that library.
OPTIONAL = {"warmupctl.torch": "torch"}


def _module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>>" not in path.read_text(encoding="utf-8"):
            continue
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


MODULES = _module_names()


def _examples(module: object) -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [test for test in finder.find(module) if test.examples]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name])
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.ELLIPSIS)
    failures = []
    for test in _examples(module):
        result = runner.run(test, out=failures.append, clear_globs=True)
        del result
    assert not failures, "".join(failures)


def test_the_examples_are_found():
    """Guards the collection above: the modules with examples are found and their examples counted."""
    count = sum(len(test.examples) for name in MODULES if name not in OPTIONAL
                for test in _examples(importlib.import_module(name)))
    assert "warmupctl.core.steps" in MODULES and "warmupctl.spec.files" in MODULES
    assert count >= 130, count

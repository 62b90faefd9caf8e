"""Every example of docs/python.md runs: its doctest blocks (those marked '# needs: torch' where
torch is installed)."""

import doctest
import importlib.util
import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "python.md"
BLOCKS = re.findall(r"```pycon\n(>>>.*?)```", DOC.read_text(), re.DOTALL)
HAS_TORCH = importlib.util.find_spec("torch") is not None


def test_the_page_has_examples():
    assert len(BLOCKS) >= 5


def test_the_examples_run():
    globs: dict = {}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.ELLIPSIS)
    ran = 0
    for index, block in enumerate(BLOCKS):
        if "# needs: torch" in block and not HAS_TORCH:
            continue
        test = parser.get_doctest(block, globs, f"python.md[{index}]", str(DOC), 0)
        runner.run(test, clear_globs=False)
        globs = test.globs
        ran += 1
    result = runner.summarize(verbose=False)
    assert ran and result.failed == 0


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_the_torch_examples_ran():
    assert sum("# needs: torch" in block for block in BLOCKS) == 2

"""The README and docs/*.md: the set-up commands CI runs, every command and key, and every example.

Every ```console block of README.md and docs/*.md is run: each ``$ warmupctl ...`` line is invoked
(in-process, in a scratch folder holding ``sample_configs``, ``tests`` and the files of
``tests/data/docs``, at 80 columns, no colour) and what it prints — stdout, then stderr — must be
the lines shown under it. Two elisions keep an example short: a line ``…`` stands for any number
of lines, and a line ending in ``…`` stands for any line that starts with the text before it.
Commands of one block run in order in the same folder, so a block may write a file and read it.
"""

from __future__ import annotations

import pathlib
import re
import shlex
import shutil
from dataclasses import dataclass

import pytest

from warmupctl.core.vocabulary import KEYS

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PAGES = sorted((ROOT / "docs").glob("*.md"))
DOCS_DATA = ROOT / "tests" / "data" / "docs"
ELLIPSIS = "…"


@dataclass(frozen=True)
class Example:
    """One ``$ warmupctl ...`` line of a console block and the lines shown under it."""

    command: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    """A ```console block: where it is and its examples, run in order."""

    where: str
    examples: tuple[Example, ...]


def console_blocks(path: pathlib.Path) -> list[Block]:
    """The ```console blocks of a markdown file."""
    blocks = []
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() != "```console":
            index += 1
            continue
        start = index + 1
        end = start
        while lines[end].strip() != "```":
            end += 1
        examples: list[Example] = []
        for line in lines[start:end]:
            if line.startswith("$ "):
                examples.append(Example(line[2:], ()))
            else:
                assert examples, f"{path.name}:{start}: a console block starts with a '$ ' line"
                last = examples[-1]
                examples[-1] = Example(last.command, last.expected + (line,))
        blocks.append(Block(f"{path.relative_to(ROOT)}:{start}", tuple(examples)))
        index = end + 1
    return blocks


ALL_BLOCKS = [block for path in [ROOT / "README.md", *PAGES] for block in console_blocks(path)]


def matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """Whether ``actual`` is ``expected`` with its elisions (``…`` lines and ``…`` line ends)."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == ELLIPSIS:
        return any(matches(rest, actual[skip:]) for skip in range(len(actual) + 1))
    if not actual:
        return False
    prefix = head.endswith(ELLIPSIS)
    ok = actual[0].startswith(head[: -len(ELLIPSIS)]) if prefix else actual[0] == head
    return ok and matches(rest, actual[1:])


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A folder that looks like a clone: sample_configs, tests, and the docs' own files."""
    for name in ("sample_configs", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    if DOCS_DATA.is_dir():
        shutil.copytree(DOCS_DATA, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=[block.where for block in ALL_BLOCKS])
def test_console_example_prints_what_the_docs_show(block, scratch, runner):
    from warmupctl.cli import app

    for example in block.examples:
        words = shlex.split(example.command)
        assert words[0] == "warmupctl", f"{block.where}: only warmupctl commands run: {example.command}"
        result = runner.invoke(app, words[1:])
        assert result.exit_code in (0, 1, 2), (example.command, result.output, result.exception)
        printed = (result.stdout + result.stderr).splitlines()
        actual = [line.rstrip() for line in printed]
        while actual and not actual[-1]:
            actual.pop()
        expected = tuple(line.rstrip() for line in example.expected)
        assert matches(expected, actual), (
            f"{block.where}: $ {example.command}\n--- the docs show:\n" + "\n".join(expected)
            + "\n--- it prints:\n" + "\n".join(actual))


#: A ```python block that is a sketch of the user's own program (a Trainer with their model and data)
#: starts with this comment and is not run.
SKETCH = "# sketch:"
#: The doctest blocks of docs/python.md follow each other (one session): tests/test_python_doc.py runs
#: them in order.
DOCTEST_PAGES = {"python.md"}

PYTHON_BLOCKS = [(f"{path.relative_to(ROOT)}:{number}", code)
                 for path in [ROOT / "README.md", *PAGES]
                 for number, code in enumerate(re.findall(r"^```python\n(.*?)^```", path.read_text(),
                                                          re.MULTILINE | re.DOTALL))
                 if not code.startswith(SKETCH)
                 and not (path.name in DOCTEST_PAGES and code.startswith(">>>"))]


@pytest.mark.parametrize("where,code", PYTHON_BLOCKS, ids=[where for where, _ in PYTHON_BLOCKS])
def test_python_example_runs(where, code, scratch):
    if code.startswith(">>>"):
        import doctest

        test = doctest.DocTestParser().get_doctest(code, {}, where, where, 0)
        runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.ELLIPSIS)
        runner.run(test)
        assert runner.summarize(verbose=False).failed == 0, where
        return
    exec(compile(code, where, "exec"), {"__name__": "docs_example"})


def test_the_elisions_match_what_they_say():
    assert matches(("a", ELLIPSIS, "d"), ["a", "b", "c", "d"])
    assert matches(("a", ELLIPSIS), ["a"])
    assert matches(("ab…",), ["abc"])
    assert not matches(("a", ELLIPSIS, "d"), ["a", "b"])
    assert not matches(("ab…",), ["ac"])
    assert not matches(("a",), ["a", "b"])


def test_readme_first_command_is_the_products_first_run():
    assert "pip install . && warmupctl plot --kind cosine --ratio 0.1" in README


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"^(pip install '\.\[test\]' && python -m pytest[^\n#]*?)\s*#", README,
                        re.MULTILINE).group(1)
    assert command in ci


def test_readme_is_a_front_door():
    assert len(README.encode()) <= 10 * 1024
    for page in PAGES:
        assert f"(docs/{page.name})" in README, f"README links to docs/{page.name}"


def test_every_command_is_in_the_readme_and_every_key_in_the_specs_page():
    from warmupctl.cli import app

    specs = (ROOT / "docs" / "specs.md").read_text()
    for command in app.registered_commands:
        assert f"`warmupctl {command.name}" in README, command.name
    for key in KEYS:
        assert f"`{key}`" in specs, key


def test_docs_speak_only_of_what_a_user_can_see():
    """Every document a page names is in the repository (beside the page or from its root), but for
    a file the page's own example writes (``> report.md``, ``-o table.md``): a user cannot open a
    maintainer's document that is not there."""
    for path in [ROOT / "README.md", *PAGES]:
        text = path.read_text()
        written = set(re.findall(r"(?:>|-o)\s+([\w./-]+\.md)\b", text))
        for name in re.findall(r"(?<![\w/.:-])([\w./-]+\.md)\b", text):
            if name not in written:
                assert (path.parent / name).exists() or (ROOT / name).exists(), f"{path.name}: {name}"
        assert not re.search(r"\bseeds?\b", text, re.IGNORECASE), path.name


def test_every_relative_link_and_image_exists():
    for path in [ROOT / "README.md", *PAGES]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text()):
            if "://" in target:
                continue
            assert (path.parent / target).exists(), f"{path.name}: {target}"


def anchors(path: pathlib.Path) -> set[str]:
    """The #fragments GitHub gives a page's headings: lower case, punctuation dropped, spaces to -."""
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.MULTILINE | re.DOTALL)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}


def test_every_link_to_a_heading_finds_it():
    for path in [ROOT / "README.md", *PAGES]:
        for target, fragment in re.findall(r"\]\(([^)#\s]*)#([^)\s]+)\)", path.read_text()):
            if "://" in target:
                continue
            page = path.parent / target if target else path
            assert fragment in anchors(page), f"{path.name}: {target}#{fragment}"


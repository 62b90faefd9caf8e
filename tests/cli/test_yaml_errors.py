"""Every YAML error is warmupctl's one line with a hint, never PyYAML's raw message."""

import pytest

CASES = {
    "tab": ("kind: cosine\nargs:\n\tlr: 1\n",
            "YAML syntax error at line 3, column 1: a tab, where YAML takes only spaces; "
            "indent with spaces: replace the tab"),
    "tab-after-a-key": ("a: 1\n\tb: 2\n",
                        "YAML syntax error at line 2, column 1: a tab, where YAML takes only spaces; "
                        "indent with spaces: replace the tab"),
    "no-colon": ("kind: cosine\nlr 1e-3\ntotal_steps: 5\n",
                 "YAML syntax error at line 2, column 1: could not find expected ':'; each line of a "
                 "mapping is 'key: value': is the colon missing?"),
    "over-indented": ("kind: cosine\n  lr: 1\n",
                      "YAML syntax error at line 2, column 5: mapping values are not allowed here; write "
                      "'key: value' with a space after the colon, indent a nested key under its parent, "
                      "or quote a value that holds ': '"),
    "under-indented": ("phases:\n  - steps: 5\n   shape: linear\n",
                       "YAML syntax error at line 3, column 4: expected <block end>, but found "
                       "'<block mapping start>'; check the indentation: the keys of one mapping start in "
                       "the same column, with spaces"),
    "alias": ("a: *x\n", "YAML syntax error at line 1, column 4: found undefined alias 'x'; define the "
                         "anchor (&name) before its alias (*name)"),
    "list": ("a: [1, 2\n", "YAML syntax error at line 2, column 1: expected ',' or ']', but got "
                           "'<stream end>'; close the list with ]"),
    "flow-mapping": ("a: {b: 1\n", "YAML syntax error at line 2, column 1: expected ',' or '}', but got "
                                   "'<stream end>'; close the mapping with }"),
    "quote": ('a: "abc\nb: 1\n', "YAML syntax error at line 1, column 4: found unexpected end of stream; "
                                 "close the quote"),
    "reserved": ("a: @x\n", "YAML syntax error at line 1, column 4: found character '@' that cannot start "
                            "any token; quote the value: YAML reserves @, ` and % at the start of one"),
    "documents": ("a: 1\n---\nb: 2\n", "YAML syntax error at line 2, column 1: expected a single document "
                                       "in the stream, but found another document; a spec is one YAML "
                                       "document: remove the '---' line, or split the file"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_yaml_error_is_one_line_with_a_hint(cli, tmp_path, name):
    text, message = CASES[name]
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    result = cli("table", str(spec))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {spec}: {message}\n"


BROKEN = ["a:\n\t- 1\n", "a: b: c\n", "- a\nb: 1\n", "a: 'x\n", "a: [\n", "a: {\n", "? a\n: b\n: c\n",
          "a: !!int 1.5\n", "&a x: &a y\n", "a: `x`\n", "a: %x\n", "[a, b\n", "a:\n  - b\n  c: 1\n",
          "a: |\n b\n\tc\n", "a: 1\n  b: 2\n", "'a': 'b' c\n", "a: 1\n...\nb\n", "!!map a\n", "a: !x [1\n"]


@pytest.mark.parametrize("text", BROKEN)
def test_every_yaml_error_has_a_hint(cli, tmp_path, text):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    result = cli("table", str(spec))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {spec}: "), result.stderr
    if "YAML" in lines[0]:
        assert "; " in lines[0].partition("YAML")[2], lines[0]
    assert "\\t' that cannot start any token" not in lines[0]

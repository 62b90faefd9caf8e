"""``warmupctl diff``: the golden workflow of docs/ci.md, exit codes as diff(1), and the report."""

import json
import pathlib
import re

import numpy as np
import pytest
import yaml

import warmupctl
from warmupctl.calc.compare import ATOL_SCALE, RTOL, compare
from warmupctl.spec.table_file import read_table

COSINE = {"kind": "cosine", "warmup_steps": 100, "total_steps": 1000, "lr": 1e-4}


@pytest.fixture
def spec(tmp_path):
    """Write a native spec file: ``spec("a.yaml", warmup_steps=101)`` (COSINE by default)."""

    def write(name: str = "a.yaml", **keys) -> str:
        path = tmp_path / name
        path.write_text(yaml.safe_dump({**COSINE, **keys}))
        return str(path)

    return write


@pytest.fixture
def golden(cli, spec, tmp_path):
    """``warmupctl table SPEC --format csv -o golden.csv``: (spec path, golden path)."""

    def write(fmt: str = "csv", *extra: str, name: str | None = None) -> tuple[str, str]:
        source = spec()
        out = str(tmp_path / (name or f"golden.{fmt}"))
        result = cli("table", source, "--format", fmt, "-o", out, *extra)
        assert result.exit_code == 0, result.stderr
        return source, out

    return write


def flat(text: str) -> str:
    """The text with Rich's line wrapping undone (temporary paths are long)."""
    return " ".join(text.split())


def report(result) -> dict:
    return json.loads(result.stdout)


def edit_line(path: str, number: int, new: str) -> str:
    """Replace line ``number`` (1-based) of a text file; returns the old line."""
    with open(path) as handle:
        lines = handle.read().split("\n")
    old, lines[number - 1] = lines[number - 1], new
    with open(path, "w", newline="\n") as handle:
        handle.write("\n".join(lines))
    return old


# --- the scenarios of the issue ------------------------------------------------------------------


def test_two_equal_specs_are_the_same(cli, spec):
    result = cli("diff", spec("a.yaml"), spec("b.yaml"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("same: ") and "all 1000 updates, bit for bit" in flat(result.stdout)
    assert result.stderr == ""


def test_a_warmup_one_update_longer_differs_from_update_1(cli, spec):
    a, b = spec("a.yaml"), spec("b.yaml", warmup_steps=101)
    result = cli("diff", a, b, "--format", "json")
    assert result.exit_code == 1, result.stderr
    document = report(result)
    first = document["first_difference"]
    # lr[k] = k/W · peak during the warmup: update 0 is 0 on both sides, update 1 already differs.
    expected_a = warmupctl.schedule(**COSINE)(1)
    expected_b = warmupctl.schedule(**{**COSINE, "warmup_steps": 101})(1)
    assert (first["step"], first["a"], first["b"]) == (1, expected_a, expected_b)
    assert first["a"] == pytest.approx(1e-4 / 100) and first["b"] == pytest.approx(1e-4 / 101)
    assert document["differing"] == 999  # every update but update 0
    largest = document["largest_abs_difference"]
    assert largest["step"] == 100 and largest["abs_diff"] == pytest.approx(1e-4 / 101)
    changed = {e["event"]: (e["a"], e["b"]) for e in document["changed_events"]}
    assert changed["warmup end"] == (100, 101)
    assert changed["peak step"] == (100, 101)
    text = cli("diff", a, b)
    assert text.exit_code == 1
    assert flat(text.stdout).startswith("different: 999 of 1000 updates differ beyond rtol 1e-09")
    assert "warmup end (changed)" in text.stdout and "peak (changed)" in text.stdout


def test_a_golden_written_then_checked_is_the_same(cli, golden):
    source, out = golden()
    result = cli("diff", source, out)
    assert result.exit_code == 0, result.stderr
    assert "bit for bit" in flat(result.stdout)
    assert cli("diff", out, source).exit_code == 0


def test_a_tampered_golden_names_its_line(cli, golden):
    source, out = golden()
    step = 437
    old = edit_line(out, step + 2, f"{step},0.00005")
    assert old.startswith(f"{step},")
    result = cli("diff", source, out, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"::error file={out},line={step + 2},title=warmupctl diff%3A schedule changed::"
                               f"the LR of update {step} changed: ")
    assert f"{out} has 5e-05 (line {step + 2}); 1 of 1000 updates differ" in lines[0]
    assert lines[-1].startswith("warmupctl diff: different: 1 of 1000 updates differ")
    document = report(cli("diff", source, out, "-f", "json"))
    assert document["first_difference"]["line_b"] == step + 2
    assert document["first_difference"]["line_a"] is None
    assert document["first_difference"]["a"] == float(old.split(",")[1])
    table = cli("diff", source, out).stdout
    assert f"update {step}, line {step + 2}" in flat(table)


def test_the_same_plot_with_diff_has_a_second_panel(cli, spec, tmp_path):
    out = tmp_path / "d.svg"
    result = cli("plot", spec("a.yaml"), spec("b.yaml", warmup_steps=101), "--diff", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    svg = out.read_text()
    assert svg.count('id="axes_') == 2
    assert "difference Δ lr[k]" in svg
    assert "max |Δ| 9.9e-07 @ 100" in svg  # what `warmupctl diff` calls the largest |A−B|
    one = cli("plot", spec("a.yaml"), "--diff", "-o", str(tmp_path / "one.svg"))
    assert one.exit_code == 2 and one.stderr.startswith("error: command line: --diff: needs two")
    assert not (tmp_path / "one.svg").exists()


# --- tolerances ---------------------------------------------------------------------------------


def test_ulp_noise_is_the_same_and_bit_exactness_can_be_asked(cli, golden):
    source, out = golden()
    old = edit_line(out, 502, "")  # update 500
    noisy = float(old.split(",")[1]) * (1 + 4e-16)
    edit_line(out, 502, f"500,{noisy!r}")
    same = cli("diff", source, out)
    assert same.exit_code == 0 and "within rtol 1e-09, atol 1e-16" in flat(same.stdout)
    assert re.search(r"\(largest difference \d\.?\d*e-20 at update 500\)", flat(same.stdout))
    exact = cli("diff", source, out, "--rtol", "0", "--atol", "0", "-f", "json")
    assert exact.exit_code == 1 and report(exact)["first_difference"]["step"] == 500


def test_default_tolerances_are_documented_values(cli):
    help_text = cli("diff", "-h").stdout
    assert RTOL == 1e-9 and "1e-9" in help_text
    assert ATOL_SCALE == 1e-12 and "1e-12 × the largest |LR|" in help_text


def test_atol_scales_with_the_peak(cli, spec):
    a, b = spec("a.yaml", lr=3.0), spec("b.yaml", lr=3.0)
    assert report(cli("diff", a, b, "-f", "json"))["atol"] == 3e-12


@pytest.mark.parametrize(("flag", "value", "words"), [
    ("--rtol", "nan", "--rtol: must be a finite number (got 'nan')"),
    ("--atol", "-1", "--atol: must not be negative (got '-1')"),
    ("--rtol", "abc", "--rtol: expected a number (got 'abc')"),
])
def test_bad_tolerances(cli, spec, flag, value, words):
    result = cli("diff", spec(), spec("b.yaml"), flag, value)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"error: command line: {words}" + result.stderr.split(words)[1]


# --- lengths, sparse tables, JSON tables, two tables -----------------------------------------------


def test_a_shorter_golden_is_a_length_mismatch(cli, golden):
    source, out = golden()
    with open(out) as handle:
        kept = handle.readlines()[:901]  # header + updates 0..899
    with open(out, "w") as handle:
        handle.writelines(kept)
    result = cli("diff", source, out, "-f", "github")
    assert result.exit_code == 1
    assert f"::error file={out},line=901,title=warmupctl diff%3A length changed::" \
           f"{source} has 1000 updates, {out} has 900" in result.stdout
    document = report(cli("diff", source, out, "-f", "json"))
    assert document["length_mismatch"] and document["differing"] == 0 and document["compared"] == 900
    assert "final step" in {e["event"] for e in document["changed_events"]}


def test_specs_of_different_length_differ_even_with_equal_values(cli, spec):
    a = spec("a.yaml", kind="constant", warmup_steps=0, total_steps=1000)
    b = spec("b.yaml", kind="constant", warmup_steps=0, total_steps=1200)
    result = cli("diff", a, b)
    assert result.exit_code == 1
    assert f"different: {a} has 1000 updates, {b} 1200" in flat(result.stdout)
    # --steps compares a given length: both runs are then 500 updates.
    assert cli("diff", a, b, "--steps", "500").exit_code == 0


def test_a_sparse_golden_compares_at_its_own_updates(cli, golden):
    source, out = golden("csv", "--every", "100")
    result = cli("diff", source, out, "-f", "json")
    assert result.exit_code == 0, result.stdout
    document = report(result)
    assert document["compared"] == 11 and document["b"]["events"]["rows"] == 11
    assert document["b"]["length"] == 1000
    edit_line(out, 4, "200,1.0")  # row 2 is update 200
    tampered = report(cli("diff", source, out, "-f", "json"))
    assert tampered["first_difference"]["step"] == 200 and tampered["first_difference"]["line_b"] == 4


def test_a_json_golden(cli, golden):
    source, out = golden("json")
    assert cli("diff", source, out).exit_code == 0
    step = 250
    old = edit_line(out, step + 5, f'{{"lr": 0.5, "step": {step}}},')
    assert f'"step": {step}}}' in old
    result = cli("diff", source, out, "-f", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"::error file={out},line={step + 5},")


def test_two_tables(cli, golden, tmp_path):
    source, out = golden()
    copy = tmp_path / "copy.csv"
    copy.write_bytes(pathlib.Path(out).read_bytes())
    assert cli("diff", out, str(copy)).exit_code == 0
    edit_line(str(copy), 12, "10,0.5")
    document = report(cli("diff", out, str(copy), "-f", "json"))
    assert document["first_difference"]["line_a"] == 12 and document["first_difference"]["line_b"] == 12
    # Rows that stop naming the same update end the comparison.
    sparse = tmp_path / "sparse.csv"
    sparse.write_text("step,lr\n0,0.0\n2,2e-06\n")
    mismatch = cli("diff", out, str(sparse), "-f", "json")
    assert mismatch.exit_code == 1
    assert report(mismatch)["steps_mismatch"] == {"row": 1, "step_a": 1, "step_b": 2, "line_a": 3,
                                                  "line_b": 3}
    assert "the rows stop naming the same updates at row 2: update 1 in" in flat(
        cli("diff", out, str(sparse)).stdout)
    assert "--steps does not apply" in cli("diff", out, str(copy), "--steps", "5").stderr


def test_standard_input(cli, golden):
    source, out = golden()
    csv_text = pathlib.Path(out).read_text()
    assert cli("diff", source, "-", input=csv_text).exit_code == 0
    assert cli("diff", "-", out, input=pathlib.Path(source).read_text()).exit_code == 0
    both = cli("diff", "-", "-", input=csv_text)
    assert both.exit_code == 2 and "cannot both be standard input" in both.stderr


def test_a_and_b_swapped_give_the_mirror_report(cli, spec):
    a, b = spec("a.yaml"), spec("b.yaml", lr=2e-4, warmup_steps=50)
    ab, ba = report(cli("diff", a, b, "-f", "json")), report(cli("diff", b, a, "-f", "json"))
    assert ab["differing"] == ba["differing"]
    assert ab["first_difference"]["step"] == ba["first_difference"]["step"]
    assert (ab["first_difference"]["a"], ab["first_difference"]["b"]) == (
        ba["first_difference"]["b"], ba["first_difference"]["a"])


# --- formats ------------------------------------------------------------------------------------


def test_json_report_is_stable(cli, spec):
    result = cli("diff", spec(), spec("b.yaml", warmup_steps=101), "--format", "json")
    text = result.stdout
    document = json.loads(text)
    assert list(document) == sorted(document) and text.endswith("}\n")
    assert document["format_version"] == 1
    assert set(document) == {
        "a", "atol", "b", "changed_events", "compared", "differing", "first_difference",
        "format_version", "identical", "largest_abs_difference", "largest_rel_difference",
        "length_mismatch", "rtol", "same", "steps_mismatch"}
    assert document["a"]["kind"] == "spec" and document["a"]["spec"]["warmup_steps"] == 100
    assert document["b"]["events"]["warmup_steps"] == 101


def test_github_format_when_the_same_is_one_plain_line(cli, golden):
    source, out = golden()
    result = cli("diff", source, out, "-f", "github")
    assert result.exit_code == 0
    assert result.stdout == f"warmupctl diff: same: {source} and {out} agree on all 1000 updates, bit for bit\n"


def test_output_file(cli, spec, tmp_path):
    out = tmp_path / "report.json"
    result = cli("diff", spec(), spec("b.yaml", warmup_steps=101), "-f", "json", "-o", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    assert f"wrote {out}" in result.stderr
    assert json.loads(out.read_text())["same"] is False


# --- bad input: exit 2, one line, nothing on stdout --------------------------------------------------


@pytest.mark.parametrize(("content", "line", "words"), [
    ("step,lr\n0,0.0\n1,1e-06\n2,2e-06\n3,3e-06\n4,4e-06\n4,4e-06\n", 7, "update 4 again (also on line 6)"),
    ("step,lr\n0,0.0\n1,nan\n", 3, "lr is NaN"),
    ("step,lr\n0,0.0\n1,1e-06", 3, "the last line has no newline"),
    ("when,what\n0,0.0\n", 1, "the header lacks the columns step, lr"),
    ("", 1, "empty file"),
])
def test_a_bad_golden_is_named_with_its_line(cli, spec, tmp_path, content, line, words):
    path = tmp_path / "golden.csv"
    path.write_text(content)
    result = cli("diff", spec(), str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {path}: line {line}: {words}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_bad_spec_or_a_missing_file(cli, spec, tmp_path):
    bad = cli("diff", spec(kind="cosin"), spec("b.yaml"))
    assert bad.exit_code == 2 and "unknown kind" in bad.stderr and "did you mean 'cosine'" in bad.stderr
    missing = cli("diff", spec(), str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "nope.csv: no such file" in missing.stderr


def test_nothing_is_written_on_bad_input(cli, spec, tmp_path):
    bad = tmp_path / "golden.csv"
    bad.write_text("step,lr\n0,x\n")
    out = tmp_path / "report.json"
    result = cli("diff", spec(), str(bad), "-f", "json", "-o", str(out))
    assert result.exit_code == 2 and result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "golden.csv"]  # no report, no temp file


# --- the comparison itself ------------------------------------------------------------------------


def test_chunk_boundaries_change_nothing(tmp_path):
    a = warmupctl.schedule(**COSINE)
    b = warmupctl.schedule(**{**COSINE, "warmup_steps": 101})
    path = tmp_path / "g.csv"
    path.write_text("step,lr\n" + "".join(f"{k},{x!r}\n" for k, x in enumerate(b.values().tolist())))
    table = read_table(str(path))
    reference = compare(a, b)
    for chunk in (1, 7, 100, 999):
        for other in (b, table):
            result = compare(a, other, chunk_size=chunk)
            assert (result.differing, result.first.step, result.largest_abs.step,
                    result.largest_rel.step) == (reference.differing, reference.first.step,
                                                 reference.largest_abs.step, reference.largest_rel.step)


def test_undefined_updates(tmp_path):
    """NaN on both sides is the same (both undefined); NaN on one side is a difference."""
    from warmupctl.engine import Schedule

    def make(values):
        data = np.array(values)
        return Schedule(fn=lambda k: data[np.minimum(k, len(data) - 1)], total_steps=len(data), label="x")

    assert compare(make([1.0, np.nan]), make([1.0, np.nan])).same
    one = compare(make([1.0, np.nan]), make([1.0, 2.0]))
    assert not one.same and one.first.step == 1 and one.first.abs_diff == np.inf

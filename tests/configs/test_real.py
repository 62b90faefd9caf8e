"""Real configs from public repositories (tests/configs/real/, provenance in its README) through
``import``, ``table`` and ``summary``: the trainer's own run length, warmup and LRs, or a clear refusal.

cases.yaml holds each case's hand derivation (N and W from the trainer's source); expected.json the LR
of some updates computed by the trainer's own code (record.py). No case may exit 0 with other numbers.
"""

import json
import pathlib

import pytest
import yaml

REAL = pathlib.Path(__file__).resolve().parent / "real"
CASES = yaml.safe_load((REAL / "cases.yaml").read_text())
EXPECTED = json.loads((REAL / "expected.json").read_text())


@pytest.fixture(autouse=True)
def _no_installed_library(monkeypatch):
    # A case says the version it runs under, or none: then the trainer's pin or the current release
    # decides, whatever this machine has installed.
    from warmupctl.spec.configs import _versions

    monkeypatch.setattr(_versions, "installed", lambda library: None)


def _id(index_case):
    index, case = index_case
    return f"{index}-{case['file']}"


@pytest.mark.parametrize("index_case", list(enumerate(CASES)), ids=_id)
def test_real_config(cli, index_case):
    index, case = index_case
    path = str(REAL / case["file"])
    args = [str(a) for a in case["args"]]
    if "refused" in case:
        for command in (["import"], ["table", "-f", "csv"], ["summary"]):
            result = cli(*command, path, *args)
            assert result.exit_code == 2, (command, result.stdout)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, result.stderr
            assert lines[0].startswith(f"error: {path}: {case['refused']}"), lines[0]
        return
    imported = cli("-q", "import", path, *args)
    assert imported.exit_code == 0, imported.stderr
    spec = yaml.safe_load(imported.stdout)
    assert spec["schedule"] == case["schedule"]
    summary = cli("-q", "summary", path, *args, "--format", "json")
    assert summary.exit_code == 0, summary.stderr
    facts = json.loads(summary.stdout)["summary"]
    assert facts["total_steps"] == case["total_steps"]
    assert facts["warmup_steps"] == case["warmup_steps"]
    # a case's own lr: (Composer's, recorded by record_composer.py), else record.py's expected.json
    want = case.get("lr") or EXPECTED[f"{index}:{case['file']}"]
    table = cli("-q", "table", path, *args, "--format", "csv", "--at", ",".join(want))
    assert table.exit_code == 0, table.stderr
    rows = dict(line.split(",") for line in table.stdout.strip().splitlines()[1:])
    for step, lr in want.items():
        assert float(rows[step]) == pytest.approx(float(lr), rel=1e-12, abs=1e-18), (step, rows[step], lr)


def test_the_folder_holds_25_real_files_with_their_provenance():
    files = {case["file"] for case in CASES}
    assert len(files) >= 25
    readme = (REAL / "README.md").read_text()
    for case in CASES:
        assert (REAL / case["file"]).is_file()
        assert f"`{case['file']}`" in readme and case["commit"] in readme

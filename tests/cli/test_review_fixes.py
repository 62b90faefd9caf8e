"""The reviewer's four: update indices in Python, library warmups under ``check --strict``, the run
bound of ``check`` and its hint in Python, and Typer's bound errors in the house's line."""

import json

import numpy as np
import pytest

import warmupctl
from warmupctl.core.errors import SpecError

STEPLR = "schedule: torch.StepLR\nlr: 0.1\nargs: {step_size: 30, gamma: 0.1}\n"


@pytest.fixture
def steplr(tmp_path):
    path = tmp_path / "steplr.yaml"
    path.write_text(STEPLR)
    return str(path)


def test_update_indices_whole_and_non_negative():
    s = warmupctl.schedule(kind="linear", init_lr=1e-5, min_lr=1e-6)
    assert s(5.0) == s(5) and isinstance(s(5.0), float)
    assert s(np.arange(3.0)).tolist() == s(np.arange(3)).tolist() == s([0, 1, 2]).tolist()
    assert s(np.int32(2)) == s(2)
    with pytest.raises(ValueError, match=r"^update index must be a whole number >= 0 \(got -1\); for the "
                                         r"last update of the run use s\(s.total_steps - 1\)$"):
        s(-1)
    with pytest.raises(ValueError, match=r"^update index must be a whole number >= 0 \(got 2.5\); lr\[k\]"):
        s(2.5)
    with pytest.raises(ValueError, match=r"\(got -2\)"):
        s(np.array([0, -2, 3]))
    with pytest.raises(ValueError, match=r"\(got 1.5\)"):
        s([0.0, 1.5])
    with pytest.raises(ValueError, match=r"\(got nan\)"):
        s(float("nan"))


@pytest.mark.parametrize("sample", ["sample_configs/libraries/transformers_cosine.yaml",
                                    "sample_configs/libraries/deepspeed_cosine.yaml",
                                    "sample_configs/configs/trainer_args.yaml"])
def test_stock_library_warmups_pass_strict(cli, sample):
    result = cli("check", sample, "--strict", "--format", "json")
    assert result.exit_code == 0, result.stdout
    findings = {f["id"]: f["severity"] for f in json.loads(result.stdout)["schedules"][0]["findings"]}
    expected = "W006" if "deepspeed" in sample else "W005"
    assert findings[expected] == "info"  # still reported, as a fact about the library
    assert "warning" not in findings.values()


def test_check_steps_bounds_an_endless_schedule(cli, steplr):
    unbounded = cli("check", steplr)
    assert unbounded.exit_code == 2
    assert "--steps N" in unbounded.stderr  # the hint names a flag check has
    result = cli("check", steplr, "--steps", "100", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)["schedules"][0]
    assert document["total_steps"] == 100
    assert [f["step"] for f in document["findings"] if f["id"] == "W010"] == [30, 60, 90]


def test_load_of_an_endless_schedule_says_the_keyword(steplr):
    with pytest.raises(SpecError) as caught:
        warmupctl.load(steplr)
    assert str(caught.value) == (
        f"{steplr}: total_steps: torch.StepLR has no natural end, so the run length is unknown; pass "
        "total_steps=N (the updates of the run) to warmupctl.load(), or add total_steps: N to the file")
    assert warmupctl.load(steplr, total_steps=90)(89) == pytest.approx(1e-3)  # 0.1 x 0.1^(89 // 30)


@pytest.mark.parametrize("command", ["table", "check", "summary"])
def test_steps_zero_is_the_house_line(cli, command):
    result = cli(command, "--kind", "cosine", "--total-steps", "10", "--steps", "0")
    assert result.exit_code == 2
    assert result.stderr == "error: command line: --steps: must be at least 1 (got 0)\n"


def test_strict_still_fails_on_a_native_warning(cli, tmp_path):
    spec = tmp_path / "fills.yaml"
    spec.write_text("kind: cosine\nlr: 1e-3\nwarmup_steps: 1000\ntotal_steps: 1000\n")
    result = cli("check", str(spec), "--strict", "--format", "json")
    assert result.exit_code == 1
    severities = {f["id"]: f["severity"] for f in json.loads(result.stdout)["schedules"][0]["findings"]}
    assert severities["W004"] == severities["W006"] == "warning"

"""The trainers' own schedulers (axolotl, ...) reproduce values recorded from their real code.

tests/configs/goldens/<library>.json is written by the record_<library>.py script next to it, which
runs the trainer's own scheduler code under torch (see each script's docstring).
"""

import json
import pathlib

import numpy as np
import pytest

from warmupctl.spec import resolve

GOLDENS = pathlib.Path(__file__).resolve().parent / "goldens"


def cases():
    for path in sorted(GOLDENS.glob("*.json")):
        document = json.loads(path.read_text())
        for index, case in enumerate(document["cases"]):
            yield pytest.param(case, id=f"{case['spec']['schedule']}-{index}")


@pytest.mark.parametrize("case", list(cases()))
def test_recorded(case):
    schedule = resolve({**case["spec"], "total_steps": case["steps"]}, source="golden")
    want = np.array(case["lr"])
    np.testing.assert_allclose(schedule.values(case["steps"]), want, rtol=1e-12, atol=1e-12 * want.max())

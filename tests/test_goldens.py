"""Every golden recorded from the real libraries (tests/goldens/*.json) is reproduced.

Tolerances (docs/architecture.md, "Goldens"): 1e-12 relative to the case's peak for the float64 libraries; for optax and
Keras, which compute in float32, a few float32 ulps of each value. A case recorded with ``raises``
must be refused (a SpecError) or give NaN at the first update the library cannot compute.
"""

import importlib.util
import json
import math
import pathlib

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.frameworks import LIBRARY_SCHEDULES, load_libraries
from warmupctl.spec import resolve

GOLDENS = pathlib.Path(__file__).resolve().parent / "goldens"
FLOAT32_LIBRARIES = {"optax", "keras"}
FLOAT32_RTOL = 4 * float(np.finfo(np.float32).eps)  # 4 ulp: XLA's cos/pow may differ from numpy's


def cases():
    for path in sorted(GOLDENS.glob("*.json")):
        document = json.loads(path.read_text())
        for case in document["cases"]:
            yield pytest.param(document["library"], case, id=case["id"])


@pytest.mark.parametrize(("library", "case"), list(cases()))
def test_golden(library, case):
    if importlib.util.find_spec(f"warmupctl.frameworks.{library}") is None:
        pytest.skip(f"warmupctl.frameworks.{library} is not written yet")
    load_libraries()
    if case["spec"]["schedule"] not in LIBRARY_SCHEDULES:
        pytest.fail(f"{case['spec']['schedule']} is not implemented")
    steps = case["steps"]
    # total_steps is only the length warmupctl tabulates (schedules without a natural end need it);
    # giving it to every case also checks that it never changes a value.
    spec = {**case["spec"], "total_steps": steps}
    if "raises" in case:
        try:
            schedule = resolve(spec, source=case["id"])
        except SpecError as exc:
            assert str(exc)  # refused, with a message
            return
        values = schedule.values(steps)
        assert math.isnan(values[steps - 1]), f"the library raises {case['raises']} here"
        assert np.all(np.isfinite(values[: steps - 1]))
        assert schedule.notes, "a schedule that turns to NaN must say why"
        return
    schedule = resolve(spec, source=case["id"])
    got = schedule.values(steps)
    want = np.array(case["lr"], dtype=np.float64)
    assert got.shape == want.shape
    if library in FLOAT32_LIBRARIES:
        np.testing.assert_allclose(got, want, rtol=FLOAT32_RTOL, atol=1e-45)
    else:
        scale = max(float(np.max(np.abs(want))), 1e-300)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * scale)

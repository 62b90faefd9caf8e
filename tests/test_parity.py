"""Live parity: warmupctl against the real libraries, where they are installed (``.ci/run`` installs
them; elsewhere these tests skip).

Two groups: every recorded golden case run live (the goldens stay honest as libraries move), and
fresh cases drawn at random (seeded) for the schedules people use most — cases beyond those in the
repository's goldens, so a fix cannot be fitted to the recorded numbers alone.
"""

import importlib.util
import random

import numpy as np
import pytest

from tests.goldens import cases as golden_cases
from tests.goldens import record
from warmupctl.core.errors import SpecError
from warmupctl.spec import resolve

pytestmark = pytest.mark.parity

FLOAT32_LIBRARIES = {"optax", "keras"}
#: Live optax/Keras calls are eager, like the recorder's; XLA's float32 cos/pow may differ from numpy's.
FLOAT32_RTOL = 4 * float(np.finfo(np.float32).eps)
RANDOM_CASES_PER_SCHEDULE = 6


def _compare(library: str, spec: dict, steps: int) -> None:
    if importlib.util.find_spec(f"warmupctl.frameworks.{library}") is None:
        pytest.skip(f"warmupctl.frameworks.{library} is not written yet")
    try:
        want = record.live_values(spec, steps)
    except ImportError as exc:
        pytest.skip(f"{library} is not installed: {exc}")
    got = resolve({**spec, "total_steps": steps}, source="parity").values(steps)
    want = np.array(want, dtype=np.float64)
    if library in FLOAT32_LIBRARIES:
        np.testing.assert_allclose(got, want, rtol=FLOAT32_RTOL, atol=1e-45)
    else:
        scale = max(float(np.max(np.abs(want))), 1e-300)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("case", [c for c in golden_cases.CASES if "raises" not in c],
                         ids=lambda c: c["id"])
def test_golden_case_live(case):
    library = case["spec"]["schedule"].split(".")[0]
    _compare(library, case["spec"], case["steps"])


def _random_specs():
    """Seeded random cases: (id, library, spec, steps)."""
    rng = random.Random(20261122)
    out = []

    def add(name: str, make):
        for i in range(RANDOM_CASES_PER_SCHEDULE):
            spec, steps = make()
            out.append((f"{name}-{i}", name.split(".")[0], spec, steps))

    def hf(kind: str, extra=None):
        def make():
            total = rng.randint(2, 300)
            warmup = rng.randint(0, total)
            args = {"num_warmup_steps": warmup, "num_training_steps": total, **(extra() if extra else {})}
            return {"schedule": f"transformers.{kind}", "lr": rng.choice([1e-4, 3e-4, 0.1, 1.0]),
                    "args": args}, total + rng.randint(1, 40)
        return make

    add("transformers.linear", hf("linear"))
    add("transformers.cosine", hf("cosine", lambda: {"num_cycles": rng.choice([0.5, 1.0, 1.5, 2.0])}))
    add("transformers.cosine_with_min_lr", hf("cosine_with_min_lr",
                                              lambda: {"min_lr_rate": rng.uniform(0, 0.5)}))

    def torch_make(name: str, args):
        def make():
            return {"schedule": f"torch.{name}", "lr": rng.choice([0.01, 0.1, 1.0]), "args": args()}, \
                rng.randint(5, 250)
        return make

    add("torch.CosineAnnealingLR", torch_make("CosineAnnealingLR", lambda: {
        "T_max": rng.randint(1, 120), "eta_min": rng.choice([0.0, 1e-4, 1e-3])}))
    add("torch.LinearLR", torch_make("LinearLR", lambda: {
        "start_factor": rng.uniform(0.01, 1.0), "end_factor": rng.uniform(0.0, 1.0),
        "total_iters": rng.randint(1, 100)}))
    add("torch.StepLR", torch_make("StepLR", lambda: {
        "step_size": rng.randint(1, 50), "gamma": rng.uniform(0.1, 0.99)}))
    add("torch.OneCycleLR", lambda: ({"schedule": "torch.OneCycleLR", "lr": 0.1, "args": {
        "max_lr": rng.choice([0.1, 1.0]), "total_steps": (n := rng.randint(20, 200)),
        "pct_start": rng.uniform(0.1, 0.5), "anneal_strategy": rng.choice(["cos", "linear"]),
        "three_phase": rng.choice([False, True])}}, n + 1))

    def optax_make():
        total = rng.randint(2, 200)
        return {"schedule": "optax.warmup_cosine_decay_schedule", "args": {
            "init_value": rng.choice([0.0, 1e-4]), "peak_value": rng.choice([1e-3, 0.1]),
            "warmup_steps": (w := rng.randint(0, total - 1)), "decay_steps": rng.randint(w + 1, total + 50),
            "end_value": rng.choice([0.0, 1e-5])}}, total + 20

    add("optax.warmup_cosine_decay_schedule", optax_make)
    add("keras.CosineDecay", lambda: ({"schedule": "keras.CosineDecay", "args": {
        "initial_learning_rate": rng.choice([0.0, 1e-3]), "decay_steps": rng.randint(1, 150),
        "alpha": rng.choice([0.0, 0.1]), "warmup_target": rng.choice([None, 0.1]),
        "warmup_steps": rng.randint(0, 50)}}, rng.randint(10, 250)))
    add("timm.CosineLRScheduler", lambda: ({"schedule": "timm.CosineLRScheduler", "lr": 0.1,
                                            "args": {"t_initial": rng.randint(5, 120),
                                                     "warmup_t": rng.randint(0, 20),
                                                     "warmup_lr_init": rng.choice([0.0, 1e-5]),
                                                     "lr_min": rng.choice([0.0, 1e-4]),
                                                     "warmup_prefix": rng.choice([False, True]),
                                                     "t_in_epochs": False}}, rng.randint(10, 250)))
    add("deepspeed.WarmupDecayLR", lambda: ({"schedule": "deepspeed.WarmupDecayLR", "args": {
        "total_num_steps": (t := rng.randint(10, 200)), "warmup_num_steps": rng.randint(1, t - 1),
        "warmup_max_lr": 0.01, "warmup_type": rng.choice(["log", "linear"])}}, t + 10))
    return out


@pytest.mark.parametrize(("library", "spec", "steps"),
                         [pytest.param(lib, spec, steps, id=cid) for cid, lib, spec, steps in _random_specs()])
def test_random_case_live(library, spec, steps):
    try:
        _compare(library, spec, steps)
    except SpecError as exc:
        # warmupctl refuses only what the library itself would refuse: then the library must raise.
        try:
            record.live_values(spec, steps)
        except ImportError:
            pytest.skip(f"{library} is not installed")
        except Exception:  # noqa: BLE001 - the library's own error, any type
            return
        pytest.fail(f"warmupctl refused a spec the library accepts: {exc}")

"""Inference from a log alone: each family planted with known parameters is found with them, printed as
a spec that reads back to the log's values (the round trip), with skipped steps too."""

import numpy as np
import pytest

from warmupctl.calc.explain import explain
from warmupctl.calc.infer import infer
from warmupctl.spec.resolve import resolve

FAMILIES = [
    ("transformers.cosine", {"schedule": "transformers.cosine", "lr": 3e-4,
                             "args": {"num_warmup_steps": 40, "num_training_steps": 900}}),
    ("cosine", {"kind": "cosine", "lr": 3e-4, "min_lr": 3e-5, "warmup_steps": 40, "total_steps": 900}),
    ("linear", {"kind": "linear", "lr": 1e-3, "min_lr": 1e-4, "warmup_steps": 25, "total_steps": 700}),
    ("polynomial", {"kind": "polynomial", "lr": 5e-4, "min_lr": 1e-5, "power": 2.0, "warmup_steps": 30,
                    "total_steps": 800}),
    ("polynomial", {"kind": "polynomial", "lr": 5e-4, "power": 0.5, "warmup_steps": 30,
                    "total_steps": 800}),
    ("inverse_sqrt", {"kind": "inverse_sqrt", "lr": 1e-3, "warmup_steps": 50, "total_steps": 900}),
    ("inverse_sqrt", {"kind": "inverse_sqrt", "lr": 1e-3, "warmup_steps": 50, "total_steps": 900,
                      "timescale": 200.0}),
    ("step", {"kind": "step", "lr": 0.1, "warmup_steps": 5, "total_steps": 900, "step_size": 300,
              "gamma": 0.1}),
    ("multistep", {"kind": "multistep", "lr": 0.1, "warmup_steps": 10, "total_steps": 900,
                   "milestones": [300, 700], "gamma": 0.2}),
    ("wsd", {"kind": "wsd", "lr": 6e-4, "min_lr": 6e-5, "warmup_steps": 50, "total_steps": 900,
             "decay_steps": 180, "decay_shape": "cosine"}),
    ("wsd", {"kind": "wsd", "lr": 6e-4, "warmup_steps": 50, "total_steps": 900, "decay_steps": 90,
             "decay_shape": "1-sqrt"}),
    ("wsd", {"kind": "wsd", "lr": 6e-4, "warmup_steps": 20, "total_steps": 900, "decay_steps": 300,
             "decay_shape": "linear"}),
    ("transformers.constant_with_warmup", {"schedule": "transformers.constant_with_warmup", "lr": 2e-4,
                                           "args": {"num_warmup_steps": 30}, "total_steps": 900}),
]


@pytest.mark.parametrize(("family", "spec"), FAMILIES)
def test_each_family_is_inferred_with_its_parameters(family, spec):
    truth = resolve(spec)
    k = np.arange(900)
    found = infer(k + 1, truth(k), facts={"max_steps": 900})[0]
    assert found.family == family and found.offset == 1 and found.residual == 0
    assert found.spec == spec
    # The round trip: the spec printed reads back to the log's values, bit for bit.
    assert np.array_equal(resolve(found.spec)(k), truth(k))


@pytest.mark.parametrize(("family", "spec"), [FAMILIES[1], FAMILIES[3], FAMILIES[9]])
def test_a_family_logged_every_7_updates(family, spec):
    truth = resolve(spec)
    k = np.arange(6, 900, 7)
    found = infer(k + 1, truth(k), facts={"max_steps": 900})[0]
    assert found.family == family and found.residual == 0
    assert np.array_equal(resolve(found.spec)(k), truth(k))


@pytest.mark.parametrize(("family", "spec", "skipped"), [
    (*FAMILIES[0], [0, 1, 120, 121, 122, 600]),
    (*FAMILIES[1], [3, 120, 121, 122, 600]),
    # WSD: skips while the LR is held leave no trace; these are in the warmup and the decay.
    (*FAMILIES[9], [0, 1, 10, 750, 751, 800]),
])
def test_a_family_with_skipped_steps_is_inferred_then_the_skips_found(family, spec, skipped):
    truth = resolve(spec)
    k = np.arange(900)
    positions = k - np.searchsorted(np.asarray(skipped), k, side="left")
    found = infer(k + 1, truth(positions), facts={"max_steps": 900})[0]
    assert found.family == family and found.spec == spec and found.lagged
    report = explain(found.schedule, k + 1, truth(positions), families=False)
    assert report.best.name == "skipped" and report.best.residual == 0
    assert report.best.causes[0].params["updates"] == skipped and report.best.offset == 1


def test_a_float32_log_is_inferred_within_float32_rounding():
    spec = FAMILIES[1][1]
    truth = resolve(spec)
    k = np.arange(900)
    values = truth(k).astype(np.float32).astype(np.float64)
    found = infer(k, values, rounding=2.0 ** -24, convention=0)[0]
    assert found.spec == spec and found.offset == 0 and 0 < found.residual <= 2.0 ** -24


@pytest.mark.parametrize("digits", [7, 4])
@pytest.mark.parametrize("spec", [
    {"kind": "linear", "lr": 6e-4, "min_lr": 6e-5, "warmup_steps": 50, "total_steps": 2000},
    {"kind": "polynomial", "lr": 3e-4, "min_lr": 3e-5, "power": 2.0, "warmup_steps": 100,
     "total_steps": 2000},
    {"schedule": "transformers.cosine", "lr": 6e-4,
     "args": {"num_warmup_steps": 50, "num_training_steps": 3000}},
])
def test_a_printed_log_is_inferred_within_its_digits(spec, digits):
    """Megatron-LM prints %.6E (7 digits) or, in older versions, %.3E: every 10th iteration here."""
    truth = resolve(spec)
    k = np.arange(10, 2000, 10)
    printed = np.array([float(f"{v:.{digits - 1}E}") for v in truth(k)])
    found = infer(k, printed, rounding=0.5 * 10.0 ** (1 - digits), convention=0,
                  facts={"max_steps": 2000})[0]
    assert found.spec == spec and found.offset == 0 and found.explained

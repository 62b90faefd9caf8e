"""The kit every library schedule is built with (warmupctl/frameworks/_kit.py), checked over the whole
registry: one boundary rule, one set of resolved-spec keys, one way to bound a schedule without an
end (``--steps``/``--at``), one error when nothing bounds it, and argument bounds checked once."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from warmupctl.cli import app
from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary
from warmupctl.frameworks import LIBRARY_SCHEDULES, Arg, load_libraries
from warmupctl.frameworks._kit import MAX_BOUNDARIES, check_bounds, coerce_arg, inside, pieces
from warmupctl.frameworks._registry import LibrarySchedule, RunBound
from warmupctl.spec.library import resolve_library

GOLDENS = pathlib.Path(__file__).resolve().parent.parent / "goldens"
#: The trainers' schedulers recorded by tests/configs/goldens/record_<library>.py.
CONFIG_GOLDENS = pathlib.Path(__file__).resolve().parent.parent / "configs" / "goldens"

#: Specs for the schedules the goldens do not record (their libraries are not run live).
EXTRA_SAMPLES: list[dict[str, Any]] = [
    {"schedule": "accelerate.AcceleratedScheduler",
     "args": {"num_processes": 2, "scheduler": {"schedule": "transformers.linear", "lr": 0.1,
                                                "args": {"num_warmup_steps": 3,
                                                         "num_training_steps": 20}}}},
    {"schedule": "nanogpt.get_lr", "args": {"learning_rate": 0.1, "warmup_iters": 3,
                                            "lr_decay_iters": 20, "min_lr": 0.01, "max_iters": 20}},
    {"schedule": "litgpt.get_lr", "lr": 0.1,
     "args": {"warmup_iters": 6, "max_iters": 40, "min_lr": 0.01, "gradient_accumulation_iters": 2}},
    {"schedule": "litgpt.get_lr_scheduler", "lr": 0.1, "args": {"warmup_steps": 3, "max_steps": 20}},
    {"schedule": "tfm.build_learning_rate", "args": {"decay": "cosine", "initial_learning_rate": 0.1,
                                                     "decay_steps": 20, "warmup": "linear", "warmup_steps": 3}},
    {"schedule": "axolotl.cosine_with_min_lr", "lr": 0.1,
     "args": {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr_ratio": 0.1}},
    {"schedule": "axolotl.cosine_with_warmup_decay_constant", "lr": 0.1,
     "args": {"num_warmup_steps": 3, "num_training_steps": 20, "constant_lr_ratio": 0.8,
              "min_lr_ratio": 0.1}},
    {"schedule": "axolotl.cosine_with_quadratic_warmup", "lr": 0.1,
     "args": {"num_warmup_steps": 3, "num_training_steps": 20}},
    {"schedule": "axolotl.rex", "lr": 0.1,
     "args": {"max_lr": 0.1, "min_lr": 0.001, "total_steps": 20, "num_warmup_steps": 3}},
    {"schedule": "diffusers.constant", "lr": 0.1, "args": {"num_training_steps": 20}},
    {"schedule": "diffusers.constant_with_warmup", "lr": 0.1, "args": {"num_warmup_steps": 3, "num_training_steps": 20}},
    {"schedule": "diffusers.linear", "lr": 0.1, "args": {"num_warmup_steps": 3, "num_training_steps": 20}},
    {"schedule": "diffusers.cosine", "lr": 0.1, "args": {"num_warmup_steps": 3, "num_training_steps": 20}},
    {"schedule": "diffusers.cosine_with_restarts", "lr": 0.1,
     "args": {"num_warmup_steps": 3, "num_training_steps": 20, "num_cycles": 2}},
    {"schedule": "diffusers.polynomial", "lr": 0.1, "args": {"num_warmup_steps": 3, "num_training_steps": 20}},
    {"schedule": "diffusers.piecewise_constant", "lr": 0.1, "args": {"step_rules": "1:5,0.1:10,0.01"}},
    {"schedule": "torchtune.get_cosine_schedule_with_warmup", "lr": 0.1,
     "args": {"num_warmup_steps": 3, "num_training_steps": 20}},
    {"schedule": "fairseq.cosine", "lr": 0.1, "args": {"warmup_updates": 3, "max_update": 20}},
    {"schedule": "fairseq.fixed", "lr": 0.1, "args": {"warmup_updates": 3}},
    {"schedule": "fairseq.inverse_sqrt", "lr": 0.1, "args": {"warmup_updates": 3}},
    {"schedule": "fairseq.polynomial_decay", "lr": 0.1, "args": {"warmup_updates": 3,
                                                                 "total_num_update": 20}},
    {"schedule": "fairseq.step", "lr": 0.1, "args": {"warmup_updates": 3, "lr_deacy_period": 5}},
    {"schedule": "fairseq.tri_stage", "lr": 0.1, "args": {"warmup_steps": 3, "hold_steps": 4,
                                                          "decay_steps": 5}},
    {"schedule": "fairseq.triangular", "lr": 0.1, "args": {"max_lr": 1.0, "lr_period_updates": 8}},
    {"schedule": "lightning.LRSchedulerConfig", "lr": 0.1, "updates_per_epoch": 3,
     "args": {"scheduler": {"schedule": "torch.StepLR", "args": {"step_size": 2}}}},
    {"schedule": "megatron.get_optimizer_param_scheduler", "lr": 0.3, "global_batch_size": 4,
     "args": {"train_iters": 20, "lr_warmup_iters": 4, "lr_decay_style": "cosine"}},
    {"schedule": "nemo.CosineAnnealing", "lr": 0.1, "args": {"max_steps": 20, "warmup_steps": 3}},
    {"schedule": "nemo.InverseSquareRootAnnealing", "lr": 0.1, "args": {"max_steps": 20,
                                                                         "warmup_steps": 3}},
    {"schedule": "nemo.NoamAnnealing", "lr": 1.0, "args": {"d_model": 64, "warmup_steps": 3}},
    {"schedule": "nemo.NoamHoldAnnealing", "lr": 0.1, "args": {"max_steps": 20, "warmup_steps": 3,
                                                                "hold_steps": 2}},
    {"schedule": "nemo.PolynomialDecayAnnealing", "lr": 0.1, "args": {"max_steps": 20}},
    {"schedule": "nemo.PolynomialHoldDecayAnnealing", "lr": 0.1, "args": {"max_steps": 20,
                                                                           "hold_steps": 2}},
    {"schedule": "nemo.SquareAnnealing", "lr": 0.1, "args": {"max_steps": 20}},
    {"schedule": "nemo.SquareRootAnnealing", "lr": 0.1, "args": {"max_steps": 20}},
    {"schedule": "nemo.T5InverseSquareRootAnnealing", "args": {"max_steps": 20,
                                                                "constant_steps": 4}},
    {"schedule": "nemo.WarmupAnnealing", "lr": 0.1, "args": {"max_steps": 20, "warmup_steps": 3}},
    {"schedule": "nemo.WarmupHoldAnnealLinear", "lr": 0.1, "args": {"max_steps": 20,
                                                                     "warmup_steps": 3,
                                                                     "hold_steps": 2}},
    {"schedule": "nemo.WarmupHoldAnnealOneMinusSquareRoot", "lr": 0.1,
     "args": {"max_steps": 20, "warmup_steps": 3, "hold_steps": 2}},
    {"schedule": "nemo.WarmupHoldPolicy", "lr": 0.1, "args": {"warmup_steps": 3, "hold_steps": 2}},
    {"schedule": "nemo.WarmupPolicy", "lr": 0.1, "args": {"warmup_steps": 3}},
    {"schedule": "ultralytics.BaseTrainer", "args": {"dataset_size": 64, "batch": 16, "epochs": 4}},
    {"schedule": "fvcore.ConstantParamScheduler", "lr": 0.1, "max_iter": 10, "args": {"value": 0.5}},
]


def _samples() -> dict[str, dict[str, Any]]:
    """One resolvable spec per registered schedule: the first golden case of each, or the above."""
    registry = load_libraries()
    out: dict[str, dict[str, Any]] = {}
    for path in [*sorted(GOLDENS.glob("*.json")), *sorted(CONFIG_GOLDENS.glob("*.json"))]:
        for case in json.loads(path.read_text())["cases"]:
            entry = registry.get(case["spec"]["schedule"])
            if entry is None or "raises" in case or entry.qualname in out:
                continue
            out[entry.qualname] = {k: val for k, val in case["spec"].items() if k != "total_steps"}
    for mapping in EXTRA_SAMPLES:
        out.setdefault(mapping["schedule"], mapping)
    return out


SAMPLES = _samples()
ENTRIES: list[LibrarySchedule] = sorted({e.qualname: e for e in load_libraries().values()}.values(),
                                        key=lambda e: e.qualname)


def _resolve(mapping: dict[str, Any], bound: RunBound | None = None):
    with np.errstate(all="ignore"):
        return resolve_library(dict(mapping), bound=bound)


def _endless(entry: LibrarySchedule) -> bool:
    if entry.qualname not in SAMPLES:
        return False  # test_every_registered_schedule_has_a_sample names it
    try:
        _resolve(SAMPLES[entry.qualname])
    except SpecError as exc:
        if exc.path == "total_steps" and "has no natural end" in exc.message:
            return True
        raise
    return False


def test_every_registered_schedule_has_a_sample():
    assert sorted(SAMPLES) == [e.qualname for e in ENTRIES]


# --------------------------------------------------------------------------------------------------
# One rule for boundaries; one set of resolved keys


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.qualname)
@pytest.mark.parametrize("total", [None, 7, 40])
def test_boundaries_are_strictly_inside_the_run_one_per_update(entry, total):
    mapping = dict(SAMPLES[entry.qualname])
    if total is not None:
        mapping["total_steps"] = total
    schedule = _resolve(mapping, RunBound(25, "--steps 25"))
    steps = [b.step for b in schedule.boundaries]
    assert all(0 < step < schedule.total_steps for step in steps), steps
    assert steps == sorted(set(steps))
    assert len(steps) <= MAX_BOUNDARIES


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.qualname)
def test_the_resolved_spec_has_the_same_keys_for_every_schedule(entry):
    schedule = _resolve(SAMPLES[entry.qualname], RunBound(25, "--steps 25"))
    spec = schedule.spec
    from warmupctl.frameworks._series import LIBRARY_SERIES  # the keys of its series (optimizer, ...)

    series = LIBRARY_SERIES.get(entry.qualname)
    assert set(spec) == {"schedule", "lr", "args", "total_steps", *(a.name for a in entry.extra),
                         *(a.name for a in (series.extra if series else ()))}
    assert spec["schedule"] == entry.qualname
    assert set(spec["args"]) == {a.name for a in entry.args}
    if _endless(entry):
        assert spec["total_steps"] is None  # no end of its own: the command's bound is not the spec's
    else:
        assert spec["total_steps"] == schedule.total_steps


def test_the_resolved_spec_keeps_a_given_total_steps():
    schedule = _resolve({"schedule": "torch.StepLR", "lr": 0.1, "args": {"step_size": 3},
                         "total_steps": 9})
    assert schedule.spec["total_steps"] == 9 and schedule.total_steps == 9


# --------------------------------------------------------------------------------------------------
# Schedules without an end: the command's bound is the run; without one, one error


ENDLESS = [e for e in ENTRIES if _endless(e)]


def test_the_endless_schedules_are_the_expected_ones():
    names = {e.qualname for e in ENDLESS}
    for name in ("torch.StepLR", "torch.ExponentialLR", "deepspeed.WarmupLR",
                 "optax.constant_schedule", "keras.ExponentialDecay", "fairseq.inverse_sqrt",
                 "transformers.constant", "deepspeed.OneCycle", "deepspeed.LRRangeTest"):
        assert name in names
    assert "transformers.cosine" not in names and "torch.OneCycleLR" not in names


@pytest.mark.parametrize("entry", ENDLESS, ids=lambda e: e.qualname)
def test_an_endless_schedule_runs_for_the_bound_with_a_note(entry):
    mapping = SAMPLES[entry.qualname]
    bounded = _resolve(mapping, RunBound(60, "--steps 60"))
    given = _resolve({**mapping, "total_steps": 60})
    assert bounded.total_steps == 60
    np.testing.assert_array_equal(bounded.values(), given.values())  # bit for bit, NaN included
    assert (f"{entry.qualname} has no natural end: --steps 60 bounds the run (updates 0..59)"
            in bounded.notes)
    assert not any("bounds the run" in note for note in given.notes)


@pytest.mark.parametrize("entry", ENDLESS, ids=lambda e: e.qualname)
def test_an_endless_schedule_without_a_bound_is_one_error(entry):
    with pytest.raises(SpecError) as caught:
        _resolve(SAMPLES[entry.qualname])
    error = caught.value
    assert error.path == "total_steps"
    assert error.message == f"{entry.qualname} has no natural end, so the run length is unknown"
    assert error.hint.startswith("add total_steps: N (the updates of the run), or bound the "
                                 "command with --steps N or --at")


def test_a_schedule_with_an_end_ignores_the_bound():
    mapping = {"schedule": "transformers.cosine", "lr": 0.1,
               "args": {"num_warmup_steps": 2, "num_training_steps": 10}}
    bounded = _resolve(mapping, RunBound(60, "--steps 60"))
    assert bounded.total_steps == 10 and not any("bounds the run" in n for n in bounded.notes)


STEPLR = "schedule: torch.StepLR\nlr: 0.1\nargs: {step_size: 20, gamma: 0.5}\n"


@pytest.mark.parametrize("command", [
    ["table", "-", "--steps", "60", "--format", "csv"],
    ["table", "-", "--at", "0,25,45", "--format", "csv"],
    ["summary", "-", "--steps", "60"],
    ["plot", "-", "--steps", "60", "--terminal"],
    ["diff", "-", "{file}", "--steps", "60"],
])
def test_cli_commands_bounded_by_steps_or_at_run_an_endless_schedule(command, tmp_path):
    path = tmp_path / "steplr.yaml"
    path.write_text(STEPLR)
    args = [str(path) if part == "{file}" else part for part in command]
    result = CliRunner().invoke(app, args, input=STEPLR)
    assert result.exit_code == 0, result.stderr
    bound = "--at" if "--at" in command else "--steps 60"
    last = 45 if "--at" in command else 59
    assert (f"torch.StepLR has no natural end: {bound} bounds the run (updates 0..{last})"
            in result.stderr)
    if command[:2] == ["table", "-"] and "--steps" in command:
        rows = result.stdout.splitlines()[1:]
        assert len(rows) == 60 and rows[20] == "20,0.05" and rows[59] == "59,0.025"


@pytest.mark.parametrize("command", [
    ["table", "-"], ["summary", "-"], ["plot", "-", "--terminal"],
    ["table", "-", "--at", "-1,last"],  # counted from the run's end: no bound
])
def test_cli_without_a_bound_keeps_the_one_line_error(command):
    result = CliRunner().invoke(app, command, input=STEPLR)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: <stdin>: total_steps: torch.StepLR has no natural end, so the run length is "
        "unknown; add total_steps: N (the updates of the run), or bound the command with "
        "--steps N or --at\n")


# --------------------------------------------------------------------------------------------------
# Arguments declared with their bounds, checked once


@pytest.mark.parametrize(("arg", "value", "message"), [
    (Arg("n", kind="int", minimum=0), -1, "args.n: must not be negative (got -1)"),
    (Arg("n", kind="int", minimum=0, above=True), 0, "args.n: must be positive (got 0)"),
    (Arg("n", kind="int", minimum=2), 1, "args.n: must be at least 2 (got 1)"),
    (Arg("f", minimum=0.0, maximum=1.0, above=True, why="torch raises ValueError"), 0.0,
     "args.f: must be in (0, 1] (got 0.0); torch raises ValueError"),
    (Arg("f", maximum=1.0, doc="a fraction"), 1.5, "args.f: must be at most 1 (got 1.5); a fraction"),
])
def test_a_value_out_of_its_declared_bounds_is_refused_in_one_phrasing(arg, value, message):
    with pytest.raises(SpecError) as caught:
        check_bounds(arg, value, f"args.{arg.name}")
    assert str(caught.value) == message


def test_bounds_apply_to_each_item_of_a_list_and_not_to_null():
    arg = Arg("m", kind="ints", minimum=0)
    with pytest.raises(SpecError) as caught:
        coerce_arg(arg, [3, -1], "args.m")
    assert caught.value.path == "args.m[1]"
    assert coerce_arg(Arg("x", None, nullable=True, minimum=0.0), None, "args.x") is None


def test_a_declared_bound_is_checked_by_the_generic_validator():
    with pytest.raises(SpecError) as caught:
        resolve_library({"schedule": "torch.CosineAnnealingWarmRestarts", "lr": 0.1,
                         "args": {"T_0": 0}, "total_steps": 5})
    assert str(caught.value) == ("args.T_0: must be positive (got 0); torch raises ValueError; "
                                 "updates of the first cycle")


# --------------------------------------------------------------------------------------------------
# The piecewise combinator and the boundary filter


def test_pieces_picks_by_counter_and_keeps_empty_ranges_empty():
    fn = pieces([3, 1], [lambda t: t * 0.0, lambda t: t * 0.0 + 1, lambda t: t * 0.0 + 2])
    assert fn(np.arange(5)).tolist() == [0.0, 0.0, 0.0, 2.0, 2.0]
    assert fn(np.array([], dtype=np.int64)).tolist() == []


def test_inside_keeps_the_first_label_of_an_update():
    kept = inside([Boundary(4, "a"), Boundary(4, "b"), Boundary(2, "c")], 10)
    assert [(b.step, b.label) for b in kept] == [(2, "c"), (4, "a")]


def test_registry_holds_every_schedule_once_by_name():
    assert all(LIBRARY_SCHEDULES[e.qualname] is e for e in ENTRIES)


@pytest.mark.parametrize(("schedule", "args", "key", "why"), [
    # keras computes in initial_learning_rate's dtype: CosineDecay(1, 4) gives 1.0, 0.8658, 0.5354,
    # 0.1859 (int32 arithmetic, keras 3.15.1) where CosineDecay(1.0, 4) gives 1.0, 0.8536, 0.5, 0.1464.
    ("keras.CosineDecay", {"initial_learning_rate": 1, "decay_steps": 4}, "initial_learning_rate",
     "keras computes in the dtype of initial_learning_rate"),
    ("keras.ExponentialDecay", {"initial_learning_rate": 1, "decay_steps": 4, "decay_rate": 0.5},
     "initial_learning_rate", "keras computes in the dtype of initial_learning_rate"),
    # torch 2.13 OneCycleLR: `not isinstance(pct_start, float)` raises ValueError.
    ("torch.OneCycleLR", {"max_lr": 1.0, "total_steps": 10, "pct_start": 0}, "pct_start",
     "torch raises ValueError unless pct_start is a float"),
    # paddle 3.3.1 checks the type: TypeError "'phase_pct' must be 'float'", "exp_gamma must be float".
    ("paddle.OneCycleLR", {"max_learning_rate": 1.0, "total_steps": 10, "phase_pct": 0}, "phase_pct",
     "paddle raises TypeError unless phase_pct is a float"),
    ("paddle.CyclicLR", {"base_learning_rate": 0.1, "max_learning_rate": 1.0, "step_size_up": 2,
                         "exp_gamma": 7}, "exp_gamma", "paddle raises TypeError unless exp_gamma is a float"),
])
def test_a_whole_number_is_refused_where_the_library_needs_a_float(schedule, args, key, why):
    """A library that checks the type, or computes in the value's dtype, is not given a float silently."""
    with pytest.raises(SpecError) as raised:
        resolve_library({"schedule": schedule, "args": args}, bound=RunBound(10, "--steps 10"))
    error = raised.value
    assert (error.path, error.message) == (f"args.{key}", "is a whole number where the library needs a float")
    assert error.hint.startswith(why) and error.hint.endswith(f"; write {args[key]}.0")
    resolve_library({"schedule": schedule, "args": {**args, key: float(args[key])}},
                    bound=RunBound(10, "--steps 10"))

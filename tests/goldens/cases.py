"""The golden cases: library specs and how many optimizer updates to record for each.

Pure data, importable without any ML library. ``record.py`` runs every case against the real
library and writes ``tests/goldens/<library>.json``; parity tests read those files (or call
``record.live_values`` on the same specs).

A case is ``{"id", "spec", "steps"}`` plus optionally ``"raises"`` (the exception type name the
library raises when asked for exactly ``steps`` updates, but not for ``steps - 1``) and ``"note"``.
``spec`` is a warmupctl *library spec*:

* ``schedule``: ``<library>.<name>``; ``lr``: the optimizer's LR where the library reads it (left
  out for optax, Keras and Megatron, which take every value from ``args``, and for DeepSpeed
  schedules that overwrite it); ``args``: the library's own keyword arguments, verbatim; what is
  left out takes the library's default.
* torch ``SequentialLR``/``ChainedScheduler``: ``args.schedulers`` is a list of nested torch specs
  (without ``lr``; they share the optimizer).
* optax ``join_schedules``: ``args.schedules`` is a list of nested optax specs.
  optax ``sgdr_schedule``: ``args.cosine_kwargs`` is the list of ``warmup_cosine_decay_schedule``
  keyword dicts, verbatim.
* optax ``boundaries_and_scales`` (``piecewise_constant_schedule``,
  ``piecewise_interpolate_schedule``): **a JSON object whose keys are the integer boundaries written
  as strings**, e.g. ``{"3": 0.5, "5": 0.1}`` (JSON keys are always strings; a YAML ``{3: 0.5}``
  becomes this after a JSON round trip). ``record.py`` converts the keys with ``int()``.
* timm: top-level ``updates_per_epoch`` (default 1): with ``t_in_epochs=True`` (timm's default) the
  scheduler moves once per epoch and the LR is constant within an epoch; with ``t_in_epochs=False``
  it moves after every update. ``timm.create_scheduler_v2``: ``args`` are that function's keywords;
  the top-level ``updates_per_epoch`` is also passed to it.
* pytorch_warmup: top-level ``base`` (a torch spec without ``lr``, optional: constant LR without it)
  and ``betas`` (the AdamW betas the untuned/RAdam warmups read; default ``[0.9, 0.999]``).
* megatron: ``schedule: megatron.OptimizerParamScheduler``; ``args`` are the constructor's keywords
  (counts in samples); the weight-decay keywords may be left out (they never change the LR);
  top-level ``global_batch_size`` (default 1): update ``k`` is at
  ``num_steps = k * global_batch_size``.

Step counts favour odd lengths (7, 13, 23, 37, 101) and run past the schedule's end where the
library does something after it (periodic cosines rise again, clamps, raises).
"""

from __future__ import annotations

import json
from typing import Any

Case = dict[str, Any]

LIBRARIES = (
    "transformers",
    "torch",
    "timm",
    "optax",
    "deepspeed",
    "keras",
    "pytorch_warmup",
    "megatron",
    "mmengine",
    "fvcore",
    "detectron2",
    "paddle",
    "lightning",
)

MAX_STEPS = 301


def _case(
    case_id: str,
    schedule: str,
    steps: int,
    *,
    lr: float | None = None,
    args: dict[str, Any] | None = None,
    raises: str | None = None,
    note: str | None = None,
    **top: Any,
) -> Case:
    spec: dict[str, Any] = {"schedule": schedule}
    if lr is not None:
        spec["lr"] = lr
    spec["args"] = dict(args or {})
    spec.update(top)
    case: Case = {"id": case_id, "spec": spec, "steps": steps}
    if raises is not None:
        case["raises"] = raises
    if note is not None:
        case["note"] = note
    return case


def _sub(schedule: str, **args: Any) -> dict[str, Any]:
    """A nested spec (torch SequentialLR/ChainedScheduler member, optax join member, pw base)."""
    return {"schedule": schedule, "args": args}


# --------------------------------------------------------------------------------------------------
# transformers (transformers.optimization; names are lr_scheduler_type values or get_* functions)

_HF = "transformers."

TRANSFORMERS: list[Case] = [
    # linear
    _case("transformers-linear-w3-t8", _HF + "linear", 10, lr=1.0,
          args={"num_warmup_steps": 3, "num_training_steps": 8},
          note="reference verified vector"),
    _case("transformers-linear-w0-t7", _HF + "linear", 13, lr=0.1,
          args={"num_warmup_steps": 0, "num_training_steps": 7}),
    _case("transformers-linear-w5-t5", _HF + "linear", 9, lr=1.0,
          args={"num_warmup_steps": 5, "num_training_steps": 5}, note="W == T"),
    _case("transformers-linear-w7-t5", _HF + "linear", 13, lr=1.0,
          args={"num_warmup_steps": 7, "num_training_steps": 5}, note="W > T"),
    _case("transformers-linear-w10-t100", _HF + "linear", 103, lr=3e-4,
          args={"num_warmup_steps": 10, "num_training_steps": 100}),
    # cosine
    _case("transformers-cosine-w0-t4", _HF + "cosine", 9, lr=1.0,
          args={"num_warmup_steps": 0, "num_training_steps": 4},
          note="reference verified vector: rises again after T"),
    _case("transformers-cosine-w3-t13", _HF + "cosine", 37, lr=0.1,
          args={"num_warmup_steps": 3, "num_training_steps": 13}),
    _case("transformers-cosine-cycles1", _HF + "cosine", 23, lr=1.0,
          args={"num_warmup_steps": 2, "num_training_steps": 10, "num_cycles": 1.0}),
    _case("transformers-cosine-w4-t4", _HF + "cosine", 9, lr=1.0,
          args={"num_warmup_steps": 4, "num_training_steps": 4}, note="W == T: unguarded p"),
    _case("transformers-cosine-w5-t60", _HF + "cosine", 60, lr=6e-4,
          args={"num_warmup_steps": 5, "num_training_steps": 60}),
    # cosine_with_restarts
    _case("transformers-restarts-w2-t10-c2", _HF + "cosine_with_restarts", 11, lr=1.0,
          args={"num_warmup_steps": 2, "num_training_steps": 10, "num_cycles": 2},
          note="reference verified vector"),
    _case("transformers-restarts-default-cycles", _HF + "cosine_with_restarts", 13, lr=0.1,
          args={"num_warmup_steps": 0, "num_training_steps": 7}),
    _case("transformers-restarts-w3-t23-c3", _HF + "cosine_with_restarts", 37, lr=1.0,
          args={"num_warmup_steps": 3, "num_training_steps": 23, "num_cycles": 3}),
    # polynomial
    _case("transformers-poly-w2-t6-p2", _HF + "polynomial", 8, lr=1.0,
          args={"num_warmup_steps": 2, "num_training_steps": 6, "power": 2.0, "lr_end": 0.1},
          note="reference verified vector"),
    _case("transformers-poly-defaults", _HF + "polynomial", 23, lr=0.1,
          args={"num_warmup_steps": 3, "num_training_steps": 13}),
    _case("transformers-poly-w0-sqrt", _HF + "polynomial", 13, lr=0.01,
          args={"num_warmup_steps": 0, "num_training_steps": 7, "power": 0.5, "lr_end": 0.001}),
    _case("transformers-poly-w5-t5-raises", _HF + "polynomial", 6, lr=1.0,
          args={"num_warmup_steps": 5, "num_training_steps": 5}, raises="ZeroDivisionError",
          note="T == W divides 0/0 at t = T"),
    _case("transformers-poly-lr-end-too-big", _HF + "polynomial", 1, lr=1e-7,
          args={"num_warmup_steps": 1, "num_training_steps": 5}, raises="ValueError",
          note="lr_end (1e-7 default) must be smaller than the optimizer lr"),
    # constant
    _case("transformers-constant", _HF + "constant", 7, lr=0.1),
    _case("transformers-constant-lr1", _HF + "constant", 13, lr=1.0),
    # constant_with_warmup
    _case("transformers-constant-warmup-w4", _HF + "constant_with_warmup", 13, lr=1.0,
          args={"num_warmup_steps": 4}),
    _case("transformers-constant-warmup-w0", _HF + "constant_with_warmup", 7, lr=0.1,
          args={"num_warmup_steps": 0}),
    _case("transformers-constant-warmup-w1", _HF + "constant_with_warmup", 7, lr=0.1,
          args={"num_warmup_steps": 1}),
    # inverse_sqrt
    _case("transformers-inverse-sqrt-w4", _HF + "inverse_sqrt", 9, lr=1.0,
          args={"num_warmup_steps": 4}, note="reference verified vector"),
    _case("transformers-inverse-sqrt-w0", _HF + "inverse_sqrt", 13, lr=1.0,
          args={"num_warmup_steps": 0}, note="timescale 10000"),
    _case("transformers-inverse-sqrt-w3-ts10", _HF + "inverse_sqrt", 37, lr=0.1,
          args={"num_warmup_steps": 3, "timescale": 10}),
    # cosine_with_min_lr
    _case("transformers-cosine-min-rate", _HF + "cosine_with_min_lr", 23, lr=1.0,
          args={"num_warmup_steps": 2, "num_training_steps": 10, "min_lr_rate": 0.1}),
    _case("transformers-cosine-min-lr", _HF + "cosine_with_min_lr", 23, lr=1e-3,
          args={"num_warmup_steps": 3, "num_training_steps": 13, "min_lr": 1e-5}),
    _case("transformers-cosine-min-cycles1", _HF + "cosine_with_min_lr", 23, lr=0.1,
          args={"num_warmup_steps": 0, "num_training_steps": 11, "num_cycles": 1.0,
                "min_lr_rate": 0.2}),
    # cosine_warmup_with_min_lr
    _case("transformers-cosine-warmup-min-w3-t8", _HF + "cosine_warmup_with_min_lr", 13, lr=1.0,
          args={"num_warmup_steps": 3, "num_training_steps": 8, "min_lr_rate": 0.1},
          note="reference verified vector: peak at W-1"),
    _case("transformers-cosine-warmup-min-wr", _HF + "cosine_warmup_with_min_lr", 23, lr=1e-3,
          args={"num_warmup_steps": 4, "num_training_steps": 13, "min_lr": 1e-4,
                "warmup_lr_rate": 0.1}),
    _case("transformers-cosine-warmup-min-w1", _HF + "cosine_warmup_with_min_lr", 13, lr=1.0,
          args={"num_warmup_steps": 1, "num_training_steps": 7, "min_lr_rate": 0.0}),
    _case("transformers-cosine-warmup-min-w0", _HF + "cosine_warmup_with_min_lr", 13, lr=1.0,
          args={"num_warmup_steps": 0, "num_training_steps": 7, "min_lr_rate": 0.05}),
    _case("transformers-cosine-warmup-min-missing", _HF + "cosine_warmup_with_min_lr", 1,
          lr=1.0, args={"num_warmup_steps": 2, "num_training_steps": 7}, raises="ValueError",
          note="needs min_lr or min_lr_rate"),
    # warmup_stable_decay
    _case("transformers-wsd-defaults", _HF + "warmup_stable_decay", 15, lr=1.0,
          args={"num_warmup_steps": 2, "num_decay_steps": 4, "num_training_steps": 12}),
    _case("transformers-wsd-cosine-warmup-linear-decay", _HF + "warmup_stable_decay", 13,
          lr=0.1, args={"num_warmup_steps": 3, "num_decay_steps": 5, "num_stable_steps": 3,
                        "warmup_type": "cosine", "decay_type": "linear",
                        "min_lr_ratio": 0.1}),
    _case("transformers-wsd-1sqrt", _HF + "warmup_stable_decay", 23, lr=1.0,
          args={"num_warmup_steps": 4, "num_decay_steps": 4, "num_training_steps": 16,
                "warmup_type": "1-sqrt", "decay_type": "1-sqrt", "min_lr_ratio": 0.05}),
    _case("transformers-wsd-stable-wins", _HF + "warmup_stable_decay", 23, lr=1.0,
          args={"num_warmup_steps": 2, "num_decay_steps": 3, "num_training_steps": 20,
                "num_stable_steps": 4}, note="num_stable_steps wins over num_training_steps"),
    _case("transformers-wsd-w0-cycles1", _HF + "warmup_stable_decay", 13, lr=1.0,
          args={"num_warmup_steps": 0, "num_decay_steps": 6, "num_stable_steps": 2,
                "num_cycles": 1.0}),
    # by function name
    _case("transformers-fn-cosine", _HF + "get_cosine_schedule_with_warmup", 23, lr=1.0,
          args={"num_warmup_steps": 3, "num_training_steps": 13}),
    _case("transformers-fn-cosine-cycles", _HF + "get_cosine_schedule_with_warmup", 23, lr=0.1,
          args={"num_warmup_steps": 0, "num_training_steps": 10, "num_cycles": 1.5}),
    _case("transformers-fn-linear", _HF + "get_linear_schedule_with_warmup", 13, lr=1.0,
          args={"num_warmup_steps": 2, "num_training_steps": 7}),
    _case("transformers-fn-wsd", _HF + "get_wsd_schedule", 13, lr=1.0,
          args={"num_warmup_steps": 2, "num_decay_steps": 3, "num_stable_steps": 4,
                "min_lr_ratio": 0.1}),
    _case("transformers-fn-hard-restarts",
          _HF + "get_cosine_with_hard_restarts_schedule_with_warmup", 13, lr=1.0,
          args={"num_warmup_steps": 1, "num_training_steps": 9, "num_cycles": 2}),
    _case("transformers-fn-poly", _HF + "get_polynomial_decay_schedule_with_warmup", 13, lr=1.0,
          args={"num_warmup_steps": 2, "num_training_steps": 9, "lr_end": 0.0, "power": 3.0}),
    _case("transformers-fn-inverse-sqrt", _HF + "get_inverse_sqrt_schedule", 13, lr=1.0,
          args={"num_warmup_steps": 2}),
    _case("transformers-fn-constant-warmup", _HF + "get_constant_schedule_with_warmup", 7, lr=1.0,
          args={"num_warmup_steps": 3}),
    _case("transformers-fn-cosine-min-lr-rate",
          _HF + "get_cosine_with_min_lr_schedule_with_warmup_lr_rate", 13, lr=1.0,
          args={"num_warmup_steps": 3, "num_training_steps": 8, "min_lr_rate": 0.1}),
]


# --------------------------------------------------------------------------------------------------
# torch (torch.optim.lr_scheduler; optimizer SGD with momentum 0.9)

_T = "torch."

TORCH: list[Case] = [
    # LinearLR
    _case("torch-linear-defaults", _T + "LinearLR", 13, lr=0.1),
    _case("torch-linear-s01-t5", _T + "LinearLR", 13, lr=1.0,
          args={"start_factor": 0.1, "end_factor": 1.0, "total_iters": 5}),
    _case("torch-linear-decay-half", _T + "LinearLR", 13, lr=0.1,
          args={"start_factor": 1.0, "end_factor": 0.5, "total_iters": 7}),
    _case("torch-linear-total0", _T + "LinearLR", 7, lr=0.1,
          args={"start_factor": 0.25, "total_iters": 0}, note="stays at start_factor"),
    _case("torch-linear-to-zero", _T + "LinearLR", 13, lr=0.1,
          args={"start_factor": 1.0, "end_factor": 0.0, "total_iters": 10}),
    _case("torch-linear-t100", _T + "LinearLR", 101, lr=3e-4,
          args={"start_factor": 0.001, "total_iters": 100}),
    # ConstantLR
    _case("torch-constant-defaults", _T + "ConstantLR", 13, lr=0.1),
    _case("torch-constant-half-t3", _T + "ConstantLR", 7, lr=1.0,
          args={"factor": 0.5, "total_iters": 3}),
    _case("torch-constant-total0", _T + "ConstantLR", 7, lr=0.1,
          args={"factor": 0.2, "total_iters": 0}),
    _case("torch-constant-factor0-raises", _T + "ConstantLR", 4, lr=0.1,
          args={"factor": 0.0, "total_iters": 3}, raises="ZeroDivisionError"),
    # ExponentialLR
    _case("torch-exponential-09", _T + "ExponentialLR", 23, lr=0.1, args={"gamma": 0.9}),
    _case("torch-exponential-05", _T + "ExponentialLR", 37, lr=1.0, args={"gamma": 0.5}),
    _case("torch-exponential-drift", _T + "ExponentialLR", 301, lr=0.1,
          args={"gamma": 0.999}, note="recursive product drift"),
    # StepLR
    _case("torch-step-3", _T + "StepLR", 13, lr=0.1, args={"step_size": 3}),
    _case("torch-step-1-half", _T + "StepLR", 7, lr=1.0, args={"step_size": 1, "gamma": 0.5}),
    _case("torch-step-10", _T + "StepLR", 37, lr=0.1, args={"step_size": 10, "gamma": 0.3}),
    # MultiStepLR
    _case("torch-multistep-dup", _T + "MultiStepLR", 6, lr=1.0,
          args={"milestones": [2, 2, 5], "gamma": 0.5},
          note="reference verified vector: duplicate milestones compound"),
    _case("torch-multistep-3-7-11", _T + "MultiStepLR", 23, lr=0.1,
          args={"milestones": [3, 7, 11]}),
    _case("torch-multistep-unsorted", _T + "MultiStepLR", 13, lr=0.1,
          args={"milestones": [8, 1, 40], "gamma": 0.7}),
    # PolynomialLR
    _case("torch-poly-defaults", _T + "PolynomialLR", 13, lr=0.1),
    _case("torch-poly-t7-p2", _T + "PolynomialLR", 13, lr=1.0,
          args={"total_iters": 7, "power": 2.0}),
    _case("torch-poly-t10-sqrt", _T + "PolynomialLR", 23, lr=0.05,
          args={"total_iters": 10, "power": 0.5}),
    # CosineAnnealingLR
    _case("torch-cosine-annealing-tmax7", _T + "CosineAnnealingLR", 23, lr=0.1,
          args={"T_max": 7, "eta_min": 0.001}),
    _case("torch-cosine-annealing-tmax1", _T + "CosineAnnealingLR", 7, lr=0.1,
          args={"T_max": 1}, note="alternates base, eta_min"),
    _case("torch-cosine-annealing-tmax10", _T + "CosineAnnealingLR", 41, lr=1.0,
          args={"T_max": 10}, note="two full periods"),
    _case("torch-cosine-annealing-tmax100", _T + "CosineAnnealingLR", 301, lr=3e-4,
          args={"T_max": 100, "eta_min": 1e-5}, note="recursive drift past T_max"),
    # CosineAnnealingWarmRestarts
    _case("torch-cawr-3-2", _T + "CosineAnnealingWarmRestarts", 11, lr=1.0,
          args={"T_0": 3, "T_mult": 2}, note="reference verified vector"),
    _case("torch-cawr-5", _T + "CosineAnnealingWarmRestarts", 23, lr=0.1, args={"T_0": 5}),
    _case("torch-cawr-1", _T + "CosineAnnealingWarmRestarts", 7, lr=0.1,
          args={"T_0": 1, "eta_min": 0.01}),
    _case("torch-cawr-4-3-eta", _T + "CosineAnnealingWarmRestarts", 60, lr=0.1,
          args={"T_0": 4, "T_mult": 3, "eta_min": 0.01}),
    # CyclicLR
    _case("torch-cyclic-triangular", _T + "CyclicLR", 13, lr=1.0,
          args={"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "step_size_down": 3},
          note="reference verified vector"),
    _case("torch-cyclic-triangular2", _T + "CyclicLR", 13, lr=1.0,
          args={"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "mode": "triangular2"},
          note="reference verified vector"),
    _case("torch-cyclic-exp-range", _T + "CyclicLR", 37, lr=1.0,
          args={"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range",
                "gamma": 0.9}),
    _case("torch-cyclic-no-momentum", _T + "CyclicLR", 23, lr=0.5,
          args={"base_lr": 0.001, "max_lr": 0.006, "step_size_up": 5, "cycle_momentum": False}),
    _case("torch-cyclic-triangular2-iter-mode", _T + "CyclicLR", 23, lr=1.0,
          args={"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 3, "step_size_down": 2,
                "mode": "triangular2", "scale_mode": "iterations"}),
    # OneCycleLR
    _case("torch-onecycle-n10", _T + "OneCycleLR", 10, lr=1.0,
          args={"max_lr": 1.0, "total_steps": 10}, note="reference verified vector"),
    _case("torch-onecycle-n10-past-end", _T + "OneCycleLR", 11, lr=1.0,
          args={"max_lr": 1.0, "total_steps": 10}, note="update N gives a spurious value"),
    _case("torch-onecycle-n10-raises", _T + "OneCycleLR", 12, lr=1.0,
          args={"max_lr": 1.0, "total_steps": 10}, raises="ValueError",
          note="stepping beyond total_steps"),
    _case("torch-onecycle-3phase-linear", _T + "OneCycleLR", 10, lr=1.0,
          args={"max_lr": 1.0, "total_steps": 10, "three_phase": True,
                "anneal_strategy": "linear"}, note="reference verified vector"),
    _case("torch-onecycle-linear", _T + "OneCycleLR", 23, lr=0.1,
          args={"max_lr": 0.1, "total_steps": 23, "anneal_strategy": "linear"}),
    _case("torch-onecycle-3phase-cos", _T + "OneCycleLR", 37, lr=0.1,
          args={"max_lr": 0.1, "total_steps": 37, "three_phase": True, "pct_start": 0.25}),
    _case("torch-onecycle-epochs", _T + "OneCycleLR", 13, lr=0.1,
          args={"max_lr": 0.5, "epochs": 3, "steps_per_epoch": 4, "pct_start": 0.25,
                "div_factor": 10.0, "final_div_factor": 100.0}),
    _case("torch-onecycle-div-zero-raises", _T + "OneCycleLR", 1, lr=0.1, raises="ZeroDivisionError",
          note="initial_lr = max_lr / div_factor in __init__",
          args={"max_lr": 0.5, "total_steps": 12, "div_factor": 0.0}),
    _case("torch-onecycle-final-div-zero-raises", _T + "OneCycleLR", 1, lr=0.1, raises="ZeroDivisionError",
          note="min_lr = initial_lr / final_div_factor in __init__",
          args={"max_lr": 0.5, "total_steps": 12, "final_div_factor": 0.0}),
    _case("torch-onecycle-pct-n-1", _T + "OneCycleLR", 1, lr=1.0,
          args={"max_lr": 1.0, "total_steps": 10, "pct_start": 0.1},
          raises="ZeroDivisionError", note="pct_start * total_steps == 1"),
    # SequentialLR
    _case("torch-sequential-linear-cosine", _T + "SequentialLR", 23, lr=1.0,
          args={"schedulers": [_sub(_T + "LinearLR", start_factor=0.1, total_iters=5),
                               _sub(_T + "CosineAnnealingLR", T_max=10)],
                "milestones": [5]}, note="reference vector: 1.0 at t=5 is the cosine's t=0"),
    _case("torch-sequential-constant-exp", _T + "SequentialLR", 13, lr=0.1,
          args={"schedulers": [_sub(_T + "ConstantLR", factor=0.1, total_iters=2),
                               _sub(_T + "ExponentialLR", gamma=0.9)],
                "milestones": [2]}),
    _case("torch-sequential-three", _T + "SequentialLR", 37, lr=0.1,
          args={"schedulers": [_sub(_T + "LinearLR", start_factor=0.01, total_iters=4),
                               _sub(_T + "ConstantLR", factor=1.0, total_iters=1),
                               _sub(_T + "CosineAnnealingLR", T_max=20, eta_min=0.001)],
                "milestones": [4, 10]}, note="linear warmup, stable, cosine (WSD-like)"),
    _case("torch-sequential-milestone0", _T + "SequentialLR", 13, lr=0.1,
          args={"schedulers": [_sub(_T + "ConstantLR", factor=0.5, total_iters=3),
                               _sub(_T + "StepLR", step_size=3, gamma=0.5)],
                "milestones": [0]}, note="milestone 0 (fixed in 2.13)"),
    # ChainedScheduler
    _case("torch-chained-linear-exp", _T + "ChainedScheduler", 7, lr=1.0,
          args={"schedulers": [_sub(_T + "LinearLR", start_factor=0.1, total_iters=5),
                               _sub(_T + "ExponentialLR", gamma=0.9)]},
          note="reference verified vector"),
    _case("torch-chained-constant-step", _T + "ChainedScheduler", 13, lr=0.1,
          args={"schedulers": [_sub(_T + "ConstantLR", factor=0.5, total_iters=4),
                               _sub(_T + "StepLR", step_size=3, gamma=0.5)]}),
    _case("torch-chained-cosine-linear", _T + "ChainedScheduler", 23, lr=0.1,
          args={"schedulers": [_sub(_T + "CosineAnnealingLR", T_max=10, eta_min=0.01),
                               _sub(_T + "LinearLR", start_factor=0.2, total_iters=4)]}),
]


# --------------------------------------------------------------------------------------------------
# timm (timm.scheduler; top-level updates_per_epoch)

_TI = "timm."

TIMM: list[Case] = [
    # CosineLRScheduler
    _case("timm-cosine-prefix-w3", _TI + "CosineLRScheduler", 16, lr=1.0,
          args={"t_initial": 10, "warmup_t": 3, "warmup_lr_init": 0.1, "warmup_prefix": True},
          note="reference verified vector"),
    _case("timm-cosine-noprefix-w3", _TI + "CosineLRScheduler", 13, lr=1.0,
          args={"t_initial": 10, "warmup_t": 3, "warmup_lr_init": 0.1},
          note="peak never reached exactly"),
    _case("timm-cosine-cycles", _TI + "CosineLRScheduler", 16, lr=1.0,
          args={"t_initial": 4, "cycle_mul": 2.0, "cycle_decay": 0.5, "cycle_limit": 3,
                "lr_min": 0.01}, note="reference verified vector"),
    _case("timm-cosine-defaults", _TI + "CosineLRScheduler", 13, lr=0.1,
          args={"t_initial": 10}, note="clamps at lr_min after t_initial"),
    _case("timm-cosine-updates", _TI + "CosineLRScheduler", 37, lr=0.1,
          args={"t_initial": 30, "warmup_t": 5, "warmup_lr_init": 1e-4, "lr_min": 1e-5,
                "t_in_epochs": False}, updates_per_epoch=6),
    _case("timm-cosine-epochs-upe4", _TI + "CosineLRScheduler", 26, lr=0.1,
          args={"t_initial": 5, "warmup_t": 1, "warmup_lr_init": 0.01}, updates_per_epoch=4),
    _case("timm-cosine-cycle-decay", _TI + "CosineLRScheduler", 23, lr=0.1,
          args={"t_initial": 5, "cycle_decay": 0.5, "cycle_limit": 3}),
    _case("timm-cosine-kdecay", _TI + "CosineLRScheduler", 13, lr=1.0,
          args={"t_initial": 10, "k_decay": 2.0, "t_in_epochs": False}),
    _case("timm-cosine-cycle-mul3-log-boundary", _TI + "CosineLRScheduler", 250, lr=1.0,
          args={"t_initial": 2, "cycle_mul": 3.0, "cycle_limit": 10, "t_in_epochs": False},
          note="math.log boundary at t=242 (reference)"),
    _case("timm-cosine-cycle-mul-1.5", _TI + "CosineLRScheduler", 60, lr=1.0,
          args={"t_initial": 4, "cycle_mul": 1.5, "cycle_limit": 5, "warmup_t": 2,
                "warmup_prefix": True, "t_in_epochs": False}),
    # TanhLRScheduler
    _case("timm-tanh-w2", _TI + "TanhLRScheduler", 13, lr=1.0,
          args={"t_initial": 10, "warmup_t": 2}, note="reference verified vector"),
    _case("timm-tanh-nowarmup", _TI + "TanhLRScheduler", 13, lr=1.0,
          args={"t_initial": 10}, note="update 0 is the constructor's base"),
    _case("timm-tanh-prefix", _TI + "TanhLRScheduler", 16, lr=0.1,
          args={"t_initial": 10, "warmup_t": 3, "warmup_lr_init": 0.001, "warmup_prefix": True}),
    _case("timm-tanh-bounds-updates", _TI + "TanhLRScheduler", 37, lr=0.1,
          args={"t_initial": 12, "lb": -6.0, "ub": 4.0, "lr_min": 0.001, "cycle_limit": 3,
                "cycle_decay": 0.5, "t_in_epochs": False}),
    _case("timm-tanh-epochs-upe3", _TI + "TanhLRScheduler", 23, lr=0.1,
          args={"t_initial": 6, "warmup_t": 1}, updates_per_epoch=3),
    # StepLRScheduler
    _case("timm-step-3", _TI + "StepLRScheduler", 13, lr=1.0,
          args={"decay_t": 3, "decay_rate": 0.5}),
    _case("timm-step-warmup-prefix", _TI + "StepLRScheduler", 13, lr=1.0,
          args={"decay_t": 3, "decay_rate": 0.5, "warmup_t": 2, "warmup_lr_init": 0.1}),
    _case("timm-step-warmup-noprefix", _TI + "StepLRScheduler", 13, lr=1.0,
          args={"decay_t": 3, "decay_rate": 0.5, "warmup_t": 2, "warmup_lr_init": 0.1,
                "warmup_prefix": False}),
    _case("timm-step-float-decay-t", _TI + "StepLRScheduler", 13, lr=0.1,
          args={"decay_t": 2.5, "decay_rate": 0.7, "t_in_epochs": False}),
    _case("timm-step-epochs-upe3", _TI + "StepLRScheduler", 23, lr=0.1,
          args={"decay_t": 2, "decay_rate": 0.1, "warmup_t": 1, "warmup_lr_init": 0.01},
          updates_per_epoch=3),
    _case("timm-step-defaults", _TI + "StepLRScheduler", 7, lr=0.1, args={"decay_t": 2},
          note="decay_rate 1.0: constant"),
    # MultiStepLRScheduler
    _case("timm-multistep-3-5", _TI + "MultiStepLRScheduler", 6, lr=1.0,
          args={"decay_t": [3, 5], "decay_rate": 0.5}, note="reference verified vector (t+1)"),
    _case("timm-multistep-1-4", _TI + "MultiStepLRScheduler", 7, lr=1.0,
          args={"decay_t": [1, 4], "decay_rate": 0.5},
          note="milestone 1: _get_lr(0) is decayed but update 0 sees the constructor's base"),
    _case("timm-multistep-warmup-prefix", _TI + "MultiStepLRScheduler", 13, lr=0.1,
          args={"decay_t": [3, 6], "decay_rate": 0.1, "warmup_t": 2, "warmup_lr_init": 0.001}),
    _case("timm-multistep-warmup-noprefix", _TI + "MultiStepLRScheduler", 13, lr=0.1,
          args={"decay_t": [3, 6], "decay_rate": 0.1, "warmup_t": 2, "warmup_lr_init": 0.001,
                "warmup_prefix": False, "t_in_epochs": False}),
    _case("timm-multistep-epochs-upe2", _TI + "MultiStepLRScheduler", 13, lr=0.1,
          args={"decay_t": [2, 4], "decay_rate": 0.5}, updates_per_epoch=2),
    # PolyLRScheduler
    _case("timm-poly-defaults", _TI + "PolyLRScheduler", 13, lr=1.0, args={"t_initial": 10}),
    _case("timm-poly-p2-w3", _TI + "PolyLRScheduler", 13, lr=1.0,
          args={"t_initial": 10, "power": 2.0, "warmup_t": 3, "lr_min": 0.01}),
    _case("timm-poly-prefix", _TI + "PolyLRScheduler", 16, lr=0.1,
          args={"t_initial": 10, "power": 1.0, "warmup_t": 3, "warmup_lr_init": 0.0,
                "warmup_prefix": True}),
    _case("timm-poly-cycles-updates", _TI + "PolyLRScheduler", 23, lr=0.1,
          args={"t_initial": 7, "cycle_limit": 2, "cycle_decay": 0.5, "k_decay": 0.5,
                "t_in_epochs": False}),
    _case("timm-poly-epochs-upe4", _TI + "PolyLRScheduler", 23, lr=0.1,
          args={"t_initial": 5, "warmup_t": 1}, updates_per_epoch=4),
    # WSDLRScheduler
    _case("timm-wsd-linear-w2", _TI + "WSDLRScheduler", 12, lr=1.0,
          args={"t_initial": 8, "decay_t": 4, "warmup_t": 2, "decay_fn": "linear"},
          note="reference verified vector"),
    _case("timm-wsd-defaults", _TI + "WSDLRScheduler", 13, lr=1.0,
          args={"t_initial": 10, "decay_t": 4}, note="1-sqrt decay"),
    _case("timm-wsd-cosine-min", _TI + "WSDLRScheduler", 16, lr=0.1,
          args={"t_initial": 10, "decay_t": 5, "decay_fn": "cosine", "lr_min": 0.001,
                "warmup_t": 3, "warmup_lr_init": 0.001}),
    _case("timm-wsd-power", _TI + "WSDLRScheduler", 13, lr=1.0,
          args={"t_initial": 10, "decay_t": 6, "decay_fn": "power", "decay_power": 2.0}),
    _case("timm-wsd-exp", _TI + "WSDLRScheduler", 13, lr=1.0,
          args={"t_initial": 10, "decay_t": 6, "decay_fn": "exp", "decay_ratio": 0.1}),
    _case("timm-wsd-rsqrt-stable", _TI + "WSDLRScheduler", 23, lr=1.0,
          args={"t_initial": 18, "decay_t": 4, "stable_fn": "rsqrt", "warmup_t": 2}),
    _case("timm-wsd-power-stable-timescale", _TI + "WSDLRScheduler", 23, lr=1.0,
          args={"t_initial": 18, "decay_t": 4, "stable_fn": "power", "stable_timescale": 3.0,
                "stable_power": 0.3, "lr_min": 0.05, "warmup_t": 2}),
    _case("timm-wsd-updates", _TI + "WSDLRScheduler", 37, lr=0.1,
          args={"t_initial": 30, "decay_t": 10, "warmup_t": 5, "t_in_epochs": False}),
    _case("timm-wsd-epochs-upe3", _TI + "WSDLRScheduler", 23, lr=0.1,
          args={"t_initial": 5, "decay_t": 2, "warmup_t": 1}, updates_per_epoch=3),
    # create_scheduler_v2
    _case("timm-factory-cosine-epochs", _TI + "create_scheduler_v2", 37, lr=0.1,
          args={"sched": "cosine", "num_epochs": 10, "warmup_epochs": 2},
          updates_per_epoch=3, note="factory warmup_lr 1e-5"),
    _case("timm-factory-cosine-updates", _TI + "create_scheduler_v2", 26, lr=0.1,
          args={"sched": "cosine", "num_epochs": 5, "warmup_epochs": 1, "min_lr": 1e-4,
                "step_on_epochs": False}, updates_per_epoch=4),
    _case("timm-factory-cosine-cycles", _TI + "create_scheduler_v2", 23, lr=0.1,
          args={"sched": "cosine", "num_epochs": 5, "cycle_limit": 3}, updates_per_epoch=1,
          note="factory cycle_decay 0.1"),
    _case("timm-factory-cosine-prefix", _TI + "create_scheduler_v2", 23, lr=0.1,
          args={"sched": "cosine", "num_epochs": 8, "warmup_epochs": 2, "warmup_prefix": True,
                "warmup_lr": 0.001, "step_on_epochs": False}, updates_per_epoch=2),
    _case("timm-factory-step", _TI + "create_scheduler_v2", 23, lr=0.1,
          args={"sched": "step", "num_epochs": 10, "decay_epochs": 3, "decay_rate": 0.5,
                "warmup_epochs": 1}, updates_per_epoch=2),
    _case("timm-factory-multistep", _TI + "create_scheduler_v2", 23, lr=0.1,
          args={"sched": "multistep", "num_epochs": 10, "decay_milestones": [2, 4],
                "decay_rate": 0.5, "step_on_epochs": False}, updates_per_epoch=3),
    _case("timm-factory-poly", _TI + "create_scheduler_v2", 23, lr=0.1,
          args={"sched": "poly", "num_epochs": 10, "decay_rate": 2.0, "warmup_epochs": 2},
          updates_per_epoch=2, note="decay_rate is the power"),
    _case("timm-factory-wsd", _TI + "create_scheduler_v2", 37, lr=0.1,
          args={"sched": "wsd", "num_epochs": 10, "warmup_epochs": 2, "step_on_epochs": False},
          updates_per_epoch=3, note="decay_epochs 0.2 fraction; t_initial = epochs - warmup"),
    _case("timm-factory-wsd-prefix-linear", _TI + "create_scheduler_v2", 23, lr=0.1,
          args={"sched": "wsd", "num_epochs": 10, "warmup_epochs": 2, "warmup_prefix": True,
                "decay_epochs": 3, "decay_fn": "linear"}, updates_per_epoch=2),
    _case("timm-factory-tanh", _TI + "create_scheduler_v2", 13, lr=0.1,
          args={"sched": "tanh", "num_epochs": 10, "warmup_epochs": 1}, updates_per_epoch=1),
    _case("timm-factory-constant", _TI + "create_scheduler_v2", 7, lr=0.1,
          args={"sched": "constant", "num_epochs": 5, "warmup_epochs": 2},
          updates_per_epoch=1),
]


def _epoch_stepped(case: Case) -> bool:
    """timm steps this scheduler once per epoch (t_in_epochs / step_on_epochs, default True)."""
    args = case["spec"]["args"]
    factory = case["spec"]["schedule"] == _TI + "create_scheduler_v2"
    flag = "step_on_epochs" if factory else "t_in_epochs"
    return bool(args.get(flag, True))


# Every epoch-stepped timm case states its epoch length, even when it is 1 update.
for _timm_case in TIMM:
    if _epoch_stepped(_timm_case):
        _timm_case["spec"].setdefault("updates_per_epoch", 1)


# --------------------------------------------------------------------------------------------------
# optax (float32; no lr: values come from args)

_O = "optax."

OPTAX: list[Case] = [
    _case("optax-constant", _O + "constant_schedule", 7, args={"value": 0.1}),
    _case("optax-constant-third", _O + "constant_schedule", 7, args={"value": 1 / 3}),
    # linear_schedule
    _case("optax-linear-0-1-10", _O + "linear_schedule", 13,
          args={"init_value": 0.0, "end_value": 1.0, "transition_steps": 10}),
    _case("optax-linear-begin3", _O + "linear_schedule", 13,
          args={"init_value": 0.001, "end_value": 0.1, "transition_steps": 7,
                "transition_begin": 3}),
    _case("optax-linear-decreasing", _O + "linear_schedule", 23,
          args={"init_value": 0.1, "end_value": 0.0, "transition_steps": 20}),
    _case("optax-linear-steps0", _O + "linear_schedule", 7,
          args={"init_value": 0.5, "end_value": 1.0, "transition_steps": 0},
          note="transition_steps <= 0: constant init"),
    # polynomial_schedule
    _case("optax-poly-p2-begin2", _O + "polynomial_schedule", 7,
          args={"init_value": 1.0, "end_value": 0.0, "power": 2, "transition_steps": 4,
                "transition_begin": 2}, note="reference verified vector"),
    _case("optax-poly-sqrt", _O + "polynomial_schedule", 13,
          args={"init_value": 0.1, "end_value": 0.001, "power": 0.5, "transition_steps": 10}),
    _case("optax-poly-negative-begin", _O + "polynomial_schedule", 13,
          args={"init_value": 1.0, "end_value": 0.1, "power": 1.0, "transition_steps": 8,
                "transition_begin": -3}),
    # cosine_decay_schedule
    _case("optax-cosine-decay-alpha-exp2", _O + "cosine_decay_schedule", 13,
          args={"init_value": 1.0, "decay_steps": 10, "alpha": 0.1, "exponent": 2.0},
          note="reference verified vector"),
    _case("optax-cosine-decay-defaults", _O + "cosine_decay_schedule", 13,
          args={"init_value": 0.1, "decay_steps": 7}),
    _case("optax-cosine-decay-zero-raises", _O + "cosine_decay_schedule", 1,
          args={"init_value": 0.1, "decay_steps": 0}, raises="ValueError"),
    # exponential_decay
    _case("optax-exp-staircase-end", _O + "exponential_decay", 10,
          args={"init_value": 1.0, "transition_steps": 2, "decay_rate": 0.5,
                "transition_begin": 2, "staircase": True, "end_value": 0.2},
          note="reference verified vector"),
    _case("optax-exp-smooth", _O + "exponential_decay", 23,
          args={"init_value": 0.1, "transition_steps": 5, "decay_rate": 0.5}),
    _case("optax-exp-smooth-end", _O + "exponential_decay", 23,
          args={"init_value": 0.1, "transition_steps": 3, "decay_rate": 0.5, "end_value": 0.01}),
    _case("optax-exp-growth-end", _O + "exponential_decay", 13,
          args={"init_value": 0.01, "transition_steps": 2, "decay_rate": 2.0, "end_value": 0.1},
          note="rate > 1: end_value is an upper clip"),
    _case("optax-exp-rate0", _O + "exponential_decay", 7,
          args={"init_value": 0.1, "transition_steps": 2, "decay_rate": 0.0},
          note="rate 0: constant init"),
    _case("optax-exp-flush-to-zero", _O + "exponential_decay", 23,
          args={"init_value": 1.0, "transition_steps": 1, "decay_rate": 0.01},
          note="below float32's smallest normal from count 19: XLA's CPU kernels flush it to 0.0"),
    _case("optax-linear-subnormal", _O + "linear_schedule", 4,
          args={"init_value": 1e-39, "end_value": 0.0, "transition_steps": 10},
          note="a subnormal init_value is 0.0 once computed with"),
    _case("optax-exp-staircase-begin0", _O + "exponential_decay", 13,
          args={"init_value": 1.0, "transition_steps": 3, "decay_rate": 0.9, "staircase": True}),
    # piecewise_constant_schedule
    _case("optax-piecewise-constant", _O + "piecewise_constant_schedule", 7,
          args={"init_value": 1.0, "boundaries_and_scales": {"3": 0.5, "5": 0.1}},
          note="reference verified vector (cumulative scales)"),
    _case("optax-piecewise-constant-warmup", _O + "piecewise_constant_schedule", 13,
          args={"init_value": 0.01, "boundaries_and_scales": {"0": 1.0, "2": 10.0, "8": 0.1}}),
    _case("optax-piecewise-constant-none", _O + "piecewise_constant_schedule", 7,
          args={"init_value": 0.1}),
    # piecewise_interpolate_schedule
    _case("optax-piecewise-interp-linear", _O + "piecewise_interpolate_schedule", 13,
          args={"interpolate_type": "linear", "init_value": 0.1,
                "boundaries_and_scales": {"2": 10.0, "5": 0.5, "10": 0.1}}),
    _case("optax-piecewise-interp-cosine", _O + "piecewise_interpolate_schedule", 13,
          args={"interpolate_type": "cosine", "init_value": 1.0,
                "boundaries_and_scales": {"4": 0.5, "9": 0.2}}),
    _case("optax-piecewise-interp-cosine-first0", _O + "piecewise_interpolate_schedule", 7,
          args={"interpolate_type": "cosine", "init_value": 1.0,
                "boundaries_and_scales": {"0": 0.5, "3": 0.1}},
          note="boundary 0 collides with the implicit 0: interval size guarded by max(.,1)"),
    # warmup_constant_schedule
    _case("optax-warmup-constant", _O + "warmup_constant_schedule", 13,
          args={"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5}),
    _case("optax-warmup-constant-w0", _O + "warmup_constant_schedule", 7,
          args={"init_value": 0.01, "peak_value": 0.1, "warmup_steps": 0}),
    # warmup_cosine_decay_schedule
    _case("optax-wcd-w3-t10", _O + "warmup_cosine_decay_schedule", 12,
          args={"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 3, "decay_steps": 10,
                "end_value": 0.1}, note="reference verified vector"),
    _case("optax-wcd-exponent", _O + "warmup_cosine_decay_schedule", 23,
          args={"init_value": 1e-4, "peak_value": 1e-3, "warmup_steps": 5, "decay_steps": 20,
                "exponent": 2.0}),
    _case("optax-wcd-w0", _O + "warmup_cosine_decay_schedule", 13,
          args={"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 0, "decay_steps": 10}),
    _case("optax-wcd-w-eq-t-raises", _O + "warmup_cosine_decay_schedule", 1,
          args={"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5, "decay_steps": 5},
          raises="ValueError"),
    # warmup_exponential_decay_schedule
    _case("optax-wed", _O + "warmup_exponential_decay_schedule", 23,
          args={"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 4, "transition_steps": 3,
                "decay_rate": 0.5}),
    _case("optax-wed-begin-staircase-end", _O + "warmup_exponential_decay_schedule", 23,
          args={"init_value": 0.01, "peak_value": 0.1, "warmup_steps": 3, "transition_steps": 2,
                "decay_rate": 0.7, "transition_begin": 2, "staircase": True,
                "end_value": 0.02}),
    # onecycle
    _case("optax-linear-onecycle-10", _O + "linear_onecycle_schedule", 11,
          args={"transition_steps": 10, "peak_value": 1.0}, note="reference verified vector"),
    _case("optax-cosine-onecycle-10", _O + "cosine_onecycle_schedule", 11,
          args={"transition_steps": 10, "peak_value": 1.0}, note="reference verified vector"),
    _case("optax-linear-onecycle-custom", _O + "linear_onecycle_schedule", 37,
          args={"transition_steps": 30, "peak_value": 0.1, "pct_start": 0.2, "pct_final": 0.7,
                "div_factor": 10.0, "final_div_factor": 100.0}),
    _case("optax-cosine-onecycle-23", _O + "cosine_onecycle_schedule", 29,
          args={"transition_steps": 23, "peak_value": 0.1, "pct_start": 0.25}),
    # sgdr_schedule
    _case("optax-sgdr-3", _O + "sgdr_schedule", 37,
          args={"cosine_kwargs": [
              {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 2, "decay_steps": 10},
              {"init_value": 0.0, "peak_value": 0.05, "warmup_steps": 2, "decay_steps": 10,
               "end_value": 0.001},
              {"init_value": 0.01, "peak_value": 0.02, "warmup_steps": 0, "decay_steps": 10},
          ]}),
    # join_schedules
    _case("optax-join-linear-cosine", _O + "join_schedules", 23,
          args={"schedules": [
              _sub(_O + "linear_schedule", init_value=0.0, end_value=0.1, transition_steps=5),
              _sub(_O + "cosine_decay_schedule", init_value=0.1, decay_steps=10, alpha=0.01),
          ], "boundaries": [5]}),
    _case("optax-join-three", _O + "join_schedules", 23,
          args={"schedules": [
              _sub(_O + "constant_schedule", value=0.01),
              _sub(_O + "constant_schedule", value=0.1),
              _sub(_O + "exponential_decay", init_value=0.1, transition_steps=2,
                   decay_rate=0.5),
          ], "boundaries": [3, 8]}),
]


# --------------------------------------------------------------------------------------------------
# DeepSpeed (deepspeed.runtime.lr_schedules; optimizer AdamW; update k = iteration k-1)

_D = "deepspeed."

DEEPSPEED: list[Case] = [
    # WarmupLR
    _case("deepspeed-warmuplr-log-w4", _D + "WarmupLR", 7, lr=1.0,
          args={"warmup_min_lr": 0.0, "warmup_max_lr": 1.0, "warmup_num_steps": 4},
          note="reference verified vector"),
    _case("deepspeed-warmuplr-linear-w4", _D + "WarmupLR", 7, lr=1.0,
          args={"warmup_min_lr": 0.0, "warmup_max_lr": 1.0, "warmup_num_steps": 4,
                "warmup_type": "linear"}, note="reference verified vector"),
    _case("deepspeed-warmuplr-optimizer-lr", _D + "WarmupLR", 13, lr=0.1,
          args={"warmup_num_steps": 5, "warmup_type": "linear", "warmup_min_lr": 0.01},
          note="warmup_max_lr None: the optimizer's lr"),
    _case("deepspeed-warmuplr-w1", _D + "WarmupLR", 7, lr=0.1,
          args={"warmup_num_steps": 1}, note="W clamped to 2"),
    _case("deepspeed-warmuplr-defaults", _D + "WarmupLR", 37, lr=0.001,
          note="log warmup over 1000 steps"),
    _case("deepspeed-warmuplr-w0-raises", _D + "WarmupLR", 1, lr=0.1,
          args={"warmup_num_steps": 0}, raises="ValueError"),
    # WarmupDecayLR
    _case("deepspeed-warmupdecay-linear-w4-t8", _D + "WarmupDecayLR", 10,
          args={"total_num_steps": 8, "warmup_max_lr": 1.0, "warmup_num_steps": 4,
                "warmup_type": "linear"}, note="reference verified vector"),
    _case("deepspeed-warmupdecay-log-w3-t13", _D + "WarmupDecayLR", 23,
          args={"total_num_steps": 13, "warmup_min_lr": 1e-4, "warmup_max_lr": 0.1,
                "warmup_num_steps": 3}),
    _case("deepspeed-warmupdecay-t-lt-w", _D + "WarmupDecayLR", 13,
          args={"total_num_steps": 4, "warmup_num_steps": 6, "warmup_type": "linear"},
          note="T < W (warns); warmup_max_lr default 0.001"),
    # WarmupCosineLR
    _case("deepspeed-warmupcosine-linear-w4-t8", _D + "WarmupCosineLR", 9, lr=1.0,
          args={"total_num_steps": 8, "warmup_num_steps": 4, "warmup_type": "linear",
                "warmup_min_ratio": 0.1, "cos_min_ratio": 0.0},
          note="reference verified vector: peak never reached"),
    _case("deepspeed-warmupcosine-log", _D + "WarmupCosineLR", 23, lr=0.1,
          args={"total_num_steps": 15, "warmup_num_steps": 5}, note="cos_min_ratio 1e-4"),
    _case("deepspeed-warmupcosine-w1", _D + "WarmupCosineLR", 13, lr=0.1,
          args={"total_num_steps": 10, "warmup_num_steps": 1, "warmup_type": "linear",
                "cos_min_ratio": 0.01}),
    # OneCycle
    _case("deepspeed-onecycle-decay", _D + "OneCycle", 9,
          args={"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "decay_lr_rate": 0.5,
                "cycle_first_step_size": 2, "decay_step_size": 2},
          note="reference verified vector"),
    _case("deepspeed-onecycle-asym", _D + "OneCycle", 23,
          args={"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 3,
                "cycle_second_step_size": 5, "decay_lr_rate": 0.1, "decay_step_size": 1}),
    _case("deepspeed-onecycle-stairs", _D + "OneCycle", 23,
          args={"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 6,
                "cycle_first_stair_count": 3, "cycle_second_step_size": 4,
                "cycle_second_stair_count": 2}),
    _case("deepspeed-onecycle-nodecay", _D + "OneCycle", 13,
          args={"cycle_min_lr": 0.001, "cycle_max_lr": 0.01, "cycle_first_step_size": 4},
          note="decay_lr_rate 0: stays at cycle_min_lr after the cycle"),
    # LRRangeTest
    _case("deepspeed-rangetest-stair", _D + "LRRangeTest", 7,
          args={"lr_range_test_min_lr": 0.1, "lr_range_test_step_size": 2,
                "lr_range_test_step_rate": 1.0, "lr_range_test_staircase": True},
          note="reference verified vector"),
    _case("deepspeed-rangetest-smooth", _D + "LRRangeTest", 13,
          args={"lr_range_test_min_lr": 0.001, "lr_range_test_step_size": 3,
                "lr_range_test_step_rate": 0.5}),
    _case("deepspeed-rangetest-defaults", _D + "LRRangeTest", 7),
]


# --------------------------------------------------------------------------------------------------
# Keras 3 (keras.optimizers.schedules, JAX backend, float32; no lr)

_K = "keras."

KERAS: list[Case] = [
    # CosineDecay
    _case("keras-cosine-warmup-target", _K + "CosineDecay", 10,
          args={"initial_learning_rate": 0.0, "decay_steps": 5, "alpha": 0.1,
                "warmup_target": 1.0, "warmup_steps": 3}, note="reference verified vector"),
    _case("keras-cosine-warmup-ignored", _K + "CosineDecay", 6,
          args={"initial_learning_rate": 1.0, "decay_steps": 5, "warmup_steps": 3},
          note="reference verified vector: warmup_steps ignored without warmup_target"),
    _case("keras-cosine-defaults", _K + "CosineDecay", 13,
          args={"initial_learning_rate": 1.0, "decay_steps": 10}),
    _case("keras-cosine-alpha", _K + "CosineDecay", 23,
          args={"initial_learning_rate": 0.1, "decay_steps": 13, "alpha": 0.1}),
    _case("keras-cosine-warmup-target-long", _K + "CosineDecay", 37,
          args={"initial_learning_rate": 1e-5, "decay_steps": 25, "warmup_target": 1e-3,
                "warmup_steps": 5}),
    # CosineDecayRestarts
    _case("keras-restarts-2-2-05", _K + "CosineDecayRestarts", 13,
          args={"initial_learning_rate": 1.0, "first_decay_steps": 2, "t_mul": 2.0,
                "m_mul": 0.5, "alpha": 0.1}, note="reference verified vector"),
    _case("keras-restarts-defaults", _K + "CosineDecayRestarts", 37,
          args={"initial_learning_rate": 0.1, "first_decay_steps": 5}),
    _case("keras-restarts-tmul1", _K + "CosineDecayRestarts", 23,
          args={"initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 1.0,
                "m_mul": 0.8}),
    _case("keras-restarts-tmul15", _K + "CosineDecayRestarts", 60,
          args={"initial_learning_rate": 1.0, "first_decay_steps": 4, "t_mul": 1.5,
                "alpha": 0.05}),
    # ExponentialDecay
    _case("keras-exp-smooth", _K + "ExponentialDecay", 13,
          args={"initial_learning_rate": 1.0, "decay_steps": 2, "decay_rate": 0.5}),
    _case("keras-exp-staircase", _K + "ExponentialDecay", 13,
          args={"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5,
                "staircase": True}),
    _case("keras-exp-flush-to-zero", _K + "ExponentialDecay", 23,
          args={"initial_learning_rate": 1.0, "decay_steps": 1, "decay_rate": 0.01},
          note="below float32's smallest normal from step 19: flushed to 0.0 on the JAX backend"),
    _case("keras-exp-growth", _K + "ExponentialDecay", 7,
          args={"initial_learning_rate": 0.01, "decay_steps": 1, "decay_rate": 1.5}),
    _case("keras-exp-zero-steps-raises", _K + "ExponentialDecay", 1,
          args={"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5},
          raises="ValueError"),
    # PolynomialDecay
    _case("keras-poly-cycle", _K + "PolynomialDecay", 7,
          args={"initial_learning_rate": 1.0, "decay_steps": 2, "end_learning_rate": 0.0,
                "cycle": True}, note="reference verified vector"),
    _case("keras-poly-defaults", _K + "PolynomialDecay", 13,
          args={"initial_learning_rate": 0.1, "decay_steps": 10},
          note="end_learning_rate default 1e-4"),
    _case("keras-poly-p2", _K + "PolynomialDecay", 13,
          args={"initial_learning_rate": 1.0, "decay_steps": 7, "end_learning_rate": 0.01,
                "power": 2.0}),
    _case("keras-poly-cycle-p05", _K + "PolynomialDecay", 23,
          args={"initial_learning_rate": 0.1, "decay_steps": 5, "end_learning_rate": 0.001,
                "power": 0.5, "cycle": True}),
    # PiecewiseConstantDecay
    _case("keras-piecewise", _K + "PiecewiseConstantDecay", 6,
          args={"boundaries": [2, 4], "values": [1.0, 0.5, 0.1]},
          note="reference verified vector: boundary step keeps the old value"),
    _case("keras-piecewise-3", _K + "PiecewiseConstantDecay", 13,
          args={"boundaries": [0, 5, 9], "values": [0.01, 0.1, 0.05, 0.001]}),
    # InverseTimeDecay
    _case("keras-inverse-time", _K + "InverseTimeDecay", 13,
          args={"initial_learning_rate": 1.0, "decay_steps": 2, "decay_rate": 0.5}),
    _case("keras-inverse-time-staircase", _K + "InverseTimeDecay", 13,
          args={"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 1.0,
                "staircase": True}),
]


# --------------------------------------------------------------------------------------------------
# pytorch_warmup (optimizer AdamW; top-level base and betas)

_P = "pytorch_warmup."

PYTORCH_WARMUP: list[Case] = [
    _case("pw-linear-5", _P + "LinearWarmup", 9, lr=0.1, args={"warmup_period": 5}),
    _case("pw-linear-5-cosine", _P + "LinearWarmup", 23, lr=0.1, args={"warmup_period": 5},
          base=_sub(_T + "CosineAnnealingLR", T_max=10, eta_min=0.001)),
    _case("pw-linear-3-step", _P + "LinearWarmup", 13, lr=1.0, args={"warmup_period": 3},
          base=_sub(_T + "StepLR", step_size=2, gamma=0.5)),
    _case("pw-linear-1", _P + "LinearWarmup", 7, lr=0.1, args={"warmup_period": 1}),
    _case("pw-linear-0-raises", _P + "LinearWarmup", 1, lr=0.1, args={"warmup_period": 0},
          raises="ValueError"),
    _case("pw-exponential-5", _P + "ExponentialWarmup", 13, lr=0.1, args={"warmup_period": 5}),
    _case("pw-exponential-3-exp", _P + "ExponentialWarmup", 23, lr=1.0,
          args={"warmup_period": 3}, base=_sub(_T + "ExponentialLR", gamma=0.9)),
    _case("pw-untuned-linear-095", _P + "UntunedLinearWarmup", 60, lr=0.1, betas=[0.9, 0.95],
          note="tau = int(2/(1-0.95)) = 39"),
    _case("pw-untuned-linear-098-cosine", _P + "UntunedLinearWarmup", 101, lr=0.1,
          betas=[0.9, 0.98], base=_sub(_T + "CosineAnnealingLR", T_max=80),
          note="tau = 99"),
    _case("pw-untuned-linear-default", _P + "UntunedLinearWarmup", 60, lr=0.001,
          note="beta2 0.999: tau = 1999"),
    _case("pw-untuned-exp-095", _P + "UntunedExponentialWarmup", 60, lr=0.1, betas=[0.9, 0.95]),
    _case("pw-untuned-exp-099-step", _P + "UntunedExponentialWarmup", 101, lr=0.1,
          betas=[0.9, 0.99], base=_sub(_T + "StepLR", step_size=30, gamma=0.5)),
    _case("pw-radam-default", _P + "RAdamWarmup", 60, lr=0.001),
    _case("pw-radam-099", _P + "RAdamWarmup", 60, lr=0.1, betas=[0.9, 0.99]),
    _case("pw-radam-095-cosine", _P + "RAdamWarmup", 37, lr=0.1, betas=[0.9, 0.95],
          base=_sub(_T + "CosineAnnealingLR", T_max=30)),
]


# --------------------------------------------------------------------------------------------------
# Megatron (megatron.core.optimizer_param_scheduler.OptimizerParamScheduler; no lr)

_M = "megatron.OptimizerParamScheduler"


def _meg(case_id: str, steps: int, global_batch_size: int | None = None,
         raises: str | None = None, note: str | None = None, **args: Any) -> Case:
    top = {} if global_batch_size is None else {"global_batch_size": global_batch_size}
    return _case(case_id, _M, steps, args=args, raises=raises, note=note, **top)


MEGATRON: list[Case] = [
    _meg("megatron-constant-w3", 9, init_lr=0.0, max_lr=1.0, min_lr=0.0, lr_warmup_steps=3,
         lr_decay_steps=6, lr_decay_style="constant"),
    _meg("megatron-constant-w0", 7, init_lr=0.0, max_lr=0.1, min_lr=0.0, lr_warmup_steps=0,
         lr_decay_steps=6, lr_decay_style="constant"),
    _meg("megatron-linear-w3-d10", 13, init_lr=0.0, max_lr=1.0, min_lr=0.0, lr_warmup_steps=3,
         lr_decay_steps=10, lr_decay_style="linear"),
    _meg("megatron-linear-w0-init", 13, init_lr=0.0, max_lr=0.1, min_lr=0.01,
         lr_warmup_steps=0, lr_decay_steps=9, lr_decay_style="linear"),
    _meg("megatron-cosine-w2-d10", 13, init_lr=0.0, max_lr=1.0, min_lr=0.1, lr_warmup_steps=2,
         lr_decay_steps=10, lr_decay_style="cosine"),
    _meg("megatron-cosine-init-lr", 23, init_lr=0.01, max_lr=0.1, min_lr=0.001,
         lr_warmup_steps=5, lr_decay_steps=20, lr_decay_style="cosine"),
    _meg("megatron-isr-w4-d20", 23, init_lr=0.0, max_lr=1.0, min_lr=0.2, lr_warmup_steps=4,
         lr_decay_steps=20, lr_decay_style="inverse-square-root"),
    _meg("megatron-isr-w0", 13, init_lr=0.0, max_lr=0.1, min_lr=0.0, lr_warmup_steps=0,
         lr_decay_steps=10, lr_decay_style="inverse-square-root"),
    _meg("megatron-wsd-linear", 15, init_lr=0.0, max_lr=1.0, min_lr=0.0, lr_warmup_steps=2,
         lr_decay_steps=12, lr_decay_style="WSD", wsd_decay_steps=4,
         lr_wsd_decay_style="linear"),
    _meg("megatron-wsd-cosine", 15, init_lr=0.0, max_lr=1.0, min_lr=0.1, lr_warmup_steps=2,
         lr_decay_steps=12, lr_decay_style="WSD", wsd_decay_steps=5,
         lr_wsd_decay_style="cosine"),
    _meg("megatron-wsd-exponential", 15, init_lr=0.0, max_lr=1.0, min_lr=0.0,
         lr_warmup_steps=2, lr_decay_steps=12, lr_decay_style="WSD", wsd_decay_steps=4,
         lr_wsd_decay_style="exponential"),
    _meg("megatron-wsd-minus-sqrt", 15, init_lr=0.0, max_lr=1.0, min_lr=0.05,
         lr_warmup_steps=2, lr_decay_steps=12, lr_decay_style="WSD", wsd_decay_steps=6,
         lr_wsd_decay_style="minus_sqrt"),
    _meg("megatron-linear-gbs4", 13, global_batch_size=4, init_lr=0.0, max_lr=0.1,
         min_lr=0.0, lr_warmup_steps=8, lr_decay_steps=40, lr_decay_style="linear"),
    _meg("megatron-cosine-gbs8-fraction", 13, global_batch_size=8, init_lr=0.0, max_lr=0.1,
         min_lr=0.0, lr_warmup_steps=12, lr_decay_steps=80, lr_decay_style="cosine",
         note="warmup not a multiple of the batch (fraction-style): decay starts mid-iteration"),
    _meg("megatron-warmup-ge-decay-raises", 1, init_lr=0.0, max_lr=0.1, min_lr=0.0,
         lr_warmup_steps=10, lr_decay_steps=10, lr_decay_style="linear",
         raises="AssertionError"),
]


# --------------------------------------------------------------------------------------------------
# MMEngine (mmengine.optim.scheduler, stepped as ParamSchedulerHook does; lr is the optimizer's)

_E = "mmengine."


def _mm(case_id: str, name: str, steps: int, lr: float = 0.1, updates_per_epoch: int | None = None,
        raises: str | None = None, note: str | None = None, **args: Any) -> Case:
    top: dict[str, Any] = {"total_steps": steps}
    if updates_per_epoch is not None:
        top["updates_per_epoch"] = updates_per_epoch
    return _case(case_id, _E + name, steps, lr=lr, args=args, raises=raises, note=note, **top)


def _mmlist(case_id: str, steps: int, schedulers: list[dict[str, Any]], lr: float = 0.02,
            updates_per_epoch: int | None = None, note: str | None = None, **args: Any) -> Case:
    return _mm(case_id, "param_scheduler", steps, lr=lr, updates_per_epoch=updates_per_epoch,
               note=note, param_scheduler=schedulers, **args)


MMENGINE: list[Case] = [
    _mm("mmengine-linear-iter", "LinearLR", 13, start_factor=0.1, by_epoch=False, end=10,
        note="reaches end_factor at end - 1"),
    _mm("mmengine-linear-begin", "LinearLR", 13, start_factor=0.25, end_factor=0.5,
        by_epoch=False, begin=3, end=9),
    _mm("mmengine-linear-zero-raises", "LinearLR", 2, start_factor=0.0, by_epoch=False, end=6,
        raises="ZeroDivisionError"),
    _mm("mmengine-constant-iter", "ConstantLR", 9, factor=0.5, by_epoch=False, end=5),
    _mm("mmengine-cosine-iter", "CosineAnnealingLR", 23, by_epoch=False, T_max=10, eta_min=0.01,
        note="recursive; runs past T_max and rises again"),
    _mm("mmengine-cosine-ratio-default-tmax", "CosineAnnealingLR", 17, by_epoch=False,
        eta_min_ratio=0.1, begin=2, end=14),
    _mm("mmengine-cosine-epoch-staircase", "CosineAnnealingLR", 37, updates_per_epoch=4,
        T_max=8, eta_min=0.0, end=9, note="one value per epoch"),
    _mm("mmengine-cosine-epoch-converted", "CosineAnnealingLR", 37, updates_per_epoch=4,
        T_max=8, eta_min=0.001, end=9, convert_to_iter_based=True),
    _mm("mmengine-exponential", "ExponentialLR", 13, gamma=0.9, by_epoch=False),
    _mm("mmengine-step-epoch", "StepLR", 31, updates_per_epoch=3, step_size=2, gamma=0.5, end=10),
    _mm("mmengine-multistep-epoch", "MultiStepLR", 41, updates_per_epoch=4,
        milestones=[3, 7, 7], gamma=0.1, end=10),
    _mm("mmengine-poly-iter", "PolyLR", 17, by_epoch=False, eta_min=0.001, power=0.9, end=15),
    _mm("mmengine-onecycle", "OneCycleLR", 21, by_epoch=False, eta_max=0.5, total_steps=20),
    _mm("mmengine-onecycle-three-linear", "OneCycleLR", 21, by_epoch=False, eta_max=0.5,
        total_steps=20, three_phase=True, anneal_strategy="linear"),
    _mm("mmengine-onecycle-past-end-raises", "OneCycleLR", 12, by_epoch=False, eta_max=0.5,
        total_steps=10, end=100, raises="ValueError"),
    _mm("mmengine-cosine-restart", "CosineRestartLR", 31, by_epoch=False, periods=[5, 10, 10],
        restart_weights=[1.0, 0.5, 0.25], eta_min=0.001),
    _mmlist("mmengine-list-warmup-multistep", 61, [
        {"type": "LinearLR", "start_factor": 0.001, "by_epoch": False, "begin": 0, "end": 8},
        {"type": "MultiStepLR", "begin": 0, "end": 12, "by_epoch": True, "milestones": [8, 11],
         "gamma": 0.1}], updates_per_epoch=5, max_epochs=12,
        note="mmdet's 1x schedule, shortened; one update past the run"),
    _mmlist("mmengine-list-warmup-inside-epoch", 25, [
        {"type": "LinearLR", "start_factor": 0.1, "by_epoch": False, "begin": 0, "end": 12},
        {"type": "MultiStepLR", "by_epoch": True, "milestones": [1, 2], "gamma": 0.5}],
        updates_per_epoch=4, max_epochs=6,
        note="epoch milestones land inside the iteration warmup and stack"),
    _mmlist("mmengine-list-warmup-cosine-converted", 41, [
        {"type": "LinearLR", "start_factor": 0.01, "by_epoch": True, "begin": 0, "end": 2,
         "convert_to_iter_based": True},
        {"type": "CosineAnnealingLR", "eta_min": 0.0002, "begin": 2, "end": 10, "T_max": 8,
         "by_epoch": True, "convert_to_iter_based": True}],
        updates_per_epoch=4, max_epochs=10, note="RTMDet-style, shortened"),
    _mm("mmengine-poly-negative-power-raises", "PolyLR", 10, lr=0.01, eta_min=0.0, power=-1.0, begin=0,
        end=10, by_epoch=False, raises="ZeroDivisionError", note="0.0 ** -1.0 at its last step (t = 9)"),
    _mmlist("mmengine-list-poly-iter-based", 30, [
        {"type": "PolyLR", "eta_min": 1e-4, "power": 0.9, "begin": 0, "by_epoch": False}],
        lr=0.01, max_iters=30, note="mmseg-style; end defaults to max_iters"),
]


# --------------------------------------------------------------------------------------------------
# fvcore param schedulers, and detectron2's warmup / LRMultiplier over them (lr = SOLVER.BASE_LR)

_FV = "fvcore."


def _fv(case_id: str, name: str, steps: int, total: int, lr: float = 0.02, raises: str | None = None,
        note: str | None = None, **args: Any) -> Case:
    return _case(case_id, _FV + name, steps, lr=lr, args=args, raises=raises, note=note,
                 max_iter=total)


FVCORE: list[Case] = [
    _fv("fvcore-cosine", "CosineParamScheduler", 23, 20, start_value=1.0, end_value=0.01),
    _fv("fvcore-linear", "LinearParamScheduler", 11, 10, start_value=0.1, end_value=1.0),
    _fv("fvcore-exponential", "ExponentialParamScheduler", 11, 10, start_value=1.0, decay=0.02),
    _fv("fvcore-poly", "PolynomialDecayParamScheduler", 11, 10, base_value=1.0, power=0.9),
    _fv("fvcore-poly-negative-power-raises", "PolynomialDecayParamScheduler", 11, 10, base_value=1.0,
        power=-1.0, raises="ZeroDivisionError", note="0.0 ** -1.0 at where = 1"),
    _fv("fvcore-multistep-milestones", "MultiStepParamScheduler", 21, 20,
        values=[1.0, 0.1, 0.01], milestones=[12, 16], num_updates=20),
    _fv("fvcore-multistep-equispaced", "MultiStepParamScheduler", 21, 20, values=[1.0, 0.5, 0.25],
        num_updates=20),
    _fv("fvcore-multistep-past-end-raises", "MultiStepParamScheduler", 22, 20,
        values=[1.0, 0.1], milestones=[10], num_updates=20, raises="RuntimeError"),
    _fv("fvcore-step", "StepParamScheduler", 12, 12, num_updates=12, values=[1.0, 0.3, 0.09]),
    _fv("fvcore-step-past-end-raises", "StepParamScheduler", 13, 12, num_updates=12,
        values=[1.0, 0.3, 0.09], raises="IndexError"),
    _fv("fvcore-step-gamma", "StepWithFixedGammaParamScheduler", 16, 16, base_value=1.0,
        num_decays=3, gamma=0.5, num_updates=16),
    _fv("fvcore-constant-at-end-raises", "ConstantParamScheduler", 11, 10, value=0.5,
        raises="RuntimeError"),
    _case("detectron2-warmup-multistep", "detectron2.WarmupParamScheduler", 41, lr=0.02,
          max_iter=40, note="detectron2's 1x recipe, shortened",
          args={"scheduler": {"schedule": _FV + "MultiStepParamScheduler",
                              "args": {"values": [1.0, 0.1, 0.01], "milestones": [24, 32],
                                       "num_updates": 40}},
                "warmup_factor": 0.001, "warmup_length": 0.25}),
    _case("detectron2-warmup-length-past-end-raises", "detectron2.WarmupParamScheduler", 1, lr=0.02,
          max_iter=40, raises="RuntimeError", note="built with scheduler(warmup_length = 3): where > 1",
          args={"scheduler": {"schedule": _FV + "MultiStepParamScheduler",
                              "args": {"values": [1.0, 0.1, 0.01], "milestones": [24, 32],
                                       "num_updates": 40}},
                "warmup_factor": 0.001, "warmup_length": 3}),
    _case("detectron2-warmup-cosine-constant", "detectron2.WarmupParamScheduler", 31, lr=0.1,
          max_iter=30, args={"scheduler": {"schedule": _FV + "CosineParamScheduler",
                                              "args": {"start_value": 1.0, "end_value": 0.0}},
                                "warmup_factor": 0.1, "warmup_length": 0.2,
                                "warmup_method": "constant"}),
    _case("detectron2-warmup-rescaled", "detectron2.WarmupParamScheduler", 30, lr=0.1,
          max_iter=30, args={"scheduler": {"schedule": _FV + "CosineParamScheduler",
                                              "args": {"start_value": 1.0, "end_value": 0.05}},
                                "warmup_factor": 0.01, "warmup_length": 0.1,
                                "rescale_interval": True}),
    _case("detectron2-lrmultiplier-step-gamma", "detectron2.LRMultiplier", 24, lr=0.01,
          args={"max_iter": 24, "multiplier": {
              "schedule": "detectron2.WarmupParamScheduler",
              "args": {"scheduler": {"schedule": _FV + "StepWithFixedGammaParamScheduler",
                                     "args": {"base_value": 1.0, "num_decays": 2, "gamma": 0.1,
                                              "num_updates": 24}},
                       "warmup_factor": 0.001, "warmup_length": 5 / 24}}}),
]


# --------------------------------------------------------------------------------------------------
# PaddlePaddle (paddle.optimizer.lr; the LR comes from the scheduler's args)

_P = "paddle."


def _pd(case_id: str, name: str, steps: int, raises: str | None = None, note: str | None = None,
        **args: Any) -> Case:
    return _case(case_id, _P + name, steps, args=args, raises=raises, note=note)


def _pw(case_id: str, steps: int, inner: str, warmup: int, start: float, end: float,
        raises: str | None = None, note: str | None = None, **args: Any) -> Case:
    """``LinearWarmup`` wrapping ``paddle.<inner>(**args)``."""
    return _pd(case_id, "LinearWarmup", steps, raises=raises, note=note, warmup_steps=warmup,
               start_lr=start, end_lr=end, learning_rate={"schedule": _P + inner, "args": args})


PADDLE: list[Case] = [
    _pd("paddle-noam", "NoamDecay", 23, d_model=512, warmup_steps=10, learning_rate=1.0,
        note="0 at step 0"),
    _pd("paddle-piecewise", "PiecewiseDecay", 13, boundaries=[3, 8], values=[0.1, 0.05, 0.01]),
    _pd("paddle-natural-exp", "NaturalExpDecay", 11, learning_rate=0.5, gamma=0.1),
    _pd("paddle-inverse-time", "InverseTimeDecay", 11, learning_rate=0.5, gamma=0.1),
    _pd("paddle-poly", "PolynomialDecay", 15, learning_rate=0.5, decay_steps=10, power=2.0),
    _pd("paddle-poly-cycle", "PolynomialDecay", 31, learning_rate=0.5, decay_steps=10,
        end_lr=0.01, cycle=True, note="holds end_lr at decay_steps, restarts after"),
    _pd("paddle-exponential", "ExponentialDecay", 11, learning_rate=0.5, gamma=0.9),
    _pd("paddle-multistep", "MultiStepDecay", 15, learning_rate=0.5, milestones=[3, 6, 10]),
    _pd("paddle-step", "StepDecay", 15, learning_rate=0.5, step_size=4, gamma=0.5),
    _pd("paddle-cosine", "CosineAnnealingDecay", 45, learning_rate=0.5, T_max=10, eta_min=0.01,
        note="recursive; rises again after T_max"),
    _pd("paddle-onecycle", "OneCycleLR", 21, max_learning_rate=0.5, total_steps=20,
        note="accepts one step past total_steps"),
    _pd("paddle-onecycle-three-linear", "OneCycleLR", 21, max_learning_rate=0.5, total_steps=20,
        three_phase=True, anneal_strategy="linear", phase_pct=0.25),
    _pd("paddle-onecycle-past-end-raises", "OneCycleLR", 22, max_learning_rate=0.5,
        total_steps=20, raises="ValueError"),
    _pd("paddle-cyclic", "CyclicLR", 31, base_learning_rate=0.01, max_learning_rate=0.1,
        step_size_up=4, step_size_down=6),
    _pd("paddle-cyclic-triangular2", "CyclicLR", 31, base_learning_rate=0.01,
        max_learning_rate=0.1, step_size_up=5, mode="triangular2"),
    _pd("paddle-cyclic-exp-range", "CyclicLR", 31, base_learning_rate=0.01, max_learning_rate=0.1,
        step_size_up=5, mode="exp_range", exp_gamma=0.9),
    _pd("paddle-linear", "LinearLR", 13, learning_rate=0.5, total_steps=8, start_factor=0.1),
    _pd("paddle-warm-restarts", "CosineAnnealingWarmRestarts", 37, learning_rate=0.5, T_0=5,
        T_mult=2, eta_min=0.01),
    _pd("paddle-linear-warmup-number", "LinearWarmup", 13, learning_rate=0.5, warmup_steps=5,
        start_lr=0.0, end_lr=0.5),
    _pd("paddle-linear-warmup-cosine", "LinearWarmup", 31, warmup_steps=5, start_lr=0.0,
        end_lr=0.5, learning_rate={"schedule": "paddle.CosineAnnealingDecay",
                                   "args": {"learning_rate": 0.5, "T_max": 20}},
        note="the wrapped cosine restarts at its own step 0 (closed form)"),
    _pd("paddle-linear-warmup-multistep", "LinearWarmup", 21, warmup_steps=4, start_lr=0.01,
        end_lr=0.1, learning_rate={"schedule": "paddle.MultiStepDecay",
                                   "args": {"learning_rate": 0.1, "milestones": [5, 10]}}),
    _pd("paddle-linear-warmup-linearlr", "LinearWarmup", 17, warmup_steps=3, start_lr=0.0,
        end_lr=0.2, learning_rate={"schedule": "paddle.LinearLR",
                                   "args": {"learning_rate": 0.2, "total_steps": 6,
                                            "start_factor": 0.5}},
        note="a recursive scheduler stepped to explicit epochs"),
    # more of each class: odd lengths, edge arguments, past the end
    _pd("paddle-noam-small", "NoamDecay", 37, d_model=64, warmup_steps=4, learning_rate=2.0),
    _pd("paddle-noam-warmup-1", "NoamDecay", 7, d_model=8, warmup_steps=1),
    _pd("paddle-piecewise-unsorted", "PiecewiseDecay", 11, boundaries=[8, 3],
        values=[0.1, 0.05, 0.01], note="the first boundary above t wins, in list order"),
    _pd("paddle-piecewise-extra-values", "PiecewiseDecay", 7, boundaries=[3], values=[1.0, 2.0, 3.0],
        note="after the last boundary: the last value, not values[len(boundaries)]"),
    _pd("paddle-natural-exp-fast", "NaturalExpDecay", 23, learning_rate=0.1, gamma=0.5),
    _pd("paddle-inverse-time-negative-raises", "InverseTimeDecay", 5, raises="ZeroDivisionError",
        learning_rate=0.5, gamma=-0.25),
    _pd("paddle-poly-sqrt", "PolynomialDecay", 17, learning_rate=0.3, decay_steps=13, end_lr=0.0,
        power=0.5),
    _pd("paddle-poly-cycle-odd", "PolynomialDecay", 37, learning_rate=1.0, decay_steps=7,
        end_lr=0.1, power=2.0, cycle=True),
    _pd("paddle-exponential-half", "ExponentialDecay", 13, learning_rate=1.0, gamma=0.5),
    _pd("paddle-multistep-dense", "MultiStepDecay", 7, learning_rate=1.0, milestones=[1, 2, 3],
        gamma=0.5),
    _pd("paddle-multistep-negative-gamma", "MultiStepDecay", 9, learning_rate=0.2,
        milestones=[2, 5], gamma=-0.5),
    _pd("paddle-step-one", "StepDecay", 23, learning_rate=0.1, step_size=1, gamma=0.9),
    _pd("paddle-step-seven", "StepDecay", 29, learning_rate=0.1, step_size=7),
    _pd("paddle-cosine-no-eta", "CosineAnnealingDecay", 37, learning_rate=0.1, T_max=7),
    _pd("paddle-cosine-tmax-1", "CosineAnnealingDecay", 13, learning_rate=0.1, T_max=1,
        eta_min=0.001),
    _pd("paddle-cosine-tmax-100-drift", "CosineAnnealingDecay", 301, learning_rate=1.0, T_max=100,
        eta_min=0.05, note="recursive drift over three half-periods"),
    _pd("paddle-onecycle-linear", "OneCycleLR", 38, max_learning_rate=0.1, total_steps=37,
        anneal_strategy="linear"),
    _pd("paddle-onecycle-three-cos", "OneCycleLR", 51, max_learning_rate=1.0, total_steps=50,
        three_phase=True, phase_pct=0.1),
    _pd("paddle-onecycle-divide-zero-raises", "OneCycleLR", 1, max_learning_rate=0.1, total_steps=7,
        divide_factor=0.0, raises="ZeroDivisionError", note="max_learning_rate / divide_factor at construction"),
    _pd("paddle-cosine-negative-lr-raises", "CosineAnnealingDecay", 1, learning_rate=-0.5, T_max=10,
        raises="ValueError", note="LRScheduler.__init__: Invalid learning rate"),
    _pd("paddle-onecycle-short", "OneCycleLR", 8, max_learning_rate=0.1, total_steps=7,
        divide_factor=10.0, end_learning_rate=0.0),
    _pd("paddle-onecycle-pct-zero", "OneCycleLR", 12, max_learning_rate=0.1, total_steps=11,
        phase_pct=0.0),
    _pd("paddle-onecycle-pct-one-raises", "OneCycleLR", 11, raises="ZeroDivisionError",
        max_learning_rate=0.1, total_steps=10, phase_pct=1.0),
    _pd("paddle-cyclic-symmetric", "CyclicLR", 23, base_learning_rate=0.001, max_learning_rate=0.01,
        step_size_up=3),
    _pd("paddle-cyclic-exp-range-slow", "CyclicLR", 41, base_learning_rate=0.01,
        max_learning_rate=0.2, step_size_up=2, step_size_down=5, mode="exp_range", exp_gamma=0.99),
    _pd("paddle-cyclic-triangular2-short", "CyclicLR", 41, base_learning_rate=0.0,
        max_learning_rate=1.0, step_size_up=1, step_size_down=1, mode="triangular2"),
    _pd("paddle-linear-default", "LinearLR", 11, learning_rate=0.3, total_steps=5),
    _pd("paddle-linear-decay", "LinearLR", 13, learning_rate=0.1, total_steps=9, start_factor=1.0,
        end_factor=0.1),
    _pd("paddle-linear-to-zero", "LinearLR", 9, learning_rate=0.1, total_steps=4, start_factor=0.5,
        end_factor=0.0),
    _pd("paddle-warm-restarts-fixed", "CosineAnnealingWarmRestarts", 23, learning_rate=0.1, T_0=7),
    _pd("paddle-warm-restarts-mult-3", "CosineAnnealingWarmRestarts", 61, learning_rate=1.0, T_0=2,
        T_mult=3),
    # LinearWarmup wrapping each decay (the wrapped scheduler is stepped to explicit epochs)
    _pd("paddle-linear-warmup-int", "LinearWarmup", 9, learning_rate=1, warmup_steps=3,
        start_lr=0.0, end_lr=1.0, note="an int learning_rate is held as given"),
    _pd("paddle-linear-warmup-one", "LinearWarmup", 5, learning_rate=0.2, warmup_steps=1,
        start_lr=0.1, end_lr=0.3),
    _pw("paddle-warmup-noam", 23, "NoamDecay", 4, 0.0, 0.01, d_model=16, warmup_steps=5),
    _pw("paddle-warmup-piecewise", 17, "PiecewiseDecay", 5, 0.0, 0.1, boundaries=[3, 6],
        values=[0.1, 0.01, 0.001]),
    _pw("paddle-warmup-natural-exp", 15, "NaturalExpDecay", 3, 0.01, 0.5, learning_rate=0.5,
        gamma=0.2),
    _pw("paddle-warmup-inverse-time", 15, "InverseTimeDecay", 3, 0.0, 0.5, learning_rate=0.5,
        gamma=0.3),
    _pw("paddle-warmup-poly-cycle", 33, "PolynomialDecay", 4, 0.0, 0.5, learning_rate=0.5,
        decay_steps=6, end_lr=0.05, power=1.5, cycle=True),
    _pw("paddle-warmup-poly", 23, "PolynomialDecay", 6, 0.0, 0.5, learning_rate=0.5,
        decay_steps=10),
    _pw("paddle-warmup-exponential", 15, "ExponentialDecay", 5, 0.0, 0.3, learning_rate=0.3,
        gamma=0.8),
    _pw("paddle-warmup-step", 21, "StepDecay", 2, 0.0, 0.1, learning_rate=0.1, step_size=3,
        gamma=0.5),
    _pw("paddle-warmup-cosine-eta", 41, "CosineAnnealingDecay", 7, 0.001, 0.1, learning_rate=0.1,
        T_max=13, eta_min=0.002, note="closed form, periodic past T_max"),
    _pw("paddle-warmup-onecycle", 14, "OneCycleLR", 3, 0.0, 0.05, max_learning_rate=0.1,
        total_steps=10),
    _pw("paddle-warmup-onecycle-raises", 15, "OneCycleLR", 3, 0.0, 0.05, raises="ValueError",
        max_learning_rate=0.1, total_steps=10, note="the wrapped scheduler raises at its step 11"),
    _pw("paddle-warmup-cyclic", 31, "CyclicLR", 4, 0.0, 0.01, base_learning_rate=0.01,
        max_learning_rate=0.1, step_size_up=3, step_size_down=4, mode="triangular2"),
    _pw("paddle-warmup-linearlr-decay", 19, "LinearLR", 5, 0.0, 0.1, learning_rate=0.1,
        total_steps=7, start_factor=1.0, end_factor=0.2),
    _pw("paddle-warmup-restarts-fixed", 29, "CosineAnnealingWarmRestarts", 4, 0.0, 0.1,
        learning_rate=0.1, T_0=6, eta_min=0.01),
    _pw("paddle-warmup-restarts-mult-2", 71, "CosineAnnealingWarmRestarts", 5, 0.0, 1.0,
        learning_rate=1.0, T_0=3, T_mult=2),
    _pw("paddle-warmup-restarts-mult-3-log", 260, "CosineAnnealingWarmRestarts", 5, 0.0, 1.0,
        learning_rate=1.0, T_0=2, T_mult=3, eta_min=0.1,
        note="math.log(243, 3) < 5: the explicit epoch 242 lands at the end of cycle 4 (eta_min)"),
    _pw("paddle-warmup-restarts-t0-1", 131, "CosineAnnealingWarmRestarts", 2, 0.0, 1.0,
        learning_rate=1.0, T_0=1, T_mult=3),
]


# --------------------------------------------------------------------------------------------------
# Lightning (a torch scheduler in an LRSchedulerConfig; a real Trainer.fit steps it)

_L = "lightning.LRSchedulerConfig"

LIGHTNING: list[Case] = [
    _case("lightning-epoch-steplr", _L, 20, lr=0.1, updates_per_epoch=3,
          args={"scheduler": _sub("torch.StepLR", step_size=2, gamma=0.5)},
          note="a scheduler returned bare: interval epoch, frequency 1"),
    _case("lightning-epoch-frequency-2-cosine", _L, 45, lr=0.1, updates_per_epoch=4,
          args={"scheduler": _sub("torch.CosineAnnealingLR", T_max=5, eta_min=0.001),
                "interval": "epoch", "frequency": 2}),
    _case("lightning-epoch-linear-warmup", _L, 23, lr=0.5, updates_per_epoch=5,
          args={"scheduler": _sub("torch.LinearLR", start_factor=0.1, total_iters=4)},
          note="the run ends inside an epoch"),
    _case("lightning-step-cosine", _L, 23, lr=0.1, updates_per_epoch=7,
          args={"scheduler": _sub("torch.CosineAnnealingLR", T_max=20), "interval": "step"},
          note="epoch ends do not step a per-step scheduler"),
    _case("lightning-step-onecycle", _L, 30, lr=0.1, updates_per_epoch=8,
          args={"scheduler": _sub("torch.OneCycleLR", max_lr=1.0, total_steps=30),
                "interval": "step"}),
]


CASES: list[Case] = [
    *TRANSFORMERS,
    *TORCH,
    *TIMM,
    *OPTAX,
    *DEEPSPEED,
    *KERAS,
    *PYTORCH_WARMUP,
    *MEGATRON,
    *MMENGINE,
    *FVCORE,
    *PADDLE,
    *LIGHTNING,
]


def library_of(case: Case) -> str:
    """``"torch"`` for ``schedule: torch.CosineAnnealingLR``."""
    return str(case["spec"]["schedule"]).partition(".")[0]


def validate(cases: list[Case]) -> None:
    """Unique ids, known libraries, sane step counts, JSON-able specs."""
    seen: set[str] = set()
    for case in cases:
        case_id = case["id"]
        if case_id in seen:
            raise ValueError(f"duplicate case id {case_id}")
        seen.add(case_id)
        if library_of(case) not in LIBRARIES:
            raise ValueError(f"{case_id}: unknown library {library_of(case)}")
        if not 1 <= case["steps"] <= MAX_STEPS:
            raise ValueError(f"{case_id}: steps must be in 1..{MAX_STEPS}")
        if json.loads(json.dumps(case["spec"])) != case["spec"]:
            raise ValueError(f"{case_id}: spec does not survive a JSON round trip")


validate(CASES)

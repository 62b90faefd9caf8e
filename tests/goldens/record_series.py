"""Record golden per-update values of every series a library schedules besides the LR.

Usage (from the repository root, with a Python that has the libraries installed)::

    PYTHONPATH=. /tmp/libvenv/bin/python tests/goldens/record_series.py           # write
    PYTHONPATH=. /tmp/libvenv/bin/python tests/goldens/record_series.py --check   # compare only

The companion of :mod:`record` (whose helpers it reuses): for each case of :data:`CASES` it builds
the real optimizer (``torch.optim.SGD`` with momentum, or ``torch.optim.Adam``/``AdamW`` as the
spec's ``optimizer:`` key says) with the spec's parameter groups, the library's real scheduler on
it, runs the library's standard loop, and reads, before each ``optimizer.step()``, what the
scheduler has written into every param group: ``lr``, ``momentum`` or ``betas``, ``weight_decay``.
Values go to ``tests/goldens/series/series.json`` under warmupctl's series names (``lr`` is group 0's,
``lr/pg1``, ``momentum``, ``betas[0]``, ``betas[1]``, ``weight_decay/pg0``, ...).

No library code is copied: only the public constructors and ``step`` are called.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

try:
    from . import record as _record
except ImportError:  # run as a script
    import record as _record  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
#: Beside the per-library goldens, in a folder of its own: test_goldens reads every
#: ``tests/goldens/*.json`` as one library's LR cases.
OUT = HERE / "series" / "series.json"

Spec = dict[str, Any]

#: Cases: id, spec (a warmupctl library spec), steps, and which param-group keys to read.
CASES: list[dict[str, Any]] = [
    # torch OneCycleLR: momentum with SGD, beta1 with Adam; two- and three-phase, cos and linear.
    {"id": "torch-onecycle-sgd", "steps": 23,
     "spec": {"schedule": "torch.OneCycleLR", "optimizer": "SGD",
              "args": {"max_lr": 0.1, "total_steps": 22}}},
    {"id": "torch-onecycle-adam-three-phase-linear", "steps": 37,
     "spec": {"schedule": "torch.OneCycleLR", "optimizer": "Adam",
              "args": {"max_lr": 1.0, "total_steps": 36, "pct_start": 0.25, "three_phase": True,
                       "anneal_strategy": "linear", "base_momentum": 0.8,
                       "max_momentum": 0.92}}},
    {"id": "torch-onecycle-adamw-epochs", "steps": 31,
     "spec": {"schedule": "torch.OneCycleLR", "optimizer": "AdamW",
              "args": {"max_lr": 0.01, "epochs": 3, "steps_per_epoch": 10, "pct_start": 0.33}}},
    # torch's own test_lrscheduler.py: test_onecycle_lr_cosine_annealing (max_lr 25, 10 steps,
    # div_factor 2, final_div_factor 1/5, base_momentum 1, max_momentum 22) and the linear one.
    {"id": "torch-testsuite-onecycle-cos", "steps": 10,
     "spec": {"schedule": "torch.OneCycleLR", "optimizer": "SGD",
              "args": {"max_lr": 25.0, "final_div_factor": 2.0, "base_momentum": 1.0,
                       "max_momentum": 22.0, "total_steps": 10, "div_factor": 25.0}}},
    {"id": "torch-testsuite-onecycle-linear", "steps": 10,
     "spec": {"schedule": "torch.OneCycleLR", "optimizer": "SGD",
              "args": {"max_lr": 25.0, "final_div_factor": 2.0, "base_momentum": 1.0,
                       "max_momentum": 22.0, "total_steps": 10, "anneal_strategy": "linear"}}},
    {"id": "torch-testsuite-onecycle-adam-beta1", "steps": 10,
     "spec": {"schedule": "torch.OneCycleLR", "optimizer": "Adam",
              "args": {"max_lr": 25.0, "final_div_factor": 2.0, "base_momentum": 1.0,
                       "max_momentum": 22.0, "total_steps": 10, "anneal_strategy": "linear"}}},
    # torch CyclicLR: the three modes, momentum and beta1; test_cycle_lr_* use base_momentum 1,
    # max_momentum 5 with step_size 2 (triangular, triangular2) and exp_range gamma 0.9.
    {"id": "torch-cyclic-triangular-sgd", "steps": 23,
     "spec": {"schedule": "torch.CyclicLR", "optimizer": "SGD", "total_steps": 40,
              "args": {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "step_size_down": 3}}},
    {"id": "torch-testsuite-cyclic-triangular2", "steps": 23,
     "spec": {"schedule": "torch.CyclicLR", "optimizer": "SGD", "total_steps": 40,
              "args": {"base_lr": 1.0, "max_lr": 5.0, "step_size_up": 2, "mode": "triangular2",
                       "base_momentum": 1.0, "max_momentum": 5.0}}},
    {"id": "torch-testsuite-cyclic-exp-range-adam", "steps": 23,
     "spec": {"schedule": "torch.CyclicLR", "optimizer": "Adam", "total_steps": 40,
              "args": {"base_lr": 1.0, "max_lr": 5.0, "step_size_up": 4, "mode": "exp_range",
                       "gamma": 0.9, "base_momentum": 1.0, "max_momentum": 5.0}}},
    {"id": "torch-cyclic-adamw-asymmetric", "steps": 40,
     "spec": {"schedule": "torch.CyclicLR", "optimizer": "AdamW", "total_steps": 40,
              "args": {"base_lr": 0.001, "max_lr": 0.006, "step_size_up": 7,
                       "step_size_down": 5, "base_momentum": 0.85, "max_momentum": 0.95}}},
    # DeepSpeed OneCycle: betas (AdamW), with and without the post-cycle decay, with stairs.
    {"id": "deepspeed-onecycle-decay", "steps": 13,
     "spec": {"schedule": "deepspeed.OneCycle", "optimizer": "AdamW", "total_steps": 13,
              "args": {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 2,
                       "decay_lr_rate": 0.5, "decay_step_size": 2, "decay_mom_rate": 0.1}}},
    {"id": "deepspeed-onecycle-plain", "steps": 23,
     "spec": {"schedule": "deepspeed.OneCycle", "optimizer": "Adam", "total_steps": 23,
              "args": {"cycle_min_lr": 0.001, "cycle_max_lr": 0.01, "cycle_first_step_size": 5,
                       "cycle_second_step_size": 7, "cycle_min_mom": 0.85,
                       "cycle_max_mom": 0.95}}},
    {"id": "deepspeed-onecycle-stairs", "steps": 25,
     "spec": {"schedule": "deepspeed.OneCycle", "optimizer": "AdamW", "total_steps": 25,
              "args": {"cycle_min_lr": 0.1, "cycle_max_lr": 0.9, "cycle_first_step_size": 8,
                       "cycle_first_stair_count": 4, "decay_step_size": 3,
                       "decay_mom_rate": 0.01}}},
    # Megatron: weight decay linear/cosine/constant, groups with their own max_lr/min_lr, wd_mult.
    {"id": "megatron-wd-linear", "steps": 13,
     "spec": {"schedule": "megatron.OptimizerParamScheduler",
              "args": {"init_lr": 0.0, "max_lr": 1.0, "min_lr": 0.1, "lr_warmup_steps": 2, "lr_decay_steps": 10,
                       "lr_decay_style": "linear", "start_wd": 0.0, "end_wd": 0.1,
                       "wd_incr_steps": 10, "wd_incr_style": "linear"}}},
    {"id": "megatron-wd-cosine-gbs", "steps": 13,
     "spec": {"schedule": "megatron.OptimizerParamScheduler", "global_batch_size": 4,
              "args": {"init_lr": 0.0, "max_lr": 3e-4, "min_lr": 3e-5, "lr_warmup_steps": 8, "lr_decay_steps": 40,
                       "lr_decay_style": "cosine", "start_wd": 0.01, "end_wd": 0.1,
                       "wd_incr_steps": 44, "wd_incr_style": "cosine"}}},
    {"id": "megatron-param-groups", "steps": 15,
     "spec": {"schedule": "megatron.OptimizerParamScheduler",
              "args": {"init_lr": 1e-5, "max_lr": 1e-3, "min_lr": 1e-4, "lr_warmup_steps": 3, "lr_decay_steps": 12,
                       "lr_decay_style": "cosine", "start_wd": 0.02, "end_wd": 0.08,
                       "wd_incr_steps": 12, "wd_incr_style": "linear"},
              "param_groups": [{}, {"wd_mult": 0.0},
                               {"name": "embed", "max_lr": 5e-4, "min_lr": 0.0},
                               {"max_lr": 2e-3, "min_lr": 2e-4, "start_wd": 0.0, "end_wd": 0.2,
                                "wd_mult": 0.5}]}},
    {"id": "megatron-param-groups-constant-wd-wsd", "steps": 21,
     "spec": {"schedule": "megatron.OptimizerParamScheduler",
              "args": {"init_lr": 0.0, "max_lr": 1.0, "min_lr": 0.0, "lr_warmup_steps": 2, "lr_decay_steps": 18,
                       "lr_decay_style": "WSD", "wsd_decay_steps": 6,
                       "lr_wsd_decay_style": "minus_sqrt", "start_wd": 0.1, "end_wd": 0.1,
                       "wd_incr_steps": 18, "wd_incr_style": "constant"},
              "param_groups": [{"max_lr": 0.5, "min_lr": 0.05}, {"wd_mult": 0.0}]}},
]

_OPTIMIZERS = {"SGD": "SGD", "Adam": "Adam", "AdamW": "AdamW", None: "SGD"}


def _groups(torch: Any, spec: Spec, lr: float) -> list[dict[str, Any]]:
    """One torch param group per ``param_groups`` entry (the override keys kept in the group, as
    Megatron's ``_get_param_groups`` keeps them), or one plain group."""
    overrides = spec.get("param_groups") or [{}]
    groups = []
    for override in overrides:
        group = {k: v for k, v in override.items() if k != "name"}
        group["params"] = [torch.nn.Parameter(torch.zeros(1))]
        groups.append(group)
    return groups


def _names(spec: Spec) -> list[str]:
    overrides = spec.get("param_groups") or []
    return [o.get("name", f"pg{i}") for i, o in enumerate(overrides)]


def _read(optimizer: Any, spec: Spec, library: str) -> dict[str, float]:
    """What the scheduler wrote into the param groups, under warmupctl's series names."""
    groups = optimizer.param_groups
    out = {"lr": float(groups[0]["lr"])}
    names = _names(spec)
    if library in ("torch", "deepspeed"):
        group = groups[0]
        if "betas" in group:
            out["betas[0]"] = float(group["betas"][0])
            if library == "deepspeed":
                out["betas[1]"] = float(group["betas"][1])
        else:
            out["momentum"] = float(group["momentum"])
    if library == "megatron":
        if names:
            for name, group in zip(names, groups):
                out[f"lr/{name}"] = float(group["lr"])
            for name, group in zip(names, groups):
                out[f"weight_decay/{name}"] = float(group["weight_decay"])
        else:
            out["weight_decay"] = float(groups[0]["weight_decay"])
    return out


def live_series(spec: Spec, steps: int) -> dict[str, list[float]]:
    """Every series of ``spec`` for updates ``0 .. steps-1`` from the real library."""
    torch = _record._torch()
    library, name = _record._split_name(spec)
    with _record._quiet():
        cls = getattr(torch.optim, _OPTIMIZERS[spec.get("optimizer")])
        kwargs = {"momentum": 0.9} if cls is torch.optim.SGD else {}
        optimizer = cls(_groups(torch, spec, _record.PLACEHOLDER_LR), lr=_record.PLACEHOLDER_LR,
                        **kwargs)
        args = _record._args(spec)
        if library == "torch":
            scheduler = getattr(torch.optim.lr_scheduler, name)(optimizer, **args)
            step = scheduler.step
        elif library == "deepspeed":
            from deepspeed.runtime import lr_schedules

            scheduler = getattr(lr_schedules, name)(optimizer, **args)
            step = scheduler.step
        elif library == "megatron":
            from megatron.core.optimizer_param_scheduler import OptimizerParamScheduler

            batch = int(spec.get("global_batch_size", 1))
            scheduler = OptimizerParamScheduler(optimizer, **args)

            def step() -> None:
                scheduler.step(increment=batch)
        else:
            raise ValueError(f"no series recorder for {library}")
        rows: list[dict[str, float]] = []
        for k in range(steps):
            rows.append(_read(optimizer, spec, library))
            optimizer.step()
            if k + 1 < steps:
                step()
    return {key: [row[key] for row in rows] for key in rows[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with series.json")
    options = parser.parse_args(argv)
    recorded = [{**case, "series": live_series(case["spec"], case["steps"])} for case in CASES]
    document = {
        "recorded_by": "tests/goldens/record_series.py",
        "dependencies": {lib: _record.library_version(lib)
                         for lib in ("torch", "deepspeed", "megatron")},
        "cases": recorded,
    }
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    if options.check:
        same = OUT.exists() and json.loads(OUT.read_text()) == json.loads(text)
        print("series.json is up to date" if same else "series.json differs", file=sys.stderr)
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(recorded)} cases)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

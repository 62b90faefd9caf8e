"""Record golden per-update learning rates from the real ML libraries.

Usage (from the repository root, with a Python that has the libraries installed)::

    /tmp/libvenv/bin/python tests/goldens/record.py                   # every library
    /tmp/libvenv/bin/python tests/goldens/record.py --library torch   # one (repeatable)
    /tmp/libvenv/bin/python tests/goldens/record.py --check           # compare, write nothing

For every case of :mod:`cases` this builds the library's own scheduler from the case's *library
spec* (the same ``schedule: <library>.<name>`` / ``lr`` / ``args`` mapping that warmupctl reads),
drives it with that library's standard training loop, and stores the LR used by optimizer update
``k`` for ``k = 0 .. steps-1`` in ``tests/goldens/<library>.json``.

:func:`live_values` is the reusable part: parity tests call it to compare warmupctl with the live
library. It raises :class:`ImportError` when the library is not installed, so such a test can skip.

Conventions shared by every library:

* Update ``k`` reads the LR in force *before* ``optimizer.step()``; the library's scheduler hook
  runs after each update. The hook after the final update is not run: it cannot change any recorded
  value, and skipping it means a library that raises when asked for step ``t`` raises here only when
  ``steps > t`` updates are asked for (torch's ``OneCycleLR`` gives ``total_steps + 1`` values and
  raises for ``total_steps + 2``).
* Python floats are recorded as they are (``float`` of the group LR); optax and Keras compute in
  float32 and their values are ``float()`` of the float32 result.
* No library code is copied here: every builder only calls the library's public API, and names the
  class or function it calls.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.metadata
import importlib.util
import io
import json
import logging
import os
import platform
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Keras 3 picks its backend at import time; the goldens are recorded with JAX (float32), like optax.
os.environ.setdefault("KERAS_BACKEND", "jax")

try:  # imported as tests.goldens.record (or goldens.record) by a parity test
    from . import cases as _cases
except ImportError:  # run as a script: this folder is sys.path[0]
    import cases as _cases  # type: ignore[no-redef]

Spec = dict[str, Any]
Runner = Callable[[Spec, int], list[float]]

HERE = Path(__file__).resolve().parent

#: Optimizer LR used when a spec gives none and the library overwrites the LR anyway.
PLACEHOLDER_LR = 1e-3


# --------------------------------------------------------------------------------------------------
# helpers


def _split_name(spec: Spec) -> tuple[str, str]:
    """``"torch.CosineAnnealingLR"`` -> ``("torch", "CosineAnnealingLR")``."""
    library, dot, name = str(spec["schedule"]).partition(".")
    if not dot or not name:
        raise ValueError(f"schedule must be '<library>.<name>', got {spec['schedule']!r}")
    return library, name


def _args(spec: Spec) -> dict[str, Any]:
    """A fresh copy of the spec's ``args`` (the library's own keyword arguments)."""
    return dict(spec.get("args") or {})


def _check_name(library: str, name: str, allowed: tuple[str, ...]) -> None:
    if name not in allowed:
        raise ValueError(f"{library}.{name} is not recorded; known: {', '.join(allowed)}")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the libraries' warnings, log lines and prints (deprecations, DeepSpeed's banner)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        previous = logging.root.manager.disable
        logging.disable(logging.CRITICAL)
        try:
            yield
        finally:
            logging.disable(previous)


def _torch() -> Any:
    import torch

    return torch


def _dummy_param(torch: Any) -> Any:
    return torch.nn.Parameter(torch.zeros(1))


def _group_lr(optimizer: Any) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _torch_loop(optimizer: Any, after_update: Callable[[int], None], steps: int) -> list[float]:
    """The loop torch, transformers, DeepSpeed, Megatron, timm and pytorch_warmup share.

    Update ``k``: read the group LR, ``optimizer.step()``, then ``after_update(k)`` (the library's
    scheduler hook), except after the last update.
    """
    values: list[float] = []
    for k in range(steps):
        values.append(_group_lr(optimizer))
        optimizer.step()
        if k + 1 < steps:
            after_update(k)
    return values


# --------------------------------------------------------------------------------------------------
# torch: torch.optim.lr_scheduler


TORCH_NAMES = (
    "LinearLR",
    "ConstantLR",
    "ExponentialLR",
    "StepLR",
    "MultiStepLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "OneCycleLR",
    "SequentialLR",
    "ChainedScheduler",
)


def _torch_optimizer(torch: Any, lr: float) -> Any:
    """``torch.optim.SGD(momentum=0.9)``: CyclicLR/OneCycleLR cycle the momentum by default."""
    return torch.optim.SGD([_dummy_param(torch)], lr=lr, momentum=0.9)


def _torch_scheduler(torch: Any, optimizer: Any, spec: Spec) -> Any:
    """Build ``torch.optim.lr_scheduler.<Name>(optimizer, **args)``.

    ``SequentialLR(optimizer, schedulers, milestones)`` and ``ChainedScheduler(schedulers,
    optimizer)`` take nested specs under ``args.schedulers``; each is built on the same optimizer,
    in order, as a user would.
    """
    library, name = _split_name(spec)
    if library != "torch":
        raise ValueError(f"a torch scheduler is needed here, got {spec['schedule']!r}")
    _check_name("torch", name, TORCH_NAMES)
    args = _args(spec)
    module = torch.optim.lr_scheduler
    if name in ("SequentialLR", "ChainedScheduler"):
        subs = [_torch_scheduler(torch, optimizer, sub) for sub in args.pop("schedulers")]
        if name == "SequentialLR":
            return module.SequentialLR(optimizer, subs, **args)
        return module.ChainedScheduler(subs, optimizer=optimizer, **args)
    return getattr(module, name)(optimizer, **args)


def run_torch(spec: Spec, steps: int) -> list[float]:
    """torch.optim.lr_scheduler: read LR, ``optimizer.step()``, ``scheduler.step()``."""
    torch = _torch()
    with _quiet():
        optimizer = _torch_optimizer(torch, float(spec["lr"]))
        scheduler = _torch_scheduler(torch, optimizer, spec)
        return _torch_loop(optimizer, lambda _k: scheduler.step(), steps)


# --------------------------------------------------------------------------------------------------
# transformers: transformers.optimization


TRANSFORMERS_FUNCTIONS = (
    "get_constant_schedule",
    "get_constant_schedule_with_warmup",
    "get_linear_schedule_with_warmup",
    "get_cosine_schedule_with_warmup",
    "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup",
    "get_inverse_sqrt_schedule",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "get_wsd_schedule",
)


def run_transformers(spec: Spec, steps: int) -> list[float]:
    """transformers: ``get_scheduler(name, ...)`` as ``Trainer.create_scheduler`` calls it.

    ``transformers.<lr_scheduler_type>`` calls ``transformers.optimization.get_scheduler(name,
    optimizer, num_warmup_steps, num_training_steps, scheduler_specific_kwargs=<other args>)``;
    ``transformers.get_<...>`` calls that ``get_*`` function with ``args`` as keywords. The
    optimizer is ``torch.optim.AdamW`` (the Trainer's default); the Trainer steps the scheduler
    after every optimizer step.
    """
    torch = _torch()
    with _quiet():
        from transformers import optimization
        from transformers.trainer_utils import SchedulerType

        _, name = _split_name(spec)
        args = _args(spec)
        optimizer = torch.optim.AdamW([_dummy_param(torch)], lr=float(spec["lr"]))
        if name.startswith("get_"):
            _check_name("transformers", name, TRANSFORMERS_FUNCTIONS)
            scheduler = getattr(optimization, name)(optimizer, **args)
        else:
            _check_name("transformers", name, tuple(t.value for t in SchedulerType))
            scheduler = optimization.get_scheduler(
                name,
                optimizer,
                num_warmup_steps=args.pop("num_warmup_steps", None),
                num_training_steps=args.pop("num_training_steps", None),
                scheduler_specific_kwargs=args or None,
            )
        return _torch_loop(optimizer, lambda _k: scheduler.step(), steps)


# --------------------------------------------------------------------------------------------------
# timm: timm.scheduler


TIMM_CLASSES = (
    "CosineLRScheduler",
    "TanhLRScheduler",
    "StepLRScheduler",
    "MultiStepLRScheduler",
    "PolyLRScheduler",
    "WSDLRScheduler",
)
TIMM_NAMES = (*TIMM_CLASSES, "create_scheduler_v2")


def import_timm_scheduler() -> Any:
    """``timm.scheduler``, even where ``import timm`` fails.

    ``timm/__init__.py`` imports the model zoo, which needs torchvision; the scheduler package needs
    only torch. If the full import fails for another reason than timm being absent, a bare package
    module pointing at timm's folder stands in for ``timm`` so that ``timm.scheduler`` loads alone.
    """
    try:
        return importlib.import_module("timm.scheduler")
    except ImportError as exc:
        if exc.name == "timm":
            raise
    found = importlib.util.find_spec("timm")
    if found is None or not found.submodule_search_locations:
        raise ImportError("timm is not installed", name="timm")
    for key in [k for k in sys.modules if k == "timm" or k.startswith("timm.")]:
        del sys.modules[key]
    stub = types.ModuleType("timm")
    stub.__path__ = list(found.submodule_search_locations)
    stub.__spec__ = found
    sys.modules["timm"] = stub
    return importlib.import_module("timm.scheduler")


def run_timm(spec: Spec, steps: int) -> list[float]:
    """timm: the hooks of timm's ``train.py``.

    Builds ``timm.scheduler.<Class>(optimizer, **args)`` or ``timm.scheduler.create_scheduler_v2(
    optimizer, **args)`` (which returns ``(scheduler, num_epochs)``). After update ``k`` it calls
    ``scheduler.step_update(num_updates=k + 1)``, and at the end of each epoch (every
    ``updates_per_epoch`` updates, a top-level spec key, default 1)
    ``scheduler.step(epoch + 1)``, exactly as ``train.py`` does; timm ignores whichever of the two
    does not match ``t_in_epochs``. Update 0 sees the constructor's value.
    ``create_scheduler_v2`` also receives the top-level ``updates_per_epoch`` unless ``args`` has
    it.
    """
    torch = _torch()
    timm_scheduler = import_timm_scheduler()
    _, name = _split_name(spec)
    _check_name("timm", name, TIMM_NAMES)
    args = _args(spec)
    per_epoch = int(spec.get("updates_per_epoch", 1))
    if per_epoch < 1:
        raise ValueError("updates_per_epoch must be >= 1")
    with _quiet():
        optimizer = _torch_optimizer(torch, float(spec["lr"]))
        if name == "create_scheduler_v2":
            args.setdefault("updates_per_epoch", per_epoch)
            scheduler, _num_epochs = timm_scheduler.create_scheduler_v2(optimizer, **args)
        else:
            scheduler = getattr(timm_scheduler, name)(optimizer, **args)

        def after_update(k: int) -> None:
            scheduler.step_update(num_updates=k + 1)
            if (k + 1) % per_epoch == 0:
                scheduler.step((k + 1) // per_epoch)

        return _torch_loop(optimizer, after_update, steps)


# --------------------------------------------------------------------------------------------------
# DeepSpeed: deepspeed.runtime.lr_schedules


DEEPSPEED_NAMES = ("WarmupLR", "WarmupDecayLR", "WarmupCosineLR", "OneCycle", "LRRangeTest")


def run_deepspeed(spec: Spec, steps: int) -> list[float]:
    """DeepSpeed: ``deepspeed.runtime.lr_schedules.<Name>(optimizer, **args)``.

    The engine (``DeepSpeedEngine._take_model_step``) calls ``optimizer.step()`` and then
    ``lr_scheduler.step()``; the constructor has already written the iteration ``-1`` LR, which
    update 0 uses. The optimizer is ``torch.optim.AdamW`` (OneCycle cycles its betas); ``lr`` is the
    optimizer LR that WarmupLR (warmup_max_lr=None) and WarmupCosineLR read.
    """
    torch = _torch()
    with _quiet():
        from deepspeed.runtime import lr_schedules

        _, name = _split_name(spec)
        _check_name("deepspeed", name, DEEPSPEED_NAMES)
        lr = float(spec.get("lr", PLACEHOLDER_LR))
        optimizer = torch.optim.AdamW([_dummy_param(torch)], lr=lr)
        scheduler = getattr(lr_schedules, name)(optimizer, **_args(spec))
        return _torch_loop(optimizer, lambda _k: scheduler.step(), steps)


# --------------------------------------------------------------------------------------------------
# Megatron-LM: megatron.core.optimizer_param_scheduler


MEGATRON_NAMES = ("OptimizerParamScheduler",)

#: Megatron's constructor has no defaults for the weight-decay schedule, which never touches the LR.
MEGATRON_WD_DEFAULTS: dict[str, Any] = {
    "start_wd": 0.0,
    "end_wd": 0.0,
    "wd_incr_style": "constant",
}


def run_megatron(spec: Spec, steps: int) -> list[float]:
    """Megatron: ``megatron.core.optimizer_param_scheduler.OptimizerParamScheduler``.

    Counts are samples: after each successful update ``megatron.training.training.train_step`` calls
    ``scheduler.step(increment=global_batch_size)`` (a top-level spec key, default 1), so update
    ``k`` uses ``num_steps = k * global_batch_size``. The weight-decay arguments, which have no
    defaults, are filled from :data:`MEGATRON_WD_DEFAULTS` (``wd_incr_steps`` = ``lr_decay_steps``)
    when the spec leaves them out. A plain ``torch.optim.SGD`` stands in for the MegatronOptimizer:
    the scheduler only writes ``param_groups``.
    """
    torch = _torch()
    with _quiet():
        from megatron.core.optimizer_param_scheduler import OptimizerParamScheduler

        _, name = _split_name(spec)
        _check_name("megatron", name, MEGATRON_NAMES)
        args = {**MEGATRON_WD_DEFAULTS, **_args(spec)}
        args.setdefault("wd_incr_steps", args.get("lr_decay_steps"))
        batch = int(spec.get("global_batch_size", 1))
        optimizer = torch.optim.SGD([_dummy_param(torch)], lr=PLACEHOLDER_LR)
        scheduler = OptimizerParamScheduler(optimizer, **args)
        return _torch_loop(optimizer, lambda _k: scheduler.step(increment=batch), steps)


# --------------------------------------------------------------------------------------------------
# pytorch_warmup


PYTORCH_WARMUP_NAMES = (
    "LinearWarmup",
    "ExponentialWarmup",
    "UntunedLinearWarmup",
    "UntunedExponentialWarmup",
    "RAdamWarmup",
)


def run_pytorch_warmup(spec: Spec, steps: int) -> list[float]:
    """pytorch_warmup: ``pytorch_warmup.<Name>(optimizer, **args)`` over an optional torch
    scheduler.

    The optional top-level ``base`` is a torch spec built first (its ``lr`` is the top-level one);
    without it the LR is constant. ``betas`` (top level, default AdamW's ``(0.9, 0.999)``) are the
    optimizer's, which the untuned and RAdam warmups read. Loop, as the package's README:
    ``optimizer.step()`` then ``with warmup.dampening(): base.step()``.
    """
    torch = _torch()
    import pytorch_warmup

    _, name = _split_name(spec)
    _check_name("pytorch_warmup", name, PYTORCH_WARMUP_NAMES)
    betas = tuple(float(b) for b in spec.get("betas", (0.9, 0.999)))
    with _quiet():
        optimizer = torch.optim.AdamW([_dummy_param(torch)], lr=float(spec["lr"]), betas=betas)
        base = _torch_scheduler(torch, optimizer, spec["base"]) if spec.get("base") else None
        warmup = getattr(pytorch_warmup, name)(optimizer, **_args(spec))

        def after_update(_k: int) -> None:
            with warmup.dampening():
                if base is not None:
                    base.step()

        return _torch_loop(optimizer, after_update, steps)


# --------------------------------------------------------------------------------------------------
# optax: optax schedules (float32)


OPTAX_NAMES = (
    "constant_schedule",
    "linear_schedule",
    "polynomial_schedule",
    "cosine_decay_schedule",
    "exponential_decay",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
    "linear_onecycle_schedule",
    "cosine_onecycle_schedule",
    "sgdr_schedule",
    "join_schedules",
)


def _boundaries_and_scales(value: Any) -> dict[int, float] | None:
    """JSON form -> optax's ``{int: float}``: an object with string keys, or ``[[b, s], ...]``."""
    if value is None:
        return None
    items = value.items() if isinstance(value, dict) else value
    return {int(b): float(s) for b, s in items}


def _optax_schedule(spec: Spec) -> Callable[[Any], Any]:
    """Build ``optax.<name>(**args)``.

    ``join_schedules`` takes nested specs under ``args.schedules``; ``sgdr_schedule`` takes
    ``cosine_kwargs``, a list of ``warmup_cosine_decay_schedule`` keyword dicts, verbatim;
    ``boundaries_and_scales`` is converted by :func:`_boundaries_and_scales`.
    """
    import optax

    library, name = _split_name(spec)
    if library != "optax":
        raise ValueError(f"an optax schedule is needed here, got {spec['schedule']!r}")
    _check_name("optax", name, OPTAX_NAMES)
    args = _args(spec)
    if name == "join_schedules":
        args["schedules"] = [_optax_schedule(sub) for sub in args["schedules"]]
    if "boundaries_and_scales" in args:
        args["boundaries_and_scales"] = _boundaries_and_scales(args["boundaries_and_scales"])
    return getattr(optax, name)(**args)


def _float32(value: Any) -> float:
    """``float()`` of the value as float32, the dtype the optimizer applies it in.

    A few optax schedules hand back their Python constant untouched (``constant_schedule``,
    ``exponential_decay`` with rate 0, ...); inside an optimizer it becomes float32 all the same.
    """
    import numpy as np

    return float(np.asarray(value, dtype=np.float32))


def run_optax(spec: Spec, steps: int) -> list[float]:
    """optax: ``schedule(count)`` with the int32 ``count`` that ``scale_by_schedule`` keeps.

    ``scale_by_schedule``/``inject_hyperparams`` evaluate the schedule at the count before
    incrementing it, so update ``k`` uses ``schedule(k)``. Evaluated eagerly (not under
    ``jax.jit``; jitted values can differ by a few float32 ulps), in float32.
    """
    import jax.numpy as jnp

    with _quiet():
        schedule = _optax_schedule(spec)
        return [_float32(schedule(jnp.asarray(k, dtype=jnp.int32))) for k in range(steps)]


# --------------------------------------------------------------------------------------------------
# Keras 3: keras.optimizers.schedules (JAX backend, float32)


KERAS_NAMES = (
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "PolynomialDecay",
    "PiecewiseConstantDecay",
    "InverseTimeDecay",
)


def run_keras(spec: Spec, steps: int) -> list[float]:
    """Keras: ``keras.optimizers.schedules.<Name>(**args)(iterations)``.

    A Keras optimizer evaluates its schedule at ``optimizer.iterations`` (0 for the first update,
    incremented after each ``apply``), so update ``k`` uses ``schedule(k)``. Evaluated eagerly with
    an int32 step on the backend chosen by ``KERAS_BACKEND`` (JAX unless set), in float32.
    """
    with _quiet():
        import keras

        _, name = _split_name(spec)
        _check_name("keras", name, KERAS_NAMES)
        schedule = getattr(keras.optimizers.schedules, name)(**_args(spec))
        return [
            _float32(schedule(keras.ops.convert_to_tensor(k, dtype="int32")))
            for k in range(steps)
        ]


# --------------------------------------------------------------------------------------------------
# MMEngine (OpenMMLab): mmengine.optim.scheduler, stepped as its ParamSchedulerHook steps them


MMENGINE_NAMES = ("ConstantLR", "LinearLR", "CosineAnnealingLR", "ExponentialLR", "MultiStepLR",
                  "StepLR", "PolyLR", "OneCycleLR", "CosineRestartLR", "param_scheduler")


def run_mmengine(spec: Spec, steps: int) -> list[float]:
    """MMEngine: each config built by ``PARAM_SCHEDULERS.build`` with the Runner's defaults.

    ``Runner._build_param_scheduler`` sets a missing ``end`` to ``max_epochs`` (epoch-based) or
    ``max_iters`` and passes ``epoch_length``; ``ParamSchedulerHook`` steps the iteration-based
    schedulers after every iteration and the epoch-based ones after every epoch. ``total_steps`` is
    ``max_iters``; ``updates_per_epoch`` is the loader length. ``mmengine.<Class>`` is a one-element
    ``param_scheduler`` list.
    """
    torch = _torch()
    with _quiet():
        import mmengine.optim  # noqa: F401 - registers the schedulers
        from mmengine.registry import PARAM_SCHEDULERS

        _, name = _split_name(spec)
        _check_name("mmengine", name, MMENGINE_NAMES)
        args = _args(spec)
        if name == "param_scheduler":
            configs = args["param_scheduler"]
            max_epochs, max_iters = args.get("max_epochs"), args.get("max_iters")
        else:
            configs = [{"type": name, **args}]
            max_epochs = max_iters = None
        epoch_length = spec.get("updates_per_epoch")
        total = int(spec["total_steps"])
        if max_iters is None:
            max_iters = max_epochs * epoch_length if max_epochs is not None else total
        if max_epochs is None and epoch_length:
            max_epochs = max_iters // epoch_length
        optimizer = torch.optim.SGD([_dummy_param(torch)], lr=float(spec["lr"]))
        schedulers = []
        for config in configs:
            config = dict(config)
            config.setdefault("end", max_epochs if config.get("by_epoch", True) else max_iters)
            default_args = {"optimizer": optimizer}
            if epoch_length:
                default_args["epoch_length"] = epoch_length
            schedulers.append(PARAM_SCHEDULERS.build(config, default_args=default_args))

        def after_update(k: int) -> None:
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
            if epoch_length and (k + 1) % epoch_length == 0:
                for scheduler in schedulers:
                    if scheduler.by_epoch:
                        scheduler.step()

        return _torch_loop(optimizer, after_update, steps)


# --------------------------------------------------------------------------------------------------
# fvcore param schedulers (and detectron2's composition of them; detectron2 is not on PyPI)


def _fvcore_multiplier(spec: Spec) -> Any:
    """An fvcore ParamScheduler from a nested spec; ``detectron2.WarmupParamScheduler`` is composed
    from fvcore's own classes exactly as detectron2/solver/lr_scheduler.py composes it."""
    from fvcore.common import param_scheduler as ps

    library, name = _split_name(spec)
    args = _args(spec)
    if library == "detectron2" and name == "WarmupParamScheduler":
        inner = _fvcore_multiplier(args.pop("scheduler"))
        rescale = bool(args.get("rescale_interval", False))
        length = float(args["warmup_length"])
        end = inner(0.0) if rescale else inner(length)
        start = float(args["warmup_factor"]) * inner(0.0)
        method = args.get("warmup_method", "linear")
        warm = ps.ConstantParamScheduler(start) if method == "constant" else ps.LinearParamScheduler(start, end)
        return ps.CompositeParamScheduler([warm, inner], interval_scaling=[
            "rescaled", "rescaled" if rescale else "fixed"], lengths=[length, 1 - length])
    if library != "fvcore":
        raise ValueError(f"not an fvcore scheduler: {spec['schedule']}")
    return getattr(ps, name)(**args)


def run_fvcore(spec: Spec, steps: int) -> list[float]:
    """detectron2's ``LRMultiplier``: update ``k`` gets ``lr × multiplier(k / max_iter)``.

    ``fvcore.<Class>`` and ``detectron2.WarmupParamScheduler`` take ``max_iter`` as a top-level key;
    ``detectron2.LRMultiplier`` its ``max_iter`` argument. No torch: the LR is that product.
    """
    library, name = _split_name(spec)
    if library == "detectron2" and name == "LRMultiplier":
        args = _args(spec)
        multiplier, max_iter = _fvcore_multiplier(args["multiplier"]), int(args["max_iter"])
    else:
        multiplier, max_iter = _fvcore_multiplier(spec), int(spec["max_iter"])
    lr = float(spec.get("lr", 1.0))
    return [lr * multiplier(k / max_iter) for k in range(steps)]


# --------------------------------------------------------------------------------------------------
# PaddlePaddle: paddle.optimizer.lr


def _paddle_scheduler(spec: Spec) -> Any:
    """A ``paddle.optimizer.lr`` scheduler; ``LinearWarmup``'s ``learning_rate`` may be a nested spec."""
    import paddle

    _, name = _split_name(spec)
    args = _args(spec)
    if name == "LinearWarmup" and isinstance(args.get("learning_rate"), dict):
        args["learning_rate"] = _paddle_scheduler(args["learning_rate"])
    return getattr(paddle.optimizer.lr, name)(**args)


def run_paddle(spec: Spec, steps: int) -> list[float]:
    """paddle: update ``k`` reads ``scheduler()`` after ``k`` calls of ``scheduler.step()`` (the loop
    steps it after every ``optimizer.step()``; the constructor already stepped once)."""
    with _quiet():
        scheduler = _paddle_scheduler(spec)
        values: list[float] = []
        for k in range(steps):
            values.append(float(scheduler()))
            if k + 1 < steps:
                scheduler.step()
        return values


# --------------------------------------------------------------------------------------------------
# Lightning: a torch scheduler in an LRSchedulerConfig, stepped by Lightning's own training loop


def run_lightning(spec: Spec, steps: int) -> list[float]:
    """Lightning: a real ``Trainer.fit`` of one parameter, ``updates_per_epoch`` batches an epoch.

    ``configure_optimizers`` returns SGD (momentum 0.9, as for torch) and ``{"scheduler": <torch
    scheduler>, "interval", "frequency"}`` from ``args``; the loop stops after ``steps`` updates
    (``max_steps``). Update ``k``'s LR is read in ``on_before_optimizer_step``, so Lightning itself
    decides when the scheduler steps (epoch ends, or after each update).
    """
    torch = _torch()
    with _quiet():
        import lightning.pytorch as pl

        _, name = _split_name(spec)
        _check_name("lightning", name, ("LRSchedulerConfig",))
        args = _args(spec)
        inner = args.pop("scheduler")
        per_epoch = int(spec.get("updates_per_epoch") or 1)
        seen: list[float] = []

        class Module(pl.LightningModule):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                self.weight = _dummy_param(torch)

            def training_step(self, batch: Any, _index: int) -> Any:
                return (self.weight * batch[0]).sum()

            def configure_optimizers(self) -> Any:
                optimizer = _torch_optimizer(torch, float(spec["lr"]))
                return {"optimizer": optimizer,
                        "lr_scheduler": {"scheduler": _torch_scheduler(torch, optimizer, inner), **args}}

            def on_before_optimizer_step(self, optimizer: Any) -> None:
                seen.append(_group_lr(optimizer))

        data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(per_epoch, 1)),
                                           batch_size=1)
        trainer = pl.Trainer(max_steps=steps, max_epochs=-1, accelerator="cpu", devices=1,
                             logger=False, enable_checkpointing=False, enable_progress_bar=False,
                             enable_model_summary=False, num_sanity_val_steps=0)
        trainer.fit(Module(), data)
        return seen


# --------------------------------------------------------------------------------------------------
# dispatch


RUNNERS: dict[str, Runner] = {
    "transformers": run_transformers,
    "torch": run_torch,
    "timm": run_timm,
    "optax": run_optax,
    "deepspeed": run_deepspeed,
    "keras": run_keras,
    "pytorch_warmup": run_pytorch_warmup,
    "megatron": run_megatron,
    "mmengine": run_mmengine,
    "fvcore": run_fvcore,
    "detectron2": run_fvcore,
    "paddle": run_paddle,
    "lightning": run_lightning,
}

#: Distribution name of each library, for the version recorded in its golden file.
DISTRIBUTIONS: dict[str, str] = {
    "transformers": "transformers",
    "torch": "torch",
    "timm": "timm",
    "optax": "optax",
    "deepspeed": "deepspeed",
    "keras": "keras",
    "pytorch_warmup": "pytorch-warmup",
    "megatron": "megatron-core",
    "mmengine": "mmengine",
    "fvcore": "fvcore",
    "detectron2": "fvcore",
    "paddle": "paddlepaddle",
    "lightning": "lightning",
}

#: Other distributions whose version can change a library's numbers.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "transformers": ("torch",),
    "timm": ("torch",),
    "deepspeed": ("torch",),
    "pytorch_warmup": ("torch",),
    "megatron": ("torch",),
    "mmengine": ("torch",),
    "lightning": ("torch",),
    "optax": ("jax", "jaxlib"),
    "keras": ("jax", "jaxlib"),
}


def live_values(spec: Spec, steps: int) -> list[float]:
    """The LR of optimizer updates ``0 .. steps-1`` from the real library, in its standard loop.

    Args:
        spec: a warmupctl library spec (``schedule``, ``lr``, ``args`` and the library's extra
            top-level keys).
        steps: how many optimizer updates to run.

    Raises:
        ImportError: the library is not installed.
        ValueError: the schedule name is not one this recorder knows.
        Exception: whatever the library itself raises for this spec (recorded as ``raises``).
    """
    library, _ = _split_name(spec)
    if library not in RUNNERS:
        raise ValueError(f"unknown library {library!r}; known: {', '.join(RUNNERS)}")
    if steps < 0:
        raise ValueError("steps must be >= 0")
    return RUNNERS[library](spec, steps)


def library_version(library: str) -> str:
    """Installed version of the library's distribution (ImportError when it is absent)."""
    try:
        return importlib.metadata.version(DISTRIBUTIONS[library])
    except importlib.metadata.PackageNotFoundError as exc:
        raise ImportError(f"{DISTRIBUTIONS[library]} is not installed") from exc


def _environment(library: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for dist in DEPENDENCIES.get(library, ()):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            env[dist] = importlib.metadata.version(dist)
    if library == "keras":
        env["KERAS_BACKEND"] = os.environ["KERAS_BACKEND"]
    return env


def record_case(case: dict[str, Any]) -> dict[str, Any]:
    """One golden entry: ``{id, spec, steps, lr}``, or ``{id, spec, steps, raises}``.

    A ``raises`` case must raise that exception type at exactly ``steps`` updates, and not at
    ``steps - 1``, so the golden pins where the library starts failing.
    """
    spec, steps = case["spec"], int(case["steps"])
    entry: dict[str, Any] = {"id": case["id"], "spec": spec, "steps": steps}
    if "note" in case:
        entry["note"] = case["note"]
    expected = case.get("raises")
    if expected is None:
        entry["lr"] = live_values(spec, steps)
        if len(entry["lr"]) != steps:
            raise AssertionError(f"{case['id']}: {len(entry['lr'])} values for {steps} steps")
        return entry
    try:
        live_values(spec, steps)
    except ImportError:
        raise
    except Exception as exc:  # noqa: BLE001 - the library's own exception is the datum
        if type(exc).__name__ != expected:
            got = type(exc).__name__
            raise AssertionError(f"{case['id']}: raised {got}, not {expected}") from exc
    else:
        raise AssertionError(f"{case['id']}: expected {expected} at {steps} steps, nothing raised")
    if steps > 1:
        live_values(spec, steps - 1)  # must not raise: `steps` is the first failing length
    entry["raises"] = expected
    return entry


def record_library(library: str) -> dict[str, Any]:
    """The whole golden document of one library (ImportError when it is not installed)."""
    version = library_version(library)
    selected = [c for c in _cases.CASES if _cases.library_of(c) == library]
    return {
        "library": library,
        "version": version,
        "dependencies": _environment(library),
        "python": platform.python_version(),
        "recorded_by": "tests/goldens/record.py",
        "cases": [record_case(case) for case in selected],
    }


def dumps(document: dict[str, Any]) -> str:
    """Deterministic JSON: sorted keys, indent 1, floats as Python's shortest repr."""
    return json.dumps(document, sort_keys=True, indent=1, allow_nan=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", action="append", choices=sorted(RUNNERS),
                        help="record only this library (repeatable); default: all")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for <library>.json")
    parser.add_argument("--check", action="store_true",
                        help="compare with the files in --out instead of writing them")
    options = parser.parse_args(argv)
    _cases.validate(_cases.CASES)

    status = 0
    for library in options.library or list(RUNNERS):
        try:
            text = dumps(record_library(library))
        except ImportError as exc:
            sys.stderr.write(f"{library}: skipped, not importable ({exc})\n")
            continue
        target = options.out / f"{library}.json"
        if options.check:
            same = target.exists() and target.read_text(encoding="utf-8") == text
            sys.stderr.write(f"{library}: {'same' if same else 'DIFFERENT'} ({target})\n")
            status |= 0 if same else 1
            continue
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
        count = sum(1 for c in _cases.CASES if _cases.library_of(c) == library)
        sys.stderr.write(f"{library}: {count} cases -> {target}\n")
    return status


if __name__ == "__main__":
    sys.exit(main())

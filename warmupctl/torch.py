"""Train with exactly the schedule you plotted: a PyTorch scheduler driven by a warmupctl spec.

torch is imported here and nowhere else in warmupctl (``import warmupctl.torch`` needs torch installed;
the rest of warmupctl never does).

Examples:
    >>> import torch, warmupctl.torch
    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    >>> sched = warmupctl.torch.scheduler(opt, {"kind": "linear", "warmup_steps": 2, "total_steps": 4})
    >>> [opt.param_groups[0]["lr"] for _ in range(3) if not (opt.step() or sched.step())]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch.optim.lr_scheduler import LRScheduler

from warmupctl.engine import Schedule

SpecLike = Schedule | Mapping[str, Any] | str


def as_schedule(spec: SpecLike) -> Schedule:
    """A Schedule from a Schedule, a spec mapping, or a spec file path."""
    if isinstance(spec, Schedule):
        return spec
    if isinstance(spec, str):
        from warmupctl.api import load

        return load(spec)
    from warmupctl.api import from_mapping

    return from_mapping(dict(spec))


class WarmupctlLR(LRScheduler):
    """Sets every param group's LR to ``schedule(k)`` at update k, exactly (no base-LR ratio).

    Step it once after every ``optimizer.step()``, as transformers' Trainer does; update k then uses
    ``schedule(k)``, the number ``warmupctl table`` prints for row k.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, schedule: Schedule, last_epoch: int = -1):
        self.schedule = schedule
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float | torch.Tensor]:  # as LRScheduler declares it; floats here
        value = float(self.schedule(max(self.last_epoch, 0)))
        return [value for _ in self.optimizer.param_groups]


def scheduler(optimizer: torch.optim.Optimizer, spec: SpecLike, last_epoch: int = -1) -> WarmupctlLR:
    """A torch scheduler following ``spec`` (a spec file, a mapping, or a Schedule)."""
    return WarmupctlLR(optimizer, as_schedule(spec), last_epoch)


def lr_lambda(spec: SpecLike, base_lr: float) -> Callable[[int], float]:
    """For ``LambdaLR(optimizer, lr_lambda(spec, base_lr))`` when the optimizer's LR is ``base_lr``.

    LambdaLR multiplies ``base_lr`` by the factor, so values can differ from the table by an ulp;
    :func:`scheduler` sets them exactly.
    """
    schedule = as_schedule(spec)
    if base_lr <= 0:
        raise ValueError("base_lr must be positive: LambdaLR scales the optimizer's LR")
    return lambda step: float(schedule(step)) / base_lr


__all__ = ["WarmupctlLR", "as_schedule", "lr_lambda", "scheduler"]

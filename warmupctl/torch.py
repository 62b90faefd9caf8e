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

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch.optim.lr_scheduler import LRScheduler

from warmupctl.api import as_schedule
from warmupctl.engine import Schedule

SpecLike = Schedule | Mapping[str, Any] | str

#: The key of :meth:`WarmupctlLR.state_dict` that holds the schedule's resolved spec.
SPEC_KEY = "warmupctl_spec"


def plain(value: Any) -> Any:
    """``value`` as the plain data ``torch.load(weights_only=True)`` reads back: dicts, lists, str,
    int, float, bool, None (a spec's mappings are read-only views, its numbers may be numpy's)."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "item"):  # a numpy or torch scalar
        return value.item()
    return str(value)


class WarmupctlLR(LRScheduler):
    """Sets every param group's LR to ``schedule(k)`` at update k, exactly (no base-LR ratio).

    Step it once after every ``optimizer.step()``, as transformers' Trainer does; update k then uses
    ``schedule(k)``, the number ``warmupctl table`` prints for row k.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, schedule: Schedule, last_epoch: int = -1):
        self.schedule = schedule
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float | torch.Tensor]:  # as LRScheduler declares it; floats here
        if self.schedule.series:  # each group's own LR, and momentum/betas/weight decay, as tabulated
            return list(_set_series(self.optimizer, self.schedule, max(self.last_epoch, 0)))
        value = float(self.schedule(max(self.last_epoch, 0)))
        return [value for _ in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's position (``last_epoch``, ...) and the schedule's resolved spec, as plain
        data: a checkpoint holding it loads under ``torch.load``'s default ``weights_only=True``."""
        state = {key: value for key, value in super().state_dict().items() if key != "schedule"}
        state[SPEC_KEY] = plain(self.schedule.spec)
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the position; the schedule stays the one this scheduler was built with. A
        checkpoint written with another spec gets a warning: the run goes on with this one."""
        state = dict(state_dict)
        saved = state.pop(SPEC_KEY, None)
        state.pop("schedule", None)  # a checkpoint of warmupctl <= 0.1 pickled the Schedule here
        super().load_state_dict(state)
        if saved is not None and saved != plain(self.schedule.spec):
            warnings.warn(f"the checkpoint's scheduler followed another spec ({saved}); this one "
                          f"({plain(self.schedule.spec)}) continues from update {self.last_epoch}",
                          UserWarning, stacklevel=2)


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


def _set_series(optimizer: torch.optim.Optimizer, schedule: Schedule, update: int) -> list[float]:
    """Write the series besides the LR into every param group (as torch's CyclicLR writes the
    momentum in ``get_lr``) and return each group's LR (see :mod:`warmupctl.calc.param_groups`)."""
    from warmupctl.calc.param_groups import group_values

    rows = group_values(schedule, update, optimizer.param_groups)
    for group, row in zip(optimizer.param_groups, rows):
        for key in ("momentum", "betas", "weight_decay"):
            if key in row:
                group[key] = row[key]
    return [row["lr"] for row in rows]


__all__ = ["WarmupctlLR", "as_schedule", "lr_lambda", "scheduler"]

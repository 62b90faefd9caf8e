"""What each optimizer parameter group gets at update k: the LR and the series besides it.

The torch adapter (:mod:`warmupctl.torch`) writes these values into ``optimizer.param_groups``, so
that a run gets exactly what ``warmupctl table`` prints. Pure Python (no torch): a param group is a
mapping here.

Rules, from the series' names (:mod:`warmupctl.engine.series`):

* the group LRs ``lr/<group>`` (param_groups, layer_decay, Megatron's groups) go to the optimizer's
  groups in order, one each, and must be as many as the groups; without them every group gets ``lr``;
* ``momentum`` goes to a group's ``momentum``, or to ``betas[0]`` when the group has betas and no
  momentum (torch's OneCycleLR/CyclicLR ``use_beta1``); ``betas[0]``/``betas[1]`` replace that item
  of the group's ``betas``;
* ``weight_decay`` goes to every group; ``weight_decay/<group>`` to the group of that name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warmupctl.engine import Schedule


def group_names(schedule: Schedule) -> list[str]:
    """The groups the schedule names through its ``lr/<group>`` series, in order (empty: none)."""
    return [name.partition("/")[2] for name in schedule.series if name.startswith("lr/")]


def group_values(schedule: Schedule, update: int,
                 groups: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The keys to write into each of ``groups`` at ``update``: ``lr`` always, and ``momentum``,
    ``betas`` and ``weight_decay`` where the schedule has those series.

    Raises:
        ValueError: the schedule's group LRs do not match the number of groups, or a series has
            no place in a group (momentum for an optimizer with neither momentum nor betas).
    """
    names = group_names(schedule)
    if names and len(names) != len(groups):
        listed = ", ".join(f"lr/{n}" for n in names)
        raise ValueError(f"the schedule has {len(names)} param-group LRs ({listed}); the optimizer "
                         f"has {len(groups)} param groups: give it one group per series, in order")
    values = {name: float(member(update)) for name, member in schedule.series.items()}
    lr = float(schedule(update))
    out: list[dict[str, Any]] = []
    for i, group in enumerate(groups):
        name = names[i] if names else None
        row: dict[str, Any] = {"lr": values[f"lr/{name}"] if name is not None else lr}
        betas = list(group["betas"]) if "betas" in group else None
        if "momentum" in values:
            if "momentum" in group:
                row["momentum"] = values["momentum"]
            elif betas is not None:
                betas[0] = values["momentum"]
            else:
                raise ValueError(f"param group {i} has neither momentum nor betas for the series "
                                 "'momentum'")
        for index in (0, 1):
            key = f"betas[{index}]"
            if key in values:
                if betas is None:
                    raise ValueError(f"param group {i} has no betas for the series {key!r}")
                betas[index] = values[key]
        if betas is not None and betas != list(group["betas"]):
            row["betas"] = tuple(betas)
        if "weight_decay" in values:
            row["weight_decay"] = values["weight_decay"]
        if name is not None and f"weight_decay/{name}" in values:
            row["weight_decay"] = values[f"weight_decay/{name}"]
        out.append(row)
    return out

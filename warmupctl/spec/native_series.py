"""Native specs with several series: parameter groups, layer-wise LR decay, momentum, weight decay.

Four optional keys beside the LR's (validated here; the LR itself is resolved by
:mod:`warmupctl.spec.native` as if they were absent, so its values never change):

``param_groups:``
    a list, one entry per optimizer parameter group, each a mapping with an optional ``name``
    (default ``pg<i>``) and either ``lr_mult`` (the group's LR is ``lr_mult × lr[k]``) or its own
    ``lr`` (peak), with optional ``min_lr`` and ``init_lr`` (default: the spec's): the same
    schedule resolved with those values. Series ``lr/<name>``.
``layer_decay:``
    ``{decay: D, depth: N}``: layer-wise LR decay, one group per layer ``i = 0 .. N`` with LR
    ``lr[k] × D^(N − i)`` (layer N, the head, gets the full LR; layer 0, the embeddings, the
    smallest). Series ``lr/layer<i>``.
``momentum:`` and ``weight_decay:``
    a number (held at every update), or ``{phases: [...]}`` with the same phase keys, shapes and
    ``steps: rest`` as the LR's ``phases:`` (lengths in updates, adding up to the run). Series
    ``momentum`` and ``weight_decay``.

Every error is one line naming the key path, e.g. ``param_groups[1].lr_mult: must be positive``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.engine import Schedule
from warmupctl.engine.series import NAME, constant, scaled, with_series

#: The native keys this module reads.
SERIES_KEYS = ("param_groups", "layer_decay", "momentum", "weight_decay")
GROUP_KEYS = ("name", "lr_mult", "lr", "min_lr", "init_lr")
LAYER_KEYS = ("decay", "depth")
#: More layers than any model has; beyond it a typo (depth: 1e6) would make a million columns.
MAX_DEPTH = 1000

Resolver = Callable[[Mapping[str, Any]], Schedule]


def split(mapping: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(the LR's keys, the series keys)`` of a native spec mapping."""
    lr_keys = {k: x for k, x in mapping.items() if k not in SERIES_KEYS}
    series = {k: mapping[k] for k in SERIES_KEYS if mapping.get(k) is not None}
    return lr_keys, series


def attach(schedule: Schedule, raw: Mapping[str, Any], lr_keys: Mapping[str, Any],
           resolve_lr: Resolver) -> Schedule:
    """``schedule`` (the LR) with the series ``raw`` asks for; ``resolve_lr`` resolves the LR's
    keys again with a group's own peak and floor."""
    if not raw:
        return schedule
    series: dict[str, Schedule] = {}
    resolved: dict[str, Any] = {}
    if "param_groups" in raw:
        groups, resolved["param_groups"] = _param_groups(raw["param_groups"], schedule, lr_keys,
                                                         resolve_lr)
        series.update(groups)
    if "layer_decay" in raw:
        layers, resolved["layer_decay"] = _layer_decay(raw["layer_decay"], schedule)
        for name, member in layers.items():
            if name in series:
                raise SpecError("a param group already has this name", path="param_groups",
                                value=name.partition("/")[2], hint="layer_decay names its groups "
                                "layer0, layer1, ...; rename the param group")
            series[name] = member
    for key in ("momentum", "weight_decay"):
        if key in raw:
            series[key], resolved[key] = _values(key, raw[key], schedule)
    spec = MappingProxyType({**schedule.spec, **resolved})
    return with_series(replace(schedule, spec=spec), series)


def _param_groups(raw: Any, schedule: Schedule, lr_keys: Mapping[str, Any],
                  resolve_lr: Resolver) -> tuple[dict[str, Schedule], list[dict[str, Any]]]:
    items = v.as_list(raw, "param_groups")
    if not items:
        raise SpecError("is empty", path="param_groups",
                        hint="list the groups, e.g. [{lr_mult: 1}, {name: head, lr_mult: 10}]")
    if len(items) > MAX_DEPTH:
        raise SpecError(f"more than {MAX_DEPTH} param groups", path="param_groups",
                        value=len(items), hint="one entry per optimizer param group")
    out: dict[str, Schedule] = {}
    resolved: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        path = f"param_groups[{i}]"
        group = v.as_mapping(item, path)
        for key in group:
            if key not in GROUP_KEYS:
                raise SpecError("unknown param-group key", path=f"{path}.{key}", value=key,
                                hint=v.did_you_mean(key, GROUP_KEYS) or v.one_of(GROUP_KEYS))
        name = v.as_str(group["name"], f"{path}.name") if group.get("name") is not None else f"pg{i}"
        if not NAME.match(f"lr/{name}"):
            raise SpecError("a group name is letters, digits, '_', '.' and '-'", path=f"{path}.name",
                            value=name)
        if f"lr/{name}" in out:
            raise SpecError("two param groups have this name", path=f"{path}.name", value=name)
        own = [k for k in ("lr", "min_lr", "init_lr") if group.get(k) is not None]
        if group.get("lr_mult") is not None:
            if own:
                raise SpecError("lr_mult scales the schedule; it does not combine with a group's "
                                "own values", path=f"{path}.{own[0]}", value=group[own[0]],
                                hint="give lr_mult, or lr (with min_lr, init_lr)")
            mult = v.as_float(group["lr_mult"], f"{path}.lr_mult")
            if not mult > 0:
                raise SpecError("must be positive", path=f"{path}.lr_mult", value=group["lr_mult"],
                                hint="the group's LR is lr_mult × the schedule's LR")
            out[f"lr/{name}"] = scaled(schedule, mult)
            resolved.append({"name": name, "lr_mult": mult})
            continue
        if not own:
            raise SpecError("a param group needs lr_mult or its own lr", path=path, value=group,
                            hint="e.g. {lr_mult: 0.1} or {lr: 1e-4, min_lr: 1e-5}")
        if "lr" not in own:
            raise SpecError("a group's own min_lr or init_lr needs its own lr too",
                            path=f"{path}.{own[0]}", value=group[own[0]],
                            hint="add lr (the group's peak), or use lr_mult")
        keys = {**lr_keys, **{k: group[k] for k in own}}
        try:
            member = resolve_lr(keys)
        except SpecError as exc:
            raise exc.located(prefix=path) from None
        out[f"lr/{name}"] = replace(member, label=f"lr/{name}")
        resolved.append({"name": name, **{k: member.spec.get(k) for k in own}})
    return out, resolved


def _layer_decay(raw: Any, schedule: Schedule) -> tuple[dict[str, Schedule], dict[str, Any]]:
    layer = v.as_mapping(raw, "layer_decay")
    for key in layer:
        if key not in LAYER_KEYS:
            raise SpecError("unknown layer_decay key", path=f"layer_decay.{key}", value=key,
                            hint=v.did_you_mean(key, LAYER_KEYS) or v.one_of(LAYER_KEYS))
    for key in LAYER_KEYS:
        if layer.get(key) is None:
            raise SpecError("layer_decay needs decay and depth", path=f"layer_decay.{key}",
                            hint="e.g. layer_decay: {decay: 0.75, depth: 12}")
    decay = v.as_float(layer["decay"], "layer_decay.decay")
    if not 0 < decay <= 1:
        raise SpecError("must be in (0, 1]", path="layer_decay.decay", value=layer["decay"],
                        hint="each layer below the top gets decay × the LR of the layer above")
    depth = v.as_count(layer["depth"], "layer_decay.depth", minimum=1)
    if depth > MAX_DEPTH:
        raise SpecError(f"more than {MAX_DEPTH} layers", path="layer_decay.depth",
                        value=layer["depth"], hint="the number of layers (12 for a ViT-B)")
    out = {f"lr/layer{i}": scaled(schedule, decay ** (depth - i)) for i in range(depth + 1)}
    return out, {"decay": decay, "depth": depth}


def _values(key: str, raw: Any, schedule: Schedule) -> tuple[Schedule, Any]:
    """A ``momentum:``/``weight_decay:`` series: a number, or phases over the LR's run."""
    total = schedule.total_steps
    if not isinstance(raw, Mapping):
        value = v.as_float(raw, key)
        if value < 0:
            raise SpecError("must not be negative", path=key, value=raw)
        return constant(value, total, key), value
    for sub in raw:
        if sub != "phases":
            raise SpecError(f"unknown {key} key", path=f"{key}.{sub}", value=sub,
                            hint=f"{key} is a number, or {{phases: [...]}} like the LR's phases")
    items = v.as_list(raw.get("phases"), f"{key}.phases")
    for i, item in enumerate(items):
        for end in ("from", "to"):
            given = item.get(end) if isinstance(item, Mapping) else None
            if given is not None and not isinstance(given, (int, float)) or isinstance(given, bool):
                raise SpecError("must be a number", path=f"{key}.phases[{i}].{end}", value=given,
                                hint=f"a {key} phase goes between numbers (lr, min_lr name LRs)")
    if items and isinstance(items[0], Mapping) and items[0].get("from") is None:
        raise SpecError(f"the first {key} phase needs from", path=f"{key}.phases[0].from",
                        hint="the value at update 0")
    from warmupctl.spec.native import resolve_phases

    spec = {"phases": items, "total_steps": total}
    step_offset = int(schedule.spec.get("step_offset") or 0)
    try:
        member = resolve_phases(spec, step_offset)
    except SpecError as exc:
        raise exc.located(prefix=key) from None
    if member.total_steps != total:  # resolve_phases checks the sum against total_steps
        raise SpecError(f"the phases add up to {member.total_steps} updates, not the run's {total}",
                        path=f"{key}.phases")
    return replace(member, label=key, notes=()), {"phases": member.spec["phases"]}


__all__ = ["SERIES_KEYS", "attach", "split"]

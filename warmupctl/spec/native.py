"""The native vocabulary: one set of words for YAML keys, command-line flags and Python keywords.

``warmup_steps: 100`` in a file, ``--warmup-steps 100`` on the command line and
``warmupctl.schedule(warmup_steps=100)`` in Python are the same thing. :data:`KEYS` is that vocabulary,
with defaults that reproduce the usual transformers example (lr 1e-4, 1000 updates, a linear warmup
from 0 over 10 %, then a half-cosine to 0).

A native spec is either a ``kind`` (what follows the warmup) or an explicit ``phases`` list.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from warmupctl.core import steps as arithmetic
from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.core.rounding import ratio_to_steps, transformers_ratio_to_steps
from warmupctl.core.vocabulary import (
    BATCH_KEYS,
    DECAY_SHAPES,
    KEYS,
    KIND_ALIASES,
    KIND_KEYS,
    KINDS,
    LENGTH_KEYS,
    LOOPS,
    PHASE_KEYS,
    WARMUP_SHAPES,
)
from warmupctl.engine import SHAPES, Boundary, Phase, Piecewise, Schedule

#: Keys that only some kinds read.
_KIND_SPECIFIC = frozenset().union(*KIND_KEYS.values()) - {"min_lr"}


def check_keys(mapping: Mapping[str, Any]) -> None:
    """Refuse unknown keys, with a did-you-mean."""
    for key in mapping:
        if key not in KEYS:
            hint = v.did_you_mean(key, KEYS)
            if key in ("schedule", "args"):
                hint = "a library spec needs both 'schedule: library.Name' and 'args:'"
            raise SpecError("unknown key", path=key, value=key,
                            hint=hint or "run 'warmupctl list keys' for the vocabulary")


#: The type of each key that a spec may set without using it (a key of another kind, a batch fact
#: without a length in epochs): checked all the same, so ``power: {a: 1}`` is an error, not a note.
_TYPES: dict[str, Callable[[Any, str], object]] = {
    "num_cycles": v.as_float, "power": v.as_float, "timescale": v.as_float, "scale": v.as_float,
    "gamma": v.as_float, "decay_ratio": v.as_float, "d_model": v.as_int, "step_size": v.as_int,
    "decay_steps": v.as_int, "milestones": v.as_ints, "decay_shape": v.as_str, "dataset_size": v.as_int,
    "micro_batch_size": v.as_int, "devices": v.as_int, "grad_accum": v.as_int, "seq_len": v.as_int,
    "drop_last": v.as_bool, "loop": v.as_str,
}


def check_type(key: str, value: Any) -> None:
    """Refuse a value of the wrong type for ``key`` even where the key is not used."""
    _TYPES[key](value, key)


def resolve_native(mapping: Mapping[str, Any]) -> Schedule:
    """Resolve a native spec mapping (keys of :data:`KEYS`) into a :class:`Schedule`.

    The series keys (``param_groups``, ``layer_decay``, ``momentum``, ``weight_decay``) are
    resolved by :mod:`warmupctl.spec.native_series`, after the LR and without changing it.
    """
    from warmupctl.spec import native_series

    lr_keys, series = native_series.split(mapping)
    return native_series.attach(_resolve_lr(lr_keys), series, lr_keys, _resolve_lr)


def resolve_phases(spec: Mapping[str, Any], step_offset: int = 0) -> Schedule:
    """A schedule of ``phases`` between numbers (``from``/``to`` given as numbers), lengths adding
    up to ``total_steps``: the LR's phase machinery for another series (momentum, weight decay)."""
    full = {key: spec.get(key) for key in KEYS}
    return _resolve_phases(full, 0.0, 0.0, 0.0, step_offset, None)


def _resolve_lr(mapping: Mapping[str, Any]) -> Schedule:
    """The LR of a native spec mapping (keys of :data:`KEYS`)."""
    check_keys(mapping)
    notes: list[str] = []
    mapping = units_to_steps(mapping, notes)
    spec = {k: mapping.get(k) for k in KEYS}

    lr = _lr_value(spec, "lr", 1e-4, positive=True)
    init_lr = _lr_value(spec, "init_lr", 0.0)
    min_lr = _lr_value(spec, "min_lr", 0.0)
    if min_lr > lr:
        raise SpecError("min_lr is above lr", path="min_lr", value=spec["min_lr"],
                        hint=f"the floor must not exceed the peak lr {lr:g}")
    step_offset = v.as_count(_or(spec["step_offset"], 0), "step_offset")
    if step_offset > _max_steps():
        raise SpecError(f"a shift beyond {_max_steps():.0e} updates, the longest run warmupctl evaluates",
                        path="step_offset", value=spec["step_offset"],
                        hint="step_offset shifts the schedule by a few updates (1: update 0 already moves)")
    name = v.as_str(spec["name"], "name") if spec["name"] is not None else None

    if spec["phases"] is not None:
        for key in ("kind", "warmup_steps", "ratio", "warmup_ratio", "warmup_shape"):
            if spec[key] is not None:
                raise SpecError("phases replace kind and the warmup keys", path=key,
                                value=spec[key], hint="remove it, or remove phases")
        return _resolve_phases(spec, lr, init_lr, min_lr, step_offset, name)

    kind = v.as_str(_or(spec["kind"], "cosine"), "kind")
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise SpecError("unknown kind", path="kind", value=kind,
                        hint=v.did_you_mean(kind, KINDS) or v.one_of(KINDS))
    for key in sorted(_KIND_SPECIFIC - KIND_KEYS[kind]):
        if spec[key] is not None:
            check_type(key, spec[key])
            notes.append(f"{key} is not used by kind {kind}")

    total = v.as_count(_or(spec["total_steps"], 1000), "total_steps", minimum=1)
    warmup = _warmup_steps(spec, total, notes)
    shape = v.as_choice(_or(spec["warmup_shape"], "linear"), "warmup_shape", WARMUP_SHAPES)
    stairs = v.as_count(_or(spec["warmup_stairs"], 4), "warmup_stairs", minimum=1)
    if shape == "exponential" and warmup and init_lr <= 0:
        raise SpecError("an exponential warmup cannot start from 0", path="init_lr",
                        value=init_lr, hint=f"set init_lr > 0, e.g. {lr / 100:g} (lr / 100)")
    if shape == "exponential" and warmup:
        _check_ratio(init_lr, lr, "init_lr", spec["init_lr"])

    resolved: dict[str, Any] = {
        "kind": kind, "lr": lr, "init_lr": init_lr, "min_lr": min_lr, "total_steps": total,
        "warmup_steps": warmup, "warmup_shape": shape, "step_offset": step_offset,
    }
    if shape == "step":
        resolved["warmup_stairs"] = stairs

    if kind == "noam":
        return _resolve_noam(spec, resolved, warmup, total, name, notes)

    phases: list[Phase] = []
    if warmup:
        params = {"stairs": stairs} if shape == "step" else {}
        phases.append(Phase("warmup", warmup, init_lr, lr, shape, params))
    phases.extend(_after_warmup(kind, spec, resolved, lr, min_lr, warmup, total))
    if not phases:  # warmup_steps == total_steps == 0 cannot happen: total >= 1
        raise SpecError("the schedule is empty", path="total_steps", value=total)
    boundaries = _boundaries(phases)
    if warmup and init_lr > lr:
        notes.append(f"init_lr {init_lr:g} is above lr {lr:g}: the warmup goes down")
    return Schedule(
        fn=Piecewise(tuple(phases), step_offset),
        total_steps=total,
        label=name or _label(resolved),
        warmup_steps=warmup,
        boundaries=boundaries,
        notes=tuple(notes),
        spec=resolved,
    )


def _after_warmup(
    kind: str, spec: dict[str, Any], resolved: dict[str, Any], lr: float, min_lr: float,
    warmup: int, total: int,
) -> list[Phase]:
    """The phases after the warmup for a ``kind`` (none when the warmup fills the run)."""
    length = total - warmup
    if length <= 0:
        return []
    if kind == "constant":
        return [Phase("constant", length, lr, lr, "constant")]
    if kind == "linear":
        return [Phase("decay", length, lr, min_lr, "linear")]
    if kind in ("cosine", "cosine_with_restarts"):
        cycles = v.as_positive(_or(spec["num_cycles"], KEYS_DEFAULT_CYCLES[kind]), "num_cycles")
        resolved["num_cycles"] = cycles
        return [Phase("decay", length, lr, min_lr, kind, {"num_cycles": cycles})]
    if kind == "polynomial":
        power = v.as_positive(_or(spec["power"], 1.0), "power")
        resolved["power"] = power
        return [Phase("decay", length, lr, min_lr, "polynomial", {"power": power})]
    if kind == "inverse_sqrt":
        default = float(warmup) if warmup else 10000.0
        timescale = v.as_positive(_or(spec["timescale"], default), "timescale")
        resolved["timescale"] = timescale
        return [Phase("decay", length, lr, min_lr, "inverse_sqrt", {"timescale": timescale})]
    if kind == "exponential":
        if spec["gamma"] is not None:
            gamma = _gamma(spec["gamma"])
        elif min_lr > 0:
            _check_ratio(lr, min_lr, "min_lr", spec["min_lr"])
            gamma = (min_lr / lr) ** (1.0 / length)  # reaches min_lr exactly at total_steps
        else:
            raise SpecError("kind exponential needs gamma (the factor per update) or min_lr > 0",
                            path="gamma", hint="e.g. gamma: 0.999, or min_lr: 1e-6 to derive it")
        resolved["gamma"] = gamma
        return [Phase("decay", length, lr, min_lr, "exponential_decay", {"gamma": gamma})]
    if kind == "step":
        if spec["step_size"] is None:
            raise SpecError("kind step needs step_size (updates between decays)",
                            path="step_size", hint=f"e.g. step_size: {max(1, length // 3)}")
        step_size = v.as_count(spec["step_size"], "step_size", minimum=1)
        gamma = _gamma(_or(spec["gamma"], 0.1))
        resolved.update(step_size=step_size, gamma=gamma)
        return [Phase("decay", length, lr, min_lr, "step_decay",
                      {"step_size": step_size, "gamma": gamma})]
    if kind == "multistep":
        milestones = _milestones(spec["milestones"], warmup, total)
        gamma = _gamma(_or(spec["gamma"], 0.1))
        resolved.update(milestones=milestones, gamma=gamma)
        local = tuple(m - warmup for m in milestones)
        return [Phase("decay", length, lr, min_lr, "multistep_decay",
                      {"milestones": local, "gamma": gamma})]
    assert kind == "wsd"
    return _wsd_phases(spec, resolved, lr, min_lr, warmup, total)


def _wsd_phases(
    spec: dict[str, Any], resolved: dict[str, Any], lr: float, min_lr: float, warmup: int,
    total: int,
) -> list[Phase]:
    """Warmup-stable-decay (MiniCPM, transformers ``get_wsd_schedule``): hold lr, then decay."""
    if spec["decay_steps"] is not None and spec["decay_ratio"] is not None:
        raise SpecError("give decay_steps or decay_ratio, not both", path="decay_ratio",
                        value=spec["decay_ratio"])
    if spec["decay_steps"] is not None:
        decay = v.as_count(spec["decay_steps"], "decay_steps")
        where = "decay_steps"
    else:
        decay = ratio_to_steps(v.as_fraction(_or(spec["decay_ratio"], 0.1), "decay_ratio"), total)
        where = "decay_ratio"
    if warmup + decay > total:
        raise SpecError(f"warmup ({warmup}) and decay ({decay}) are longer than the run ({total})",
                        path=where, value=spec[where] if spec[where] is not None else decay,
                        hint="shorten the decay or the warmup, or raise total_steps")
    shape = v.as_choice(_or(spec["decay_shape"], "cosine"), "decay_shape", DECAY_SHAPES)
    if shape == "exponential" and min_lr <= 0:
        raise SpecError("an exponential decay cannot reach 0", path="min_lr", value=min_lr,
                        hint=f"set min_lr > 0, e.g. {lr / 100:g}")
    if shape == "exponential":
        _check_ratio(lr, min_lr, "min_lr", spec["min_lr"])
    resolved.update(decay_steps=decay, decay_shape=shape)
    stable = total - warmup - decay
    phases = []
    if stable:
        phases.append(Phase("stable", stable, lr, lr, "constant"))
    if decay:
        phases.append(Phase("decay", decay, lr, min_lr, shape))
    return phases


def _resolve_noam(
    spec: dict[str, Any], resolved: dict[str, Any], warmup: int, total: int, name: str | None,
    notes: list[str],
) -> Schedule:
    """The Transformer's schedule: one law over the whole run; its peak is derived, not given."""
    if spec["lr"] is not None:
        raise SpecError("kind noam derives its peak from d_model and scale", path="lr",
                        value=spec["lr"], hint="remove lr; set scale (the paper uses 1.0)")
    if warmup < 1:
        raise SpecError("kind noam needs warmup_steps >= 1", path="warmup_steps", value=warmup,
                        hint="the paper uses 4000")
    d_model = v.as_count(_or(spec["d_model"], 512), "d_model", minimum=1)
    scale = v.as_positive(_or(spec["scale"], 1.0), "scale")
    start = scale * d_model**-0.5
    resolved.update(d_model=d_model, scale=scale, lr=start * warmup**-0.5, init_lr=None)
    phase = Phase("noam", total, start, 0.0, "noam", {"warmup_steps": warmup})
    notes.append(f"noam peaks at update {warmup - 1} (step_num = update + 1, as in the paper)")
    return Schedule(
        fn=Piecewise((phase,), resolved["step_offset"]),
        total_steps=total,
        label=name or f"noam, d_model {d_model}, warmup {warmup}",
        warmup_steps=warmup - 1,
        boundaries=(Boundary(warmup - 1, "warmup end"),) if warmup - 1 < total else (),
        notes=tuple(notes),
        spec=resolved,
    )


def _resolve_phases(
    spec: dict[str, Any], lr: float, init_lr: float, min_lr: float, step_offset: int,
    name: str | None,
) -> Schedule:
    items = v.as_list(spec["phases"], "phases")
    if not items:
        raise SpecError("phases is empty", path="phases", hint="list at least one phase")
    given_total = spec["total_steps"]
    total = v.as_count(given_total, "total_steps", minimum=1) if given_total is not None else None
    named = {"lr": lr, "peak": lr, "init_lr": init_lr, "min_lr": min_lr}

    lengths: list[int | None] = []
    for i, raw in enumerate(items):
        item = v.as_mapping(raw, f"phases[{i}]")
        for key in item:
            if key not in PHASE_KEYS:
                raise SpecError("unknown phase key", path=f"phases[{i}].{key}", value=key,
                                hint=v.did_you_mean(key, PHASE_KEYS) or v.one_of(PHASE_KEYS))
        lengths.append(_phase_length(item, i, total))
    rest = [i for i, n in enumerate(lengths) if n is None]
    if len(rest) > 1:
        raise SpecError("'rest' is used twice", path=f"phases[{rest[1]}].steps", value="rest",
                        hint=f"also phases[{rest[0]}]; use it on at most one phase")
    known = sum(n for n in lengths if n is not None)
    if rest:
        if total is None:
            raise SpecError("'rest' needs total_steps", path=f"phases[{rest[0]}].steps",
                            value="rest", hint="add total_steps: N")
        if known >= total:
            raise SpecError(f"the other phases already fill total_steps ({known} >= {total})",
                            path=f"phases[{rest[0]}].steps", value="rest")
        lengths[rest[0]] = total - known
        known = total
    if total is not None and known != total:
        raise SpecError(f"the phases add up to {known} updates, not total_steps {total}",
                        path="total_steps", value=total,
                        hint="fix a phase length, use 'steps: rest' on one phase, or drop total_steps")
    total = known

    phases: list[Phase] = []
    current = init_lr
    for i, (raw, length) in enumerate(zip(items, lengths)):
        assert length is not None
        path = f"phases[{i}]"
        shape = v.as_choice(_or(raw.get("shape"), "linear"), f"{path}.shape", SHAPES)
        start = _phase_lr(raw["from"], f"{path}.from", named) if "from" in raw else current
        end = _phase_lr(raw["to"], f"{path}.to", named) if "to" in raw else start
        params = _phase_params(raw, shape, path, length)
        if SHAPES[shape].geometric and (start <= 0 or end <= 0):
            raise SpecError("an exponential phase needs both ends above 0", path=f"{path}.to",
                            value=end if end <= 0 else start, hint="use a small positive LR")
        if SHAPES[shape].geometric:
            _check_ratio(start, end, f"{path}.to", end)
        label = v.as_str(raw["name"], f"{path}.name") if "name" in raw else _phase_name(i, start, end)
        if length == 0:
            continue
        phase = Phase(label, length, start, end, shape, params)
        phases.append(phase)
        current = phase.final
    if not phases:
        raise SpecError("every phase is empty", path="phases")
    first = phases[0]
    warmup = first.steps if first.end > first.start and len(phases) > 1 else 0
    resolved = {
        "lr": lr, "init_lr": init_lr, "min_lr": min_lr, "total_steps": total,
        "step_offset": step_offset,
        "phases": [
            {"name": p.name, "steps": p.steps, "shape": p.shape, "from": p.start, "to": p.end,
             **{k: list(x) if isinstance(x, tuple) else x for k, x in p.params.items()}}
            for p in phases
        ],
    }
    return Schedule(
        fn=Piecewise(tuple(phases), step_offset),
        total_steps=total,
        label=name or " → ".join(p.name for p in phases),
        warmup_steps=warmup,
        boundaries=_boundaries(phases),
        spec=resolved,
    )


def _phase_length(item: Mapping[str, Any], i: int, total: int | None) -> int | None:
    path = f"phases[{i}]"
    if "steps" in item and "ratio" in item:
        raise SpecError("give steps or ratio, not both", path=f"{path}.ratio", value=item["ratio"])
    if "ratio" in item:
        if total is None:
            raise SpecError("a ratio needs total_steps", path=f"{path}.ratio", value=item["ratio"],
                            hint="add total_steps: N, or give steps")
        return ratio_to_steps(v.as_fraction(item["ratio"], f"{path}.ratio"), total)
    if "steps" not in item:
        raise SpecError("a phase needs steps or ratio", path=path, hint="e.g. steps: 100")
    if item["steps"] == "rest":
        return None
    return v.as_count(item["steps"], f"{path}.steps")


def _phase_lr(value: Any, path: str, named: Mapping[str, float]) -> float:
    if isinstance(value, str) and value in named:
        return named[value]
    try:
        number = v.as_float(value, path)
    except SpecError as exc:
        hint = v.did_you_mean(value, named) if isinstance(value, str) else None
        raise SpecError(exc.message, path=path, value=value,
                        hint=hint or "a number, or one of " + ", ".join(named)) from None
    if number < 0:
        raise SpecError("a learning rate must not be negative", path=path, value=value)
    return number


def _phase_params(raw: Mapping[str, Any], shape: str, path: str, length: int) -> dict[str, Any]:
    accepted = SHAPES[shape].params
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("name", "steps", "ratio", "shape", "to", "from"):
            continue
        if key not in accepted:
            hint = f"shape {shape} takes " + (", ".join(accepted) if accepted else "no parameters")
            raise SpecError(f"{key} does not apply to shape {shape}", path=f"{path}.{key}",
                            value=value, hint=hint)
        where = f"{path}.{key}"
        if key == "milestones":
            params[key] = tuple(sorted(v.as_count(m, f"{where}[{j}]")
                                       for j, m in enumerate(v.as_list(value, where))))
        elif key in ("stairs", "step_size"):
            params[key] = v.as_count(value, where, minimum=1)
        elif key == "gamma":
            params[key] = _gamma(value, where)
        else:
            params[key] = v.as_positive(value, where)
    return params


def _phase_name(i: int, start: float, end: float) -> str:
    if end > start:
        return "warmup" if i == 0 else f"rise {i}"
    if end < start:
        return "decay" if i else "decay 0"
    return "hold" if i else "constant"


def _warmup_steps(spec: dict[str, Any], total: int, notes: list[str]) -> int:
    ratio_key = "ratio" if spec["ratio"] is not None else "warmup_ratio"
    if spec["warmup_steps"] is not None and spec[ratio_key] is not None:
        raise SpecError("give warmup_steps or a ratio, not both", path=ratio_key,
                        value=spec[ratio_key], hint="a flag replaces the file's value of either")
    if spec["ratio"] is not None and spec["warmup_ratio"] is not None:
        raise SpecError("ratio and warmup_ratio are the same key", path="warmup_ratio",
                        value=spec["warmup_ratio"], hint="keep one")
    if spec["warmup_steps"] is not None:
        warmup = v.as_count(spec["warmup_steps"], "warmup_steps")
        where, value = "warmup_steps", spec["warmup_steps"]
    else:
        given = spec[ratio_key]
        ratio = v.as_fraction(_or(given, 0.1), ratio_key)
        warmup = ratio_to_steps(ratio, total)
        where, value = ratio_key, given if given is not None else ratio
        theirs = transformers_ratio_to_steps(ratio, total)
        if theirs != warmup:
            notes.append(
                f"warmup ratio {ratio:g} of {total} updates is {warmup} updates here; "
                f"transformers' Trainer computes ceil({total} * {ratio!r}) = {theirs} "
                "(float rounding)"
            )
    if warmup > total:
        raise SpecError(f"the warmup is longer than the run ({total} updates)", path=where,
                        value=value, hint="shorten the warmup or raise total_steps")
    return warmup


def _milestones(value: Any, warmup: int, total: int) -> list[int]:
    if value is None:
        raise SpecError("kind multistep needs milestones (update indices)", path="milestones",
                        hint=f"e.g. milestones: [{total // 2}, {total * 3 // 4}]")
    milestones = [v.as_count(m, f"milestones[{i}]") for i, m in enumerate(v.as_list(value,
                                                                                       "milestones"))]
    for i, m in enumerate(milestones):
        if m < warmup:
            raise SpecError(f"milestone falls inside the warmup (before update {warmup})",
                            path=f"milestones[{i}]", value=m,
                            hint="milestones are update indices counted from 0")
        if i and m <= milestones[i - 1]:
            raise SpecError("milestones must increase", path=f"milestones[{i}]", value=m)
    return milestones


def _check_ratio(start: float, end: float, path: str, value: Any) -> None:
    """A geometric curve ``start * (end/start) ** (k/n)`` needs ``end/start`` to be a normal float:
    an overflow would print inf, an underflow 0, where the LR is a large or small finite number."""
    ratio = end / start
    if not (math.isfinite(ratio) and ratio >= sys.float_info.min):
        raise SpecError(f"an exponential curve from {start:g} to {end:g} spans a factor beyond float64",
                        path=path, value=value,
                        hint="bring the two LRs closer: their ratio must lie within 1e-308..1e308")


def _max_steps() -> int:
    from warmupctl.spec.resolve import MAX_TOTAL_STEPS  # resolve imports this module

    return MAX_TOTAL_STEPS


def _gamma(value: Any, path: str = "gamma") -> float:
    gamma = v.as_float(value, path)
    if not 0.0 < gamma <= 1.0:
        raise SpecError("gamma must be in (0, 1]", path=path, value=value,
                        hint="a decay multiplies the LR by gamma; 0.1 divides it by 10")
    return gamma


def _lr_value(spec: dict[str, Any], key: str, default: float, positive: bool = False) -> float:
    value = v.as_float(_or(spec[key], default), key)
    if positive and value <= 0:
        raise SpecError("must be positive", path=key, value=spec[key])
    if value < 0:
        raise SpecError("a learning rate must not be negative", path=key, value=spec[key])
    return value


def _boundaries(phases: list[Phase]) -> tuple[Boundary, ...]:
    out = []
    first = 0
    for before, after in zip(phases, phases[1:]):
        first += before.steps
        label = "warmup end" if before.name == "warmup" else f"{after.name} start"
        out.append(Boundary(first, label))
    return tuple(out)


def _label(resolved: dict[str, Any]) -> str:
    """``cosine, warmup 100`` plus what sets this schedule apart from the kind's defaults."""
    kind, warmup, shape = resolved["kind"], resolved["warmup_steps"], resolved["warmup_shape"]
    parts = [kind]
    cycles = resolved.get("num_cycles", KEYS_DEFAULT_CYCLES.get(kind))
    if kind in KEYS_DEFAULT_CYCLES and cycles != KEYS_DEFAULT_CYCLES[kind]:
        parts[0] += f" ×{cycles:g}"
    if warmup:
        parts.append(f"{shape} warmup {warmup}" if shape != "linear" else f"warmup {warmup}")
    return ", ".join(parts)


KEYS_DEFAULT_CYCLES = {"cosine": 0.5, "cosine_with_restarts": 1.0}


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


# --- Lengths in epochs, tokens or samples --------------------------------------------------------------
# One entry point, units_to_steps, runs before everything above, which then sees only updates and ratios.
# The arithmetic is warmupctl.core.steps'; this part validates the keys and says what it did.

#: Length keys in units other than updates and ratios.
UNIT_KEYS = frozenset(k for keys in LENGTH_KEYS.values() for k, unit in keys.items()
                      if unit in ("epochs", "tokens", "samples"))


def units_to_steps(mapping: Mapping[str, Any], notes: list[str]) -> dict[str, Any]:
    """Replace lengths given in epochs, tokens or samples by ``total_steps``/``warmup_steps``/``decay_steps``.

    Each length (total, warmup, wsd decay) given in one of those units becomes updates, with the batch
    facts (``dataset_size``, ``micro_batch_size``, ``devices``, ``grad_accum``, ``drop_last``,
    ``seq_len``, ``loop``): epochs as ``loop`` counts them, tokens over ``micro_batch_size × seq_len ×
    grad_accum × devices`` per update, samples over ``micro_batch_size × grad_accum × devices``, rounded
    up so the warmup is never shorter than asked. A length said twice (``total_steps: 100`` and
    ``epochs: 3``) must come out the same; otherwise the error says what disagrees. A length said
    only in updates or as a ratio is left untouched.

    Examples:
        >>> notes = []
        >>> units_to_steps({"epochs": 10, "dataset_size": 100, "micro_batch_size": 1, "grad_accum": 4},
        ...                notes)["total_steps"]
        250
    """
    given = {k for k in UNIT_KEYS if mapping.get(k) is not None}
    if not given:
        unused = [k for k in BATCH_KEYS if mapping.get(k) is not None]
        for key in unused:
            check_type(key, mapping[key])
        if unused:
            notes.append(f"{', '.join(unused)} not used: no length is given in epochs, tokens or samples")
        return dict(mapping)
    if mapping.get("phases") is not None:
        for key in sorted(given - LENGTH_KEYS["total"].keys()):
            raise SpecError("phases replace kind and the warmup keys", path=key, value=mapping[key],
                            hint="give the phases' lengths in updates or ratios, or remove phases")
    facts, loop = batch_facts(mapping)
    out = dict(mapping)
    for length, keys in LENGTH_KEYS.items():
        if not given & keys.keys():
            continue
        total = v.as_count(_or(out.get("total_steps"), KEYS["total_steps"].default), "total_steps",
                           minimum=1)
        said = [(key, *_length_updates(length, key, unit, out[key], facts, loop, total))
                for key, unit in keys.items() if out.get(key) is not None]
        first_key, first, first_says = next(item for item in said if item[0] in given)
        for key, updates, says in said:
            if updates != first:
                raise SpecError(f"{key} and {first_key} disagree: {says}, but {first_says}",
                                path=first_key, value=out[first_key],
                                hint="keep one of them, or fix the batch facts")
        for key in keys:
            out.pop(key, None)
        steps_key = next(k for k, unit in keys.items() if unit == "updates")
        out[steps_key] = first
        notes.append(f"{steps_key} {first}: {first_says}")
    return out


def batch_facts(mapping: Mapping[str, Any]) -> tuple[arithmetic.BatchFacts, str]:
    """The validated batch facts of a spec (absent ones: None, or their defaults) and its ``loop``."""
    def count(key: str) -> int | None:
        value = mapping.get(key)
        return None if value is None else v.as_count(value, key, minimum=1)

    drop_last = mapping.get("drop_last")
    loop = v.as_choice(_or(mapping.get("loop"), KEYS["loop"].default), "loop", LOOPS)
    facts = arithmetic.BatchFacts(
        micro_batch_size=count("micro_batch_size"),
        devices=_or(count("devices"), 1),
        grad_accum=_or(count("grad_accum"), 1),
        dataset_size=count("dataset_size"),
        drop_last=v.as_bool(drop_last, "drop_last") if drop_last is not None else False,
        seq_len=count("seq_len"),
    )
    return facts, loop


def _length_updates(
    length: str, key: str, unit: str, value: Any, facts: arithmetic.BatchFacts, loop: str, total: int,
) -> tuple[int, str]:
    """``(updates, what the key says)`` for one key of a length."""
    if unit == "updates":
        updates = v.as_count(value, key, minimum=1 if length == "total" else 0)
        return updates, f"{key} is {updates}"
    if unit == "ratio":
        updates = ratio_to_steps(v.as_fraction(value, key), total)
        return updates, f"{key} {_show(value)} of {total} updates is {updates}"
    checked = v.as_positive(value, key) if length == "total" else v.as_nonnegative(value, key)
    amount = arithmetic.exact(checked)
    if unit == "epochs":
        _need(key, facts, "dataset_size", "micro_batch_size")
        count = arithmetic.epoch_count(facts, amount, loop)
        if length == "total":
            if count.total is None:
                raise SpecError(f"loop {loop} runs whole epochs only", path=key, value=value,
                                hint="give a whole number of epochs, or loop: transformers")
            updates = count.total
        else:
            updates = math.ceil(arithmetic.updates_of_epochs(amount, count.updates_per_epoch))
        how = arithmetic.describe_epochs(facts, amount, count)
        if count.note:
            how += f"; {count.note}"
    else:
        needs = ("micro_batch_size", "seq_len") if unit == "tokens" else ("micro_batch_size",)
        _need(key, facts, *needs)
        per = facts.tokens_per_update if unit == "tokens" else facts.samples_per_update
        assert per is not None
        exact = arithmetic.per_update(amount, per)
        updates = math.ceil(exact)
        how = f"{per} {unit} per update: {_fraction(exact)} updates"
        if exact.denominator != 1:
            how += f", rounded up; floor {math.floor(exact)}"
    if updates > _max_steps():
        raise SpecError(f"{updates:.3g} updates ({how}): more than warmupctl evaluates ({_max_steps():.0e})",
                        path=key, value=value, hint="check the unit and the batch facts")
    says = f"{key} {_show(value)} give {updates} updates ({how})"
    if length == "total" and updates < 1:
        raise SpecError(f"{key} gives 0 updates ({how})", path=key, value=value,
                        hint="a run needs at least one optimizer update")
    return updates, says


def _need(key: str, facts: arithmetic.BatchFacts, *names: str) -> None:
    for name in names:
        if getattr(facts, name) is None:
            raise SpecError(f"{key} needs {name}", path=key,
                            hint=f"add {name} ({KEYS[name].help.split(' (')[0]})")


def _fraction(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.6g}"


def _show(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)

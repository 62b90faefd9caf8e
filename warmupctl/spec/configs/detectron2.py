"""detectron2 YAML configs (``SOLVER.*``, ``_BASE_`` inheritance), as ``build_lr_scheduler`` reads them.

Restated from detectron2 ``detectron2/solver/build.py`` (``build_lr_scheduler``) and
``detectron2/config/defaults.py`` (the ``SOLVER`` defaults below):

* ``WarmupMultiStepLR``: ``MultiStepParamScheduler(values=[GAMMA**k ...], milestones=STEPS,
  num_updates=MAX_ITER)``, with the steps above ``MAX_ITER`` dropped (detectron2 warns);
* ``WarmupCosineLR``: ``CosineParamScheduler(1, BASE_LR_END / BASE_LR)``;
* ``WarmupStepWithFixedGammaLR``: ``StepWithFixedGammaParamScheduler(1, NUM_DECAYS, GAMMA, MAX_ITER)``;
* then ``WarmupParamScheduler(sched, WARMUP_FACTOR, min(WARMUP_ITERS / MAX_ITER, 1.0), WARMUP_METHOD,
  RESCALE_INTERVAL)`` and ``LRMultiplier(optimizer, sched, max_iter=MAX_ITER)`` at ``BASE_LR``
  (:mod:`warmupctl.frameworks.detectron2`).

``_BASE_`` files are read from the folder of the file that names them and merged key by key (the
child wins). ``SOLVER.REFERENCE_WORLD_SIZE`` > 0 rescales the solver for another GPU count
(``DefaultTrainer.auto_scale_workers``): refused unless it matches, since the GPU count is not in the file.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import _kit as kit

TITLE = "detectron2 config"
#: detectron2/config/defaults.py, _C.SOLVER (what the schedule reads).
DEFAULTS: dict[str, Any] = {
    "LR_SCHEDULER_NAME": "WarmupMultiStepLR", "MAX_ITER": 40000, "BASE_LR": 0.001, "BASE_LR_END": 0.0,
    "STEPS": [30000], "WARMUP_FACTOR": 1.0 / 1000, "WARMUP_ITERS": 1000, "WARMUP_METHOD": "linear",
    "GAMMA": 0.1, "NUM_DECAYS": 3, "RESCALE_INTERVAL": False, "REFERENCE_WORLD_SIZE": 0,
}
MAX_BASES = 10


def _claim(mapping: Mapping[str, Any]) -> str | None:
    solver = mapping.get("SOLVER")
    if isinstance(solver, Mapping):
        return "SOLVER"
    if "_BASE_" in mapping and isinstance(mapping.get("_BASE_"), str):
        return "_BASE_"
    return None


def _merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _with_bases(mapping: Mapping[str, Any], path: str | None, source: str, depth: int = 0) -> dict[str, Any]:
    base = mapping.get("_BASE_")
    own = {k: x for k, x in mapping.items() if k != "_BASE_"}
    if base is None:
        return own
    if depth >= MAX_BASES:
        raise SpecError(f"_BASE_ files nest deeper than {MAX_BASES}", source=source, path="_BASE_")
    if path in (None, "-"):
        raise SpecError("names a _BASE_ file, found beside the config", source=source, path="_BASE_",
                        value=base, hint="give the config's path, not standard input")
    full = os.path.join(os.path.dirname(os.path.abspath(str(path))), str(base))
    try:
        import yaml

        with open(full, encoding="utf-8") as handle:
            parent = yaml.safe_load(handle.read(1 << 20))
    except OSError as exc:
        raise SpecError(f"cannot read the _BASE_ file {full} ({exc.strerror})", source=source,
                        path="_BASE_", value=base,
                        hint="_BASE_ is relative to the file that names it") from None
    except Exception as exc:  # noqa: BLE001 - a YAML error in the base
        raise SpecError(f"the _BASE_ file {full} is not YAML ({type(exc).__name__})", source=source,
                        path="_BASE_", value=base) from None
    if not isinstance(parent, Mapping):
        raise SpecError("the _BASE_ file holds no mapping", source=source, path="_BASE_", value=base)
    return _merge(_with_bases(parent, full, source, depth + 1), own)


def _literal(value: Any) -> Any:
    """yacs reads a string that is a Python literal as that literal: ``"(60000, 80000)"`` is a tuple."""
    if isinstance(value, str) and value.strip()[:1] in ("(", "["):
        try:
            parsed = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            return value
        return list(parsed) if isinstance(parsed, tuple) else parsed
    return value


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    full = _with_bases(mapping, request.path, source)
    solver = {**DEFAULTS, **{k: _literal(x) for k, x in (full.get("SOLVER") or {}).items()}}
    notes = [f"{source} read as {TITLE}: build_lr_scheduler (LRMultiplier over fvcore)"]
    if "_BASE_" in mapping:
        notes.append(f"SOLVER merged over _BASE_ {mapping['_BASE_']}")
    world = v.as_int(solver["REFERENCE_WORLD_SIZE"], "SOLVER.REFERENCE_WORLD_SIZE")
    if world and request.facts.get("devices") not in (None, world):
        raise SpecError("the solver is rescaled for another GPU count", path="SOLVER.REFERENCE_WORLD_SIZE",
                        value=world, hint="DefaultTrainer.auto_scale_workers scales BASE_LR, MAX_ITER, "
                        "STEPS and WARMUP_ITERS by devices / REFERENCE_WORLD_SIZE; not modelled")
    name = str(solver["LR_SCHEDULER_NAME"])
    max_iter = v.as_count(solver["MAX_ITER"], "SOLVER.MAX_ITER", minimum=1)
    base_lr = v.as_positive(solver["BASE_LR"], "SOLVER.BASE_LR")
    if name == "WarmupMultiStepLR":
        given = [v.as_int(x, "SOLVER.STEPS") for x in (solver["STEPS"] or [])]
        steps = [x for x in given if x <= max_iter]
        if len(steps) != len(given):
            notes.append(f"SOLVER.STEPS above MAX_ITER {max_iter} are ignored (detectron2 warns): "
                         f"{[x for x in given if x > max_iter]}")
        gamma = v.as_float(solver["GAMMA"], "SOLVER.GAMMA")
        inner = {"schedule": "fvcore.MultiStepParamScheduler",
                 "args": {"values": [gamma ** k for k in range(len(steps) + 1)], "milestones": steps,
                          "num_updates": max_iter}}
    elif name == "WarmupCosineLR":
        end = v.as_float(solver["BASE_LR_END"], "SOLVER.BASE_LR_END") / base_lr
        if not 0.0 <= end <= 1.0:
            raise SpecError("BASE_LR_END / BASE_LR must be in [0, 1]", path="SOLVER.BASE_LR_END",
                            value=solver["BASE_LR_END"], hint="detectron2 asserts this")
        inner = {"schedule": "fvcore.CosineParamScheduler", "args": {"start_value": 1, "end_value": end}}
    elif name == "WarmupStepWithFixedGammaLR":
        inner = {"schedule": "fvcore.StepWithFixedGammaParamScheduler",
                 "args": {"base_value": 1.0, "gamma": solver["GAMMA"], "num_decays": solver["NUM_DECAYS"],
                          "num_updates": max_iter}}
    else:
        raise SpecError("is not a detectron2 LR scheduler", path="SOLVER.LR_SCHEDULER_NAME", value=name,
                        hint="WarmupMultiStepLR, WarmupCosineLR or WarmupStepWithFixedGammaLR (a project "
                             "that registers its own is not read)")
    warmup_iters = v.as_int(solver["WARMUP_ITERS"], "SOLVER.WARMUP_ITERS")
    multiplier = {"schedule": "detectron2.WarmupParamScheduler",
                  "args": {"scheduler": inner, "warmup_factor": solver["WARMUP_FACTOR"],
                           "warmup_length": min(warmup_iters / max_iter, 1.0),
                           "warmup_method": solver["WARMUP_METHOD"],
                           "rescale_interval": bool(solver["RESCALE_INTERVAL"])}}
    spec = {"schedule": "detectron2.LRMultiplier", "lr": base_lr,
            "args": {"multiplier": multiplier, "max_iter": max_iter}}
    origins = {"lr": kit.Origin(source, "SOLVER.BASE_LR"),
               "args.max_iter": kit.Origin(source, "SOLVER.MAX_ITER"),
               "args.multiplier": kit.Origin(source, "SOLVER")}
    return kit.Translation("detectron2", TITLE, source, spec, tuple(notes), MappingProxyType(origins))


FORMAT = kit.register(kit.ConfigFormat(
    "detectron2", TITLE, _claim, _translate, markers=frozenset({"SOLVER", "_BASE_"}), facts=("devices",),
))

"""Ultralytics YOLO ``args.yaml`` (what the trainer saves: every argument of the run).

The schedule is :mod:`warmupctl.frameworks.ultralytics` (``ultralytics.BaseTrainer``). What the trainer
does before it (``ultralytics/engine/trainer.py``, ``BaseTrainer._setup_train`` and ``build_optimizer``,
8.4.x):

* ``optimizer: auto`` ignores ``lr0``: with ``iterations = ceil(N / max(batch, nbs)) × epochs`` above
  10000 it picks MuSGD at 0.01 (some head groups at 3×), else AdamW at
  ``round(0.002 × 5 / (4 + nc), 6)`` with ``nc`` the data set's classes; both set ``warmup_bias_lr`` to 0;
* the training images N come from ``--dataset-size`` (the images after ``fraction``); ``nc`` (the
  ``self.data["nc"]`` of ``build_optimizer``) from ``--num-classes``, else ``nc:`` in the file or in the
  data YAML beside it;
* the devices: ``device`` as ``parse_device`` saved it (``0,1,2,3``: 4 GPUs, DDP; ``cpu``, ``mps``, one
  GPU or none: one process), or ``--devices N`` where the file has no ``device``; ``compile`` drops the
  training loader's last partial batch (``drop_last=args.compile``);
* ``batch: -1`` or a fraction (AutoBatch) and ``time`` (epochs re-estimated while training) depend on
  the machine or the run: refused.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import _kit as kit

TITLE = "Ultralytics args.yaml"
MARKERS = frozenset({"lr0", "lrf", "warmup_bias_lr", "warmup_momentum", "nbs", "cos_lr", "close_mosaic"})
SHARED = frozenset({"epochs", "name", "scale", "warmup_epochs"})
#: ultralytics/cfg/default.yaml values of what the schedule reads.
DEFAULTS: dict[str, Any] = {"lr0": 0.01, "lrf": 0.01, "cos_lr": False, "epochs": 100, "batch": 16,
                            "nbs": 64, "warmup_epochs": 3.0, "warmup_bias_lr": 0.1, "optimizer": "auto"}
LATEST = "8.4.190"


def _claim(mapping: Mapping[str, Any]) -> str | None:
    hits = [key for key in ("lr0", "lrf", "warmup_bias_lr", "nbs", "cos_lr") if key in mapping]
    return ", ".join(hits) if len(hits) >= 2 else None


def _classes(raw: Mapping[str, Any], path: str | None, source: str, given: int | None) -> int:
    if given is not None:  # --num-classes
        return given
    if raw.get("nc") is not None:
        return v.as_count(raw["nc"], "nc", minimum=1)
    data = raw.get("data")
    if isinstance(data, str) and path not in (None, "-"):
        candidate = os.path.join(os.path.dirname(os.path.abspath(path)), os.path.basename(data))
        if os.path.isfile(candidate):
            import yaml

            try:
                with open(candidate, encoding="utf-8") as handle:
                    described = yaml.safe_load(handle.read(1 << 20))
            except (OSError, yaml.YAMLError):
                described = None
            if isinstance(described, Mapping):
                if described.get("nc") is not None:
                    return v.as_count(described["nc"], f"{data}: nc", minimum=1)
                names = described.get("names")
                if isinstance(names, (list, Mapping)) and names:
                    return len(names)
    raise SpecError("auto picks AdamW with an LR from the number of classes", path="optimizer",
                    value="auto", hint=f"lr0 is ignored; pass --num-classes N (the classes of {data!r}), "
                    "or set optimizer and lr0 explicitly")


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    raw = {**DEFAULTS, **{k: x for k, x in mapping.items() if x is not None}}
    notes = [f"{source} read as {TITLE}: BaseTrainer's warmup and per-epoch lambda"]
    if raw.get("time"):
        raise SpecError("a time-limited run re-estimates its epochs while it trains", path="time",
                        value=raw["time"], hint="its schedule cannot be known before the run")
    batch = raw["batch"]
    if isinstance(batch, float) and not float(batch).is_integer() or v.as_float(batch, "batch") < 1:
        raise SpecError("AutoBatch picks the batch from the GPU's memory", path="batch", value=batch,
                        hint="give the batch the run used (ultralytics logs it)")
    devices = _devices(raw.get("device"), request.facts.get("devices"), notes)
    if "dataset_size" not in request.facts:
        raise SpecError("the training images are needed", source="command line", path="--dataset-size",
                        hint="ultralytics warms up and steps per batch of its training set; give "
                             "--dataset-size N (the images after fraction)")
    n = request.facts["dataset_size"]
    version = request.versions.get("ultralytics")
    if version is None:
        version = LATEST
        notes.append(f"ultralytics {LATEST} assumed; the warmup rule changed in 8.4.103 and 8.4.183: "
                     "--library-version ultralytics=X for another release")
    batch, epochs, nbs = int(v.as_float(batch, "batch")), v.as_count(raw["epochs"], "epochs", minimum=1), \
        v.as_count(raw["nbs"], "nbs", minimum=1)
    lr0 = v.as_nonnegative(raw["lr0"], "lr0")
    bias_lr = v.as_nonnegative(raw["warmup_bias_lr"], "warmup_bias_lr")
    optimizer = str(raw["optimizer"])
    if optimizer.lower() == "auto":
        iterations = math.ceil(n / max(batch, nbs)) * epochs
        if iterations > 10000:
            lr0 = 0.01
            notes.append(f"optimizer: auto -> MuSGD at lr 0.01 ({iterations} iterations > 10000; lr0 "
                         "ignored; some head parameter groups run at 3 × 0.01)")
        else:
            nc = _classes(raw, request.path, source, request.facts.get("num_classes"))
            lr0 = round(0.002 * 5 / (4 + nc), 6)
            notes.append(f"optimizer: auto -> AdamW at lr round(0.002 × 5 / (4 + {nc}), 6) = {lr0:g} "
                         f"({iterations} iterations <= 10000; lr0 ignored)")
        bias_lr = 0.0
        notes.append("optimizer: auto sets warmup_bias_lr to 0")
    if raw.get("fraction", 1.0) not in (None, 1, 1.0):
        notes.append(f"fraction {raw['fraction']}: --dataset-size is the images after it")
    args = {"lr0": lr0, "lrf": raw["lrf"], "cos_lr": bool(raw["cos_lr"]), "epochs": epochs, "batch": batch,
            "nbs": nbs, "warmup_epochs": raw["warmup_epochs"], "warmup_bias_lr": bias_lr,
            "dataset_size": n, "devices": devices, "compile": _compiled(raw.get("compile")),
            "param_group": "weight", "version": str(version)}
    spec = {"schedule": "ultralytics.BaseTrainer", "args": args}
    origins = {f"args.{k}": kit.Origin(source, k) for k in ("lrf", "cos_lr", "epochs", "batch", "nbs",
                                                         "warmup_epochs", "warmup_bias_lr")}
    origins["args.lr0"] = kit.Origin(source, "lr0")
    origins["args.dataset_size"] = kit.Origin("command line", "--dataset-size")
    origins["args.devices"] = kit.Origin(source, "device")
    origins["args.compile"] = kit.Origin(source, "compile")
    origins["args.version"] = kit.Origin("command line", "--library-version")
    return kit.Translation("ultralytics", TITLE, source, spec, tuple(notes), MappingProxyType(origins))


def _devices(device: Any, flag: int | None, notes: list[str]) -> int:
    """The world size ``BaseTrainer.__init__`` counts: the entries of the saved ``device`` string
    (``0,1,2,3``: 4), one process for ``cpu``/``mps`` or a single GPU; ``--devices`` where the file
    says nothing, and it must agree where it does."""
    text = ",".join(str(x) for x in device) if isinstance(device, (list, tuple)) else \
        ("" if device is None else str(device).strip())
    if text == "":
        if flag is not None:
            notes.append(f"--devices {flag}: the file has no device")
        return flag or 1
    counted = 1 if text.lower() in ("cpu", "mps") else len(text.split(":", 1)[-1].split(","))
    if flag is not None and flag != counted:
        raise SpecError(f"the file says device {text} ({counted} processes)", source="command line",
                        path="--devices", value=flag, hint="drop --devices, or give the device the run used")
    return counted


def _compiled(value: Any) -> bool:
    """``compile`` as the loader's ``drop_last`` sees it: true, or a mode name (``max-autotune``)."""
    return bool(value) and str(value).lower() not in ("false", "none", "0")


FORMAT = kit.register(kit.ConfigFormat(
    "ultralytics", TITLE, _claim, _translate, markers=MARKERS, shared=SHARED,
    facts=("dataset_size", "devices", "num_classes"),
))

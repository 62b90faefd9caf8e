"""Record the LR each real config's trainer gives at a few updates (expected.json), from its own code.

Run from the repository root with a Python that has torch and transformers (and warmupctl)::

    python tests/configs/real/record.py NANOGPT_TRAIN_PY TORCHTUNE_LR_SCHEDULERS_PY \
        LITGPT_PRETRAIN_PY LITGPT_FINETUNE_LORA_PY DIFFUSERS_OPTIMIZATION_PY > tests/configs/real/expected.json

``--only PREFIX`` (first) records only the cases whose file starts with PREFIX, merged into the
expected.json there is.

For each case of cases.yaml with a schedule, warmupctl's translation gives the scheduler's arguments
(whose N and W cases.yaml checks against the hand derivation); the values come from the trainer's own
code: transformers' ``get_scheduler`` stepped as the Trainer steps it (tests/goldens/record.py), the
same stepped ``num_processes`` times per update as accelerate's ``AcceleratedScheduler.step`` does
(open-instruct), nanoGPT's ``get_lr`` taken out of its train.py with ``ast`` and called, and torchtune's
``get_cosine_schedule_with_warmup`` taken out of its lr_schedulers.py the same way and stepped.
"""

import ast
import json
import math
import pathlib
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "goldens"))
import record as goldens  # noqa: E402

from warmupctl.spec.configs import _versions  # noqa: E402
from warmupctl.spec.resolve import import_config  # noqa: E402

# The cases say the versions they run under, or none: then the trainer's pin (or the current release)
# decides, as on a machine without the library, whatever this Python has installed.
_versions.installed = lambda library: None


def flags(args):
    out, versions, pairs = {}, [], list(zip(args[::2], args[1::2]))
    for flag, value in pairs:
        key = flag.lstrip("-").replace("-", "_")
        if key == "library_version":
            versions.append(value)
        else:
            out[key] = value
    return out, versions


def nanogpt(train_py):
    tree = ast.parse(pathlib.Path(train_py).read_text())
    definition = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "get_lr")
    code = compile(ast.Module(body=[definition], type_ignores=[]), "train.py", "exec")

    def values(args, steps):
        scope = {"math": math, **args}
        exec(code, scope)
        return [scope["get_lr"](it) if args["decay_lr"] else args["learning_rate"] for it in range(steps)]

    return values


def stepped(optimizer, scheduler, steps):
    """The LR each of ``steps`` updates reads, the scheduler stepped after each (the recipes' loop)."""
    out = []
    for _ in range(steps):
        out.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()
        scheduler.step()
    return out


def torchtune(path):
    import torch
    from torch.optim.lr_scheduler import LambdaLR

    tree = ast.parse(pathlib.Path(path).read_text())
    definition = next(n for n in tree.body
                      if isinstance(n, ast.FunctionDef) and n.name == "get_cosine_schedule_with_warmup")
    scope = {"math": math, "torch": torch, "LambdaLR": LambdaLR,
             "_ensure_step_is_bound_like_method": lambda optimizer: None}
    exec(compile(ast.Module(body=[definition], type_ignores=[]), "lr_schedulers.py", "exec"), scope)

    def values(spec, steps):
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=spec["lr"])
        scheduler = scope["get_cosine_schedule_with_warmup"](optimizer, **spec["args"])
        return stepped(optimizer, scheduler, steps)

    return values


def litgpt(pretrain_py, lora_py):
    import torch

    scope = {"math": math, "torch": torch}
    for path, name in ((pretrain_py, "get_lr"), (lora_py, "get_lr_scheduler")):
        tree = ast.parse(pathlib.Path(path).read_text())
        definition = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
        exec(compile(ast.Module(body=[definition], type_ignores=[]), path, "exec"), scope)

    def values(spec, steps, ks):
        args = spec["args"]
        if spec["schedule"] == "litgpt.get_lr":
            accumulation = args["gradient_accumulation_iters"]
            return {k: scope["get_lr"](spec["lr"], (k + 1) * accumulation - 1, args["warmup_iters"],
                                       args["max_iters"], args["min_lr"]) for k in ks}
        optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=spec["lr"])
        scheduler = scope["get_lr_scheduler"](optimizer, warmup_steps=args["warmup_steps"],
                                              max_steps=args["max_steps"])
        out = stepped(optimizer, scheduler, steps)
        return {k: out[k] for k in ks}

    return values


def diffusers(path):
    """diffusers' get_scheduler from its optimization.py (tests/configs/goldens/record_diffusers.py)."""
    import logging
    import types

    import torch

    text = pathlib.Path(path).read_text().replace("from .utils import logging", "")
    module = types.ModuleType("diffusers_optimization")
    module.logging = types.SimpleNamespace(get_logger=logging.getLogger)
    exec(compile(text, "optimization.py", "exec"), module.__dict__)

    def values(spec, steps):
        optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=spec["lr"])
        scheduler = module.get_scheduler(spec["schedule"].partition(".")[2], optimizer, **spec["args"])
        return stepped(optimizer, scheduler, steps)

    return values


def main():
    argv = sys.argv[1:]
    only = None
    if argv[0] == "--only":
        only, argv = argv[1], argv[2:]
    get_lr = nanogpt(argv[0]) if argv[0] != "-" else None
    cosine = torchtune(argv[1]) if argv[1] != "-" else None
    lit = litgpt(argv[2], argv[3])
    diffusers_values = diffusers(argv[4])
    out = json.loads((HERE / "expected.json").read_text()) if only else {}
    for index, case in enumerate(yaml.safe_load((HERE / "cases.yaml").read_text())):
        if "schedule" not in case or (only and not case["file"].startswith(only)):
            continue
        given, versions = flags(case["args"])
        translation, schedule = import_config(str(HERE / case["file"]), given, library_version=versions or None)
        spec = dict(translation.spec)
        n, w = case["total_steps"], case["warmup_steps"]
        ks = sorted({k for k in (0, 1, w - 1, w, w + 1, n // 2, n - 1) if 0 <= k < n})
        if spec["schedule"].startswith("litgpt."):
            out[f"{index}:{case['file']}"] = {str(k): value for k, value in lit(spec, n, ks).items()}
            continue
        if spec["schedule"] == "nanogpt.get_lr":
            lr = get_lr(spec["args"], n)
        elif spec["schedule"] == "torchtune.get_cosine_schedule_with_warmup":
            lr = cosine(spec, n)
        elif spec["schedule"] == "accelerate.AcceleratedScheduler":
            stride = spec["args"]["num_processes"]
            wrapped = spec["args"]["scheduler"]
            inner = (diffusers_values(wrapped, n * stride) if wrapped["schedule"].startswith("diffusers.")
                     else goldens.live_values(wrapped, n * stride))
            lr = [inner[k * stride] for k in range(n)]
        else:
            lr = goldens.live_values({k: val for k, val in spec.items() if k != "total_steps"}, n)
        out[f"{index}:{case['file']}"] = {str(k): lr[k] for k in ks}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

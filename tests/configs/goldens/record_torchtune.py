"""Record torchtune's ``get_cosine_schedule_with_warmup`` update by update, from its own source.

torchtune's import needs torchao; its lr_schedulers.py needs only torch for this function. This takes
the function's definition out of the file with ``ast`` (its ``_ensure_step_is_bound_like_method``
guard, a check on the optimizer, is bound to a no-op) and steps it as the recipes do::

    git -C TORCHTUNE show bd2a0fc7:torchtune/training/lr_schedulers.py > /tmp/torchtune_lr_schedulers.py
    python tests/configs/goldens/record_torchtune.py /tmp/torchtune_lr_schedulers.py > tests/configs/goldens/torchtune.json
"""

import ast
import json
import math
import sys

import torch
from torch.optim.lr_scheduler import LambdaLR

with open(sys.argv[1]) as handle:
    tree = ast.parse(handle.read())
definition = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "get_cosine_schedule_with_warmup")
scope = {"math": math, "torch": torch, "LambdaLR": LambdaLR, "_ensure_step_is_bound_like_method": lambda optimizer: None}
exec(compile(ast.Module(body=[definition], type_ignores=[]), "lr_schedulers.py", "exec"), scope)

CASES = [({"num_warmup_steps": 3, "num_training_steps": 12}, 3e-4, 15),
         ({"num_warmup_steps": 0, "num_training_steps": 10, "num_cycles": 1.0}, 1e-3, 12)]
out = []
for args, lr, steps in CASES:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = scope["get_cosine_schedule_with_warmup"](optimizer, **args)
    values = []
    for _ in range(steps):
        values.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()
        scheduler.step()
    out.append({"spec": {"schedule": "torchtune.get_cosine_schedule_with_warmup", "lr": lr, "args": args},
                "steps": steps, "lr": values})
json.dump({"library": "torchtune", "source": "torchtune bd2a0fc7 lr_schedulers.py, torch " + torch.__version__,
           "cases": out}, sys.stdout, indent=1)

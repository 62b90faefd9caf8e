"""Record diffusers' ``get_scheduler`` update by update, from its own optimization.py.

diffusers' package import checks its optional dependencies; its optimization.py needs only torch and
diffusers' logger. This runs the file with that one relative import bound to the standard library's
logging, and steps each scheduler as the training scripts do (update k reads the LR, then
``optimizer.step()``, ``lr_scheduler.step()``)::

    unzip -p diffusers-0.42.1-py3-none-any.whl diffusers/optimization.py > /tmp/diffusers_optimization.py
    python tests/configs/goldens/record_diffusers.py /tmp/diffusers_optimization.py > tests/configs/goldens/diffusers.json
"""

import json
import logging
import sys
import types

import torch

with open(sys.argv[1]) as handle:
    text = handle.read().replace("from .utils import logging", "")
module = types.ModuleType("diffusers_optimization")
module.logging = types.SimpleNamespace(get_logger=logging.getLogger)
exec(compile(text, "optimization.py", "exec"), module.__dict__)

CASES = [
    ("constant", 1e-4, {}, {}, 5),
    ("constant_with_warmup", 1e-4, {"num_warmup_steps": 3}, {}, 6),
    ("linear", 2e-4, {"num_warmup_steps": 2, "num_training_steps": 10}, {}, 12),
    ("cosine", 3e-4, {"num_warmup_steps": 2, "num_training_steps": 10}, {}, 12),
    ("cosine_with_restarts", 3e-4, {"num_warmup_steps": 1, "num_training_steps": 13, "num_cycles": 3}, {}, 14),
    ("polynomial", 1e-3, {"num_warmup_steps": 2, "num_training_steps": 10, "power": 2.0}, {}, 12),
    ("piecewise_constant", 1e-3, {"step_rules": "0.1:6,1:3,0.01"}, {}, 8),
]
out = []
for name, lr, args, _, steps in CASES:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = module.get_scheduler(name, optimizer, **args)
    values = []
    for _ in range(steps):
        values.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()
        scheduler.step()
    out.append({"spec": {"schedule": f"diffusers.{name}", "lr": lr, "args": args}, "steps": steps, "lr": values})
json.dump({"library": "diffusers", "source": "diffusers 0.42.1 optimization.py, torch " + torch.__version__,
           "cases": out}, sys.stdout, indent=1)

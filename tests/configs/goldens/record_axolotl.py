"""Record axolotl's own schedulers (src/axolotl/utils/schedulers.py) update by update.

axolotl itself does not install in reasonable time (it pins torch and CUDA builds); its schedulers
module needs only torch. Run with a Python that has torch and the module's source at hand::

    git -C AXOLOTL show 067b021c:src/axolotl/utils/schedulers.py > /tmp/axolotl_schedulers.py
    python tests/configs/goldens/record_axolotl.py /tmp/axolotl_schedulers.py > tests/configs/goldens/axolotl.json

Each case drives the scheduler as the transformers Trainer does: the LR of update k is read before
``optimizer.step()``; ``scheduler.step()`` follows each update.
"""

import importlib.util
import json
import sys

import torch

spec = importlib.util.spec_from_file_location("axolotl_schedulers", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

CASES = [
    ("cosine_with_min_lr", 1e-3, {"num_warmup_steps": 3, "num_training_steps": 12, "min_lr_ratio": 0.1}, 16),
    ("cosine_with_warmup_decay_constant", 2e-4,
     {"num_warmup_steps": 2, "num_training_steps": 20, "constant_lr_ratio": 0.8, "min_lr_ratio": 0.1}, 22),
    ("cosine_with_quadratic_warmup", 5e-4, {"num_warmup_steps": 4, "num_training_steps": 12}, 14),
    ("rex", 1e-3, {"max_lr": 1e-3, "min_lr": 1e-4, "total_steps": 12, "num_warmup_steps": 3}, 14),
    ("rex", 1e-3, {"max_lr": 1e-3, "min_lr": 0.0, "total_steps": 10, "num_warmup_steps": 0}, 12),
]


def build(name, optimizer, args):
    if name == "rex":
        return module.RexLR(optimizer, **args)
    return getattr(module, "get_" + {"cosine_with_min_lr": "cosine_schedule_with_min_lr",
                                     "cosine_with_warmup_decay_constant": "cosine_schedule_with_warmup_decay_constant",
                                     "cosine_with_quadratic_warmup": "cosine_schedule_with_quadratic_warmup"}[name])(
        optimizer, **args)


out = []
for name, lr, args, steps in CASES:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = build(name, optimizer, args)
    values = []
    for _ in range(steps):
        values.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()
        scheduler.step()
    out.append({"spec": {"schedule": f"axolotl.{name}", "lr": lr, "args": args}, "steps": steps, "lr": values})
json.dump({"library": "axolotl", "source": "axolotl 067b021c src/axolotl/utils/schedulers.py, torch "
           + torch.__version__, "cases": out}, sys.stdout, indent=1)

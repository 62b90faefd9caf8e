"""Record nanoGPT's ``get_lr`` (train.py) update by update, from its own source.

nanoGPT is a script, not a package: this takes ``get_lr``'s definition out of train.py with ``ast`` and
runs it with each case's settings (train.py's loop: update k at ``iter_num = k``)::

    git -C NANOGPT show 3adf61e1:train.py > /tmp/nanogpt_train.py
    python tests/configs/goldens/record_nanogpt.py /tmp/nanogpt_train.py > tests/configs/goldens/nanogpt.json
"""

import ast
import json
import math
import sys

with open(sys.argv[1]) as handle:
    source = handle.read()
tree = ast.parse(source)
definition = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "get_lr")
code = compile(ast.Module(body=[definition], type_ignores=[]), "train.py", "exec")

CASES = [
    {"learning_rate": 1e-3, "warmup_iters": 100, "lr_decay_iters": 5000, "min_lr": 1e-4, "max_iters": 5000,
     "decay_lr": True},
    {"learning_rate": 6e-4, "warmup_iters": 20, "lr_decay_iters": 80, "min_lr": 6e-5, "max_iters": 100,
     "decay_lr": True},
]
out = []
for args in CASES:
    scope = {"math": math, **args}
    exec(code, scope)
    values = [scope["get_lr"](it) for it in range(args["max_iters"] + 1)]
    out.append({"spec": {"schedule": "nanogpt.get_lr", "args": args}, "steps": args["max_iters"] + 1,
                "lr": values})
json.dump({"library": "nanogpt", "source": "nanoGPT 3adf61e1 train.py get_lr", "cases": out}, sys.stdout,
          indent=1)

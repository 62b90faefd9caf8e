"""Record litgpt's LR update by update, from its own source, as its training loops use it.

litgpt's modules import lightning, litdata and the model code; the two schedule functions need only
``math`` and torch. This takes ``get_lr`` out of ``litgpt/pretrain.py`` and ``get_lr_scheduler`` out of
``litgpt/finetune/lora.py`` with ``ast`` and drives them as ``fit`` does in each file: pretraining sets
the LR at the top of every micro-batch iteration and steps the optimizer when ``iter_num % A == 0``
after the increment; finetuning steps the optimizer, then the scheduler, after each window::

    git -C LITGPT show 26857050:litgpt/pretrain.py > /tmp/litgpt_pretrain.py
    git -C LITGPT show 26857050:litgpt/finetune/lora.py > /tmp/litgpt_lora.py
    python tests/configs/goldens/record_litgpt.py /tmp/litgpt_pretrain.py /tmp/litgpt_lora.py \\
        > tests/configs/goldens/litgpt.json
"""

import ast
import json
import math
import sys

import torch


def function(path, name, scope):
    with open(path) as handle:
        tree = ast.parse(handle.read())
    definition = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    exec(compile(ast.Module(body=[definition], type_ignores=[]), path, "exec"), scope)
    return scope[name]


get_lr = function(sys.argv[1], "get_lr", {"math": math})
get_lr_scheduler = function(sys.argv[2], "get_lr_scheduler", {"torch": torch})


def pretrain(lr, warmup_iters, max_iters, min_lr, accumulation):
    """pretrain.py's fit: the LR set per iteration, read by optimizer.step() at each window's end."""
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    iter_num, values = 0, []
    while iter_num < max_iters:
        rate = get_lr(optimizer.defaults["lr"], iter_num, warmup_iters, max_iters, min_lr)
        for group in optimizer.param_groups:
            group["lr"] = rate
        iter_num += 1
        if iter_num % accumulation == 0:
            values.append(float(optimizer.param_groups[0]["lr"]))
            optimizer.step()
    return values


def finetune(lr, warmup_steps, max_steps, steps):
    """lora.py's fit: optimizer.step(), then scheduler.step(), once per update."""
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = get_lr_scheduler(optimizer, warmup_steps=warmup_steps, max_steps=max_steps)
    values = []
    for _ in range(steps):
        values.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()
        scheduler.step()
    return values


out = []
for lr, warmup, horizon, floor, accumulation in ((6e-4, 100, 1000, 6e-5, 4), (1e-3, 10, 50, 0.0, 1),
                                                 (3e-4, 0, 100, 1e-5, 3), (4e-4, 30, 31, 4e-5, 8)):
    values = pretrain(lr, warmup, horizon, floor, accumulation)
    out.append({"spec": {"schedule": "litgpt.get_lr", "lr": lr,
                         "args": {"warmup_iters": warmup, "max_iters": horizon, "min_lr": floor,
                                  "gradient_accumulation_iters": accumulation}},
                "steps": len(values), "lr": values})
for lr, warmup, horizon, steps in ((2e-4, 10, 25, 30), (3e-4, 100, 1000, 1000), (1e-3, 1, 2, 9)):
    out.append({"spec": {"schedule": "litgpt.get_lr_scheduler", "lr": lr,
                         "args": {"warmup_steps": warmup, "max_steps": horizon}},
                "steps": steps, "lr": finetune(lr, warmup, horizon, steps)})
json.dump({"library": "litgpt", "source": "litgpt 0.5.13 (26857050) pretrain.py get_lr, finetune/lora.py "
           "get_lr_scheduler, torch " + torch.__version__, "cases": out}, sys.stdout, indent=1)

"""nanoGPT configs: ``config/*.py`` files (read with :mod:`.pyconfig`, never executed), or YAML/JSON
of the same names.

``train.py`` (karpathy/nanoGPT 3adf61e1) defines its defaults, then ``configurator.py`` ``exec``s the
config over them: ``learning_rate`` 6e-4, ``max_iters`` 600000, ``decay_lr`` True, ``warmup_iters``
2000, ``lr_decay_iters`` 600000, ``min_lr`` 6e-5. The schedule is :mod:`warmupctl.frameworks.nanogpt`'s
``get_lr``; batch keys (``batch_size``, ``gradient_accumulation_steps``, ``block_size``) do not change
the LR of an update (one ``get_lr`` per iteration, whatever the accumulation).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import _kit as kit
from warmupctl.spec.configs.pyconfig import UNREAD

TITLE = "nanoGPT config"
#: nanoGPT-only names (not Megatron's: it says lr_decay_iters and eval_iters too, so those do not claim).
MARKERS = frozenset({"warmup_iters", "decay_lr", "max_iters", "init_from", "always_save_checkpoint",
                     "wandb_log", "block_size", "n_layer", "n_embd"})
#: What get_lr reads, with train.py's defaults.
DEFAULTS: dict[str, Any] = {"learning_rate": 6e-4, "max_iters": 600000, "decay_lr": True,
                            "warmup_iters": 2000, "lr_decay_iters": 600000, "min_lr": 6e-5}


def _translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    source = request.source
    unread = dict(mapping.get(UNREAD) or {})
    for key in DEFAULTS:
        if key in unread:
            raise SpecError(f"is not a literal ({unread[key]})", path=key,
                            hint="warmupctl does not run the config; write the value itself")
    if "(statement)" in unread:
        raise SpecError("holds a statement warmupctl cannot read without running it "
                        f"({unread['(statement)']})",
                        hint="a nanoGPT config of literal assignments reads; no table rather than a guess")
    if mapping.get("eval_only") is True:
        raise SpecError("eval_only: train.py exits after the first evaluation, before any update",
                        path="eval_only", value=True, hint="an evaluation config has no schedule")
    args = {key: mapping.get(key, default) for key, default in DEFAULTS.items()}
    notes = [f"{source} read as {TITLE}: get_lr over train.py's defaults "
             f"({', '.join(k for k in DEFAULTS if k not in mapping) or 'none used'} from train.py)"]
    if unread:
        notes.append("not literal, not a schedule key, ignored: " + "; ".join(sorted(unread.values())))
    if request.overrides.get("total_steps") is not None:
        iters = v.as_count(request.overrides["total_steps"], "--total-steps", minimum=1)
        args["max_iters"] = iters - 1
        notes.append(f"--total-steps {iters} sets max_iters {iters - 1} (train.py runs max_iters + 1 "
                     "updates)")
    if request.overrides.get("lr") is not None:
        args["learning_rate"] = v.as_positive(request.overrides["lr"], "--lr")
        notes.append(f"--lr sets learning_rate {args['learning_rate']:g}")
    if mapping.get("init_from") == "resume":
        notes.append("init_from 'resume' continues at the checkpoint's iter_num: the table starts at "
                     "iteration 0")
    spec = {"schedule": "nanogpt.get_lr", "args": args}
    origins = {f"args.{key}": kit.Origin(source, key) for key in DEFAULTS}
    return kit.Translation("nanogpt", TITLE, source, spec, tuple(notes), MappingProxyType(origins),
                           applied=request.given("lr", "total_steps"))


FORMAT = kit.register(kit.ConfigFormat(
    "nanogpt", TITLE, kit.marker_claim(MARKERS), _translate, markers=MARKERS,
    shared=frozenset({"min_lr"}), overrides=("lr", "total_steps"), outranks=("transformers", "megatron"),
))

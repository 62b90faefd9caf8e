"""Formats warmupctl recognizes but does not read yet: litgpt, diffusers.

Their files share key names with formats warmupctl reads (a litgpt ``optimizer:`` mapping
looks like a DeepSpeed block, a diffusers argument file has TrainingArguments' ``num_train_epochs``):
each is claimed here on keys of its own and refused with one line saying what it is, so that it is
never read as another trainer's config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import KEYS
from warmupctl.spec.configs._base import ConfigFormat, Request, Translation, marker_claim
from warmupctl.spec.configs._registry import register

_OTHERS = ("transformers", "deepspeed", "megatron", "timm", "lightning")


_LITGPT_TRAIN = frozenset({"lr_warmup_steps", "lr_warmup_fraction", "global_batch_size", "micro_batch_size",
                           "epochs", "max_tokens", "max_steps", "min_lr", "save_interval", "log_interval"})


def _litgpt(mapping: Mapping[str, Any]) -> str | None:
    train = mapping.get("train")
    if isinstance(train, Mapping) and _LITGPT_TRAIN & {str(key) for key in train}:
        return "train: " + ", ".join(sorted(_LITGPT_TRAIN & {str(key) for key in train}))
    return None


_DIFFUSERS = frozenset({"lr_warmup_steps", "lr_num_cycles", "lr_power", "pretrained_model_name_or_path",
                        "train_text_encoder", "max_train_steps_per_epoch"})


def _refuse(title: str, what: str) -> Callable[[Mapping[str, Any], Request], Translation]:
    def translate(mapping: Mapping[str, Any], request: Request) -> Translation:
        raise SpecError(f"is {title}: warmupctl does not read its schedule yet",
                        hint=f"{what}; no table rather than one read as another trainer's config")

    return translate


for name, title, claim, what in (
    ("litgpt", "a litgpt config", _litgpt, "litgpt sets the LR per micro-batch from its train: section"),
    ("diffusers", "a diffusers training-script argument file", marker_claim(_DIFFUSERS),
     "the scripts differ in how they scale lr_warmup_steps and the length by num_processes (diffusers PR "
     "#8312); tabulate the schedule itself, e.g. warmupctl table --schedule diffusers.cosine"),
):
    register(ConfigFormat(name, title.split(" ", 1)[1], claim, _refuse(title, what), outranks=_OTHERS,
                          shared=frozenset(KEYS)))  # refused anyway: its own words

"""Formats warmupctl recognizes but does not read yet: Composer/llm-foundry, diffusers.

Their files share key names with formats warmupctl reads (a diffusers argument file has
TrainingArguments' ``num_train_epochs``):
each is claimed here on keys of its own and refused with one line saying what it is, so that it is
never read as another trainer's config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import KEYS
from warmupctl.spec.configs import _kit as kit

_OTHERS = ("transformers", "deepspeed", "megatron", "timm", "lightning")


_COMPOSER = frozenset({"max_duration", "global_train_batch_size", "device_train_microbatch_size",
                       "device_train_batch_size", "eval_interval_ba"})
_DIFFUSERS = frozenset({"lr_warmup_steps", "lr_num_cycles", "lr_power", "pretrained_model_name_or_path",
                        "train_text_encoder", "max_train_steps_per_epoch"})


def _refuse(title: str, what: str) -> Callable[[Mapping[str, Any], kit.Request], kit.Translation]:
    def translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
        raise SpecError(f"is {title}: warmupctl does not read its schedule yet",
                        hint=f"{what}; no table rather than one read as another trainer's config")

    return translate


for name, title, claim, what in (
    ("composer", "a Composer/llm-foundry config", kit.marker_claim(_COMPOSER),
     "Composer converts the scheduler's time strings (ba, ep, dur, tok, sp) with max_duration"),
    ("diffusers", "a diffusers training-script argument file", kit.marker_claim(_DIFFUSERS),
     "the scripts differ in how they scale lr_warmup_steps and the length by num_processes (diffusers PR "
     "#8312); tabulate the schedule itself, e.g. warmupctl table --schedule diffusers.cosine"),
):
    kit.register(kit.ConfigFormat(name, title.split(" ", 1)[1], claim, _refuse(title, what), outranks=_OTHERS,
                                  shared=frozenset(KEYS)))  # refused anyway: its own words

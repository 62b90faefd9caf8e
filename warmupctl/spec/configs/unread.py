"""Formats warmupctl recognizes but does not read yet: PaddleNLP.

Their files share key names with formats warmupctl reads (PaddleNLP's ``PdArgumentParser`` JSON has
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


#: PaddleNLP ``TrainingArguments`` fields transformers' has not (paddlenlp/trainer/training_args.py).
_PADDLENLP = frozenset({"tensor_parallel_degree", "pipeline_parallel_degree", "sharding_parallel_degree",
                        "unified_checkpoint", "amp_master_grad"})


def _refuse(title: str, what: str) -> Callable[[Mapping[str, Any], kit.Request], kit.Translation]:
    def translate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
        raise SpecError(f"is {title}: warmupctl does not read its schedule yet",
                        hint=f"{what}; no table rather than one read as another trainer's config")

    return translate


for name, title, claim, what in (
    ("paddlenlp", "a PaddleNLP Trainer argument file", kit.marker_claim(_PADDLENLP),
     "PaddleNLP's Trainer (paddlenlp/trainer) builds its own paddle LambdaDecay schedules and counts its "
     "run its own way, not checked against transformers' rules; tabulate the schedule itself with the "
     "paddle.<Class> library specs"),
):
    kit.register(kit.ConfigFormat(name, title.split(" ", 1)[1], claim, _refuse(title, what), outranks=_OTHERS,
                                  shared=frozenset(KEYS)))  # refused anyway: its own words

"""axolotl with ``rl:``: the count and warmup its preference-data path gives the Trainer.

axolotl 067b021c ``common/datasets.py`` ``load_preference_datasets``: dpo, kto, orpo, ... count
``ceil(rows × num_epochs / batch_size)`` (no ``min`` with ``max_steps``, unlike the SFT path in
``utils/data/sft.py``); grpo and ebft count nothing, so ``_configure_warmup_and_logging`` hands
``warmup_ratio`` (default 0.03) on as ``warmup_steps``, which transformers 5's ``get_warmup_steps``
rounds up as ``ceil(max_steps × ratio)``.
"""

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import translate

DPO = {"base_model": "x", "rl": "dpo", "learning_rate": 5e-6, "micro_batch_size": 2,
       "gradient_accumulation_steps": 4, "num_epochs": 1, "warmup_ratio": 0.1, "lr_scheduler": "cosine"}
FACTS = {"dataset_size": 10000, "devices": 1}


def test_dpo_takes_the_warmup_from_its_whole_count_not_max_steps():
    # ceil(10000 × 1 / 8) = 1250 updates counted; the Trainer runs max_steps 100; warmup int(0.1 × 1250) = 125.
    translation = translate({**DPO, "max_steps": 100}, source="d.yml", facts=FACTS)
    assert dict(translation.spec["args"]) == {"num_warmup_steps": 125, "num_training_steps": 100}


def test_sft_still_caps_the_warmup_base_at_max_steps():
    sft = {key: value for key, value in DPO.items() if key != "rl"}
    translation = translate({**sft, "max_steps": 100}, source="s.yml", facts=FACTS)
    assert dict(translation.spec["args"]) == {"num_warmup_steps": 10, "num_training_steps": 100}


def test_grpo_hands_the_ratio_to_transformers_which_rounds_it_up():
    grpo = {**DPO, "rl": "grpo", "max_steps": 55, "warmup_ratio": 0.1}
    translation = translate(grpo, source="g.yml", facts=FACTS)
    assert dict(translation.spec["args"]) == {"num_warmup_steps": 6, "num_training_steps": 55}


def test_ebft_without_a_warmup_key_uses_the_default_ratio_rounded_up():
    ebft = {key: value for key, value in DPO.items() if key != "warmup_ratio"}
    translation = translate({**ebft, "rl": "ebft", "max_steps": 50}, source="e.yml", facts=FACTS)
    assert dict(translation.spec["args"]) == {"num_warmup_steps": 2, "num_training_steps": 50}


def test_ebft_without_max_steps_is_refused():
    with pytest.raises(SpecError) as info:
        translate({**DPO, "rl": "ebft"}, source="e.yml", facts=FACTS)
    assert str(info.value) == (
        "e.yml: rl: with rl: ebft axolotl computes no run length: the ebft Trainer counts its own updates from "
        "the prompts and their generations (got 'ebft'); add max_steps, or pass --total-steps N: the \"Total "
        "optimization steps\" of the Trainer's log (max_steps in trainer_state.json)")


def test_sample_packing_with_rl_is_axolotls_error():
    with pytest.raises(SpecError) as info:
        translate({**DPO, "sample_packing": True}, source="d.yml", facts=FACTS)
    assert str(info.value) == (
        "d.yml: sample_packing: axolotl refuses sample_packing with rl (\"`sample_packing: true` does not work "
        "with RLHF training\") (got True); set sample_packing: false for rl: dpo")

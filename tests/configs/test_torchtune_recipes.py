"""torchtune recipe configs that hold no epoch-based schedule are refused in one line, naming why."""

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.configs import translate

# The schedule-bearing shape of recipes/configs/mistral/7B_full_ppo_low_memory.yaml (torchtune 0.6):
# the PPO recipe counts num_steps and ppo_epochs itself; there is no epochs key.
PPO = {"optimizer": {"_component_": "bitsandbytes.optim.PagedAdamW", "lr": 3e-6},
       "batch_size": 64, "num_steps": 10000, "ppo_epochs": 2, "ppo_batch_size": 32,
       "gradient_accumulation_steps": 1, "tokenizer": {"_component_": "torchtune.models.mistral.mistral_tokenizer"},
       "policy_model": {"_component_": "torchtune.models.mistral.mistral_7b"}}


def test_a_ppo_recipe_is_refused_naming_its_own_step_count():
    with pytest.raises(SpecError) as raised:
        translate(PPO, source="ppo.yaml", facts={"dataset_size": 1000, "devices": 1})
    error = raised.value
    assert (error.path, error.message) == (
        "epochs", "the recipe has no epochs: it counts its own steps (num_steps, ppo_epochs), as torchtune's "
                  "PPO recipe does")
    assert error.hint.startswith("warmupctl reads the epoch-based recipes")

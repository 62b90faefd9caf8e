"""diffusers training-script arguments: each script family's scheduler arithmetic (diffusers 58eb52c0
examples/, cited in spec/configs/diffusers.py), read from a YAML of argparse keys and from an
``accelerate launch train_*.py`` command line; the refusals name what is missing."""

import numpy as np
import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec import resolve
from warmupctl.spec.configs import translate
from warmupctl.spec.configs.shell import parse_script

ARGS = {"pretrained_model_name_or_path": "x", "learning_rate": 1e-4, "lr_scheduler": "cosine",
        "lr_warmup_steps": 5, "train_batch_size": 4, "gradient_accumulation_steps": 2, "num_train_epochs": 3}


def _spec(mapping, **facts):
    return dict(translate(mapping, source="a.yaml", facts=facts).spec)


def _error(mapping, **facts):
    with pytest.raises(SpecError) as info:
        translate(mapping, source="a.yaml", facts=facts)
    return str(info.value)


# 100 rows / batch 4 = 25 batches; 2 processes: 13 each; accumulation 2: 7 updates an epoch; 3 epochs: 21.
@pytest.mark.parametrize("script, warmup, total", [
    ("train_dreambooth_lora.py", 10, 42),          # sharded: 21 × 2
    ("train_dreambooth_lora_sana.py", 10, 78),     # processes: 3 × ceil(25 / 2) = 39, × 2
    ("train_text_to_image_sdxl.py", 10, 78),       # accumulation: 39 × accumulation 2, warmup 5 × 2
    ("train_t2i_adapter_sdxl.py", 5, 39),          # plain
])
def test_each_family_scales_warmup_and_length(script, warmup, total):
    spec = _spec({**ARGS, "training_script": script}, devices=2, dataset_size=100)
    assert spec["total_steps"] == 21 and spec["args"]["num_processes"] == 2
    assert spec["args"]["scheduler"] == {"schedule": "diffusers.cosine", "lr": 1e-4,
                                         "args": {"num_training_steps": total, "num_warmup_steps": warmup}}


def test_update_k_runs_at_the_wrapped_schedulers_step_k_times_processes():
    spec = _spec({**ARGS, "training_script": "train_dreambooth_lora.py"}, devices=2, dataset_size=100)
    schedule = resolve(spec, source="a.yaml")
    inner = resolve({**spec["args"]["scheduler"], "total_steps": 42}, source="a.yaml")
    np.testing.assert_array_equal(schedule.values(21), inner.values(42)[::2])


def test_max_train_steps_and_scale_lr():
    mapping = {**ARGS, "training_script": "train_dreambooth_lora_sdxl.py", "max_train_steps": 30,
               "scale_lr": True, "lr_scheduler": "cosine_with_restarts", "lr_num_cycles": 3}
    spec = _spec(mapping, devices=4)
    assert spec["total_steps"] == 30
    assert spec["args"]["scheduler"] == {"schedule": "diffusers.cosine_with_restarts", "lr": 1e-4 * 2 * 4 * 4,
                                         "args": {"num_training_steps": 120, "num_warmup_steps": 20,
                                                  "num_cycles": 3}}


def test_a_script_that_does_not_pass_num_cycles_keeps_the_default():
    mapping = {**ARGS, "training_script": "train_text_to_image.py", "max_train_steps": 10,
               "lr_scheduler": "cosine_with_restarts", "lr_num_cycles": 3}
    translation = translate(mapping, source="a.yaml", facts={"devices": 1})
    assert "num_cycles" not in translation.spec["args"]["scheduler"]["args"]
    assert ("lr_num_cycles 3 is not passed to get_scheduler by train_text_to_image.py: num_cycles stays 1"
            in translation.notes)


def test_one_process_without_accumulation_needs_no_script_name():
    spec = _spec({**ARGS, "gradient_accumulation_steps": 1}, devices=1, dataset_size=100)
    assert spec["total_steps"] == 75 and spec["args"]["scheduler"]["args"]["num_training_steps"] == 75


@pytest.mark.parametrize("mapping, facts, message", [
    (ARGS, {"devices": 2, "dataset_size": 100},
     "a.yaml: training_script: does not say which diffusers script reads it, and the scripts scale the schedule "
     "differently with 2 processes and accumulation 2; add training_script: train_dreambooth_lora.py (the "
     "script you launch)"),
    ({**ARGS, "training_script": "train_dreambooth_lora.py"}, {"dataset_size": 100},
     "a.yaml: lr_scheduler: accelerate steps the scheduler once per process per update; pass --devices N: the "
     "processes accelerate launches (1 for one GPU)"),
    ({**ARGS, "training_script": "train_dreambooth_lora.py"}, {"devices": 1},
     "a.yaml: num_train_epochs: the run is num_train_epochs of the dataset (got 3); pass --dataset-size N (the "
     "training rows) or --total-steps N (max_train_steps)"),
    ({**ARGS, "training_script": "train_dreambooth_lora_flux2.py"}, {"devices": 1, "dataset_size": 100},
     "a.yaml: num_train_epochs: is counted by train_dreambooth_lora_flux2.py's aspect-ratio buckets "
     "(BucketBatchSampler): an epoch's batches depend on the images (got 3); give max_train_steps, or pass "
     "--total-steps N (it sets max_train_steps)"),
    ({**ARGS, "training_script": "train_vqgan.py"}, {"devices": 1},
     "a.yaml: training_script: is not a diffusers example script whose scheduler warmupctl knows (got "
     "'train_vqgan.py'); the scripts scale lr_warmup_steps and the length differently (diffusers 58eb52c0, "
     "examples/); docs/configs.md lists those warmupctl reads"),
    ({k: val for k, val in ARGS.items() if k != "learning_rate"} | {"gradient_accumulation_steps": 1},
     {"devices": 1, "dataset_size": 10},
     "a.yaml: learning_rate: is not given, and its default differs between the scripts; give --learning_rate "
     "as the command does, or pass --lr"),
    ({**ARGS, "gradient_accumulation_steps": 1, "lr_scheduler": "piecewise_constant"}, {"devices": 1},
     "a.yaml: lr_scheduler: is not a scheduler the diffusers scripts can build (got 'piecewise_constant'); "
     "get_scheduler takes linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup "
     "(piecewise_constant needs step_rules, which the scripts do not pass)"),
])
def test_refusals(mapping, facts, message):
    assert _error(mapping, **facts) == message


def test_a_command_line_names_the_script_and_the_processes():
    text = ("accelerate launch --mixed_precision=fp16 --num_processes=2 examples/dreambooth/train_dreambooth_lora.py \\\n"
            "  --pretrained_model_name_or_path=x --learning_rate=1e-4 --lr_scheduler=linear \\\n"
            "  --lr_warmup_steps=3 --max_train_steps=50 --train_batch_size=1\n")
    mapping = parse_script(text, "run.sh")
    assert mapping["training_script"] == "train_dreambooth_lora.py"
    assert mapping["accelerate_launch"] == {"--mixed_precision": "fp16", "--num_processes": 2}
    spec = dict(translate(mapping, source="run.sh").spec)
    assert spec["total_steps"] == 50
    assert spec["args"] == {"scheduler": {"schedule": "diffusers.linear", "lr": 1e-4,
                                          "args": {"num_training_steps": 100, "num_warmup_steps": 6}},
                            "num_processes": 2}


def test_a_megatron_script_gets_no_script_key():
    mapping = parse_script("torchrun --nproc_per_node 8 pretrain_gpt.py --lr 1e-4 --train-iters 10\n", "m.sh")
    assert "training_script" not in mapping and "accelerate_launch" not in mapping

"""litgpt: its two LR schedules (goldens in goldens/litgpt.json) and its configs' script, counts and refusals.

The arithmetic is litgpt 0.5.13's (warmupctl/frameworks/litgpt.py and spec/configs/litgpt.py cite it).
"""

import math

import numpy as np
import pytest
import yaml

from warmupctl.core.errors import SpecError
from warmupctl.spec import resolve
from warmupctl.spec.configs import translate


def _finetune(**train):
    return {"checkpoint_dir": "checkpoints/x", "devices": 1,
            "train": {"global_batch_size": 8, "micro_batch_size": 2, "lr_warmup_steps": 3, "epochs": 2, **train},
            "optimizer": {"class_path": "torch.optim.AdamW", "init_args": {"lr": 1e-3}}}


def _pretrain(**train):
    return {"model_name": "pythia-14m", "devices": 2,
            "train": {"global_batch_size": 16, "micro_batch_size": 2, "lr_warmup_steps": 5,
                      "max_tokens": 2 * 2 * 64 * 100, "max_seq_length": 64, "min_lr": 1e-5, **train},
            "optimizer": {"class_path": "torch.optim.AdamW", "init_args": {"lr": 4e-4}}}


def _spec(mapping, **facts):
    return dict(translate(mapping, source="c.yaml", facts=facts).spec)


def _error(mapping, facts=None, overrides=None):
    with pytest.raises(SpecError) as info:
        translate(mapping, source="c.yaml", facts=facts or {}, overrides=overrides or {})
    return str(info.value)


# --------------------------------------------------------------------------------------------------
# The library schedules
# --------------------------------------------------------------------------------------------------


def test_pretrain_update_k_uses_the_lr_of_its_windows_last_iteration():
    schedule = resolve({"schedule": "litgpt.get_lr", "lr": 1.0,
                        "args": {"warmup_iters": 8, "max_iters": 40, "min_lr": 0.1,
                                 "gradient_accumulation_iters": 4}}, source="s")
    values = schedule.values(schedule.total_steps)
    assert schedule.total_steps == 10 and schedule.warmup_steps == 2
    assert values[0] == 3 / 8 and values[1] == 7 / 8  # iterations 3 and 7 of the warmup
    assert values[2] == 0.1 + 0.5 * (1 + math.cos(math.pi * (11 - 8) / 32)) * 0.9
    assert "update 0 already runs at iteration 3: 0.375, not 0" in schedule.notes


def test_pretrain_past_max_iters_is_min_lr_and_equal_warmup_raises():
    past = resolve({"schedule": "litgpt.get_lr", "lr": 1.0, "total_steps": 12,
                    "args": {"warmup_iters": 2, "max_iters": 10, "min_lr": 0.1}}, source="s")
    assert past.values(12)[11] == 0.1
    equal = resolve({"schedule": "litgpt.get_lr", "lr": 1.0, "total_steps": 12,
                     "args": {"warmup_iters": 10, "max_iters": 10, "min_lr": 0.1}}, source="s")
    values = equal.values(12)
    assert values[9] == 0.9 and np.isnan(values[10:]).all()
    assert ("litgpt raises ZeroDivisionError (max_iters == warmup_iters) at update 10; warmupctl shows NaN "
            "from there") in equal.notes


def test_finetune_cosine_of_zero_length_raises_at_the_milestone():
    schedule = resolve({"schedule": "litgpt.get_lr_scheduler", "lr": 1.0,
                        "args": {"warmup_steps": 4, "max_steps": 4}, "total_steps": 6}, source="s")
    values = schedule.values(6)
    assert list(values[:4]) == [0.0, 0.25, 0.5, 0.75] and np.isnan(values[4:]).all()


def test_finetune_warmup_of_zero_is_refused():
    with pytest.raises(SpecError) as info:
        resolve({"schedule": "litgpt.get_lr_scheduler", "lr": 1.0,
                 "args": {"warmup_steps": 0, "max_steps": 4}}, source="s")
    assert str(info.value) == ("s: args.warmup_steps: must be at least 1 (got 0); litgpt's LambdaLR divides by "
                               "it (ZeroDivisionError at 0); updates of linear warmup (lr_warmup_steps)")


# --------------------------------------------------------------------------------------------------
# Configs
# --------------------------------------------------------------------------------------------------


def test_finetune_counts_the_loader_and_runs_past_the_schedulers_max_steps():
    spec = _spec(_finetune(), dataset_size=7)  # ceil(7 / 2) = 4 micro-batches per epoch, A = 8 // 2 = 4
    assert spec == {"schedule": "litgpt.get_lr_scheduler", "lr": 1e-3, "total_steps": 2,
                    "args": {"warmup_steps": 3, "max_steps": 2}}
    spec = _spec(_finetune(global_batch_size=12, micro_batch_size=1), dataset_size=7)  # A = 12, 7 a epoch
    assert spec["args"]["max_steps"] == 0 and spec["total_steps"] == 1  # 2 × (7 // 12) vs 14 // 12


def test_finetune_max_steps_and_total_steps_cap_both():
    assert _spec(_finetune(max_steps=3), dataset_size=100)["args"]["max_steps"] == 3
    translation = translate(_finetune(), source="c.yaml", facts={"dataset_size": 100},
                            overrides={"total_steps": 5})
    assert translation.spec["total_steps"] == 5 and translation.spec["args"]["max_steps"] == 5
    assert "total_steps" in translation.applied


def test_finetune_over_processes_pads_each_rank():
    mapping = {**_finetune(global_batch_size=8, micro_batch_size=1), "devices": 2}  # A = 4
    spec = _spec(mapping, dataset_size=9)  # ceil(9 / 2) = 5 micro-batches per rank and epoch
    assert spec["args"]["max_steps"] == 2 and spec["total_steps"] == 2


def test_pretrain_counts_tokens_and_accumulation():
    spec = _spec(_pretrain())  # A = 16 // 2 // 2 = 4; max_iters = 25600 // 2 // (2 × 64) = 100
    assert spec["args"] == {"warmup_iters": 20, "max_iters": 100, "min_lr": 1e-5, "gradient_accumulation_iters": 4}
    assert _spec(_pretrain(max_seq_length=None), seq_len=32)["args"]["max_iters"] == 200


def test_optimizer_name_uses_the_class_default_lr():
    assert _spec({**_finetune(), "optimizer": "AdamW"}, dataset_size=10)["lr"] == 1e-3
    assert _error({**_finetune(), "optimizer": "Lion"}, {"dataset_size": 10}) == (
        "c.yaml: optimizer: gives no lr warmupctl knows (got 'Lion'); litgpt uses the optimizer class's "
        "default lr: write optimizer: {class_path: ..., init_args: {lr: ...}}, or pass --lr")


@pytest.mark.parametrize("mapping, facts, overrides, message", [
    ({"train": {"epochs": 1}}, {}, {},
     "c.yaml: train: does not say which litgpt script reads it: pretrain and finetune build different schedules; "
     "add model_name: NAME (litgpt pretrain) or checkpoint_dir: DIR (litgpt finetune_*), as the command line "
     "you run gives it"),
    (_finetune(), {}, {},
     "c.yaml: train.epochs: counts updates from len(train_dataloader) (got 2); pass --dataset-size N: the rows "
     "of the training split (after the data module's val_split_fraction)"),
    (_finetune(lr_warmup_fraction=0.1), {"dataset_size": 10}, {},
     "c.yaml: train.lr_warmup_fraction: is not supported by litgpt finetune (got 0.1); the finetune scripts' "
     "validate_args raise ValueError"),
    (_finetune(lr_warmup_steps=None), {"dataset_size": 10}, {},
     "c.yaml: train.lr_warmup_steps: is null: litgpt's LambdaLR computes step / None (got None); torch raises "
     "TypeError; set lr_warmup_steps"),
    ({**_finetune(), "devices": "auto"}, {"dataset_size": 10}, {},
     "c.yaml: devices: is every GPU of the machine (torch.cuda.device_count()) (got 'auto'); pass --devices N: "
     "the GPUs per node litgpt runs on"),
    (_finetune(global_batch_size=1), {"dataset_size": 10}, {},
     "c.yaml: train.global_batch_size: gives no micro-batch per update: global_batch_size 1 // 1 processes = 1 "
     "< micro_batch_size 2 (got 1); litgpt's TrainArgs asserts gradient_accumulation_iters > 0"),
    (_pretrain(epochs=1), {}, {},
     "c.yaml: train.epochs: is not supported by litgpt pretrain (got 1); pretrain.py's validate_args raises "
     "ValueError; it runs train.max_tokens"),
    (_pretrain(lr_warmup_steps=None, lr_warmup_fraction=0.1), {}, {},
     "c.yaml: train.lr_warmup_fraction: is a fraction of len(train_dataloader) of the streaming dataset "
     "(got 0.1); warmupctl cannot count the streamed batches; pass --warmup-steps N (train.lr_warmup_steps, "
     "in optimizer steps)"),
    (_pretrain(), {}, {"total_steps": 10},
     "command line: --total-steps: does not apply to litgpt pretrain (got 10); pretrain.py runs until "
     "train.max_tokens (train.max_steps only warns): set max_tokens"),
    ({**_pretrain(), "checkpoint_dir": "x"}, {}, {},
     "c.yaml: checkpoint_dir: is an argument of litgpt finetune, next to model_name of litgpt pretrain "
     "(got 'x'); keep the arguments of the script you run"),
])
def test_refusals(mapping, facts, overrides, message):
    assert _error(mapping, facts, overrides) == message


def test_seq_len_is_refused_by_other_formats(cli, tmp_path):
    path = tmp_path / "axolotl.yml"
    path.write_text(yaml.safe_dump({"base_model": "x", "micro_batch_size": 1, "num_epochs": 1, "max_steps": 10,
                                    "learning_rate": 1e-4, "lr_scheduler": "cosine"}))
    result = cli("import", str(path), "--seq-len", "512")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: command line: --seq-len: does not apply to an axolotl config; it sets "
                                    "the facts of litgpt config")

"""warmupctl.callbacks: a real (tiny) transformers Trainer run, checked update by update."""

import importlib
import sys
import warnings

import pytest

import warmupctl.callbacks as callbacks


def test_importing_the_module_does_not_import_transformers():
    code = ("import sys, warmupctl.callbacks as c\n"
            "assert 'transformers' not in sys.modules and 'torch' not in sys.modules\n"
            "print(c.LRMismatchError.__mro__[1].__name__)")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "RuntimeError"


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        callbacks.Nope  # noqa: B018


def test_mismatch_describes_both_numbers():
    text = callbacks.Mismatch(3, 0, 2e-4, 1e-4).describe("cosine")
    assert text == ("update 3: param group 0 has LR 0.0002, cosine plans 0.0001 "
                    "(relative difference 1)")


try:
    import torch
    import transformers
except ImportError:  # the tests below need a real Trainer
    torch = transformers = None

needs_transformers = pytest.mark.skipif(transformers is None, reason="transformers is not installed")

STEPS, WARMUP, LR = 12, 3, 1e-3
PLAN = {"schedule": "transformers.cosine", "lr": LR,
        "args": {"num_warmup_steps": WARMUP, "num_training_steps": STEPS}}


def tiny_model():
    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 1)

        def forward(self, x, labels=None):
            loss = ((self.linear(x).squeeze(-1) - labels) ** 2).mean()
            return {"loss": loss}

    return Tiny()


def train(tmp_path, callback, **overrides):
    torch.manual_seed(0)
    data = [{"x": torch.randn(2), "labels": torch.randn(())} for _ in range(16)]
    options = dict(output_dir=str(tmp_path), max_steps=STEPS, per_device_train_batch_size=2,
                   learning_rate=LR, lr_scheduler_type="cosine", warmup_steps=WARMUP, report_to="none",
                   save_strategy="no", logging_strategy="no", use_cpu=True, disable_tqdm=True,
                   dataloader_num_workers=0)
    options.update(overrides)
    args = transformers.TrainingArguments(**options)
    trainer = transformers.Trainer(model=tiny_model(), args=args, train_dataset=data, callbacks=[callback])
    trainer.train()
    return trainer


@needs_transformers
def test_a_run_that_follows_the_plan_passes(tmp_path):
    callback = callbacks.ScheduleCheckCallback(PLAN)
    train(tmp_path, callback, gradient_accumulation_steps=2)
    assert callback.checked == STEPS and callback.mismatched == 0


@needs_transformers
def test_a_run_that_drifts_raises_at_the_first_update(tmp_path):
    plan = {**PLAN, "args": {"num_warmup_steps": WARMUP + 1, "num_training_steps": STEPS}}
    callback = callbacks.ScheduleCheckCallback(plan)
    with pytest.raises(callbacks.LRMismatchError) as info:
        train(tmp_path, callback)
    assert str(info.value) == ("update 1: param group 0 has LR 0.0003333333333, transformers.cosine "
                               "plans 0.00025 (relative difference 0.333)")
    assert callback.mismatches == [callbacks.Mismatch(1, 0, LR / 3, LR / 4)]


@needs_transformers
def test_warn_counts_every_mismatch(tmp_path):
    callback = callbacks.ScheduleCheckCallback({"kind": "linear", "warmup_steps": WARMUP, "lr": LR,
                                                "total_steps": STEPS}, on_mismatch="warn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train(tmp_path, callback)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert callback.checked == STEPS
    # linear and cosine agree through the warmup and at its end, then part
    assert callback.mismatches[0].update == WARMUP + 1
    assert callback.mismatched == STEPS - WARMUP - 1
    assert messages[0].startswith("update 4: param group 0 has LR")
    assert messages[-1].startswith(f"{STEPS - WARMUP - 1} of {STEPS} updates got another LR")


@needs_transformers
def test_bad_options():
    with pytest.raises(ValueError, match="on_mismatch must be 'raise' or 'warn', not 'ignore'"):
        callbacks.ScheduleCheckCallback(PLAN, on_mismatch="ignore")
    with pytest.raises(ValueError, match="must not be negative"):
        callbacks.ScheduleCheckCallback(PLAN, rtol=-1)


@needs_transformers
def test_the_class_is_a_trainer_callback():
    importlib.reload(callbacks)
    assert issubclass(callbacks.ScheduleCheckCallback, transformers.TrainerCallback)

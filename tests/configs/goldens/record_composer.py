"""Record Composer's schedulers update by update, from a real ``composer.Trainer.fit()``.

Each case builds the scheduler class it names from ``composer.optim`` with the case's ``args`` and
trains a two-weight classifier with ``composer.Trainer`` on random data: ``max_duration``,
``scale_schedule_ratio``, a dataloader of ``updates_per_epoch`` batches of ``samples_per_batch``
samples (``drop_last``), and a ``DataSpec`` that counts ``tokens_per_batch`` tokens per batch. A
callback reads ``optimizer.param_groups[0]['lr']`` at ``Event.BEFORE_TRAIN_BATCH`` (before the
update); the run ends where the Trainer stops. The cases in ``RAISES`` are checked to raise, and are
printed to stderr (the tests pin warmupctl's refusal of each).

mosaicml 0.32.1 was installed with ``--no-deps`` next to torch 2.13.0+cpu, with the small packages its
Trainer imports (``mosaicml-cli``, ``torchmetrics``, ``torch_optimizer``, ...). Its one torchvision
use on the way (``composer/utils/misc.py``, image helpers) cannot load here: torchvision's wheel is
built against CUDA torch. The recorder puts an empty ``torchvision`` module in its place; nothing of
the scheduler, the time arithmetic or the training loop comes from it::

    python tests/configs/goldens/record_composer.py > tests/configs/goldens/composer.json
"""

import importlib.machinery
import json
import logging
import sys
import types
import warnings


class _Absent(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (), {})


for _sub in ("", ".transforms", ".transforms.functional", ".datasets", ".models", ".models.resnet", ".ops",
             ".utils", ".io"):
    _module = _Absent("torchvision" + _sub)
    _module.__path__ = []
    _module.__spec__ = importlib.machinery.ModuleSpec("torchvision" + _sub, None)
    sys.modules["torchvision" + _sub] = _module

import composer  # noqa: E402
import composer.optim  # noqa: E402
import torch  # noqa: E402
from composer import Callback, DataSpec, Trainer  # noqa: E402
from composer.models import ComposerClassifier  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

logging.disable(logging.CRITICAL)
warnings.simplefilter("ignore")


class _Record(Callback):
    def __init__(self):
        self.lrs = []

    def before_train_batch(self, state, logger):
        self.lrs.append(float(state.optimizers[0].param_groups[0]["lr"]))


def run(spec):
    """The LR of every update of the run ``spec`` describes, from ``Trainer.fit()``."""
    torch.manual_seed(0)
    name = spec["schedule"].partition(".")[2]
    per_epoch = spec.get("updates_per_epoch") or 400
    samples = spec.get("samples_per_batch") or 2
    data = TensorDataset(torch.randn(per_epoch * samples, 4), torch.randint(0, 2, (per_epoch * samples,)))
    loader = DataLoader(data, batch_size=samples, drop_last=True)
    tokens = spec.get("tokens_per_batch")
    train = DataSpec(loader, get_num_tokens_in_batch=lambda batch: tokens) if tokens else loader
    model = ComposerClassifier(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2)), num_classes=2)
    record = _Record()
    trainer = Trainer(model=model, train_dataloader=train,
                      optimizers=torch.optim.SGD(model.parameters(), lr=spec["lr"]),
                      schedulers=getattr(composer.optim, name)(**spec["args"]),
                      max_duration=spec["max_duration"], scale_schedule_ratio=spec.get("scale_schedule_ratio", 1.0),
                      callbacks=[record], device="cpu", progress_bar=False, log_to_console=False, loggers=[])
    trainer.fit()
    return record.lrs


def replay(spec):
    """What :func:`run` gives, without the forward and backward passes: the same Trainer is built
    (the LambdaLR's first evaluation, max_duration scaled), then each batch does what
    ``Trainer._train_loop`` does around the update: read the LR, ``scheduler.step()``, then
    ``state.timestamp.to_next_batch(samples, tokens)`` (and ``to_next_epoch()`` at the dataloader's end),
    until the timestamp reaches ``max_duration``. ``__main__`` checks it equals :func:`run` on every case.
    """
    torch.manual_seed(0)
    name = spec["schedule"].partition(".")[2]
    per_epoch = spec.get("updates_per_epoch") or 400
    samples, tokens = spec.get("samples_per_batch") or 2, spec.get("tokens_per_batch") or 0
    data = TensorDataset(torch.randn(per_epoch * 2, 4), torch.randint(0, 2, (per_epoch * 2,)))
    loader = DataLoader(data, batch_size=2, drop_last=True)
    model = ComposerClassifier(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2)), num_classes=2)
    trainer = Trainer(model=model, train_dataloader=loader,
                      optimizers=torch.optim.SGD(model.parameters(), lr=spec["lr"]),
                      schedulers=getattr(composer.optim, name)(**spec["args"]),
                      max_duration=spec["max_duration"], scale_schedule_ratio=spec.get("scale_schedule_ratio", 1.0),
                      device="cpu", progress_bar=False, log_to_console=False, loggers=[])
    state = trainer.state
    (scheduler,) = state.schedulers
    lrs = []
    while state.timestamp < state.max_duration:
        lrs.append(float(state.optimizers[0].param_groups[0]["lr"]))
        scheduler.step()
        state.timestamp = state.timestamp.to_next_batch(samples=samples, tokens=tokens)
        if int(state.timestamp.batch_in_epoch) == per_epoch:
            state.timestamp = state.timestamp.to_next_epoch()
    return lrs


def case(name, args, max_duration, lr=1.0, **facts):
    return {"schedule": f"composer.{name}", "lr": lr, "args": args, "max_duration": max_duration, **facts}


CW = "CosineAnnealingWithWarmupScheduler"
LW = "LinearWithWarmupScheduler"
CASES = [
    case("StepScheduler", {"step_size": "4ba", "gamma": 0.5}, "14ba"),
    case("StepScheduler", {"step_size": "1ep"}, "4ep", updates_per_epoch=3),
    case("MultiStepScheduler", {"milestones": ["3ba", "7ba"], "gamma": 0.5}, "10ba", lr=0.1),
    case("MultiStepScheduler", {"milestones": ["1ep", "20sp", "0.8dur"]}, "3ep", updates_per_epoch=4,
         samples_per_batch=2),
    case("ConstantScheduler", {"alpha": 0.5, "t_max": "4ba"}, "8ba"),
    case("ConstantScheduler", {"alpha": 0.25}, "6ba"),
    case("LinearScheduler", {}, "10ba"),
    case("LinearScheduler", {"alpha_i": 0.2, "alpha_f": 1.0, "t_max": "0.5dur"}, "12ba", lr=3e-4),
    case("ExponentialScheduler", {"gamma": 0.9}, "4ep", updates_per_epoch=3),
    case("ExponentialScheduler", {"gamma": 0.5, "decay_period": "3ba"}, "11ba", lr=0.01),
    case("CosineAnnealingScheduler", {}, "12ba"),
    case("CosineAnnealingScheduler", {"t_max": "8ba", "alpha_f": 0.1}, "12ba", lr=6e-4),
    case("CosineAnnealingScheduler", {"t_max": "2ep"}, "3ep", updates_per_epoch=5),
    case("CosineAnnealingWarmRestartsScheduler", {"t_0": "3ba"}, "11ba"),
    case("CosineAnnealingWarmRestartsScheduler", {"t_0": "2ba", "t_mult": 2.0, "alpha_f": 0.1}, "20ba"),
    case("CosineAnnealingWarmRestartsScheduler", {"t_0": "3ba", "t_mult": 1.5}, "25ba"),
    case("PolynomialScheduler", {"power": 2.0}, "10ba"),
    case("PolynomialScheduler", {"power": 0.5, "t_max": "6ba", "alpha_f": 0.2}, "9ba"),
    case("MultiStepWithWarmupScheduler", {"t_warmup": "3ba", "milestones": ["6ba", "9ba"]}, "12ba"),
    case("MultiStepWithWarmupScheduler", {"t_warmup": "1ep", "milestones": ["2ep"], "gamma": 0.5}, "3ep",
         updates_per_epoch=4),
    case("ConstantWithWarmupScheduler", {"t_warmup": "4ba"}, "8ba"),
    case("ConstantWithWarmupScheduler", {"t_warmup": "0.25dur", "alpha": 0.5}, "12ba"),
    case(LW, {"t_warmup": "3ba"}, "12ba"),
    case(LW, {"t_warmup": "2ba", "alpha_i": 0.8, "alpha_f": 0.1, "t_max": "16ba"}, "10ba"),
    case(CW, {"t_warmup": "4ba"}, "16ba", lr=6e-4),
    case(CW, {"t_warmup": "4ba", "alpha_f": 0.1}, "16ba", lr=6e-4),
    case(CW, {"t_warmup": "0.1dur", "alpha_f": 0.1}, "30ba", lr=1e-3),
    case(CW, {"t_warmup": "0.15dur"}, "2ep", updates_per_epoch=7),
    case(CW, {"t_warmup": "1ep"}, "3ep", updates_per_epoch=4),
    case(CW, {"t_warmup": "10sp", "t_max": "50sp"}, "50sp", samples_per_batch=4),
    case(CW, {"t_warmup": "10sp"}, "42sp", samples_per_batch=4),
    case(CW, {"t_warmup": "2048tok", "alpha_f": 0.1}, "20480tok", tokens_per_batch=512),
    case(CW, {"t_warmup": "0.1dur"}, "10000tok", tokens_per_batch=600, samples_per_batch=2),
    case(CW, {"t_warmup": "0ba"}, "6ba"),
    case(CW, {"t_warmup": "20ba"}, "10ba"),
    case(CW, {"t_warmup": "4ba"}, "12ba", scale_schedule_ratio=0.5),
    case(CW, {"t_warmup": "4ba", "scale_warmup": True}, "12ba", scale_schedule_ratio=0.5),
    case(CW, {"t_warmup": "4ba"}, "10ba", scale_schedule_ratio=1.5),
    case(CW, {"t_warmup": "4ba", "scale_warmup": True}, "10ba", scale_schedule_ratio=1.5),
    case(CW, {"t_warmup": "0.2dur", "alpha_f": 0.1}, "20ba", scale_schedule_ratio=0.5),
    case(CW, {"t_warmup": "1ep"}, "4ep", updates_per_epoch=3, scale_schedule_ratio=0.5),
    case(LW, {"t_warmup": "2ba", "t_max": "20ba"}, "16ba", scale_schedule_ratio=1.25),
    case(LW, {"t_warmup": "5ba", "scale_warmup": True}, "10ba", scale_schedule_ratio=2.0),
    case("PolynomialWithWarmupScheduler", {"t_warmup": "3ba"}, "12ba"),
    case("PolynomialWithWarmupScheduler", {"t_warmup": "0.2dur", "power": 1.5, "alpha_f": 0.05}, "15ba"),
    case("LinearScheduler", {"t_max": "6ba"}, "10ba", scale_schedule_ratio=0.5),
    case("StepScheduler", {"step_size": "3ba", "gamma": 0.5}, "12ba", scale_schedule_ratio=2.0),
    case("MultiStepScheduler", {"milestones": ["4ba", "0.5dur"]}, "8ba", scale_schedule_ratio=1.5),
    case("ConstantScheduler", {"alpha": 0.1, "t_max": "0.5dur"}, "10ba", scale_schedule_ratio=0.5),
    case("CosineAnnealingWarmRestartsScheduler", {"t_0": "4ba"}, "10ba", scale_schedule_ratio=0.5),
    case("ExponentialScheduler", {"gamma": 0.5, "decay_period": "2ba"}, "6ba", scale_schedule_ratio=1.5),
    case("PolynomialScheduler", {"power": 3.0, "t_max": "1ep"}, "2ep", updates_per_epoch=5),
]

#: Cases the Trainer refuses (warmupctl refuses them too; tests/frameworks/test_composer.py).
RAISES = [
    case(CW, {"t_warmup": "4ba", "t_max": "8ba"}, "12ba"),
    case(CW, {"t_warmup": "10sp"}, "40ba", samples_per_batch=4),
    case(CW, {"t_warmup": "4ba", "t_max": "12ba"}, "12ba", scale_schedule_ratio=0.5),
    case("LinearScheduler", {"t_max": "0ba"}, "4ba"),
    case("CosineAnnealingWarmRestartsScheduler", {"t_0": "4ba", "t_mult": 0.5}, "12ba"),
    case(CW, {"t_warmup": "1h"}, "4ba"),
    case(LW, {"t_warmup": "2ba", "t_max": "0.5dur"}, "16ba", scale_schedule_ratio=1.25),
]


if __name__ == "__main__":
    out = []
    for spec in CASES:
        values = run(spec)
        assert replay(spec) == values, spec  # the fast replay the real configs use is the Trainer's loop
        out.append({"spec": spec, "steps": len(values), "lr": values})
    for spec in RAISES:
        try:
            values = run(spec)
        except Exception as exc:  # noqa: BLE001 - the point is to see what Composer raises
            print(f"raises {type(exc).__name__}: {exc} <- {json.dumps(spec)}", file=sys.stderr)
        else:
            print(f"ran {len(values)} updates, last {values[-3:]} <- {json.dumps(spec)}", file=sys.stderr)
    json.dump({"library": "composer", "source": f"mosaicml {composer.__version__} Trainer.fit(), torch "
                                                 f"{torch.__version__}", "cases": out}, sys.stdout, indent=1)
    sys.stdout.write("\n")

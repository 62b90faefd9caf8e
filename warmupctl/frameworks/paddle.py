"""PaddlePaddle's ``paddle.optimizer.lr`` schedulers, replayed step by step.

Not registered yet (not in ``LIBRARY_MODULES``): the 22 goldens in tests/goldens/pending/paddle.json
match it exactly, but its Python replay of the recursive classes takes seconds for the far updates the
hardening suite asks for; a vectorized replay comes first.

Restated from paddlepaddle 3.3.1, ``paddle/optimizer/lr.py``. Every scheduler is an ``LRScheduler``
whose constructor steps once (``last_epoch`` 0); the usual loop calls ``scheduler.step()`` after every
``optimizer.step()``, so update ``k`` runs at ``last_epoch = k`` and reads ``scheduler()`` (the
``last_lr`` Python float). What a reimplementation misses, reproduced here:

* ``CosineAnnealingDecay`` and ``LinearLR`` are recursive on ``last_lr`` (float rounding accumulates);
  ``CosineAnnealingDecay`` has torch's special branch at ``(t - 1 - T_max) % (2 T_max) == 0``;
* ``NoamDecay`` gives 0 at step 0 (``min(1, 0)``); ``PolynomialDecay`` with ``cycle`` stretches the decay
  by ``ceil(t / decay_steps)`` (so it holds ``end_lr`` at ``decay_steps`` and restarts after);
* ``LinearWarmup`` runs from ``start_lr`` to ``end_lr`` over ``warmup_steps`` and then calls the wrapped
  scheduler's ``step(t - warmup_steps)``: an explicit epoch, the closed form where the class has one
  (``CosineAnnealingDecay``), ``get_lr`` on the stale ``last_lr`` otherwise;
* ``OneCycleLR`` accepts one step past ``total_steps`` and raises after (NaN, with a note);
* the optimizer applies the LR in float32: the values here are the scheduler's, as ``scheduler()``
  and ``optimizer.get_lr()`` return them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

VERSION = "paddlepaddle 3.3.1"
FILE = "paddle/optimizer/lr.py"


class _Raise(Exception):
    pass


class _Sched:
    """``LRScheduler``: base_lr, last_lr, last_epoch; the constructor's step."""

    closed_form = False
    #: ``get_lr`` reads only ``last_epoch`` (no ``last_lr``, no other state): any update directly.
    stateless = True

    def __init__(self, base: float) -> None:
        self.base_lr = float(base)
        self.last_lr = float(base)
        self.last_epoch = -1
        self.step()

    def step(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            self.last_lr = self.get_lr()
        else:
            self.last_epoch = epoch
            self.last_lr = self.closed() if self.closed_form else self.get_lr()

    def get_lr(self) -> float:
        raise NotImplementedError

    def closed(self) -> float:
        raise NotImplementedError


class _Noam(_Sched):
    def __init__(self, a: Mapping[str, Any]) -> None:
        self.d_model, self.warmup_steps = a["d_model"], a["warmup_steps"]
        super().__init__(a["learning_rate"])

    def get_lr(self) -> float:
        t = self.last_epoch
        first = 1 if t == 0 else t ** -0.5
        second = self.warmup_steps ** -1.5 * t
        return self.base_lr * (self.d_model ** -0.5) * min(first, second)


class _Piecewise(_Sched):
    def __init__(self, a: Mapping[str, Any]) -> None:
        self.boundaries, self.values = list(a["boundaries"]), list(a["values"])
        super().__init__(0.1)

    def get_lr(self) -> float:
        for i, b in enumerate(self.boundaries):
            if self.last_epoch < b:
                return self.values[i]
        return self.values[len(self.values) - 1]


class _NaturalExp(_Sched):
    def __init__(self, a: Mapping[str, Any]) -> None:
        self.gamma = a["gamma"]
        super().__init__(a["learning_rate"])

    def get_lr(self) -> float:
        return self.base_lr * math.exp(-1 * self.gamma * self.last_epoch)


class _InverseTime(_Sched):
    def __init__(self, a: Mapping[str, Any]) -> None:
        self.gamma = a["gamma"]
        super().__init__(a["learning_rate"])

    def get_lr(self) -> float:
        return self.base_lr / (1 + self.gamma * self.last_epoch)


class _Polynomial(_Sched):
    def __init__(self, a: Mapping[str, Any]) -> None:
        self.decay_steps, self.end_lr = a["decay_steps"], a["end_lr"]
        self.power, self.cycle = a["power"], a["cycle"]
        super().__init__(a["learning_rate"])

    def get_lr(self) -> float:
        t, steps = self.last_epoch, self.decay_steps
        if self.cycle:
            div = math.ceil(float(t) / float(steps))
            if t == 0:
                div = 1
            steps = self.decay_steps * div
        else:
            t = min(t, self.decay_steps)
        return (self.base_lr - self.end_lr) * ((1 - float(t) / float(steps)) ** self.power) + self.end_lr


class _Exponential(_Sched):
    def __init__(self, a: Mapping[str, Any]) -> None:
        self.gamma = a["gamma"]
        super().__init__(a["learning_rate"])

    def get_lr(self) -> float:
        return self.base_lr * (self.gamma ** self.last_epoch)


class _MultiStep(_Sched):
    def __init__(self, a: Mapping[str, Any]) -> None:
        self.milestones, self.gamma = list(a["milestones"]), a["gamma"]
        super().__init__(a["learning_rate"])

    def get_lr(self) -> float:
        for i, m in enumerate(self.milestones):
            if self.last_epoch < m:
                return self.base_lr * (self.gamma ** i)
        return self.base_lr * (self.gamma ** len(self.milestones))


class _Step(_Sched):
    def __init__(self, a: Mapping[str, Any]) -> None:
        self.step_size, self.gamma = a["step_size"], a["gamma"]
        super().__init__(a["learning_rate"])

    def get_lr(self) -> float:
        return self.base_lr * (self.gamma ** (self.last_epoch // self.step_size))


class _Cosine(_Sched):
    stateless = False
    closed_form = True

    def __init__(self, a: Mapping[str, Any]) -> None:
        self.T_max, self.eta_min = a["T_max"], float(a["eta_min"])
        super().__init__(a["learning_rate"])

    def get_lr(self) -> float:
        t, big_t = self.last_epoch, self.T_max
        if t == 0:
            return self.base_lr
        if (t - 1 - big_t) % (2 * big_t) == 0:
            return self.last_lr + (self.base_lr - self.eta_min) * (1 - math.cos(math.pi / big_t)) / 2
        return ((1 + math.cos(math.pi * t / big_t)) / (1 + math.cos(math.pi * (t - 1) / big_t))
                * (self.last_lr - self.eta_min) + self.eta_min)

    def closed(self) -> float:
        return (self.eta_min + (self.base_lr - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2)


class _OneCycle(_Sched):
    def __init__(self, a: Mapping[str, Any]) -> None:
        top, total, pct = float(a["max_learning_rate"]), a["total_steps"], a["phase_pct"]
        initial, low = top / float(a["divide_factor"]), float(a["end_learning_rate"])
        self.total = total
        if a["three_phase"]:
            self.bounds = [0, pct * total - 1, 2 * pct * total - 2, total - 1, total - 1]
            self.sizes = [self.bounds[1] - self.bounds[0], self.bounds[2] - self.bounds[1],
                          self.bounds[3] - self.bounds[2], self.bounds[3] - self.bounds[2]]
            self.lrs = [initial, top, initial, low]
        else:
            self.bounds = [0, pct * total - 1, total - 1, total - 1]
            self.sizes = [self.bounds[1] - self.bounds[0], self.bounds[2] - self.bounds[1],
                          self.bounds[2] - self.bounds[1]]
            self.lrs = [initial, top, low]
        self.cos = a["anneal_strategy"] == "cos"
        super().__init__(initial)

    def get_lr(self) -> float:
        t = self.last_epoch
        if t > self.total:
            raise _Raise(f"ValueError (OneCycleLR: tried to step {t} times; total_steps is {self.total})")
        for i, (end, size) in enumerate(zip(self.bounds[1:], self.sizes)):
            if t <= end or i == len(self.lrs) - 2:
                pct = (t - self.bounds[i]) / size
                start, stop = self.lrs[i], self.lrs[i + 1]
                if self.cos:
                    return stop + (start - stop) / 2.0 * (math.cos(math.pi * pct) + 1)
                return (stop - start) * pct + start
        raise AssertionError("unreachable")


class _Cyclic(_Sched):
    def __init__(self, a: Mapping[str, Any]) -> None:
        up = float(a["step_size_up"])
        down = float(a["step_size_down"]) if a["step_size_down"] is not None else up
        self.cycle_size = up + down
        self.step_up_pct = up / self.cycle_size
        self.max_lr = float(a["max_learning_rate"])
        self.amplitude = self.max_lr - a["base_learning_rate"]
        self.mode, self.gamma = a["mode"], a["exp_gamma"]
        super().__init__(a["base_learning_rate"])

    def get_lr(self) -> float:
        t = self.last_epoch
        cycle = 1 + t // self.cycle_size
        pct = 1.0 + t / self.cycle_size - cycle
        scale = pct / self.step_up_pct if pct <= self.step_up_pct else (1 - pct) / (1 - self.step_up_pct)
        height = self.amplitude * scale
        if self.mode == "triangular":
            factor = 1.0
        elif self.mode == "triangular2":
            factor = 1 / (2.0 ** (cycle - 1))
        else:
            factor = self.gamma ** t
        return self.base_lr + height * factor


class _Linear(_Sched):
    stateless = False
    def __init__(self, a: Mapping[str, Any]) -> None:
        self.start, self.end, self.total = a["start_factor"], a["end_factor"], a["total_steps"]
        super().__init__(a["learning_rate"])

    def get_lr(self) -> float:
        t = self.last_epoch
        if t == 0:
            return self.base_lr * self.start
        if t > self.total:
            return self.last_lr
        base = self.total * self.start
        change = self.end - self.start
        return self.last_lr * (1.0 + change / (base + (t - 1) * change))


class _WarmRestarts(_Sched):
    stateless = False
    def __init__(self, a: Mapping[str, Any]) -> None:
        self.T_0 = self.T_i = a["T_0"]
        self.T_mult, self.eta_min = a["T_mult"], a["eta_min"]
        self.T_cur: float = -1
        super().__init__(a["learning_rate"])

    def get_lr(self) -> float:
        cosine = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return self.eta_min + (self.base_lr - self.eta_min) * cosine / 2

    def step(self, epoch: int | None = None) -> None:
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur - self.T_i
                self.T_i = self.T_i * self.T_mult
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                n = int(math.log((epoch / self.T_0 * (self.T_mult - 1) + 1), self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult ** n
        else:
            self.T_i = self.T_0
            self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self.last_lr = self.get_lr()


class _LinearWarmup(_Sched):
    stateless = False
    def __init__(self, a: Mapping[str, Any], inner: _Sched | None) -> None:
        self.inner, self.value = inner, a["learning_rate"]
        self.warmup_steps, self.start_lr, self.end_lr = a["warmup_steps"], a["start_lr"], a["end_lr"]
        super().__init__(a["start_lr"])

    def get_lr(self) -> float:
        t = self.last_epoch
        if t < self.warmup_steps:
            return (self.end_lr - self.start_lr) * float(t) / float(self.warmup_steps) + self.start_lr
        if self.inner is not None:
            self.inner.step(t - self.warmup_steps)
            return self.inner.last_lr
        return float(self.value)


# --------------------------------------------------------------------------- registration

LR = Arg("learning_rate", REQUIRED, doc="the initial (base) learning rate")
CLASSES: dict[str, tuple[tuple[Arg, ...], Callable[..., _Sched], str]] = {
    "NoamDecay": ((Arg("d_model", REQUIRED, kind="int"), Arg("warmup_steps", REQUIRED, kind="int"),
                   Arg("learning_rate", 1.0)), _Noam,
                  "lr d_model^-0.5 min(t^-0.5, t W^-1.5); 0 at t = 0"),
    "PiecewiseDecay": ((Arg("boundaries", REQUIRED, kind="ints"), Arg("values", REQUIRED, kind="floats")),
                       _Piecewise, "values[i] while t < boundaries[i]"),
    "NaturalExpDecay": ((LR, Arg("gamma", REQUIRED)), _NaturalExp, "lr exp(-gamma t)"),
    "InverseTimeDecay": ((LR, Arg("gamma", REQUIRED)), _InverseTime, "lr / (1 + gamma t)"),
    "PolynomialDecay": ((LR, Arg("decay_steps", REQUIRED, kind="int"), Arg("end_lr", 0.0001),
                         Arg("power", 1.0), Arg("cycle", False, kind="bool")), _Polynomial,
                        "(lr - end) (1 - t / T)^power + end; cycle stretches T by ceil(t / T)"),
    "ExponentialDecay": ((LR, Arg("gamma", REQUIRED)), _Exponential, "lr gamma^t"),
    "MultiStepDecay": ((LR, Arg("milestones", REQUIRED, kind="ints"), Arg("gamma", 0.1)), _MultiStep,
                       "lr gamma^(milestones passed)"),
    "StepDecay": ((LR, Arg("step_size", REQUIRED, kind="int"), Arg("gamma", 0.1)), _Step,
                  "lr gamma^(t // step_size)"),
    "CosineAnnealingDecay": ((LR, Arg("T_max", REQUIRED, kind="int"), Arg("eta_min", 0.0)), _Cosine,
                             "torch's recursive cosine on last_lr"),
    "OneCycleLR": ((Arg("max_learning_rate", REQUIRED), Arg("total_steps", REQUIRED, kind="int"),
                    Arg("divide_factor", 25.0), Arg("end_learning_rate", 0.0001), Arg("phase_pct", 0.3),
                    Arg("anneal_strategy", "cos", kind="str", choices=("cos", "linear")),
                    Arg("three_phase", False, kind="bool")), _OneCycle,
                   "one cycle from max / divide_factor to max and down to end_learning_rate"),
    "CyclicLR": ((Arg("base_learning_rate", REQUIRED), Arg("max_learning_rate", REQUIRED),
                  Arg("step_size_up", REQUIRED, kind="int"),
                  Arg("step_size_down", None, kind="int", nullable=True),
                  Arg("mode", "triangular", kind="str", choices=("triangular", "triangular2", "exp_range")),
                  Arg("exp_gamma", 1.0)), _Cyclic, "triangular cycles between base and max"),
    "LinearLR": ((LR, Arg("total_steps", REQUIRED, kind="int"), Arg("start_factor", 1.0 / 3),
                  Arg("end_factor", 1.0)), _Linear, "factor start -> end over total_steps (recursive)"),
    "CosineAnnealingWarmRestarts": ((LR, Arg("T_0", REQUIRED, kind="int"), Arg("T_mult", 1, kind="int"),
                                     Arg("eta_min", 0.0)), _WarmRestarts, "cosine restarting every T_i"),
}
WARMUP_ARGS = (
    Arg("learning_rate", REQUIRED, kind="any",
        doc="a number (held after the warmup) or a nested paddle.* scheduler spec"),
    Arg("warmup_steps", REQUIRED, kind="int"), Arg("start_lr", REQUIRED), Arg("end_lr", REQUIRED),
)


def _check(name: str, a: Mapping[str, Any]) -> None:
    """What each constructor rejects."""
    def fail(key: str, message: str) -> SpecError:
        return SpecError(message, path=f"args.{key}", value=a.get(key), hint="paddle rejects it")

    positive = {"NoamDecay": "d_model", "PolynomialDecay": "decay_steps", "StepDecay": "step_size",
                "CosineAnnealingDecay": "T_max", "OneCycleLR": "total_steps", "CyclicLR": "step_size_up",
                "LinearLR": "total_steps", "CosineAnnealingWarmRestarts": "T_0",
                "LinearWarmup": "warmup_steps"}
    if name in positive and a[positive[name]] <= 0:
        raise fail(positive[name], "must be positive")
    if name == "PiecewiseDecay":
        if not a["boundaries"]:
            raise fail("boundaries", "The boundaries cannot be empty.")
        if len(a["values"]) <= len(a["boundaries"]):
            raise fail("values", "needs one more element than boundaries")
    if name == "ExponentialDecay" and not 0.0 < a["gamma"] < 1.0:
        raise fail("gamma", "'gamma' must be in interval (0.0, 1.0)")
    if name == "NaturalExpDecay" and a["gamma"] <= 0.0:
        raise fail("gamma", "'gamma' must be a positive number")
    if name in ("MultiStepDecay", "StepDecay") and a["gamma"] >= 1.0:
        raise fail("gamma", "gamma should be < 1.0.")
    if name == "MultiStepDecay" and any(x >= y for x, y in zip(a["milestones"], a["milestones"][1:])):
        raise fail("milestones", "The elements of milestones must be incremented")
    if name == "PolynomialDecay" and a["power"] <= 0.0:
        raise fail("power", "'power' must be greater than 0.0")
    if name == "OneCycleLR":
        if not 0 <= a["phase_pct"] <= 1:
            raise fail("phase_pct", "'phase_pct' must be between 0 and 1")
        if a["three_phase"] and a["phase_pct"] >= 0.5:
            raise fail("phase_pct", "When three_phase is True, 'phase_pct' must be less than 0.5")
    if name == "LinearLR":
        if not 0 < a["start_factor"] <= 1.0:
            raise fail("start_factor", "`start_factor` must be greater than 0 and less or equal to 1")
        if not 0 <= a["end_factor"] <= 1.0:
            raise fail("end_factor", "`end_factor` must be greater than 0 and less than 1")
    if name == "CosineAnnealingWarmRestarts" and a["T_mult"] < 1:
        raise fail("T_mult", "Expected integer T_mult >= 1")
    if name == "LinearWarmup" and not a["end_lr"] > a["start_lr"]:
        raise fail("end_lr", f"end_lr must be greater than start_lr {a['start_lr']}")


@dataclass
class _Replay:
    """The scheduler walked from its construction; values kept for random access."""

    make: Callable[[], _Sched]
    values: list[float] = field(default_factory=list)
    raised: tuple[int, str] | None = None
    sched: _Sched | None = None

    def upto(self, n: int) -> None:
        while len(self.values) < n:
            if self.raised is not None:
                self.values.append(math.nan)
                continue
            try:
                if self.sched is None:
                    self.sched = self.make()
                else:
                    self.sched.step()
                self.values.append(float(self.sched.last_lr))
            except (_Raise, ZeroDivisionError, OverflowError) as exc:
                self.raised = (len(self.values), str(exc) or type(exc).__name__)
                self.values.append(math.nan)

    def chunks(self, count: int, size: int) -> Iterator[FloatArray]:
        """Updates ``0 .. count-1`` in blocks of ``size`` (the replay is a walk from update 0)."""
        self.upto(count)
        values = np.asarray(self.values[:count], dtype=np.float64)
        for first in range(0, count, max(size, 1)):
            yield values[first:first + size].copy()

    def direct(self, k: IntArray) -> FloatArray:
        """A stateless scheduler at any updates: ``get_lr`` with ``last_epoch = k``."""
        if self.sched is None:
            self.upto(1)
        assert self.sched is not None
        out = np.empty(len(k), dtype=np.float64)
        for i, step in enumerate(k.tolist()):
            self.sched.last_epoch = step
            try:
                out[i] = float(self.sched.get_lr())
            except (_Raise, ZeroDivisionError, OverflowError):
                out[i] = math.nan
        return out

    def __call__(self, k: IntArray) -> FloatArray:
        k = np.asarray(k, dtype=np.int64)
        if k.size == 0:
            return np.empty(0, dtype=np.float64)
        if self.sched is not None and self.sched.stateless and self.raised is None:
            return self.direct(k)
        self.upto(int(k.max()) + 1)
        return np.asarray(self.values, dtype=np.float64)[k]


def _maker(name: str, args: Mapping[str, Any], call: LibraryCall) -> Callable[[], _Sched]:
    if name == "LinearWarmup":
        inner_spec = args["learning_rate"]
        if isinstance(inner_spec, Mapping):
            inner_name = str(inner_spec.get("schedule", ""))
            lib, _, cls = inner_name.partition(".")
            if lib != "paddle" or cls not in CLASSES:
                raise SpecError("must be a number or a nested paddle.* scheduler spec",
                                path="args.learning_rate.schedule", value=inner_name,
                                hint="one of " + ", ".join(f"paddle.{c}" for c in CLASSES))
            from warmupctl.frameworks._kit import coerce_arg

            declared, _, _ = CLASSES[cls]
            given = dict(inner_spec.get("args") or {})
            inner_args = {a.name: coerce_arg(a, given[a.name], f"args.learning_rate.args.{a.name}")
                          if a.name in given else a.default for a in declared}
            missing = [a.name for a in declared if a.required and a.name not in given]
            if missing:
                raise SpecError("is required", path=f"args.learning_rate.args.{missing[0]}")
            _check(cls, inner_args)
            inner_make = CLASSES[cls][1]
            return lambda: _LinearWarmup(args, inner_make(inner_args))
        try:
            float(inner_spec)
        except (TypeError, ValueError):
            raise SpecError("must be a number or a nested paddle.* scheduler spec",
                            path="args.learning_rate", value=inner_spec) from None
        return lambda: _LinearWarmup({**args, "learning_rate": float(inner_spec)}, None)
    return lambda: CLASSES[name][1](args)


def _entry(name: str, args: tuple[Arg, ...], formula: str) -> None:
    def build(call: LibraryCall) -> Schedule:
        a = dict(call.args)
        _check(name, a)
        replay = _Replay(_maker(name, a, call))
        natural = a["total_steps"] + 1 if name == "OneCycleLR" else None
        total = call.total_steps or natural or (call.bound.updates if call.bound else None)
        if total is not None:
            replay.upto(total)
        notes = ["Paddle's optimizer applies the LR in float32; these are the scheduler's values "
                 "(scheduler(), optimizer.get_lr())"]
        raise_at = None
        if replay.raised is not None and total is not None and replay.raised[0] < total:
            raise_at = (replay.raised[0], f"paddle raises {replay.raised[1]}")
        replay.upto(1)
        walked = replay.sched is None or not replay.sched.stateless
        return finish(call, replay, natural=natural, notes=notes, raise_at=raise_at,
                      source=f"{VERSION}, {FILE}, {name}", chunks=replay.chunks if walked else None)

    register(LibrarySchedule(name=name, library="paddle", args=args, build=build,
                             source=f"{VERSION}, {FILE}, {name}", formula=formula, lr="unused"))


for _name, (_args, _cls, _formula) in CLASSES.items():
    _entry(_name, _args, _formula)
_entry("LinearWarmup", WARMUP_ARGS, "start_lr -> end_lr over warmup_steps, then the wrapped scheduler "
       "stepped to t - warmup_steps (or the number held)")

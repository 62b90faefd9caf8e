"""MMEngine's (OpenMMLab) LR schedulers, replayed as its runner steps them.

Restated from mmengine 0.10.7: ``mmengine/optim/scheduler/param_scheduler.py`` (``_ParamScheduler.step``
and each ``*ParamScheduler._get_value`` / ``build_iter_from_epoch``), ``lr_scheduler.py`` (the ``*LR``
classes: the same with ``param_name='lr'``), ``mmengine/runner/runner.py``
(``Runner._build_param_scheduler``: a missing ``end`` is ``max_epochs`` for an epoch-based scheduler and
``max_iters`` otherwise; ``convert_to_iter_based`` calls ``build_iter_from_epoch`` with
``epoch_length = len(train_dataloader)``) and ``mmengine/hooks/param_scheduler_hook.py``
(``after_train_iter`` steps the iteration-based schedulers, in list order, after every iteration;
``after_train_epoch`` steps the epoch-based ones after every epoch).

What a reimplementation misses, all reproduced here:

* every scheduler is *chainable*: it multiplies (or moves) the param group's current LR, so several
  schedulers active at once stack (an epoch milestone inside an iteration warmup multiplies into it);
* a scheduler counts only the steps inside ``[begin, end)`` (``last_step``) and leaves the LR alone
  outside; its constructor already steps once (global step 0);
* ``LinearLR``, ``ConstantLR`` and ``PolyLR`` spread their change over ``end - begin - 1`` steps, so
  they finish one step before torch's would; ``LinearLR`` with ``start_factor=0`` divides by zero at
  its second step (ZeroDivisionError);
* epoch-based schedulers step after an epoch's last iteration, so a change lands on the next epoch's
  first iteration; a cosine without ``convert_to_iter_based`` is a staircase, one value per epoch;
* ``OneCycleLR`` overwrites ``initial_lr`` with ``eta_max / div_factor`` and raises past
  ``total_steps``.

The replay is plain Python floats in MMEngine's operation order (bit for bit), walking the updates
in order; ``schedule(k)`` is the LR of iteration ``k``. With ``accumulative_counts`` in the optimizer
wrapper the optimizer steps every A-th iteration while the schedulers still step per iteration: a
config reader maps updates to iterations (:mod:`warmupctl.spec.configs`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, coerce_arg, finish, g, run_length
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

VERSION = "mmengine 0.10.7"
FILE = "mmengine/optim/scheduler/param_scheduler.py"
RUNNER = ("mmengine/runner/runner.py (Runner._build_param_scheduler), "
          "mmengine/hooks/param_scheduler_hook.py (ParamSchedulerHook)")
INF = int(1e9)

#: Arguments every MMEngine scheduler takes (besides its own), with the registry's ``convert_to_iter_based``.
COMMON = (
    Arg("begin", 0, kind="int", doc="first step (epoch or iteration) the scheduler acts at"),
    Arg("end", None, kind="int", nullable=True,
        doc="step it stops at (exclusive); default: max_epochs or max_iters, as the Runner sets it"),
    Arg("by_epoch", True, kind="bool", doc="step after every epoch (True) or every iteration"),
    Arg("convert_to_iter_based", False, kind="bool",
        doc="epoch-based arguments, stepped per iteration (times updates_per_epoch)"),
)


class _Raised(Exception):
    """MMEngine raises at this step (the message names what)."""


@dataclass
class _Group:
    """The one param group the schedulers share."""

    lr: float
    initial_lr: float | None = None


@dataclass
class _Scheduler:
    """The state ``_ParamScheduler`` keeps, and its ``step``."""

    name: str
    begin: int
    end: int
    by_epoch: bool
    kw: dict[str, Any]
    base: float = 0.0
    last_step: int = -1
    global_step: int = -1
    extra: dict[str, Any] = field(default_factory=dict)

    def attach(self, group: _Group) -> None:
        """The constructor: OneCycle's ``initial_lr``, ``setdefault('initial_lr')``, then one step."""
        if self.name == "OneCycleLR":
            group.initial_lr = self.kw["eta_max"] / self.kw["div_factor"]
            self.extra["max"] = self.kw["eta_max"]
            self.extra["min"] = group.initial_lr / self.kw["final_div_factor"]
        if group.initial_lr is None:
            group.initial_lr = group.lr
        self.base = group.initial_lr
        self.step(group)

    def step(self, group: _Group) -> None:
        self.global_step += 1
        if self.begin <= self.global_step < self.end:
            self.last_step += 1
            group.lr = self.value(group.lr)

    # ------------------------------------------------------------------ each class's _get_value

    def value(self, lr: float) -> float:  # noqa: C901 - one branch per class, as in MMEngine
        t, kw = self.last_step, self.kw
        name = self.name
        if name == "ConstantLR":
            total = self.end - self.begin - 1
            if t == 0:
                return lr * kw["factor"]
            if t != total:
                return lr
            if kw["factor"] == 0:
                raise _Raised("ZeroDivisionError (ConstantLR divides by factor 0)")
            return lr * (1.0 / kw["factor"])
        if name == "LinearLR":
            s, e = kw["start_factor"], kw["end_factor"]
            if t == 0:
                return lr * s
            total = self.end - self.begin - 1
            den = total * s + (t - 1) * (e - s)
            if den == 0:
                raise _Raised("ZeroDivisionError (LinearLR: start_factor 0)")
            return lr * (1.0 + (e - s) / den)
        if name == "ExponentialLR":
            return lr if t == 0 else lr * kw["gamma"]
        if name == "StepLR":
            if t == 0 or t % kw["step_size"] != 0:
                return lr
            return lr * kw["gamma"]
        if name == "MultiStepLR":
            counts: Counter = self.extra["milestones"]
            if t not in counts:
                return lr
            return lr * kw["gamma"] ** counts[t]
        if name == "PolyLR":
            if t == 0:
                return lr
            total = self.end - self.begin - 1
            eta = kw["eta_min"]
            try:  # 0.0 ** a negative power at the last step (t == total); a float overflow
                return (lr - eta) * (1 - 1 / (total - t + 1)) ** kw["power"] + eta
            except (ZeroDivisionError, OverflowError) as exc:
                raise _Raised(f"{type(exc).__name__} (PolyLR: (1 - 1 / (T - t + 1)) ** power {kw['power']:g} "
                              f"at t = {t})") from exc
        if name == "CosineAnnealingLR":
            return self._cosine(lr)
        if name == "CosineRestartLR":
            return self._restart(lr)
        if name == "OneCycleLR":
            return self._one_cycle()
        raise AssertionError(name)

    def _eta_min(self) -> float:
        ratio = self.kw.get("eta_min_ratio")
        return self.kw["eta_min"] if ratio is None else self.base * ratio

    def _cosine(self, lr: float) -> float:
        t, big_t = self.last_step, self.extra["T_max"]
        eta = self._eta_min()
        if t == 0:
            return lr
        if (t - 1 - big_t) % (2 * big_t) == 0:
            return lr + (self.base - eta) * (1 - math.cos(math.pi / big_t)) / 2
        return ((1 + math.cos(math.pi * t / big_t)) / (1 + math.cos(math.pi * (t - 1) / big_t))
                * (lr - eta) + eta)

    def _restart(self, lr: float) -> float:
        t = self.last_step
        cumulative = self.extra["cumulative"]
        idx = next((i for i, p in enumerate(cumulative) if t < p), None)
        if idx is None:
            return lr
        periods = self.kw["periods"]
        eta_max = self.base * self.kw["restart_weights"][idx]
        eta = self._eta_min()
        step = t - (0 if idx == 0 else cumulative[idx - 1])
        if step == 0:
            return eta_max
        period = periods[idx]
        return ((1 + math.cos(math.pi * step / period)) / (1 + math.cos(math.pi * (step - 1) / period))
                * (lr - eta) + eta)

    def _one_cycle(self) -> float:
        t, total = self.last_step, self.extra["total_steps"]
        if t > total:
            raise _Raised(f"ValueError (OneCycleLR stepped past total_steps {total})")
        start_step = 0.0
        phases = self.extra["phases"]
        values = {"initial": self.base, "max": self.extra["max"], "min": self.extra["min"]}
        for i, (end_step, a, b) in enumerate(phases):
            if t <= end_step or i == len(phases) - 1:
                pct = (t - start_step) / (end_step - start_step)
                if self.kw["anneal_strategy"] == "cos":
                    return values[b] + (values[a] - values[b]) / 2.0 * (math.cos(math.pi * pct) + 1)
                return (values[b] - values[a]) * pct + values[a]
            start_step = end_step
        raise AssertionError("unreachable")


# ------------------------------------------------------------------------------- construction


@dataclass(frozen=True)
class _Entry:
    """One scheduler config: its class, its own keywords and the common ones."""

    name: str
    kw: Mapping[str, Any]
    path: str


def _fail(message: str, path: str, value: Any, hint: str) -> SpecError:
    return SpecError(message, path=path, value=value, hint=hint)


def _build(entry: _Entry, epoch_length: int | None, max_epochs: int | None,
           max_iters: int | None) -> _Scheduler:
    """``Runner._build_param_scheduler`` + the registry's ``convert_to_iter_based`` + the checks of
    the constructor, for one scheduler config."""
    kw = dict(entry.kw)
    p = entry.path
    by_epoch = bool(kw.pop("by_epoch"))
    convert = bool(kw.pop("convert_to_iter_based"))
    begin, end = int(kw.pop("begin")), kw.pop("end")
    if end is None:
        end = max_epochs if by_epoch else max_iters
        if end is None:  # pragma: no cover - the caller always knows both lengths
            end = INF
    if convert:
        if not by_epoch:
            raise _fail("only an epoch-based scheduler can be converted to iter-based",
                        f"{p}convert_to_iter_based", True, "MMEngine asserts by_epoch; drop one")
        assert epoch_length is not None
        begin = int(begin * epoch_length)
        if end != INF:
            end = int(end * epoch_length)
        for key in ("step_size", "T_max", "total_steps"):
            if kw.get(key) is not None:
                kw[key] = kw[key] * epoch_length
        if "milestones" in kw:
            kw["milestones"] = [m * epoch_length for m in kw["milestones"]]
        if "periods" in kw:
            kw["periods"] = [x * epoch_length for x in kw["periods"]]
        by_epoch = False
    name = entry.name
    if end <= begin:
        raise _fail(f"end should be larger than begin ({begin})", f"{p}end", end,
                    "MMEngine raises ValueError; end is exclusive")
    extra: dict[str, Any] = {}
    if name == "LinearLR":
        for key in ("start_factor", "end_factor"):
            if not 0 <= kw[key] <= 1:
                raise _fail("should be between 0 and 1", f"{p}{key}", kw[key],
                            "MMEngine raises ValueError")
    if name == "ConstantLR" and not 0 <= kw["factor"] <= 1:
        raise _fail("should be between 0 and 1", f"{p}factor", kw["factor"],
                    "MMEngine raises ValueError")
    if name in ("CosineAnnealingLR", "CosineRestartLR"):
        eta_min, ratio = kw.get("eta_min"), kw.get("eta_min_ratio")
        if name == "CosineAnnealingLR" and eta_min is None and ratio is None:
            kw["eta_min"] = eta_min = 0.0
        if (eta_min is None) == (ratio is None):
            raise _fail("give exactly one of eta_min and eta_min_ratio", f"{p}eta_min", eta_min,
                        "MMEngine asserts this")
    if name == "CosineAnnealingLR":
        extra["T_max"] = kw["T_max"] or (end - begin)
    if name == "MultiStepLR":
        extra["milestones"] = Counter(kw["milestones"])
    if name == "StepLR" and kw["step_size"] <= 0:
        raise _fail("must be positive", f"{p}step_size", kw["step_size"],
                    "Python raises ZeroDivisionError on the modulo by 0")
    if name == "CosineRestartLR":
        periods, weights = kw["periods"], kw["restart_weights"]
        if len(periods) != len(weights):
            raise _fail("periods and restart_weights should have the same length",
                        f"{p}restart_weights", weights, "MMEngine asserts this")
        extra["cumulative"] = [sum(periods[: i + 1]) for i in range(len(periods))]
    if name == "OneCycleLR":
        total = kw["total_steps"] if kw["total_steps"] is not None else end - begin
        if total <= 0:
            raise _fail("Expected positive integer total_steps", f"{p}total_steps", total,
                        "MMEngine raises ValueError")
        pct = kw["pct_start"]
        if not 0 <= pct <= 1:
            raise _fail("Expected float between 0 and 1 pct_start", f"{p}pct_start", pct,
                        "MMEngine raises ValueError")
        extra["total_steps"] = total
        if kw["three_phase"]:
            extra["phases"] = [(float(pct * total) - 1, "initial", "max"),
                               (float(2 * pct * total) - 2, "max", "initial"),
                               (total - 1, "initial", "min")]
        else:
            extra["phases"] = [(float(pct * total) - 1, "initial", "max"),
                               (total - 1, "max", "min")]
    return _Scheduler(name, begin, end, by_epoch, kw, extra=extra)


# ------------------------------------------------------------------------------- the runner replay


@dataclass(frozen=True)
class _Run:
    """Everything the replay needs: the scheduler configs, the LR, the loop's shape."""

    entries: tuple[_Entry, ...]
    lr: float
    epoch_length: int | None
    max_epochs: int | None
    max_iters: int | None

    def walk(self) -> Iterator[tuple[float, str | None]]:
        """The LR of iterations 0, 1, ...; with the reason once MMEngine raises (then NaN)."""
        group = _Group(self.lr)
        scheds = [_build(e, self.epoch_length, self.max_epochs, self.max_iters) for e in self.entries]
        try:
            for s in scheds:
                s.attach(group)
        except _Raised as exc:
            raise SpecError(f"MMEngine raises {exc} when the scheduler is built",
                            path="args", hint="change the arguments") from None
        iteration, reason = 0, None
        while True:
            if reason is not None:
                yield math.nan, reason
                continue
            yield group.lr, None
            try:
                for s in scheds:
                    if not s.by_epoch:
                        s.step(group)
                iteration += 1
                if self.epoch_length and iteration % self.epoch_length == 0:
                    for s in scheds:
                        if s.by_epoch:
                            s.step(group)
            except _Raised as exc:
                reason = str(exc)


@dataclass
class _Replay:
    """Random access to the walk: keeps the values computed so far."""

    run: _Run
    values: list[float] = field(default_factory=list)
    raised: tuple[int, str] | None = None

    def upto(self, n: int) -> None:
        if len(self.values) >= n:
            return
        walker = self.run.walk()
        out: list[float] = []
        for i, (lr, reason) in enumerate(walker):
            if i >= n:
                break
            if reason is not None and self.raised is None:
                self.raised = (i, reason)
            out.append(lr)
        self.values = out

    def chunks(self, count: int, size: int) -> Iterator[FloatArray]:
        """Updates ``0 .. count-1`` in blocks of ``size`` (the replay is a walk from update 0)."""
        self.upto(count)
        values = np.asarray(self.values[:count], dtype=np.float64)
        for first in range(0, count, max(size, 1)):
            yield values[first:first + size].copy()

    def fn(self, k: IntArray) -> FloatArray:
        k = np.asarray(k, dtype=np.int64)
        if k.size == 0:
            return np.empty(0, dtype=np.float64)
        self.upto(int(k.max()) + 1)
        return np.asarray(self.values, dtype=np.float64)[k]


def _entries_of(items: Sequence[Any], known: Mapping[str, LibrarySchedule], prefix: str
                ) -> tuple[_Entry, ...]:
    """Validate ``[{type: LinearLR, ...}, ...]`` against the registered classes."""
    entries = []
    for i, item in enumerate(items):
        p = f"{prefix}[{i}]."
        if not isinstance(item, Mapping) or "type" not in item:
            raise SpecError("each scheduler is a mapping with a type", path=f"{prefix}[{i}]",
                            value=item, hint="e.g. {type: LinearLR, start_factor: 0.001, end: 500, "
                            "by_epoch: false}")
        kind = str(item["type"]).rsplit(".", 1)[-1]
        entry = known.get(kind)
        if entry is None:
            raise SpecError("is not an MMEngine LR scheduler warmupctl knows", path=f"{p}type",
                            value=item["type"], hint="one of " + ", ".join(sorted(known)))
        kw: dict[str, Any] = {}
        names = {a.name for a in entry.args}
        for key, value in item.items():
            if key in ("type", "_scope_"):
                continue
            if key not in names:
                raise SpecError(f"is not an argument of {kind}", path=f"{p}{key}", value=value,
                                hint="arguments: " + ", ".join(a.name for a in entry.args))
        for arg in entry.args:
            if arg.name in item:
                kw[arg.name] = coerce_arg(arg, item[arg.name], f"{p}{arg.name}")
            elif arg.required:
                raise SpecError(f"{kind} needs {arg.name}", path=f"{p}{arg.name}",
                                hint=arg.doc or "see the MMEngine documentation")
            else:
                kw[arg.name] = arg.default
        entries.append(_Entry(kind, kw, p))
    return tuple(entries)


def _lengths(call: LibraryCall, entries: Sequence[_Entry], max_epochs: int | None,
             max_iters: int | None, accumulate: int
             ) -> tuple[int, int | None, int | None, int, int | None]:
    """(updates to tabulate, epoch length, max_epochs, max_iters, the natural end in updates).

    ``max_iters`` is the run when known (``args.max_iters``, or ``max_epochs`` whole epochs); else the
    spec's ``total_steps`` or the command's bound is the run (:func:`run_length`).
    """
    epoch_length = call.extra.get("updates_per_epoch")
    needs_epochs = any(e.kw["by_epoch"] for e in entries)
    if epoch_length is not None and epoch_length < 1:
        raise SpecError("must be positive", path="updates_per_epoch", value=epoch_length,
                        hint="iterations (len(train_dataloader)) per epoch")
    if needs_epochs and epoch_length is None:
        raise SpecError("an epoch-based scheduler needs the iterations per epoch",
                        path="updates_per_epoch", hint="add updates_per_epoch: "
                        "len(train_dataloader) (or by_epoch: false)")
    if max_epochs is not None and epoch_length is not None:
        max_iters = max_epochs * epoch_length
    if accumulate > 1 and max_iters is None:
        raise SpecError("with accumulative_counts the run is given in iterations", path="args.max_iters",
                        hint="give args.max_iters or args.max_epochs; the updates are counted from them")
    natural = None if max_iters is None else -(-max_iters // accumulate)
    total = run_length(call, natural, "args.max_iters or args.max_epochs (with updates_per_epoch)")
    if max_iters is None:
        max_iters = total
    if max_epochs is None and epoch_length is not None:
        defaulted = any(e.kw["by_epoch"] and e.kw["end"] is None for e in entries)
        if max_iters % epoch_length and defaulted:
            raise SpecError(f"is not a whole number of epochs of {epoch_length} iterations",
                            path="total_steps", value=max_iters,
                            hint="an epoch-based scheduler without end ends at max_epochs; give "
                            "args.max_epochs (or the scheduler's end)")
        max_epochs = max_iters // epoch_length
    return total, epoch_length, max_epochs, max_iters, natural


def _accumulated(fn: Any, accumulate: int, iterations: int) -> Any:
    """Updates from iterations: with ``accumulative_counts`` A the optimizer steps at iterations
    ``(j + 1) * A - 1`` and at the run's last iteration (``OptimWrapper.should_update``), while the
    schedulers step after every iteration; update j uses the LR in force at its iteration."""

    def at_updates(k: IntArray) -> FloatArray:
        k = np.asarray(k, dtype=np.int64)
        last = iterations - 1
        iteration = (k + 1) * accumulate - 1
        # Past the run the loop would go on in whole windows; inside it the last window is cut short.
        inside_run = iteration >= last
        iteration = np.where(inside_run & (k * accumulate <= last), last, iteration)
        return fn(iteration)

    return at_updates


def _resolve(call: LibraryCall, entries: tuple[_Entry, ...],
             max_epochs: int | None = None, max_iters: int | None = None) -> Schedule:
    if call.lr is None:
        raise SpecError("MMEngine schedulers scale the optimizer's LR", path="lr",
                        hint="add lr: (optim_wrapper.optimizer.lr)")
    accumulate = call.extra.get("accumulative_counts") or 1
    if accumulate < 1:
        raise SpecError("must be positive", path="accumulative_counts", value=accumulate,
                        hint="iterations per optimizer update")
    total, epoch_length, max_epochs, max_iters, natural = _lengths(call, entries, max_epochs,
                                                                   max_iters, accumulate)
    iterations = max_iters if accumulate > 1 else total
    run = _Run(entries, call.lr, epoch_length, max_epochs, max_iters)
    replay = _Replay(run)
    replay.upto(max(total, iterations if accumulate > 1 else 0))
    notes: list[str] = []
    boundaries: list[Boundary] = []
    warmup = 0
    for e in entries:
        s = _build(e, epoch_length, max_epochs, max_iters)
        scale = epoch_length if s.by_epoch and epoch_length else 1
        unit = "epoch" if s.by_epoch else "iteration"
        start, stop = s.begin * scale, s.end * scale
        if s.by_epoch:
            notes.append(f"{e.name} is epoch-based: it steps after each epoch of {epoch_length} "
                         f"iterations, so its value changes on the first iteration of the next "
                         f"epoch (a staircase)")
        boundaries.append(Boundary(start, f"{e.name} begins ({unit} {s.begin})"))
        boundaries.append(Boundary(stop, f"{e.name} ends ({unit} {s.end})"))
        if e.name in ("LinearLR", "ConstantLR") and s.begin == 0 and warmup == 0 and stop < iterations:
            warmup = stop if e.name == "ConstantLR" else stop - scale
        if e.name in ("LinearLR", "ConstantLR", "PolyLR"):
            notes.append(f"{e.name} reaches its final factor at {unit} {s.end - 1} "
                         f"(end - 1: MMEngine spreads it over end - begin - 1 steps)")
    fn: Any = replay.fn
    raise_at = None
    if replay.raised is not None:
        raise_at = (replay.raised[0], f"MMEngine raises {replay.raised[1]}")
    if accumulate > 1:
        fn = _accumulated(replay.fn, accumulate, iterations)
        notes.append(f"accumulative_counts {accumulate}: {-(-iterations // accumulate)} optimizer "
                     f"updates in {iterations} iterations; the schedulers step every iteration, so "
                     f"update j uses the LR of iteration (j + 1) × {accumulate} - 1 (and the last "
                     f"update that of iteration {iterations - 1})")
        warmup = -(-warmup // accumulate)
        boundaries = [Boundary(-(-b.step // accumulate), b.label) for b in boundaries]
        if raise_at is not None:
            raise_at = (-(-(raise_at[0] + 1) // accumulate) - 1, raise_at[1])
    first = float(fn(np.array([0]))[0])
    notes.append(f"update 0 gets LR {g(first)}")
    return finish(call, fn, natural=natural, warmup=warmup, boundaries=boundaries, notes=notes,
                  raise_at=raise_at, source=f"{VERSION}, {FILE}, {RUNNER}",
                  chunks=replay.chunks if accumulate == 1 else None)


# ------------------------------------------------------------------------------- registration

_UPE = Arg("updates_per_epoch", None, kind="int", nullable=True,
           doc="iterations per epoch (len(train_dataloader)); needed by epoch-based schedulers")

#: class -> its own arguments (MMEngine's defaults), before the common ones.
CLASSES: dict[str, tuple[tuple[Arg, ...], str]] = {
    "ConstantLR": ((Arg("factor", 1.0 / 3, doc="multiplier until end - 1"),),
                   "lr × factor until step end - 1, then lr"),
    "LinearLR": ((Arg("start_factor", 1.0 / 3), Arg("end_factor", 1.0)),
                 "factor from start_factor to end_factor over end - begin - 1 steps (chainable)"),
    "CosineAnnealingLR": ((Arg("T_max", None, kind="int", nullable=True, doc="default end - begin"),
                           Arg("eta_min", None, nullable=True),
                           Arg("eta_min_ratio", None, nullable=True)),
                          "torch's recursive cosine from the current LR to eta_min over T_max"),
    "ExponentialLR": ((Arg("gamma", REQUIRED),), "lr × gamma each step after the first"),
    "MultiStepLR": ((Arg("milestones", REQUIRED, kind="ints"), Arg("gamma", 0.1)),
                    "lr × gamma at each milestone step (counted from begin)"),
    "StepLR": ((Arg("step_size", REQUIRED, kind="int"), Arg("gamma", 0.1)),
               "lr × gamma every step_size steps (counted from begin)"),
    "PolyLR": ((Arg("eta_min", 0.0), Arg("power", 1.0)),
               "(lr - eta_min) × (1 - 1 / (T - t + 1))^power + eta_min, T = end - begin - 1"),
    "OneCycleLR": ((Arg("eta_max", 0.0), Arg("total_steps", None, kind="int", nullable=True),
                    Arg("pct_start", 0.3), Arg("anneal_strategy", "cos", kind="str",
                                                 choices=("cos", "linear")),
                    Arg("div_factor", 25.0), Arg("final_div_factor", 1e4),
                    Arg("three_phase", False, kind="bool")),
                   "torch's one-cycle from eta_max / div_factor; ignores the optimizer LR"),
    "CosineRestartLR": ((Arg("periods", REQUIRED, kind="ints"),
                         Arg("restart_weights", [1.0], kind="floats"),
                         Arg("eta_min", None, nullable=True), Arg("eta_min_ratio", None, nullable=True)),
                        "recursive cosine restarting at each period, at base × restart weight"),
}

ENTRIES: dict[str, LibrarySchedule] = {}


def _single(name: str) -> Callable[[LibraryCall], Schedule]:
    def build(call: LibraryCall) -> Schedule:
        entry = _Entry(name, dict(call.args), "args.")
        return _resolve(call, (entry,))
    return build


for _name, (_args, _formula) in CLASSES.items():
    ENTRIES[_name] = register(LibrarySchedule(
        name=_name, library="mmengine", args=(*_args, *COMMON), build=_single(_name),
        source=f"{VERSION}, {FILE}, {_name.replace('LR', 'ParamScheduler')}",
        formula=_formula, lr="required", extra=(_UPE,)))


def _build_list(call: LibraryCall) -> Schedule:
    items = call.args["param_scheduler"]
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list) or not items:
        raise SpecError("must be a scheduler config or a list of them", path="args.param_scheduler",
                        value=items, hint="e.g. [{type: LinearLR, ...}, {type: MultiStepLR, ...}]")
    entries = _entries_of(items, ENTRIES, "args.param_scheduler")
    return _resolve(call, entries, call.args["max_epochs"], call.args["max_iters"])


register(LibrarySchedule(
    name="param_scheduler", library="mmengine",
    args=(Arg("param_scheduler", REQUIRED, kind="any", doc="the config's param_scheduler list"),
          Arg("max_epochs", None, kind="int", nullable=True, doc="train_cfg.max_epochs"),
          Arg("max_iters", None, kind="int", nullable=True, doc="train_cfg.max_iters")),
    build=_build_list, source=f"{VERSION}, {RUNNER}",
    formula="the schedulers in list order, iteration-based after each iteration, epoch-based after "
    "each epoch, each multiplying the current LR", lr="required",
    extra=(_UPE, Arg("accumulative_counts", 1, kind="int",
                     doc="optim_wrapper.accumulative_counts: iterations per optimizer update"))))

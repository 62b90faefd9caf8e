"""Megatron-LM's learning-rate schedule: ``megatron.OptimizerParamScheduler``.

Megatron has one scheduler class (megatron-core 0.16.1,
``megatron/core/optimizer_param_scheduler.py``, ``OptimizerParamScheduler``; the scheduler maths is
unchanged at the GitHub HEAD of August 2026). Its counter ``num_steps`` counts **samples**: the
constructor calls ``step(0)``, and ``train_step`` in ``megatron/training/training.py`` calls
``step(increment=global batch size)`` after every successful update. Optimizer update ``k``
(0-based) therefore runs at ``num_steps = k * global_batch_size``. warmupctl reads that batch size
from the top-level key ``global_batch_size`` (default 1: lengths counted in updates).

Two entries:

* ``megatron.OptimizerParamScheduler`` takes the constructor's keywords verbatim (lengths in
  samples, like the constructor). ``max_lr`` is an argument, so the spec's top-level ``lr`` is not
  used. The weight-decay keywords (``start_wd``, ``end_wd``, ``wd_incr_steps``, ``wd_incr_style``)
  and the checkpoint flags are accepted and checked as the constructor checks them; they do not
  change the LR of a fresh run (the weight decay is the series ``weight_decay``, at the end).
* ``megatron.get_optimizer_param_scheduler`` takes the training arguments that
  ``megatron/training/training.py: get_optimizer_param_scheduler`` turns into constructor values
  (``train_iters``/``train_samples``, ``lr_warmup_iters``/``lr_warmup_samples``/
  ``lr_warmup_fraction``, ``lr_decay_iters``/``lr_decay_samples``, ...), with ``lr:`` as ``--lr``.
  ``rampup_batch_size: [start, increment, samples]`` (``--rampup-batch-size``, sample-based runs
  only, as Megatron asserts) moves each update's sample count along the ramp
  (:mod:`warmupctl.frameworks.megatron_ramp`).

The LR at ``n = num_steps`` (W = lr_warmup_steps, D = lr_decay_steps), restated from ``get_lr``:

1. ``W > 0 and n <= W``: ``init_lr + (max_lr - init_lr) * n / W`` (the peak lands **at** n = W);
2. style ``constant``: ``max_lr`` (D plays no part);
3. ``n > D``: ``min_lr`` (for every other style);
4. ``inverse-square-root``: ``max(min_lr, max_lr * sqrt(max(W, 1)) / sqrt(max(n, 1)))``;
5. otherwise ``r = (n - W) / (D - W)`` and ``min_lr + coeff * (max_lr - min_lr)`` with ``coeff``
   ``1 - r`` (linear), ``0.5 * (cos(pi r) + 1)`` (cosine), or for ``WSD`` 1 until
   ``n <= D - wsd_decay_steps`` and then, with
   ``q = (n - (D - wsd_decay_steps)) / wsd_decay_steps``, ``1 - q`` (linear),
   ``0.5 * (cos(pi q) + 1)`` (cosine), ``2 * 0.5**q - 1`` (exponential) or ``1 - sqrt(q)``
   (minus_sqrt).

Every form is closed and evaluated vectorized in float64, in Megatron's operation order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.engine.progress import Progress
from warmupctl.frameworks._kit import FloatArray, IntArray, finish, floats, g, run_length
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register
from warmupctl.frameworks.megatron_ramp import RAMP_SOURCE, ConstantBatches, RampedBatches, ramp

#: How update k maps to Megatron's sample counter: constant batches, or the batch ramp-up.
Batches = ConstantBatches | RampedBatches

VERSION = "megatron-core 0.16.1"
CORE_FILE = "megatron/core/optimizer_param_scheduler.py"
TRAINING_FILE = "megatron/training/training.py"

DECAY_STYLES = ("constant", "linear", "cosine", "inverse-square-root", "WSD")
WSD_STYLES = ("exponential", "linear", "cosine", "minus_sqrt")
WD_STYLES = ("constant", "linear", "cosine")

_GLOBAL_BATCH_SIZE = Arg(
    "global_batch_size",
    1,
    kind="int",
    doc="samples per optimizer update; Megatron steps its scheduler by this many samples "
    "(1: lengths are counted in updates)",
)


@dataclass(frozen=True)
class _Scheduler:
    """The LR-relevant state of one ``OptimizerParamScheduler``; lengths in samples."""

    init_lr: float
    max_lr: float
    min_lr: float
    warmup: float
    decay: float
    style: str
    wsd_decay: float | None
    wsd_style: str | None

    def lr(self, n: IntArray) -> FloatArray:
        """``get_lr`` at ``num_steps = n``.

        >>> s = _Scheduler(0.0, 1.0, 0.1, 2, 6, "linear", None, None)
        >>> [round(float(x), 6) for x in s.lr(np.arange(8))]
        [0.0, 0.5, 1.0, 0.775, 0.55, 0.325, 0.1, 0.1]
        """
        x = floats(n)
        out = np.full(x.shape, self.max_lr, dtype=np.float64)
        warm = (x <= self.warmup) if self.warmup > 0 else np.zeros(x.shape, dtype=bool)
        if self.style != "constant":
            late = ~warm & (x > self.decay)
            live = ~warm & ~late
            out[late] = self.min_lr
            out[live] = self._decay(x[live])
        # Megatron multiplies before dividing: (max - init) * n / W.
        out[warm] = self.init_lr + (self.max_lr - self.init_lr) * x[warm] / self.warmup
        return out

    def _decay(self, x: FloatArray) -> FloatArray:
        if self.style == "inverse-square-root":
            root_w = float(max(self.warmup, 1)) ** 0.5
            lr = self.max_lr * root_w / np.sqrt(np.maximum(x, 1.0))
            return np.maximum(self.min_lr, lr)
        ratio = (x - self.warmup) / float(self.decay - self.warmup)
        if self.style == "linear":
            coeff = 1.0 - ratio
        elif self.style == "cosine":
            coeff = 0.5 * (np.cos(np.pi * ratio) + 1.0)
        else:
            coeff = self._wsd(x)
        return self.min_lr + coeff * (self.max_lr - self.min_lr)

    def _wsd(self, x: FloatArray) -> FloatArray:
        assert self.wsd_decay is not None
        start = self.decay - self.wsd_decay
        coeff = np.ones_like(x)
        annealing = x > start
        q = (x[annealing] - start) / float(self.wsd_decay)
        if self.wsd_style == "linear":
            coeff[annealing] = 1.0 - q
        elif self.wsd_style == "cosine":
            coeff[annealing] = 0.5 * (np.cos(np.pi * q) + 1.0)
        elif self.wsd_style == "exponential":
            coeff[annealing] = 2.0 * np.power(0.5, q) - 1.0
        elif self.wsd_style == "minus_sqrt":
            coeff[annealing] = 1.0 - np.sqrt(q)
        else:  # Megatron leaves coeff None and fails its assert; the build NaNs these updates.
            coeff[annealing] = np.nan
        return coeff

    @property
    def anneal_start(self) -> float | None:
        """The sample after which WSD starts to decay, or None for other styles."""
        if self.style != "WSD" or self.wsd_decay is None:
            return None
        return self.decay - self.wsd_decay


# --------------------------------------------------------------------------- validation


def _check(ok: bool, message: str, path: str, value: Any, hint: str) -> None:
    if not ok:
        raise SpecError(message, path=path, value=value, hint=hint)


def _whole(x: float) -> float | int:
    """Show integral sample counts as ints in the resolved spec."""
    return int(x) if float(x).is_integer() else x


def _check_weight_decay(args: dict[str, Any]) -> None:
    """The constructor's weight-decay checks; they stop construction, so they stop the LR too."""
    start, end = args["start_wd"], args["end_wd"]
    style, incr = args["wd_incr_style"], args["wd_incr_steps"]
    if start is not None:
        _check(start >= 0.0, "must not be negative", "args.start_wd", start,
               "Megatron asserts start_wd >= 0")
    if start is not None and end is not None:
        _check(end >= start, "must be at least start_wd", "args.end_wd", end,
               f"Megatron asserts end_wd >= start_wd ({start})")
        _check(style != "constant" or start == end, "differs from end_wd with a constant style",
               "args.start_wd", start,
               "Megatron asserts start_wd == end_wd when wd_incr_style is constant")
    if style != "constant" and incr is not None and incr == 0:
        raise SpecError("is 0 with a non-constant weight-decay style", path="args.wd_incr_steps",
                        value=incr, hint="Megatron divides by wd_incr_steps in step(0) and "
                        "raises ZeroDivisionError; give a positive count")
    if args["override_opt_param_scheduler"] and args["use_checkpoint_opt_param_scheduler"]:
        raise SpecError("both override and use-checkpoint are set",
                        path="args.override_opt_param_scheduler", value=True,
                        hint="Megatron asserts this; set use_checkpoint_opt_param_scheduler: false")


def _scheduler(values: dict[str, Any], paths: dict[str, str] | None = None) -> _Scheduler:
    """Check the constructor's assertions and build the scheduler state.

    ``paths`` maps a constructor keyword to the spec key it came from (for error messages).
    """
    init_lr, max_lr, min_lr = values["init_lr"], values["max_lr"], values["min_lr"]
    warmup, decay = values["lr_warmup_steps"], values["lr_decay_steps"]
    style, wsd, wsd_style = (values["lr_decay_style"], values["wsd_decay_steps"],
                             values["lr_wsd_decay_style"])

    def path(name: str) -> str:
        return (paths or {}).get(name, f"args.{name}")

    _check(min_lr >= 0.0, "must not be negative", path("min_lr"), min_lr,
           "Megatron asserts min_lr >= 0")
    _check(max_lr >= min_lr, "is below min_lr", path("max_lr"), max_lr,
           f"Megatron asserts max_lr >= min_lr ({min_lr})")
    _check(init_lr <= max_lr, "is above max_lr", path("init_lr"), init_lr,
           f"Megatron asserts init_lr <= max_lr ({max_lr}); the warmup starts at init_lr")
    _check(decay > 0, "must be positive", path("lr_decay_steps"), decay,
           "Megatron asserts lr_decay_steps > 0")
    _check(warmup >= 0, "must not be negative", path("lr_warmup_steps"), warmup,
           "a warmup length is a number of samples (or updates)")
    _check(warmup < decay, "must be less than the decay length", path("lr_warmup_steps"), warmup,
           f"Megatron asserts lr_warmup_steps < lr_decay_steps ({decay}); the decay length "
           "includes the warmup")
    if style == "WSD":
        _check(wsd is not None, "WSD needs the length of its decay", path("wsd_decay_steps"), wsd,
               "Megatron asserts wsd_decay_steps is set when lr_decay_style is WSD")
    return _Scheduler(float(init_lr), float(max_lr), float(min_lr), warmup, decay, style,
                      wsd, wsd_style)


# --------------------------------------------------------------------------- schedule assembly


def _schedule(sched: _Scheduler, batches: Batches, call: LibraryCall, qualname: str, source: str,
              spec_args: dict[str, Any], spec_lr: float | None, natural: int,
              extra_notes: tuple[str, ...] = ()) -> Schedule:
    total = run_length(call, natural)
    gbs = call.extra["global_batch_size"]

    def fn(k: IntArray) -> FloatArray:
        return sched.lr(batches.samples(k))

    notes: list[str] = []
    raise_at: int | None = None
    raise_event = ""
    anneal = sched.anneal_start
    if anneal is not None and sched.wsd_style not in WSD_STYLES:
        lower = max(sched.warmup if sched.warmup > 0 else -1.0, anneal)
        first = batches.first_after(lower)
        if int(batches.samples(np.array([first]))[0]) <= sched.decay:
            if first == 0:
                raise SpecError("WSD needs a decay style", path="args.lr_wsd_decay_style",
                                value=None, hint="Megatron fails an assert in step(0); "
                                "one of " + ", ".join(WSD_STYLES))
            raise_at = first
            raise_event = "Megatron fails an assert (no lr_wsd_decay_style)"

    warmup_update = batches.first_at(sched.warmup) if sched.warmup > 0 else 0
    boundaries: list[Boundary] = []
    if sched.warmup > 0:
        boundaries.append(Boundary(warmup_update, "warmup end"))
        start = sched.init_lr
        word = "0 (Megatron warms up from init_lr, 0 by default)" if start == 0 else (
            f"{g(start)} (init_lr; Megatron warms up from it)")
        notes.append(f"update 0 gets LR {word}")
        last = warmup_update - 1
        around = fn(np.array([last, last + 1], dtype=np.int64))
        at = int(batches.samples(np.array([warmup_update]))[0])
        if at != sched.warmup and bool(np.all(around < sched.max_lr)):
            notes.append(f"the peak max_lr {g(sched.max_lr)} is never used: the warmup ends at "
                         f"sample {g(sched.warmup)}, between updates {last} and {last + 1} "
                         f"({batches.batch_of(last)} samples per update)")
    if anneal is not None and sched.warmup < anneal < sched.decay:
        boundaries.append(Boundary(batches.first_at(anneal), "decay start"))
    if sched.style == "constant":
        if sched.min_lr != sched.max_lr and sched.min_lr != 0:
            notes.append("min_lr is never used: lr_decay_style constant holds max_lr forever")
    else:
        past = batches.first_after(sched.decay)
        boundaries.append(Boundary(past, "min_lr"))
        if sched.style == "inverse-square-root" and past > 0:
            before = float(fn(np.array([past - 1]))[0])
            if before > sched.min_lr * (1 + 1e-12) and total > past:
                notes.append(f"the LR drops from {g(before)} to min_lr {g(sched.min_lr)} after "
                             f"update {past - 1} (Megatron cuts to min_lr past lr_decay_steps)")
    notes.extend(extra_notes)
    return finish(call, fn, natural=natural, lr=spec_lr, args=spec_args, warmup=warmup_update,
                  boundaries=boundaries, notes=notes, source=source,
                  spec={"global_batch_size": gbs},
                  raise_at=None if raise_at is None else (raise_at, raise_event))


def _gbs(call: LibraryCall) -> int:
    gbs = call.extra["global_batch_size"]
    if gbs < 1:
        raise SpecError("must be positive", path="global_batch_size", value=gbs,
                        hint="the number of samples in one optimizer update")
    return int(gbs)


# -------------------------------------------------------------------------- OptimizerParamScheduler


def _build_scheduler(call: LibraryCall) -> Schedule:
    args = dict(call.args)
    gbs = _gbs(call)
    _check_weight_decay(args)
    args["lr_warmup_steps"] = _whole(args["lr_warmup_steps"])
    sched = _scheduler(args)
    natural = max(1, math.ceil(sched.decay / gbs))
    return _schedule(sched, ConstantBatches(gbs), call, "megatron.OptimizerParamScheduler",
                     f"{VERSION}, {CORE_FILE}, OptimizerParamScheduler.get_lr",
                     args, None, natural)


_LR_ARGS = (
    Arg("lr_decay_style", "linear", kind="str", choices=DECAY_STYLES,
        doc="decay after the warmup (--lr-decay-style; SchedulerConfig default linear)"),
)

register(LibrarySchedule(
    name="OptimizerParamScheduler", library="megatron", lr="unused", extra=(_GLOBAL_BATCH_SIZE,),
    args=(
        Arg("init_lr", 0.0, doc="LR at sample 0, where the warmup starts (--lr-warmup-init, 0.0)"),
        Arg("max_lr", REQUIRED, doc="peak LR, reached at the end of the warmup (--lr)"),
        Arg("min_lr", 0.0, doc="floor after the decay (--min-lr, 0.0)"),
        Arg("lr_warmup_steps", 0, doc="warmup length in samples; may be fractional"),
        Arg("lr_decay_steps", REQUIRED, kind="int",
            doc="samples until min_lr, warmup included"),
        *_LR_ARGS,
        Arg("start_wd", None, nullable=True, doc="weight decay schedule: the series weight_decay"),
        Arg("end_wd", None, nullable=True, doc="weight decay schedule: the series weight_decay"),
        Arg("wd_incr_steps", None, kind="int", nullable=True,
            doc="weight decay schedule: the series weight_decay"),
        Arg("wd_incr_style", "constant", kind="str", choices=WD_STYLES,
            doc="weight decay schedule: the series weight_decay"),
        Arg("use_checkpoint_opt_param_scheduler", True, kind="bool",
            doc="checkpoint handling; no effect on a fresh run"),
        Arg("override_opt_param_scheduler", False, kind="bool",
            doc="checkpoint handling; no effect on a fresh run"),
        Arg("wsd_decay_steps", None, kind="int", nullable=True,
            doc="WSD: samples of decay at the end of lr_decay_steps"),
        Arg("lr_wsd_decay_style", "exponential", kind="str", choices=WSD_STYLES, nullable=True,
            doc="WSD decay shape (SchedulerConfig default exponential; the constructor's is None)"),
    ),
    build=_build_scheduler, source=f"{VERSION}, {CORE_FILE}, OptimizerParamScheduler",
    formula="n = update * global_batch_size; n <= W: init + (max - init) * n / W; constant: max; "
             "n > D: min; else min + coeff * (max - min) with coeff by style (see module docs)"))


# --------------------------------------------------------------------------- training arguments


def _build_training(call: LibraryCall) -> Schedule:
    sched, batches, natural, notes, source = _training(call)
    schedule = _schedule(sched, batches, call, "megatron.get_optimizer_param_scheduler", source,
                         dict(call.args), call.lr, max(1, natural), notes)
    # The samples (and tokens) before each update, what the LR is computed from, for tables and plots;
    # not for a global batch of 1, which may be the default of a spec that gives none.
    if isinstance(batches, RampedBatches) or batches.batch_of(0) > 1:
        ramped = isinstance(batches, RampedBatches)
        progress = Progress(batches.samples, call.args["seq_length"], ramped,
                            batches.first if isinstance(batches, RampedBatches) else ())
        schedule = replace(schedule, progress=progress)
    return schedule


def _training(call: LibraryCall) -> tuple[_Scheduler, Batches, int, tuple[str, ...], str]:
    """What ``get_optimizer_param_scheduler`` builds from the training arguments: the scheduler,
    the samples per update, the run length in updates, notes and the source."""
    a = dict(call.args)
    gbs = _gbs(call)
    iters, samples = a["train_iters"], a["train_samples"]
    fraction = a["lr_warmup_fraction"]
    rampup = a["rampup_batch_size"]
    batches: Batches = ConstantBatches(gbs)
    if rampup is not None and iters:
        raise SpecError("expected no batch-size rampup for iteration-based training",
                        path="args.rampup_batch_size", value=list(rampup),
                        hint="Megatron's validate_args asserts this with train_iters; give "
                        "train_samples (and lengths in samples) for a ramped run")
    if not (iters or samples):
        raise SpecError("either train_iters or train_samples should be provided",
                        path="args.train_iters", hint="Megatron needs the run length: add "
                        "train_iters (updates) or train_samples")
    # Megatron counts in samples: lengths given in iterations are multiplied by the batch size.
    unit, other, scale = ("iters", "samples", gbs) if iters else ("samples", "iters", 1)
    kind, words = ("iteration", "iterations") if iters else ("sample", "samples")
    for name in (["train_samples"] if iters else []) + [f"lr_decay_{other}", f"lr_warmup_{other}"]:
        bad = a[name] != 0 if name.startswith("lr_warmup_") else a[name] is not None
        _check(not bad, f"expected {kind}-based training", f"args.{name}", a[name],
               f"Megatron's argument check: with train_{unit}, give lengths in {words}")
    if fraction is not None:
        _check(a[f"lr_warmup_{unit}"] == 0,
               f"can only specify one of lr-warmup-fraction and lr-warmup-{unit}",
               f"args.lr_warmup_{unit}", a[f"lr_warmup_{unit}"], "drop one of them")
    given_decay, given_wsd = a[f"lr_decay_{unit}"], a[f"lr_wsd_decay_{unit}"]
    decay = (given_decay if given_decay is not None else (iters or samples)) * scale
    wsd = given_wsd * scale if given_wsd is not None else None
    warmup = fraction * decay if fraction is not None else a[f"lr_warmup_{unit}"] * scale
    natural = iters if iters else samples // gbs
    if rampup is not None:  # sample-based only (refused above with train_iters)
        batches = _ramp_of(a, gbs)
        natural = batches.train_iters(samples)
    names = {"lr_decay_steps": f"lr_decay_{unit}", "wsd_decay_steps": f"lr_wsd_decay_{unit}",
             "lr_warmup_steps": "lr_warmup_fraction" if fraction is not None
             else f"lr_warmup_{unit}"}
    assert call.lr is not None
    values = {"init_lr": a["lr_warmup_init"], "max_lr": call.lr, "min_lr": a["min_lr"],
              "lr_warmup_steps": _whole(warmup), "lr_decay_steps": decay,
              "lr_decay_style": a["lr_decay_style"], "wsd_decay_steps": wsd,
              "lr_wsd_decay_style": a["lr_wsd_decay_style"]}
    paths = {"init_lr": "args.lr_warmup_init", "max_lr": "lr",
             **{key: f"args.{name}" for key, name in names.items()}}
    if natural < 1 and call.total_steps is None:
        raise SpecError("gives no update", path="args.train_samples", value=samples,
                        hint=f"train_samples // global_batch_size ({gbs}) is 0")
    sched = _scheduler(values, paths)
    notes: tuple[str, ...] = ()
    if fraction is not None and not float(warmup).is_integer():
        notes = (f"lr_warmup_fraction gives a warmup of {g(warmup)} samples; Megatron does not "
                 "round it",)
    source = (f"{VERSION}, {TRAINING_FILE}, get_optimizer_param_scheduler + "
              f"{CORE_FILE}, OptimizerParamScheduler")
    if isinstance(batches, RampedBatches):
        notes = (*notes, *_ramp_notes(batches, sched, a["seq_length"]))
        source += f" + {RAMP_SOURCE}"
    return sched, batches, natural, notes, source


def _ramp_of(a: dict[str, Any], gbs: int) -> RampedBatches:
    """The ramp of ``rampup_batch_size``, checked against ``micro_batch_size × data_parallel_size``."""
    if a["decrease_batch_size_if_needed"]:
        raise SpecError("is not modelled with a batch ramp-up", value=True,
                        path="args.decrease_batch_size_if_needed",
                        hint="Megatron then rounds each ramp batch down to a multiple of "
                        "micro_batch_size × data-parallel size; warmupctl does not replay that")
    micro, dp = a["micro_batch_size"], a["data_parallel_size"]
    unit = micro * dp if micro is not None and dp is not None else None
    return ramp(tuple(a["rampup_batch_size"]), gbs, unit, path="args.rampup_batch_size")


def _ramp_notes(batches: RampedBatches, sched: _Scheduler, seq_length: int | None) -> list[str]:
    """What the ramp does to updates, samples and tokens, in words."""
    start, increment, samples = batches.rampup
    end = batches.ramp_updates
    at = batches.start[-1]

    def tokens(n: float) -> str:
        return f", {g(n * seq_length)} tokens" if seq_length else ""

    notes = [f"batch ramp-up: {start} samples per update at update 0, +{increment} every "
             f"{g(samples / (len(batches.batch) - 1))} samples; {batches.global_batch_size} from "
             f"update {end} on (sample {at}{tokens(at)}); Megatron's LR follows the samples consumed"]
    if sched.warmup > 0:
        w = batches.first_at(sched.warmup)
        flat = math.ceil(sched.warmup / batches.global_batch_size)
        if w != flat:
            notes.append(f"the warmup of {g(sched.warmup)} samples{tokens(sched.warmup)} ends at "
                         f"update {w} under the ramp ({flat} at a constant batch of "
                         f"{batches.global_batch_size})")
    if seq_length is None:
        notes.append("tokens: add seq_length (--seq-length) to see the ramp in tokens")
    notes.append("Megatron-LM from 2026-04-21 ignores --rampup-batch-size (deprecated for "
                 "--step-batch-size-schedule); these numbers are megatron-core 0.16.1's")
    return notes


register(LibrarySchedule(
    name="get_optimizer_param_scheduler", library="megatron", lr="required", extra=(_GLOBAL_BATCH_SIZE,),
    args=(
        Arg("min_lr", 0.0, doc="--min-lr"),
        Arg("lr_warmup_init", 0.0, doc="--lr-warmup-init: LR at the start of the warmup"),
        *_LR_ARGS,
        Arg("lr_wsd_decay_style", "exponential", kind="str", choices=WSD_STYLES,
            doc="--lr-wsd-decay-style"),
        Arg("train_iters", None, kind="int", nullable=True, doc="--train-iters (updates)"),
        Arg("train_samples", None, kind="int", nullable=True, doc="--train-samples"),
        Arg("lr_decay_iters", None, kind="int", nullable=True,
            doc="--lr-decay-iters (default train_iters)"),
        Arg("lr_decay_samples", None, kind="int", nullable=True,
            doc="--lr-decay-samples (default train_samples)"),
        Arg("lr_warmup_iters", 0, kind="int", doc="--lr-warmup-iters"),
        Arg("lr_warmup_samples", 0, kind="int", doc="--lr-warmup-samples"),
        Arg("lr_warmup_fraction", None, nullable=True,
            doc="--lr-warmup-fraction of the decay length (not rounded)"),
        Arg("lr_wsd_decay_iters", None, kind="int", nullable=True, doc="--lr-wsd-decay-iters"),
        Arg("lr_wsd_decay_samples", None, kind="int", nullable=True,
            doc="--lr-wsd-decay-samples"),
        Arg("rampup_batch_size", None, kind="ints", nullable=True,
            doc="--rampup-batch-size start increment samples (sample-based runs)"),
        Arg("micro_batch_size", None, kind="int", nullable=True,
            doc="--micro-batch-size: each ramp batch must be a multiple of it × data parallel size"),
        Arg("data_parallel_size", None, kind="int", nullable=True,
            doc="data-parallel ranks (world size / (tensor × pipeline × context parallel))"),
        Arg("decrease_batch_size_if_needed", False, kind="bool",
            doc="--decrease-batch-size-if-needed (not modelled with a ramp)"),
        Arg("seq_length", None, kind="int", nullable=True,
            doc="--seq-length: tokens per sample, for the notes in tokens"),
    ),
    build=_build_training, source=f"{VERSION}, {TRAINING_FILE}, get_optimizer_param_scheduler",
    formula="D = lr_decay_iters * GBS (or samples), W = lr_warmup_iters * GBS, or "
             "lr_warmup_fraction * D; then megatron.OptimizerParamScheduler with max_lr = lr"))


# --------------------------------------------------------------------------- series besides the LR
#
# ``OptimizerParamScheduler.step`` writes, for every param group, ``group['lr'] = get_lr(group)``
# (the group's own ``max_lr``/``min_lr`` when it has them; ``init_lr`` and the lengths are shared)
# and ``group['weight_decay'] = get_wd(group) * group.get('wd_mult', 1.0)`` (the group's own
# ``start_wd``/``end_wd`` when it has them). ``get_wd`` at n = num_steps: ``end_wd`` once n >
# wd_incr_steps or for the constant style, else ``start_wd + coeff * (end_wd - start_wd)`` with
# ``r = n / wd_incr_steps`` and coeff ``r`` (linear) or ``0.5 * (cos(pi * (1 - r)) + 1)`` (cosine),
# an increase. megatron-core 0.16.1 keeps ``lr_mult`` in the groups ``_get_param_groups`` builds
# (megatron/core/optimizer/__init__.py) for backward compatibility; the scheduler never reads it.

#: Keys of one entry of ``param_groups:`` (a Megatron ``ParamGroupOverride``, plus a name).
GROUP_KEYS = ("name", "max_lr", "min_lr", "start_wd", "end_wd", "wd_mult", "lr_mult")

_PARAM_GROUPS = Arg(
    "param_groups", None, kind="any", nullable=True,
    doc="the optimizer's param groups, each a mapping of max_lr, min_lr, start_wd, end_wd, wd_mult "
    "(Megatron's ParamGroupOverride) and an optional name; {} is a group on the defaults")


def _weight_decay(n: FloatArray, start: float, end: float, steps: int, style: str) -> FloatArray:
    """``get_wd`` at ``num_steps = n`` (float64, Megatron's operation order)."""
    out = np.full(n.shape, float(end))
    if style == "constant":
        return out
    live = n <= steps
    ratio = n[live] / float(steps)
    coeff = ratio if style == "linear" else 0.5 * (np.cos(np.pi * (1 - ratio)) + 1.0)
    out[live] = start + coeff * (end - start)
    return out


def _groups(call: LibraryCall) -> list[dict[str, Any]] | None:
    """The validated ``param_groups:`` list (None when the spec gives none)."""
    from warmupctl.core.values import as_float

    raw = call.extra.get("param_groups")
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise SpecError("must be a non-empty list of param groups", path="param_groups",
                        value=raw, hint="e.g. [{}, {wd_mult: 0.0}, {max_lr: 1e-4, min_lr: 1e-5}]")
    if len(raw) > 1000:  # a typo'd generator, not an optimizer: each group is a column
        raise SpecError("more than 1000 param groups", path="param_groups", value=len(raw),
                        hint="one entry per optimizer param group")
    groups = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise SpecError("must be a mapping", path=f"param_groups[{i}]", value=item,
                            hint="keys: " + ", ".join(GROUP_KEYS))
        group: dict[str, Any] = {}
        for key, value in item.items():
            if key not in GROUP_KEYS:
                raise SpecError("unknown param-group key", path=f"param_groups[{i}].{key}",
                                value=key, hint="keys: " + ", ".join(GROUP_KEYS))
            if key == "name":
                if not isinstance(value, str) or not value or "/" in value:
                    raise SpecError("must be a name without '/'", path=f"param_groups[{i}].name",
                                    value=value)
                group[key] = value
                continue
            number = as_float(value, f"param_groups[{i}].{key}")  # YAML's "5e-4" too
            if number < 0:
                raise SpecError("must be a number >= 0", path=f"param_groups[{i}].{key}",
                                value=value)
            group[key] = number
        groups.append(group)
    names = [g.get("name", f"pg{i}") for i, g in enumerate(groups)]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise SpecError("two param groups have this name", path=f"param_groups[{i}].name",
                            value=name)
    return groups


def _series(call: LibraryCall, lr: Schedule, sched: _Scheduler, batches: Batches,
            wd: tuple[float | None, float | None, int | None, str]) -> tuple[dict[str, Schedule],
                                                                          tuple[str, ...]]:
    """Per-group LRs and weight decays, named ``lr/<group>`` and ``weight_decay[/<group>]``."""
    from dataclasses import replace as with_values

    from warmupctl.engine.series import from_function
    from warmupctl.frameworks._series import nan_where_lr_is

    start, end, incr, style = wd
    groups = _groups(call)
    notes: list[str] = []
    total = lr.total_steps

    def updates(k: IntArray) -> FloatArray:  # num_steps (samples) at update k
        return floats(batches.samples(np.asarray(k, dtype=np.int64)))

    def wd_series(group: dict[str, Any], path: str) -> Schedule | None:
        g_start, g_end = group.get("start_wd", start), group.get("end_wd", end)
        if g_start is None and g_end is None and "wd_mult" not in group:
            return None
        if g_start is None or g_end is None or incr is None:
            missing = "start_wd" if g_start is None else "end_wd" if g_end is None else "wd_incr_steps"
            raise SpecError(f"the weight-decay schedule needs {missing}", path=f"args.{missing}",
                            hint="Megatron's constructor takes start_wd, end_wd and wd_incr_steps")
        if style == "constant" and g_start != g_end:
            raise SpecError("differs from end_wd with a constant style", path=f"{path}start_wd",
                            value=g_start, hint="Megatron asserts start_wd == end_wd in get_wd")
        if g_end < g_start:
            raise SpecError("is below start_wd", path=f"{path}end_wd", value=g_end,
                            hint="Megatron's weight decay only increases")
        mult = group.get("wd_mult", 1.0)

        def fn(k: IntArray) -> FloatArray:
            return _weight_decay(updates(k), g_start, g_end, incr, style) * mult

        return from_function(nan_where_lr_is(fn, lr), total, "weight_decay")

    out: dict[str, Schedule] = {}
    decays: dict[str, Schedule] = {}  # after every group's LR, so that like columns sit together
    if groups is None:
        member = wd_series({}, "args.")
        if member is not None:
            out["weight_decay"] = member
        return out, ()
    for i, group in enumerate(groups):
        name = group.get("name", f"pg{i}")
        own = with_values(sched, max_lr=group.get("max_lr", sched.max_lr),
                          min_lr=group.get("min_lr", sched.min_lr))

        def lr_fn(k: IntArray, own: _Scheduler = own) -> FloatArray:
            return own.lr(batches.samples(np.asarray(k, dtype=np.int64)))

        out[f"lr/{name}"] = from_function(nan_where_lr_is(lr_fn, lr), total, f"lr/{name}")
        member = wd_series(group, f"param_groups[{i}].")
        if member is not None:
            decays[f"weight_decay/{name}"] = member
        if "lr_mult" in group:
            notes.append(f"param_groups[{i}].lr_mult has no effect: {VERSION}'s "
                         "OptimizerParamScheduler reads max_lr and min_lr, not lr_mult")
    return {**out, **decays}, tuple(notes)


def _scheduler_series(call: LibraryCall, lr: Schedule) -> tuple[dict[str, Schedule],
                                                               tuple[str, ...]]:
    args = dict(call.args)
    args["lr_warmup_steps"] = _whole(args["lr_warmup_steps"])
    return _series(call, lr, _scheduler(args), ConstantBatches(_gbs(call)),
                   (args["start_wd"], args["end_wd"], args["wd_incr_steps"], args["wd_incr_style"]))


#: ``get_optimizer_param_scheduler``'s weight-decay arguments (top-level keys beside ``args``).
_WD_ARGS = (
    Arg("weight_decay", None, nullable=True,
        doc="--weight-decay: start and end of a constant weight_decay_incr_style"),
    Arg("start_weight_decay", None, nullable=True, doc="--start-weight-decay (linear, cosine)"),
    Arg("end_weight_decay", None, nullable=True, doc="--end-weight-decay (linear, cosine)"),
    Arg("weight_decay_incr_style", "constant", kind="str", choices=WD_STYLES,
        doc="--weight-decay-incr-style"),
)


def _training_series(call: LibraryCall, lr: Schedule) -> tuple[dict[str, Schedule],
                                                              tuple[str, ...]]:
    """``get_optimizer_param_scheduler`` passes ``start_wd=args.start_weight_decay``,
    ``end_wd=args.end_weight_decay``, ``wd_incr_style=args.weight_decay_incr_style`` and
    ``wd_incr_steps`` = ``train_iters * global_batch_size`` (or ``train_samples``); ``validate_args``
    (megatron/training/arguments.py) sets start and end to ``--weight-decay`` for the constant
    style, where it asserts that neither is given, and asserts both for the others."""
    e = call.extra
    style = e["weight_decay_incr_style"]
    start, end = e["start_weight_decay"], e["end_weight_decay"]
    if style == "constant":
        for key, value in (("start_weight_decay", start), ("end_weight_decay", end)):
            if value is not None:
                raise SpecError("is set with a constant weight_decay_incr_style", path=key,
                                value=value, hint="Megatron's validate_args asserts it is not; "
                                "give weight_decay, or a linear/cosine style")
        start = end = e["weight_decay"]
    else:
        for key, value in (("start_weight_decay", start), ("end_weight_decay", end)):
            if value is None:
                raise SpecError(f"a {style} weight_decay_incr_style needs it", path=key,
                                hint="Megatron's validate_args asserts it is given")
    sched, batches, _, _, _ = _training(call)
    a = call.args
    incr = a["train_iters"] * _gbs(call) if a["train_iters"] else a["train_samples"]
    return _series(call, lr, sched, batches, (start, end, incr, style))


def _register_series() -> None:
    from warmupctl.frameworks._series import LibrarySeries, register_series

    register_series(LibrarySeries(
        qualname="megatron.get_optimizer_param_scheduler", build=_training_series,
        extra=(*_WD_ARGS, _PARAM_GROUPS),
        source=f"{VERSION}, {TRAINING_FILE}, get_optimizer_param_scheduler + {CORE_FILE}, "
               "OptimizerParamScheduler.step / get_lr / get_wd",
        what="weight_decay (start_weight_decay -> end_weight_decay); with param_groups: "
             "lr/<group> and weight_decay/<group>"))

    register_series(LibrarySeries(
        qualname="megatron.OptimizerParamScheduler", build=_scheduler_series,
        extra=(_PARAM_GROUPS,),
        source=f"{VERSION}, {CORE_FILE}, OptimizerParamScheduler.step / get_lr / get_wd",
        what="weight_decay (start_wd -> end_wd); with param_groups: lr/<group> and "
             "weight_decay/<group>"))


_register_series()

"""Ultralytics YOLO's trainer: its per-epoch LambdaLR, its per-iteration warmup and its accumulation.

Restated from ``ultralytics/engine/trainer.py`` (``BaseTrainer._setup_train``, ``_setup_scheduler``,
``_do_train``, ``_get_warmup_iterations``, ``build_optimizer``) and ``ultralytics/utils/torch_utils.py``
(``one_cycle``), ultralytics 8.4.0 to 8.4.190 (wheels read for 8.4.100, 8.4.102, 8.4.103, 8.4.180,
8.4.182, 8.4.183 and 8.4.190), on one device or several (``devices``, DDP: each rank loads
``batch // devices`` images of its ``ceil(N / devices)`` and steps the same schedule; the accumulation
counts the total ``batch``; ``compile`` drops each loader's last partial batch; see
:func:`batches_per_epoch`):

* epoch ``e`` runs at ``lr0 × lf(e)``: the LambdaLR is stepped at the **start** of each epoch, with
  ``lf(x) = max(1 - x / epochs, 0) × (1 - lrf) + lrf`` or, with ``cos_lr``,
  ``max((1 - cos(x π / epochs)) / 2, 0) × (lrf - 1) + 1``; the last epoch is ``epochs - 1``, so
  ``lr0 × lrf`` is never reached;
* iteration ``ni = i + nb × e`` (``nb = ceil(N / batch)`` batches per epoch on one device) warms up:
  the LR of every weight group is ``np.interp(ni, [0, W], [0, lr0 × lf(e)])`` and that of the biases starts at
  ``warmup_bias_lr`` instead of 0; the accumulation ramps as ``max(1, int(np.interp(ni, [0, W], [1, A])
  .round()))`` and keeps its last value after the warmup; the rest of the warmup's last epoch keeps
  the LR its last warm iteration wrote (below ``lr0 × lf(e)`` in the releases that stop at ``ni < W``);
* an optimizer update happens at iteration ``ni`` when ``ni - last >= accumulate`` (``last`` carries
  across epochs), so update ``k`` uses the LR in force at its iteration.

The warmup changed within 8.4 (``version``):

======================  ==========================================  ===============  ===================
releases                W (iterations)                              warm when        accumulation target
======================  ==========================================  ===============  ===================
8.4.0 - 8.4.102         ``max(round(warmup_epochs × nb), 100)``     ``ni <= W``      ``nbs / batch``
8.4.103 - 8.4.182       ``round(min(warmup_epochs, epochs - 1)·nb)``  ``ni < W``       ``nbs / batch``
8.4.183 - 8.4.190       the same                                    ``W and ni <= W``  ``A`` (capped)
======================  ==========================================  ===============  ===================

with ``A = max(round(nbs / batch), 1)`` (capped at ``nb × epochs`` from 8.4.183); ``warmup_epochs = 0``
means no warmup. ``round`` is Python's (half to even), ``.round()`` numpy's (the same rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish, g
from warmupctl.frameworks._registry import REQUIRED, Arg, LibraryCall, LibrarySchedule, register

FILE = "ultralytics/engine/trainer.py"
#: The newest release read, the default of ``version``.
LATEST = "8.4.190"


def version_tuple(text: str) -> tuple[int, ...]:
    """``"8.4.103"`` -> ``(8, 4, 103)``.

    Raises:
        SpecError: not a dotted version.
    """
    try:
        return tuple(int(part) for part in str(text).split("."))
    except ValueError:
        raise SpecError("is not a version", path="args.version", value=text,
                        hint="e.g. 8.4.190 (pip show ultralytics)") from None


@dataclass(frozen=True)
class Regime:
    """The warmup rule of a range of releases."""

    floor_100: bool  # W = max(round(we × nb), 100), and no cut at epochs - 1
    inclusive: bool  # warm while ni <= W (else ni < W)
    capped_target: bool  # the accumulation ramps to A (capped) rather than nbs / batch

    @staticmethod
    def of(version: str) -> Regime:
        v = version_tuple(version)
        if v[:2] != (8, 4):
            raise SpecError("only the 8.4 releases are modelled", path="args.version", value=version,
                            hint="8.3 and earlier chose SGD for optimizer: auto and warmed up in other "
                                 "ways; give a version from 8.4.0 to 8.4.190")
        if v > version_tuple(LATEST):
            raise SpecError(f"is newer than the releases read (up to {LATEST})", path="args.version",
                            value=version, hint="the warmup may have changed again; check "
                            "ultralytics/engine/trainer.py and give the nearest version read")
        if v <= (8, 4, 102):
            return Regime(floor_100=True, inclusive=True, capped_target=False)
        if v <= (8, 4, 182):
            return Regime(floor_100=False, inclusive=False, capped_target=False)
        return Regime(floor_100=False, inclusive=True, capped_target=True)


def lambda_factor(epoch: int, epochs: int, lrf: float, cos_lr: bool) -> float:
    """``lf(epoch)``: ``one_cycle(1, lrf, epochs)`` with ``cos_lr``, else the linear lambda."""
    if cos_lr:
        return max((1 - math.cos(epoch * math.pi / epochs)) / 2, 0) * (lrf - 1) + 1
    return max(1 - epoch / epochs, 0) * (1.0 - lrf) + lrf


@dataclass(frozen=True)
class Run:
    """One training run: which iterations update, and the LR each one uses."""

    lr0: float
    lrf: float
    cos_lr: bool
    epochs: int
    nb: int
    warmup: int  # W
    regime: Regime
    start: float  # the group's warmup start (0 for weights, warmup_bias_lr for biases)
    warm_updates: tuple[int, ...]  # iterations of the updates made while warming up
    after: int  # accumulation after the warmup
    iterations: int

    @property
    def last_warm(self) -> int:
        """The last warm iteration (-1: none)."""
        if self.warmup <= 0:
            return -1
        return self.warmup if self.regime.inclusive else self.warmup - 1

    def warm(self, ni: int) -> bool:
        if self.regime.inclusive:
            return self.warmup > 0 and ni <= self.warmup
        return ni < self.warmup

    @property
    def updates(self) -> int:
        first = self.warm_updates[-1] if self.warm_updates else -1
        rest = (self.iterations - 1 - first) // self.after if self.iterations - 1 > first else 0
        return len(self.warm_updates) + rest

    def iteration(self, k: IntArray) -> IntArray:
        k = np.asarray(k, dtype=np.int64)
        warm = np.asarray(self.warm_updates, dtype=np.int64)
        first = int(warm[-1]) if warm.size else -1
        out = first + (k - warm.size + 1) * self.after
        inside = k < warm.size
        if warm.size:
            out[inside] = warm[k[inside]]
        return out

    def _interp(self, n: IntArray, target: FloatArray) -> FloatArray:
        """``np.interp(n, [0, W], [start, target])`` element by element, as numpy computes it: the slope
        ``(target - start) / W`` times ``n`` plus ``start``, and ``target`` itself at ``n >= W``."""
        out = (target - self.start) / self.warmup * n.astype(np.float64) + self.start
        return np.where(n >= self.warmup, target, out)

    def lr_at(self, ni: IntArray) -> FloatArray:
        ni = np.asarray(ni, dtype=np.int64)
        epochs = ni // self.nb
        unique, where = np.unique(epochs, return_inverse=True)
        table = np.array([self.lr0 * lambda_factor(int(e), self.epochs, self.lrf, self.cos_lr)
                          for e in unique.tolist()], dtype=np.float64)
        target = table[where.reshape(epochs.shape)]
        if self.warmup <= 0:
            return target
        warm = ni <= self.warmup if self.regime.inclusive else ni < self.warmup
        out = target.copy()
        out[warm] = self._interp(ni[warm], target[warm])
        # The rest of the warmup's last epoch keeps what its last warm iteration wrote (below the
        # target when the warmup stops at ni < W) until the next scheduler step.
        last = self.last_warm
        rest = ~warm & (ni > last) & (epochs == last // self.nb)
        out[rest] = self._interp(np.full(int(rest.sum()), last, dtype=np.int64), target[rest])
        return out


def plan(lr0: float, lrf: float, cos_lr: bool, epochs: int, nb: int, warmup_epochs: float, batch: int,
         nbs: int, regime: Regime, start: float) -> Run:
    """Replay the warmup's accumulation ramp: the iterations of its updates."""
    iterations = nb * epochs
    if regime.floor_100:
        w = max(round(warmup_epochs * nb), 100) if warmup_epochs > 0 else -1
    else:
        we = min(warmup_epochs, max(epochs - 1, 0))
        w = round(we * nb) if we > 0 else 0
    nominal = max(round(nbs / batch), 1)
    if regime.capped_target:
        nominal = min(nominal, nb * epochs)
    target = float(nominal) if regime.capped_target else nbs / batch
    run = Run(lr0, lrf, cos_lr, epochs, nb, w, regime, start, (), nominal, iterations)
    accumulate, last, warm_updates = nominal, -1, []
    ni = 0
    while ni < iterations and (run.warm(ni) or ni <= max(w, 0)):
        if run.warm(ni):
            accumulate = max(1, int(np.interp(ni, [0, w], [1, target]).round()))
        if ni - last >= accumulate:
            warm_updates.append(ni)
            last = ni
        ni += 1
    # After the warmup the accumulation stays where the ramp left it: updates every `accumulate`.
    # The walk above stopped at an iteration that may still be inside the current window.
    return Run(lr0, lrf, cos_lr, epochs, nb, w, regime, start, tuple(warm_updates), accumulate,
               iterations)


def batches_per_epoch(n: int, batch: int, devices: int, compile_: bool) -> tuple[int, int, int]:
    """``(nb, images per rank, loader batch)``: ``len(train_loader)`` of each rank.

    ``_build_train_pipeline`` gives each of ``devices`` ranks a loader of ``batch // devices`` images
    (``build_dataloader`` caps it at the data set's length); under DDP the training loader's
    ``DistributedSampler`` hands each rank ``ceil(n / devices)`` images (padded). ``compile`` drops the
    last partial batch (``drop_last=args.compile``): 8.4.190 when the rank's images exceed the batch and
    do not divide by it, 8.4.0 when the data set's do not: the same on one device."""
    per_rank = math.ceil(n / devices) if devices > 1 else n
    loader = min(batch // devices, n)
    drop = compile_ and per_rank > loader and per_rank % loader != 0
    return (per_rank // loader if drop else math.ceil(per_rank / loader)), per_rank, loader


def _build(call: LibraryCall) -> Schedule:
    a = call.args
    regime = Regime.of(a["version"])
    for name in ("epochs", "batch", "nbs", "dataset_size", "devices"):
        if a[name] < 1:
            raise SpecError("must be positive", path=f"args.{name}", value=a[name],
                            hint="ultralytics needs a positive count here")
    devices = a["devices"]
    if a["batch"] < devices:
        raise SpecError(f"is below the {devices} devices", path="args.batch", value=a["batch"],
                        hint="ultralytics splits batch among the GPUs (batch // devices each): give a "
                             "multiple of the device count")
    nb, per_rank, loader = batches_per_epoch(a["dataset_size"], a["batch"], devices, a["compile"])
    if devices > 1 and a["compile"] and (a["dataset_size"] % loader != 0) != (
            per_rank > loader and per_rank % loader != 0):
        raise SpecError("drops the last batch under rules that differ between 8.4 releases here",
                        path="args.compile", value=True,
                        hint=f"8.4.0 drops it when the {a['dataset_size']} images do not divide by "
                             f"{loader}, 8.4.190 when each rank's {per_rank} do not; not modelled")
    start = a["warmup_bias_lr"] if a["param_group"] == "bias" else 0.0
    run = plan(a["lr0"], a["lrf"], a["cos_lr"], a["epochs"], nb, a["warmup_epochs"], a["batch"],
               a["nbs"], regime, start)
    total = run.updates

    def fn(k: IntArray) -> FloatArray:
        return run.lr_at(run.iteration(k))

    how = (f"ceil({a['dataset_size']} / {a['batch']})" if devices == 1 else
           f"ceil({per_rank} images per rank / {loader} = batch {a['batch']} // {devices} devices)")
    if nb != math.ceil(per_rank / loader):
        how = f"{per_rank} // {loader}: compile drops the last partial batch"
    notes = [f"{nb} batches per epoch ({how}), {run.iterations} iterations, {total} optimizer updates"]
    if devices > 1:
        notes.append(f"{devices} devices (DDP): each rank steps the same schedule; the accumulation "
                     f"counts the total batch {a['batch']}, the batches per epoch are each rank's")
    if run.warmup > 0:
        rule = ("max(round(warmup_epochs × nb), 100)" if regime.floor_100
                else "round(min(warmup_epochs, epochs - 1) × nb)")
        notes.append(f"warmup over iterations 0..{run.warmup} (ultralytics {a['version']}: {rule} = "
                     f"{run.warmup}); the accumulation ramps from 1 to {run.after} batches meanwhile")
    group = a["param_group"]
    notes.append(f"the LR of the {group}s" + (
        f": they warm up from warmup_bias_lr {g(a['warmup_bias_lr'])} down to lr0 × lf(epoch)"
        if group == "bias" else " (biases warm up from warmup_bias_lr: args.param_group: bias)"))
    notes.append(f"epoch e runs at lr0 × lf(e); the last epoch is {a['epochs'] - 1}, so lr0 × lrf "
                 f"({g(a['lr0'] * a['lrf'])}) is never reached")
    at = run.iteration(np.arange(total))  # the iteration of each update
    warm_end = int(np.searchsorted(at, run.warmup, side="left")) if run.warmup > 0 else 0
    boundaries = [Boundary(int(np.searchsorted(at, e * nb, side="left")), f"epoch {e}")
                  for e in range(1, min(a["epochs"], 50))]
    return finish(call, fn, natural=total, warmup=warm_end, boundaries=boundaries, notes=notes,
                  source=f"ultralytics {a['version']}, {FILE}, BaseTrainer._do_train")


register(LibrarySchedule(
    name="BaseTrainer",
    library="ultralytics",
    args=(
        Arg("lr0", 0.01, doc="initial LR (optimizer: auto replaces it: see the args.yaml reader)"),
        Arg("lrf", 0.01, doc="final LR fraction of lr0 (never reached)"),
        Arg("cos_lr", False, kind="bool", doc="cosine lambda (one_cycle) instead of linear"),
        Arg("epochs", 100, kind="int"),
        Arg("batch", 16, kind="int", doc="images per iteration"),
        Arg("nbs", 64, kind="int", doc="nominal batch: accumulate round(nbs / batch) iterations"),
        Arg("warmup_epochs", 3.0, doc="warmup length in epochs (fractions allowed)"),
        Arg("warmup_bias_lr", 0.1, doc="the biases' LR at iteration 0"),
        Arg("dataset_size", REQUIRED, kind="int", doc="training images (len(train_loader.dataset))"),
        Arg("devices", 1, kind="int", doc="GPUs (DDP world size): each rank loads batch // devices images "
                                          "of its ceil(dataset_size / devices)"),
        Arg("compile", False, kind="bool", doc="compile: the training loader drops its last partial batch"),
        Arg("param_group", "weight", kind="str", choices=("weight", "bias"),
            doc="whose LR: the weights' (and BatchNorm's) or the biases'"),
        Arg("version", LATEST, kind="str", doc="ultralytics release (the warmup rule changed in 8.4)"),
    ),
    build=_build,
    source=f"ultralytics {LATEST}, {FILE}, BaseTrainer",
    formula="epoch e: lr0 × lf(e); iterations ni <= W: np.interp(ni, [0, W], [start, lr0 × lf(e)]); "
    "update at ni when ni - last >= accumulate (ramped during the warmup)",
    lr="unused",
))

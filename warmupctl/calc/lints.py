"""Lints: known pitfalls of a schedule, found from its fields and its values, with advice.

Every lint works on any :class:`~warmupctl.engine.Schedule`, native or library: it reads the
schedule's fields (``total_steps``, ``warmup_steps``, ``boundaries``, ``spec``) and a
:class:`Profile`, one pass over the run's values in chunks (bounded memory whatever the length) plus
the updates around each boundary and a stretch past the end. :data:`LINTS` is the registry; each
entry's docstring says what it flags and why.

Severities: ``warning`` (the run will likely not get the LR its author meant), ``advice`` (a
choice outside common practice) and ``info`` (a fact worth knowing that is the library's own
convention, such as LR 0 at update 0 of a warmup from 0). ``warmupctl check --strict`` fails on
warnings only. A lint's registered severity is the usual one; a finding may carry another where the
evidence says so (W001 is a warning when no warmup explains the 0; W005 and a small W006 are ``info``
on a library schedule, whose own loop stops at its total and whose hand-off is the library's).

Tolerances: an LR counts as "at" a target within 1e-6 relative, which absorbs the float32 arithmetic
of optax and Keras (about 6e-8) but not a real shortfall.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.engine import Schedule
from warmupctl.engine.schedule import CHUNK_SIZE

SEVERITIES: tuple[str, ...] = ("info", "advice", "warning")

#: Relative tolerance for "reaches the peak" and "stays under the peak".
REL_TOL = 1e-6

#: A library schedule that misses its declared peak by less than this fraction does so by its own
#: hand-off arithmetic (DeepSpeed ``WarmupCosineLR`` tops out 0.03 % short): ``info``, not a warning.
#: A larger miss (timm ``warmup_prefix=False``: 2.4 % of a 10-update warmup) stays a warning.
LIBRARY_PEAK_MISS = 0.01

#: Updates evaluated past ``total_steps`` (at most) to see what happens after the end.
PAST_END = 1 << 16

#: Usual warmup lengths as fractions of the run, by purpose (what published recipes use).
WARMUP_RANGES: dict[str, tuple[float, float, str]] = {
    "general": (0.05, 0.20, "usual warmups span 5-20 % of the updates"),
    "finetune": (0.06, 0.10, "fine-tuning warmups usually span 6-10 % of the updates"),
    "pretrain": (0.001, 0.02, "LLM pre-training warmups usually span 0.1-2 % of the updates"),
}

#: Relative margin of the bounds of :data:`WARMUP_RANGES` (10 % counts up to 10.5 %).
RANGE_MARGIN = 0.05

#: Library arguments that name the peak LR, most specific first; the spec's ``lr`` otherwise.
PEAK_ARGS: tuple[str, ...] = ("peak_value", "warmup_target", "max_lr", "warmup_max_lr", "cycle_max_lr",
                              "initial_learning_rate")
#: Library arguments that name an absolute floor (a ratio floor is not checked).
FLOOR_ARGS: tuple[str, ...] = ("min_lr", "lr_min", "eta_min", "lr_end", "end_learning_rate")
#: Library arguments that give the warmup as a fraction of the run.
WARMUP_RATIO_ARGS: tuple[str, ...] = ("warmup_ratio", "lr_warmup_fraction", "phase_ratio")


@dataclass(frozen=True)
class Finding:
    """One lint that fired.

    Attributes:
        id: stable code, ``W001``.
        name: the lint's name, ``zero-first-lr``.
        severity: ``info``, ``advice`` or ``warning``.
        message: what is wrong, with the numbers.
        step: the update where it shows (None: the whole run).
        hint: what to do about it.
    """

    id: str
    name: str
    severity: str
    message: str
    step: int | None = None
    hint: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "severity": self.severity, "message": self.message,
                "step": self.step, "hint": self.hint}


@dataclass(frozen=True)
class Edge:
    """The updates around a boundary ``b``: the LRs of b-2 .. b+2 (NaN outside the run).

    Libraries disagree on which side of a boundary the hand-off falls (NeMo's warmup ends at the
    peak, update W, and its decay starts at W + 1), so the changes into b and into b + 1 both count as
    crossing it.
    """

    step: int
    label: str
    values: tuple[float, float, float, float, float]


@dataclass(frozen=True)
class Profile:
    """What the lints need to know about a run's values, gathered in one pass.

    Attributes:
        total: updates in the run.
        first: LR of update 0.
        peak, peak_step: the highest LR and its first update.
        after_peak_min, after_peak_min_step: the lowest LR from the peak on.
        final, before_final: LRs of the last two updates (before_final is NaN for a 1-update run).
        first_negative: the first update with a negative LR in the run, or None.
        first_above: the first update above ``nominal_peak`` (beyond tolerance), or None.
        max_inner_step: the largest |change| between consecutive updates that do not cross a boundary
            (the changes into b and b + 1 cross it).
        edges: the boundaries and the LRs around them.
        nominal_peak, nominal_floor: what the spec declares (None: nothing declared).
        past_end: LRs of updates ``total .. total + len - 1``.
    """

    total: int
    first: float
    peak: float
    peak_step: int
    after_peak_min: float
    after_peak_min_step: int
    final: float
    before_final: float
    first_negative: int | None
    first_above: int | None
    max_inner_step: float
    edges: tuple[Edge, ...]
    nominal_peak: float | None
    nominal_floor: float | None
    past_end: NDArray[np.float64] = field(repr=False)


@dataclass(frozen=True)
class LintContext:
    """What a lint function receives: the schedule, its profile and the purpose (``--purpose``)."""

    schedule: Schedule
    profile: Profile
    purpose: str | None = None

    @property
    def native(self) -> bool:
        return self.schedule.source == "warmupctl native"


@dataclass(frozen=True)
class Lint:
    """A registered lint: its code, name and severity, and the function that looks for it."""

    id: str
    name: str
    severity: str
    check: Callable[[LintContext], Iterable[Finding]]

    @property
    def doc(self) -> str:
        return (self.check.__doc__ or "").strip()

    def finding(self, message: str, step: int | None = None, hint: str | None = None,
                severity: str | None = None) -> Finding:
        """A finding of this lint, with its registered severity unless ``severity`` says otherwise."""
        assert severity is None or severity in SEVERITIES
        return Finding(self.id, self.name, severity or self.severity, message, step, hint)


def nominal_peak(schedule: Schedule) -> float | None:
    """The peak LR the spec declares, where it declares one.

    Native specs: ``lr`` (for ``phases``, only when a phase travels to or from it). Library specs: the
    first of :data:`PEAK_ARGS` in ``args`` that holds a number, else the spec's ``lr``.
    """
    spec = schedule.spec
    lr = _number(spec.get("lr"))
    if "schedule" not in spec:
        phases = spec.get("phases")
        if phases is not None and lr is not None:
            ends = {p.get(k) for p in phases for k in ("from", "to")}
            return lr if lr in ends else None
        return lr
    args = spec.get("args") or {}
    for name in PEAK_ARGS:
        value = _number(args.get(name))
        if value is not None and value > 0:
            return value
    return lr


def nominal_floor(schedule: Schedule) -> float | None:
    """A positive floor the spec declares: native ``min_lr``, or a library's :data:`FLOOR_ARGS`."""
    spec = schedule.spec
    sources = [spec] if "schedule" not in spec else [spec.get("args") or {}, spec]
    for where in sources:
        for name in FLOOR_ARGS:
            value = _number(where.get(name))
            if value is not None and value > 0:
                return value
    return None


def profile(schedule: Schedule, chunk_size: int = CHUNK_SIZE) -> Profile:
    """One pass over updates ``0 .. total_steps - 1`` in chunks, plus the edges and the tail."""
    n = schedule.total_steps
    peak_nominal = nominal_peak(schedule)
    above = math.inf if peak_nominal is None else peak_nominal * (1 + REL_TOL)
    labels = {b.step: b.label for b in schedule.boundaries if 0 < b.step < n}
    if 0 < schedule.warmup_steps < n:
        labels.setdefault(schedule.warmup_steps, "warmup end")
    cuts = np.array(sorted(labels), dtype=np.int64)
    crossing = np.union1d(cuts, cuts + 1)
    crossing_set = frozenset(crossing.tolist())

    first = final = before_final = math.nan
    peak, peak_step = -math.inf, 0
    low, low_step = math.inf, 0
    first_negative = first_above = None
    max_inner = 0.0
    previous: float | None = None
    for start, block in schedule.iter_chunks(n, chunk_size):
        values = np.asarray(block, dtype=np.float64)
        if not len(values):
            continue
        if start == 0:
            first = float(values[0])
        top_value = values.max()
        if math.isnan(top_value):  # NaN where a library would raise: leave those updates out
            if np.all(np.isnan(values)):
                final = previous = math.nan
                continue
            top_value = np.nanmax(values)
        # Whole-chunk reductions first; the arg* passes only run where something changes.
        if top_value > peak:
            top = int(np.nanargmax(values))
            peak, peak_step = float(values[top]), start + top
            low, low_step = math.inf, peak_step
            tail, offset = values[top:], start + top
        else:
            tail, offset = values, start
        bottom_value = np.nanmin(tail)  # all-NaN blocks were skipped above
        if bottom_value < low:
            bottom = int(np.nanargmin(tail))
            low, low_step = float(tail[bottom]), offset + bottom
        if first_negative is None and np.nanmin(values) < 0:
            first_negative = start + int(np.argmax(values < 0))
        if first_above is None and top_value > above:
            first_above = start + int(np.argmax(values > above))
        steps = np.diff(values)
        local = crossing[(crossing > start) & (crossing < start + len(values))] - start - 1
        steps[local] = 0.0  # changes that cross a boundary are judged by the phase-jump lint
        if steps.size:
            finite = steps[np.isfinite(steps)] if not np.isfinite(steps).all() else steps
            if finite.size:
                max_inner = max(max_inner, float(finite.max()), float(-finite.min()))
        if previous is not None and start not in crossing_set:
            junction = abs(float(values[0]) - previous)
            if math.isfinite(junction):
                max_inner = max(max_inner, junction)
        before_final = float(values[-2]) if len(values) > 1 else (previous if previous is not None
                                                                  else math.nan)
        final = previous = float(values[-1])

    edges = []
    for step in cuts.tolist():
        around = np.arange(step - 2, step + 3, dtype=np.int64)
        inside = (around >= 0) & (around < n)
        values = np.full(5, math.nan)
        values[inside] = schedule(around[inside])
        edges.append(Edge(step, labels[step], tuple(float(x) for x in values)))  # type: ignore[arg-type]
    extra = min(max(n, 16), PAST_END)
    past_end = np.asarray(schedule(np.arange(n, n + extra, dtype=np.int64)), dtype=np.float64)
    return Profile(
        total=n, first=first, peak=peak, peak_step=peak_step, after_peak_min=low,
        after_peak_min_step=low_step, final=final, before_final=before_final,
        first_negative=first_negative, first_above=first_above, max_inner_step=max_inner,
        edges=tuple(edges), nominal_peak=peak_nominal, nominal_floor=nominal_floor(schedule),
        past_end=past_end,
    )


# --- The lints ------------------------------------------------------------------------------------

_REGISTRY: list[Lint] = []


def lint(code: str, name: str, severity: str) -> Callable[[Callable[[LintContext], Iterable[Finding]]], Lint]:
    """Register a lint function under ``code``/``name`` with its severity."""
    assert severity in SEVERITIES

    def wrap(check: Callable[[LintContext], Iterable[Finding]]) -> Lint:
        entry = Lint(code, name, severity, check)
        _REGISTRY.append(entry)
        return entry

    return wrap


@lint("W001", "zero-first-lr", "info")
def _zero_first_lr(ctx: LintContext) -> Iterable[Finding]:
    """Update 0 gets LR 0, so the first optimizer update does not move the weights.

    Every transformers warmup schedule, DeepSpeed's WarmupLR/WarmupDecayLR and Megatron's default
    (init_lr 0) do this, and so does the native default (which reproduces transformers): one update
    of thousands, the library's convention, so ``info`` (transformers#34754; gpt-neox#1373: Pythia's
    step-1 checkpoints equal step 0). Without a warmup nothing explains the 0: a ``warning``.
    """
    p = ctx.profile
    if p.first == 0.0 and p.peak > 0:
        warmup = ctx.schedule.warmup_steps > 0
        if ctx.native:
            hint = "set init_lr > 0, or step_offset: 1 so update 0 already gets the first warmup step"
        elif warmup:
            hint = "the library's warmup starts at 0; fine unless update 0 must train"
        else:
            hint = "check the schedule's start: no warmup explains an LR of 0 at update 0"
        message = "update 0 gets LR 0: the first optimizer update does not move the weights"
        if warmup:
            message += f" (the warmup starts from 0; {ctx.schedule.warmup_steps} warmup updates)"
        yield W001.finding(message, 0, hint, severity=None if warmup else "warning")


@lint("W002", "warmup-length-unusual", "advice")
def _warmup_length(ctx: LintContext) -> Iterable[Finding]:
    """The warmup is outside the lengths commonly used: 5-20 % of the run in general, 6-10 % for
    fine-tuning, 0.1-2 % for LLM pre-training (``--purpose``). Advice only: a choice, not a bug."""
    warmup, total = ctx.schedule.warmup_steps, ctx.schedule.total_steps
    if warmup <= 0 or warmup >= total:
        return
    purpose = ctx.purpose or "general"
    low, high, usual = WARMUP_RANGES[purpose]
    fraction = warmup / total
    declared = _declared_warmup_ratio(ctx.schedule)
    if declared is not None and low <= declared <= high:
        return  # a 10 % ratio that rounding made 100 of 991 updates (10.09 %) is a 10 % warmup
    # Libraries round a ratio to whole updates (ceil, int(), round): one update either way is the
    # rounding's, not the author's choice. And the ranges are customs, not cliffs: 10.1 % is a 10 %
    # warmup, so a bound counts with a margin of RANGE_MARGIN of itself.
    if (warmup - 1) / total < high * (1 + RANGE_MARGIN) and (warmup + 1) / total > low * (1 - RANGE_MARGIN):
        return
    message = f"the warmup is {_percent(fraction)} of the run ({warmup} of {total} updates); {usual}"
    if ctx.purpose is None:
        message += " (fine-tuning 6-10 %, LLM pre-training 0.1-2 %)"
    hint = (f"{low * 100:g}-{_percent(high)} of this run is {math.ceil(low * total)}-"
            f"{math.floor(high * total)} updates")
    if ctx.purpose is None:
        hint += "; --purpose finetune or pretrain compares with those ranges"
    yield W002.finding(message, warmup, hint)


def _declared_warmup_ratio(schedule: Schedule) -> float | None:
    """The warmup fraction the spec states (native ``ratio``/``warmup_ratio``, a library's
    :data:`WARMUP_RATIO_ARGS`), before rounding to updates; None when it gives steps."""
    spec = schedule.spec
    where = (spec.get("args") or {}) if "schedule" in spec else spec
    names = WARMUP_RATIO_ARGS if "schedule" in spec else ("ratio", "warmup_ratio")
    for name in names:
        value = where.get(name)
        ratio = _number(value[0] if isinstance(value, (list, tuple)) and value else value)
        if ratio is not None and ratio > 0:
            return ratio
    return None


@lint("W003", "warmup-rounds-to-zero", "warning")
def _warmup_rounds_to_zero(ctx: LintContext) -> Iterable[Finding]:
    """A warmup ratio above 0 that the library truncates to 0 updates (NeMo's and fairseq's
    ``int()``): no warmup at all (deepmd-kit PR#5134, emmental PR#85)."""
    if ctx.schedule.warmup_steps > 0:
        return
    spec = ctx.schedule.spec
    args = spec.get("args") or {}
    for name in WARMUP_RATIO_ARGS:
        value = args.get(name)
        ratio = _number(value[0] if isinstance(value, (list, tuple)) and value else value)
        if ratio is not None and ratio > 0:
            yield W003.finding(f"args.{name} {ratio:g} gives 0 warmup updates of "
                               f"{ctx.schedule.total_steps}: the run starts at the peak",
                               0, "give the warmup in steps, or a ratio that makes at least 1 update")
            return


@lint("W004", "warmup-fills-run", "warning")
def _warmup_fills_run(ctx: LintContext) -> Iterable[Finding]:
    """The warmup is as long as the run (or longer): the LR rises to the end and never decays, and
    the peak lands after the last update (levanter PR#124, "always warming up and never decaying")."""
    warmup, total = ctx.schedule.warmup_steps, ctx.schedule.total_steps
    if warmup >= total > 0:
        yield W004.finding(f"the warmup ({warmup} updates) lasts the whole run ({total} updates): "
                           "the LR never decays", total - 1,
                           "shorten the warmup or lengthen the run (check the epochs-to-updates count)")


@lint("W005", "rises-after-end", "warning")
def _rises_after_end(ctx: LintContext) -> Iterable[Finding]:
    """Past ``total_steps`` the LR goes back up: a cosine that does not clamp its progress
    (transformers ``cosine``, torch ``CosineAnnealingLR``). A run that miscounts its updates, or
    resumes, climbs back towards the peak (UniRL PR#223, probly#557).

    A library schedule's rise lies past the run its own loop takes (the transformers Trainer stops at
    ``num_training_steps``): a fact about the library, so ``info``. A native spec that rises after its
    end is the author's doing: a ``warning``.
    """
    p = ctx.profile
    if not (p.final <= p.before_final or math.isnan(p.before_final)):
        return  # rising into the end on purpose (a whole cosine cycle): not a re-rise
    tail = p.past_end
    scale = max(abs(p.peak), 1e-300)
    rising = np.flatnonzero(tail > p.final + REL_TOL * scale)
    if rising.size:
        at = p.total + int(rising[0])
        top = int(np.nanargmax(tail))
        yield W005.finding(
            f"after the last update ({p.total - 1}, LR {_lr(p.final)}) the LR rises again: update "
            f"{at} gets {_lr(float(tail[rising[0]]))}, update {p.total + top} {_lr(float(tail[top]))}",
            at, "make sure the run takes exactly total_steps updates (or use a schedule that holds its "
            "final value)", severity=None if ctx.native else "info")


@lint("W006", "peak-not-reached", "warning")
def _peak_not_reached(ctx: LintContext) -> Iterable[Finding]:
    """The run never reaches the peak LR the spec declares (timm with ``warmup_prefix=False``,
    DeepSpeed ``WarmupCosineLR``, a warmup as long as the run).

    On a library schedule a miss under :data:`LIBRARY_PEAK_MISS` is the library's own hand-off
    (DeepSpeed's linear warmup steps straight onto the cosine, 0.03 % short): ``info``.
    """
    p = ctx.profile
    if p.nominal_peak is None or p.nominal_peak <= 0 or math.isinf(p.peak):
        return
    if p.peak < p.nominal_peak * (1 - REL_TOL):
        short = 1 - p.peak / p.nominal_peak
        yield W006.finding(f"the LR never reaches the peak {_lr(p.nominal_peak)}: the highest is "
                           f"{_lr(p.peak)} at update {p.peak_step} ({_percent(short)} below)",
                           p.peak_step, "check where the warmup hands over to the decay",
                           severity="info" if not ctx.native and short < LIBRARY_PEAK_MISS else None)


@lint("W007", "above-peak", "warning")
def _above_peak(ctx: LintContext) -> Iterable[Finding]:
    """An update gets more than the declared peak LR, typically at a hand-off (torch
    ``CosineAnnealingLR`` after a warmup applies its recursive factor to the peak: DeepSpec#32)."""
    p = ctx.profile
    if p.first_above is None or p.nominal_peak is None:
        return
    step = p.first_above
    value = float(ctx.schedule([step])[0])
    where = next((f" (at the hand-off: {e.label})" for e in p.edges if abs(e.step - step) <= 1), "")
    yield W007.finding(f"update {step} gets {_lr(value)}, above the peak {_lr(p.nominal_peak)} "
                       f"(+{_percent(value / p.nominal_peak - 1)}){where}; the highest is {_lr(p.peak)} "
                       f"at update {p.peak_step}", step,
                       "check the hand-off between the schedules")


@lint("W008", "negative-lr", "warning")
def _negative_lr(ctx: LintContext) -> Iterable[Finding]:
    """An LR below 0, which makes the optimizer climb the loss (transformers PR#327: ``warmup_linear``
    went negative after ``t_total``); past the end too."""
    p = ctx.profile
    if p.first_negative is not None:
        value = float(ctx.schedule([p.first_negative])[0])
        yield W008.finding(f"update {p.first_negative} gets a negative LR {_lr(value)}", p.first_negative,
                           "a learning rate must not go below 0")
        return
    negative = np.flatnonzero(p.past_end < 0)
    if negative.size:
        at = p.total + int(negative[0])
        yield W008.finding(f"past the end, update {at} gets a negative LR "
                           f"{_lr(float(p.past_end[negative[0]]))}", at,
                           "a run longer than total_steps would climb the loss")


@lint("W009", "floor-not-reached", "warning")
def _floor_not_reached(ctx: LintContext) -> Iterable[Finding]:
    """The spec declares a positive floor (``min_lr``, ``eta_min``, ``lr_min`` ...) that the LR never
    comes down to after the peak, within one update's step (LANfactory PR#124: ``T_max`` longer than
    the run)."""
    p = ctx.profile
    floor = p.nominal_floor
    if floor is None or math.isinf(p.after_peak_min):
        return
    tolerance = p.max_inner_step * (1 + REL_TOL) + REL_TOL * floor
    if p.after_peak_min > floor + tolerance:
        yield W009.finding(f"the LR never comes down to the floor {_lr(floor)}: the lowest after the "
                           f"peak is {_lr(p.after_peak_min)} at update {p.after_peak_min_step}",
                           p.after_peak_min_step,
                           "the decay ends after the run, or this kind never decays to min_lr")


@lint("W010", "phase-jump", "warning")
def _phase_jump(ctx: LintContext) -> Iterable[Finding]:
    """The LR jumps at a phase boundary by more than the largest step inside the phases, and more
    than three times the steps next to it (a decay that started during the warmup drops at its end:
    transformers PR#4940; NeMo ``SquareRootAnnealing``; a phase whose ``from`` differs from where the
    previous one ended). A geometric warmup that grows into the boundary is not a jump."""
    p = ctx.profile
    scale = max(abs(p.peak), 1e-300)
    for edge in p.edges:
        values = edge.values
        for i in (2, 3):  # the change into b, then into b + 1
            before2, before, at = values[i - 2], values[i - 1], values[i]
            jump = abs(at - before)
            if not jump > p.max_inner_step * (1 + REL_TOL) + REL_TOL * scale:
                continue
            neighbours = [abs(x) for x in (before - before2, values[i + 1] - at) if math.isfinite(x)]
            if neighbours and jump <= 3 * max(neighbours):
                continue
            if before2 > 0 and before > 0 and at > 0 and abs(at - before * before / before2) <= 0.01 * jump:
                continue  # a geometric curve growing into the boundary
            step = edge.step + i - 2
            times = (f"{jump / p.max_inner_step:.3g}× the largest step inside the phases"
                     if p.max_inner_step > 0 else "where the phases themselves are flat")
            yield W010.finding(f"the LR jumps from {_lr(before)} to {_lr(at)} at update {step} "
                               f"({edge.label}): {_lr(jump)} in one update, {times}", step,
                               "unless the jump is meant, make the next phase start where the previous "
                               "one ends")
            break


W001, W002, W003, W004, W005, W006, W007, W008, W009, W010 = _REGISTRY

#: Every lint, in code order. Each entry's ``doc`` says what it flags, and the evidence.
LINTS: tuple[Lint, ...] = tuple(_REGISTRY)


def find_lint(word: str) -> Lint | None:
    """A lint by code (``W001``, any case) or name (``zero-first-lr``)."""
    return next((entry for entry in LINTS if word.upper() == entry.id or word == entry.name), None)


def run_lints(
    schedule: Schedule, purpose: str | None = None, ignore: Iterable[str] = (),
) -> tuple[Finding, ...]:
    """Every lint of :data:`LINTS` (but the ``ignore``d codes) on ``schedule``, in code order.

    Examples:
        >>> import warmupctl
        >>> [f.name for f in run_lints(warmupctl.schedule(kind="cosine"))]
        ['zero-first-lr']
    """
    assert purpose is None or purpose in WARMUP_RANGES
    skipped = set(ignore)
    context = LintContext(schedule, profile(schedule), purpose)
    found: list[Finding] = []
    for entry in LINTS:
        if entry.id in skipped:
            continue
        found.extend(entry.check(context))
    return tuple(found)


def counts(findings: Iterable[Finding]) -> Mapping[str, int]:
    """``{"info": i, "advice": m, "warning": n}``."""
    out = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        out[finding.severity] += 1
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _lr(value: float) -> str:
    return f"{value:.6g}"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.3g} %"

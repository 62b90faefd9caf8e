"""Step arithmetic: epochs, tokens and samples to optimizer updates, as each training loop counts them.

Pure integer and rational arithmetic (:class:`fractions.Fraction`), no numpy and no I/O. Inputs are
validated by :mod:`warmupctl.spec`; these functions assume positive counts.

The words are the vocabulary's: ``dataset_size`` N samples, ``micro_batch_size`` m samples per device
per forward pass, ``devices`` d data-parallel processes, ``grad_accum`` a micro-batches per optimizer
update, ``drop_last``, ``seq_len`` tokens per sample. One update consumes ``m·d·a`` samples and
``m·d·a·seq_len`` tokens.

Where the loops differ (:data:`LOOPS`):

* micro-batches per device and epoch, B: transformers (accelerate's ``BatchSamplerShard``) gives
  ``ceil(N / (m·d))``, or ``floor`` with ``drop_last``; Lightning and a plain DDP loop shard with
  torch's ``DistributedSampler``, which pads every rank to ``ceil(N / d)`` samples, then batch it:
  ``ceil(ceil(N/d) / m)``, or ``floor(ceil(N/d) / m)`` with ``drop_last`` — with ``drop_last``
  sometimes one batch more than transformers (N=10, d=3, m=2: 2 against 1). Both formulas were
  checked against accelerate 1.15's ``BatchSamplerShard`` and torch 2.13's ``DistributedSampler``.
* the trailing partial accumulation window (B mod a micro-batches at the end of an epoch):
  transformers from 4.52 and Lightning step on it (``ceil(B / a)`` updates per epoch); a plain loop stepping
  on ``(i + 1) % a == 0`` drops it (``B // a``); transformers up to 4.51 sized ``max_steps`` with
  ``B // a`` although its loop stepped on the trailing window, so the run stopped before its last epoch
  ended (PR #37923 made it ``ceil(B / a)``; first released in 4.52.0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from warmupctl.core.rounding import ratio_to_steps, transformers_ratio_to_steps


def exact(value: float | int | Fraction) -> Fraction:
    """The decimal a user wrote, exactly: ``0.1`` is 1/10, not the binary float nearest to it.

    Examples:
        >>> exact(0.1), exact(375e6), exact(3)
        (Fraction(1, 10), Fraction(375000000, 1), Fraction(3, 1))
    """
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    return Fraction(repr(float(value)))


def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for non-negative integers, without floats.

    Examples:
        >>> ceil_div(100, 4), ceil_div(101, 4), ceil_div(0, 4)
        (25, 26, 0)
    """
    return -(-a // b)


@dataclass(frozen=True)
class BatchFacts:
    """What one optimizer update consumes, and the dataset an epoch walks through.

    Attributes:
        micro_batch_size: samples per device per forward pass (transformers'
            ``per_device_train_batch_size``, Megatron's ``--micro-batch-size``); None: not given.
        devices: data-parallel processes (the world size).
        grad_accum: micro-batches per optimizer update (``gradient_accumulation_steps``,
            Lightning's ``accumulate_grad_batches``).
        dataset_size: samples in one epoch; None: not given.
        drop_last: the data loader drops the last incomplete micro-batch.
        seq_len: tokens per sample; None: not given.
    """

    micro_batch_size: int | None = None
    devices: int = 1
    grad_accum: int = 1
    dataset_size: int | None = None
    drop_last: bool = False
    seq_len: int | None = None

    @property
    def samples_per_update(self) -> int | None:
        """The global batch, ``micro_batch_size × devices × grad_accum`` samples (None without m)."""
        if self.micro_batch_size is None:
            return None
        return self.micro_batch_size * self.devices * self.grad_accum

    @property
    def tokens_per_update(self) -> int | None:
        """``micro_batch_size × seq_len × grad_accum × devices`` (None without m or seq_len).

        Examples:
            >>> BatchFacts(micro_batch_size=16, seq_len=1024, grad_accum=4, devices=8).tokens_per_update
            524288
        """
        samples = self.samples_per_update
        return None if samples is None or self.seq_len is None else samples * self.seq_len


def sharded_batches(facts: BatchFacts) -> int:
    """Micro-batches per device and epoch when the batches are sharded (accelerate, transformers).

    ``ceil(N / (m·d))``, or ``floor`` with ``drop_last``: accelerate's ``BatchSamplerShard.__len__``
    over a ``BatchSampler`` of m (accelerate 1.15, ``even_batches=True``, the default).

    Examples:
        >>> sharded_batches(BatchFacts(micro_batch_size=2, devices=3, dataset_size=10))
        2
        >>> sharded_batches(BatchFacts(micro_batch_size=2, devices=3, dataset_size=10, drop_last=True))
        1
    """
    assert facts.dataset_size is not None and facts.micro_batch_size is not None
    per_update = facts.micro_batch_size * facts.devices
    if facts.drop_last:
        return facts.dataset_size // per_update
    return ceil_div(facts.dataset_size, per_update)


def sampled_batches(facts: BatchFacts) -> int:
    """Micro-batches per device and epoch behind torch's ``DistributedSampler`` (Lightning, DDP loops).

    The sampler pads each rank to ``ceil(N / d)`` samples (``drop_last=False`` on the sampler, the
    default, and what Lightning builds); the ``DataLoader`` then makes ``ceil(·/m)`` batches, or
    ``floor`` with ``drop_last``. With one device this is ``ceil(N/m)`` or ``floor(N/m)``.

    Examples:
        >>> sampled_batches(BatchFacts(micro_batch_size=2, devices=3, dataset_size=10, drop_last=True))
        2
    """
    assert facts.dataset_size is not None and facts.micro_batch_size is not None
    per_rank = ceil_div(facts.dataset_size, facts.devices)
    if facts.drop_last:
        return per_rank // facts.micro_batch_size
    return ceil_div(per_rank, facts.micro_batch_size)


def limited_batches(batches: int, limit: int | float) -> int:
    """An epoch's batches under Lightning's ``limit_train_batches``.

    An int is a number of batches (at most that many: ``1`` is one batch), a float a fraction of the
    epoch, floored (``1.0`` is all of it): ``_parse_num_batches`` in lightning 2.x
    ``lightning/pytorch/trainer/connectors/data_connector.py``. NeMo's ``compute_max_steps``
    (``nemo/core/optim/lr_scheduler.py``) restates the same rule to size its scheduler.

    Examples:
        >>> [limited_batches(10, limit) for limit in (4, 1, 0.25, 1.0)]
        [4, 1, 2, 10]
    """
    if isinstance(limit, int):
        return min(batches, limit)
    return int(batches * limit)


def describe_sampled(facts: BatchFacts) -> str:
    """How :func:`sampled_batches` counts, with the numbers.

    Examples:
        >>> describe_sampled(BatchFacts(micro_batch_size=32, devices=2, dataset_size=1000))
        'ceil(ceil(1000 / 2 processes) / batch 32)'
        >>> describe_sampled(BatchFacts(micro_batch_size=32, devices=2, dataset_size=1000, drop_last=True))
        'floor(ceil(1000 / 2 processes) / batch 32)'
    """
    outer = "floor" if facts.drop_last else "ceil"
    return f"{outer}(ceil({facts.dataset_size} / {facts.devices} processes) / batch {facts.micro_batch_size})"


@dataclass(frozen=True)
class Loop:
    """How one training loop turns an epoch into optimizer updates.

    Attributes:
        name: the ``loop`` key's value.
        label: what tables show.
        source: the file, symbol and version (or the issue) this reproduces.
        batches: facts -> micro-batches per device per epoch.
        updates: (batches, grad_accum) -> optimizer updates per epoch.
        total: (epochs, updates per epoch) -> updates of the run; None when the loop runs whole
            epochs only and ``epochs`` is fractional.
        note: what to know about this loop's count, shown next to it.
    """

    name: str
    label: str
    source: str
    batches: Callable[[BatchFacts], int]
    updates: Callable[[int, int], int]
    total: Callable[[Fraction, int], int | None]
    note: str = ""


def _float_ceil_total(epochs: Fraction, per_epoch: int) -> int:
    # transformers: max_steps = math.ceil(args.num_train_epochs * num_update_steps_per_epoch), a float
    # product, so the float noise of a fractional num_train_epochs is reproduced.
    return math.ceil(float(epochs) * per_epoch)


def _whole_epochs_total(epochs: Fraction, per_epoch: int) -> int | None:
    return int(epochs) * per_epoch if epochs.denominator == 1 else None


#: The training loops whose counts :func:`epoch_counts` shows, in table order.
LOOPS: dict[str, Loop] = {
    loop.name: loop
    for loop in (
        Loop(
            "transformers", "transformers ≥ 4.52",
            "transformers 4.52.0-5.25.0 trainer.py Trainer.set_initial_training_values: "
            "num_update_steps_per_epoch = ceil(len_dataloader / gradient_accumulation_steps) (PR #37923)",
            sharded_batches,
            lambda batches, accum: max(1, ceil_div(batches, accum)),
            _float_ceil_total,
            "steps on the trailing partial window; max_steps = ceil(epochs × updates per epoch)",
        ),
        Loop(
            "transformers_4_51", "transformers ≤ 4.51",
            "transformers 4.51.3 trainer.py set_initial_training_values, num_update_steps_per_epoch = "
            "len_dataloader // gradient_accumulation_steps (before PR #37923; issues #31677, #36297)",
            sharded_batches,
            lambda batches, accum: max(1, batches // accum),
            _float_ceil_total,
            "max_steps (the scheduler's length) floors the trailing window the loop still steps on, "
            "so the run ends before its last epoch",
        ),
        Loop(
            "lightning", "Lightning 2.x",
            "lightning/pytorch/trainer/trainer.py estimated_stepping_batches = "
            "ceil(batches / accumulate_grad_batches) × max_epochs; training_epoch_loop.py "
            "_should_accumulate: 'Lightning steps on the final batch'",
            sampled_batches,
            lambda batches, accum: ceil_div(batches, accum),
            _whole_epochs_total,
            "steps on the last batch of an epoch, even inside an accumulation window",
        ),
        Loop(
            "plain", "plain loop",
            "a PyTorch loop: for i, batch in enumerate(loader): ...; "
            "if (i + 1) % grad_accum == 0: optimizer.step()",
            sampled_batches,
            lambda batches, accum: batches // accum,
            _whole_epochs_total,
            "drops the trailing partial window: its micro-batches never reach an optimizer step",
        ),
    )
}


@dataclass(frozen=True)
class EpochCount:
    """One loop's count for a run of ``epochs`` epochs.

    Attributes:
        loop: the :data:`LOOPS` key.
        label: the loop's label.
        batches: micro-batches per device per epoch.
        updates_per_epoch: optimizer updates per epoch.
        last_window: micro-batches in the trailing partial accumulation window (0: none).
        total: updates of the whole run; None when the loop cannot run a fractional epoch.
        note: what differs about this loop.
    """

    loop: str
    label: str
    batches: int
    updates_per_epoch: int
    last_window: int
    total: int | None
    note: str

    def as_dict(self) -> dict[str, object]:
        return {
            "loop": self.loop, "label": self.label, "batches_per_epoch": self.batches,
            "updates_per_epoch": self.updates_per_epoch, "last_window": self.last_window,
            "total_updates": self.total, "note": self.note,
        }


def epoch_count(facts: BatchFacts, epochs: Fraction, loop: str = "transformers",
                limit: int | float = 1.0) -> EpochCount:
    """Updates per epoch and for ``epochs`` epochs, counted as ``loop`` counts them.

    The accelerate maintainers' worked example (accelerate#963): 100 batches × 10 epochs ÷ 4 = 250.
    ``limit`` cuts an epoch's micro-batches as Lightning's ``limit_train_batches`` does
    (:func:`limited_batches`); NeMo sizes its scheduler with the same count.

    Examples:
        >>> facts = BatchFacts(micro_batch_size=1, dataset_size=100, grad_accum=4)
        >>> count = epoch_count(facts, Fraction(10))
        >>> count.batches, count.updates_per_epoch, count.total
        (100, 25, 250)
        >>> short = BatchFacts(micro_batch_size=1, dataset_size=10, grad_accum=4)
        >>> epoch_count(short, Fraction(3), "plain").total, epoch_count(short, Fraction(3)).total
        (6, 9)
        >>> lightning = BatchFacts(micro_batch_size=32, devices=2, dataset_size=1000, grad_accum=2)
        >>> count = epoch_count(lightning, Fraction(10), "lightning", limit=0.5)
        >>> count.batches, count.updates_per_epoch, count.total
        (8, 4, 40)
    """
    spec = LOOPS[loop]
    batches = limited_batches(spec.batches(facts), limit)
    per_epoch = spec.updates(batches, facts.grad_accum)
    note = spec.note if batches % facts.grad_accum else ""
    if per_epoch == 0:
        note = (f"no update at all: an epoch has {batches} micro-batches per device, fewer than "
                f"grad_accum {facts.grad_accum}")
    return EpochCount(
        loop=loop, label=spec.label, batches=batches, updates_per_epoch=per_epoch,
        last_window=batches % facts.grad_accum, total=spec.total(epochs, per_epoch), note=note,
    )


def epoch_counts(facts: BatchFacts, epochs: Fraction) -> tuple[EpochCount, ...]:
    """:func:`epoch_count` for every loop of :data:`LOOPS`."""
    return tuple(epoch_count(facts, epochs, name) for name in LOOPS)


def describe_epochs(facts: BatchFacts, epochs: Fraction, count: EpochCount) -> str:
    """How ``count`` came about, in one line.

    Examples:
        >>> facts = BatchFacts(micro_batch_size=1, dataset_size=100, grad_accum=4)
        >>> describe_epochs(facts, Fraction(10), epoch_count(facts, Fraction(10)))
        '25 updates per epoch × 10: 100 micro-batches of 1 ÷ grad_accum 4, transformers ≥ 4.52'
    """
    where = f" per device on {facts.devices} devices" if facts.devices > 1 else ""
    return (f"{count.updates_per_epoch} updates per epoch × {_number(epochs)}: {count.batches} "
            f"micro-batches of {facts.micro_batch_size}{where} ÷ grad_accum {facts.grad_accum}, "
            f"{count.label}")


@dataclass(frozen=True)
class Rounded:
    """A count of updates that came out fractional, under each rounding rule in use.

    Attributes:
        exact: the exact rational value.
        ceil: rounded up (warmupctl's rule for lengths: at least what was asked; fairseq scripts'
            ``math.ceil(375e6 / TOTAL_BATCH_SIZE)``).
        floor: rounded down (``int()``, ``//``: nanoGPT's ``max_steps``, NeMo, fairseq ratios).
        round: Python's ``round`` (half to even: 2.5 -> 2; JavaScript's ``Math.round`` gives 3).
        unrounded: the float itself (Megatron counts in samples, so a warmup of 715.26 updates stays
            715.26: update 715 is still warming up).
    """

    exact: Fraction
    ceil: int
    floor: int
    round: int
    unrounded: float

    def as_dict(self) -> dict[str, object]:
        return {"ceil": self.ceil, "floor": self.floor, "round": self.round,
                "unrounded": self.unrounded}


def rounded(value: Fraction) -> Rounded:
    """Every rounding of ``value``.

    Examples:
        >>> r = rounded(Fraction(375_000_000, 2**19))   # GPT-3's 375M warmup tokens at 2^19 per update
        >>> r.ceil, r.floor, r.round, r.unrounded
        (716, 715, 715, 715.2557373046875)
    """
    return Rounded(exact=value, ceil=math.ceil(value), floor=math.floor(value), round=round(value),
                   unrounded=float(value))


def per_update(amount: Fraction, unit: int) -> Fraction:
    """``amount / unit``: tokens (or samples) over tokens (or samples) per update, exactly.

    Examples:
        >>> per_update(Fraction(10_000_000_000), 2**19) > 19073
        True
    """
    return amount / unit


def updates_of_epochs(epochs: Fraction, per_epoch: int) -> Fraction:
    """``epochs × updates per epoch``, exactly (a warmup of 0.5 epochs of 25 updates is 12.5)."""
    return epochs * per_epoch


@dataclass(frozen=True)
class RatioRule:
    """How one library turns a warmup ratio into updates.

    Attributes:
        name: short id.
        library: who does it this way.
        formula: the expression, in the library's words.
        source: file and version.
        apply: (ratio, total) -> warmup updates (a float where the library keeps one).
    """

    name: str
    library: str
    formula: str
    source: str
    apply: Callable[[float, int], int | float]


#: Ratio -> warmup updates, per library (each rule cites the library's code in its docstring).
RATIO_RULES: dict[str, RatioRule] = {
    rule.name: rule
    for rule in (
        RatioRule("warmupctl", "warmupctl", "ceil(ratio × total) on the decimal written",
                  "warmupctl/calc/rounding.py", ratio_to_steps),
        RatioRule("transformers", "transformers Trainer", "math.ceil(num_training_steps * ratio)",
                  "transformers 5.23.0 training_args.py get_warmup_steps (v4: the same ceil)",
                  transformers_ratio_to_steps),
        RatioRule("nemo", "NeMo", "int(warmup_ratio * max_steps)",
                  "nemo_toolkit 3.0.0 nemo/core/optim/lr_scheduler.py WarmupPolicy",
                  lambda ratio, total: int(ratio * total)),
        RatioRule("fairseq", "fairseq tri_stage", "int(max_update * phase_ratio[0])",
                  "fairseq/optim/lr_scheduler/tri_stage_lr_scheduler.py",
                  lambda ratio, total: int(total * ratio)),
        RatioRule("timm", "timm wsd decay fraction", "int(round(fraction * t))",
                  "timm 1.0.31 scheduler/scheduler_factory.py (decay_epochs < 1)",
                  lambda ratio, total: int(round(ratio * total))),
        RatioRule("megatron", "Megatron-LM", "lr_warmup_fraction * lr_decay_steps (not rounded)",
                  "megatron/training/training.py (samples; update k sits at k × global batch)",
                  lambda ratio, total: ratio * total),
    )
}


def ratio_warmups(ratio: float, total: int) -> tuple[tuple[RatioRule, int | float], ...]:
    """The warmup each library derives from ``ratio`` of ``total`` updates.

    Examples:
        >>> [(rule.name, n) for rule, n in ratio_warmups(0.07, 100)][:3]
        [('warmupctl', 7), ('transformers', 8), ('nemo', 7)]
    """
    return tuple((rule, rule.apply(ratio, total)) for rule in RATIO_RULES.values())


@dataclass(frozen=True)
class UntunedWarmup:
    """Ma & Yarats' untuned warmup for Adam: linear over 2/(1−β2) updates, exponential τ = 1/(1−β2).

    Attributes:
        beta2: Adam's β2.
        linear: ``2/(1−β2)`` on the decimal written, rounded to the nearest update (0.999 -> 2000).
        linear_pytorch_warmup: pytorch_warmup's ``int(2.0 / (1.0 - beta2))`` in floats (0.999 -> 1999,
            because 2/(1−0.999) = 1999.9999999999982).
        exponential: ``1/(1−β2)`` rounded to the nearest update.
        exponential_pytorch_warmup: pytorch_warmup's ``int(1.0 / (1.0 - beta2))``.
    """

    beta2: float
    linear: int
    linear_pytorch_warmup: int
    exponential: int
    exponential_pytorch_warmup: int

    def as_dict(self) -> dict[str, object]:
        return {"beta2": self.beta2, "linear": self.linear,
                "linear_pytorch_warmup": self.linear_pytorch_warmup,
                "exponential": self.exponential,
                "exponential_pytorch_warmup": self.exponential_pytorch_warmup}


def untuned_warmup(beta2: float) -> UntunedWarmup:
    """The untuned warmup lengths (pytorch_warmup 0.2.0 ``UntunedLinearWarmup``/``UntunedExponentialWarmup``).

    Examples:
        >>> w = untuned_warmup(0.999)
        >>> w.linear, w.linear_pytorch_warmup, w.exponential, w.exponential_pytorch_warmup
        (2000, 1999, 1000, 999)
        >>> untuned_warmup(0.98).linear, untuned_warmup(0.95).linear
        (100, 40)
    """
    gap = 1 - exact(beta2)
    return UntunedWarmup(
        beta2=beta2,
        linear=round(2 / gap),
        linear_pytorch_warmup=int(2.0 / (1.0 - beta2)),
        exponential=round(1 / gap),
        exponential_pytorch_warmup=int(1.0 / (1.0 - beta2)),
    )


@dataclass(frozen=True)
class ScaledLR:
    """An LR tuned at ``reference_batch_size`` moved to ``batch_size`` samples per update.

    Attributes:
        linear: Goyal et al. 2017: ``lr × batch / reference`` (batch ×k ⇒ LR ×k).
        sqrt: ``lr × sqrt(batch / reference)`` (the fairseq GPT script's ``3e-4*sqrt(TBS/500000)``).
    """

    lr: float
    batch_size: int
    reference_batch_size: int
    linear: float
    sqrt: float

    def as_dict(self) -> dict[str, object]:
        return {"lr": self.lr, "batch_size": self.batch_size,
                "reference_batch_size": self.reference_batch_size, "linear": self.linear,
                "sqrt": self.sqrt}


def scaled_lr(lr: float, batch_size: int, reference_batch_size: int) -> ScaledLR:
    """Linear and square-root scaling of ``lr`` from a reference batch size.

    Examples:
        >>> s = scaled_lr(1e-4, 1024, 256)
        >>> s.linear, s.sqrt
        (0.0004, 0.0002)
    """
    ratio = batch_size / reference_batch_size
    return ScaledLR(lr=lr, batch_size=batch_size, reference_batch_size=reference_batch_size,
                    linear=lr * ratio, sqrt=lr * math.sqrt(ratio))


#: Which ratio rule each loop's own trainer applies (a plain loop and Lightning leave it to the user:
#: warmupctl's rule stands in).
LOOP_RATIO_RULE: dict[str, str] = {
    "transformers": "transformers", "transformers_4_51": "transformers", "lightning": "warmupctl",
    "plain": "warmupctl",
}


@dataclass(frozen=True)
class LoopRow:
    """One loop's line of the epoch table: its count, and the warmup/decay it gives.

    Attributes:
        count: the loop's :class:`EpochCount`.
        warmup: warmup updates from ``warmup_epochs`` (rounded up) or from the ratio under the loop's
            own rule (:data:`LOOP_RATIO_RULE`); None when neither is given or the total is unknown.
        decay: decay updates from ``decay_epochs`` (rounded up); None when not given.
    """

    count: EpochCount
    warmup: int | None = None
    decay: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {**self.count.as_dict(), "warmup_updates": self.warmup, "decay_updates": self.decay}


@dataclass(frozen=True)
class Conversion:
    """A length in tokens or samples, in updates under each rounding rule.

    Attributes:
        key: the vocabulary key (``warmup_tokens``, ...).
        unit: ``tokens`` or ``samples``.
        amount: the length, exactly.
        per_update: tokens (samples) one update consumes.
        updates: :func:`rounded` of ``amount / per_update``.
    """

    key: str
    unit: str
    amount: Fraction
    per_update: int
    updates: Rounded

    def as_dict(self) -> dict[str, object]:
        amount = self.amount.numerator if self.amount.denominator == 1 else float(self.amount)
        return {"key": self.key, "unit": self.unit, "amount": amount, "per_update": self.per_update,
                **self.updates.as_dict()}


@dataclass(frozen=True)
class StepsReport:
    """Everything ``warmupctl steps`` shows; sections that were not asked for are None.

    Attributes:
        facts: the batch facts.
        loop: the loop whose count sets ``lengths``.
        epochs: the epochs of the epoch table (1 when only the dataset is given).
        loops: one :class:`LoopRow` per loop of :data:`LOOPS` (needs dataset_size, micro_batch_size).
        lengths: ``total_steps``, ``warmup_steps``, ``decay_steps`` as a native spec with the same keys
            resolves them (absent: not given).
        ratio: the warmup ratio given, and ``ratio_rows`` its warmup under each library's rule of
            ``lengths["total_steps"]`` updates.
        conversions: lengths given in tokens or samples, under each rounding.
        untuned: Adam's untuned warmup for ``beta2``.
        scaling: ``lr`` moved from a reference batch size to ``samples_per_update``.
    """

    facts: BatchFacts
    loop: str
    epochs: Fraction | None = None
    loops: tuple[LoopRow, ...] | None = None
    lengths: dict[str, int] | None = None
    ratio: float | None = None
    ratio_rows: tuple[tuple[RatioRule, int | float], ...] | None = None
    conversions: tuple[Conversion, ...] | None = None
    untuned: UntunedWarmup | None = None
    scaling: ScaledLR | None = None

    @property
    def empty(self) -> bool:
        return not any((self.loops, self.lengths, self.ratio_rows, self.conversions, self.untuned,
                        self.scaling))

    def as_dict(self) -> dict[str, object]:
        facts = self.facts
        return {
            "batch": {
                "dataset_size": facts.dataset_size, "micro_batch_size": facts.micro_batch_size,
                "devices": facts.devices, "grad_accum": facts.grad_accum, "drop_last": facts.drop_last,
                "seq_len": facts.seq_len, "samples_per_update": facts.samples_per_update,
                "tokens_per_update": facts.tokens_per_update, "loop": self.loop,
            },
            "epochs": None if self.epochs is None else float(self.epochs),
            "loops": None if self.loops is None else [row.as_dict() for row in self.loops],
            "lengths": self.lengths,
            "warmup_ratio": None if self.ratio_rows is None else {
                "ratio": self.ratio, "total_steps": (self.lengths or {}).get("total_steps"),
                "rules": [{"rule": rule.name, "library": rule.library, "formula": rule.formula,
                           "source": rule.source, "warmup_updates": value}
                          for rule, value in self.ratio_rows],
            },
            "conversions": None if self.conversions is None else [c.as_dict() for c in self.conversions],
            "untuned_warmup": None if self.untuned is None else self.untuned.as_dict(),
            "lr_scaling": None if self.scaling is None else self.scaling.as_dict(),
        }


def steps_report(
    facts: BatchFacts,
    loop: str = "transformers",
    *,
    amounts: dict[str, tuple[str, Fraction]] | None = None,
    lengths: dict[str, int] | None = None,
    ratio: float | None = None,
    beta2: float | None = None,
    lr: float | None = None,
    reference_batch_size: int | None = None,
) -> StepsReport:
    """Assemble :class:`StepsReport` from validated inputs.

    Args:
        facts: the batch facts.
        loop: the loop that set ``lengths``.
        amounts: lengths given in other units, ``{key: (unit, amount)}`` with unit ``epochs``,
            ``tokens`` or ``samples`` (``{"warmup_tokens": ("tokens", Fraction(375_000_000))}``).
        lengths: the resolved ``total_steps`` / ``warmup_steps`` / ``decay_steps``.
        ratio: the warmup ratio, if one was given.
        beta2: Adam's β2 for the untuned warmup.
        lr, reference_batch_size: the LR tuned at a reference batch size, to scale.

    Examples:
        >>> facts = BatchFacts(micro_batch_size=1, dataset_size=100, grad_accum=4)
        >>> r = steps_report(facts, amounts={"epochs": ("epochs", Fraction(10))},
        ...                  lengths={"total_steps": 250}, ratio=0.1)
        >>> r.loops[0].count.total, r.loops[0].warmup, r.ratio_rows[1][1]
        (250, 25, 25)
    """
    amounts = amounts or {}
    lengths = dict(lengths or {})
    loops = None
    epochs = amounts.get("epochs", ("epochs", Fraction(1)))[1]
    if facts.dataset_size is not None and facts.micro_batch_size is not None:
        rows = []
        for count in epoch_counts(facts, epochs):
            warmup = decay = None
            if "warmup_epochs" in amounts:
                warmup = math.ceil(updates_of_epochs(amounts["warmup_epochs"][1], count.updates_per_epoch))
            elif ratio is not None and count.total is not None:
                warmup = int(RATIO_RULES[LOOP_RATIO_RULE[count.loop]].apply(ratio, count.total))
            if "decay_epochs" in amounts:
                decay = math.ceil(updates_of_epochs(amounts["decay_epochs"][1], count.updates_per_epoch))
            rows.append(LoopRow(count, warmup, decay))
        loops = tuple(rows)
    total = lengths.get("total_steps")
    ratio_rows = ratio_warmups(ratio, total) if ratio is not None and total is not None else None
    conversions = []
    for key, (unit, amount) in amounts.items():
        per = facts.tokens_per_update if unit == "tokens" else facts.samples_per_update
        if unit in ("tokens", "samples") and per is not None:
            conversions.append(Conversion(key, unit, amount, per, rounded(per_update(amount, per))))
    scaling = None
    if lr is not None and reference_batch_size is not None and facts.samples_per_update is not None:
        scaling = scaled_lr(lr, facts.samples_per_update, reference_batch_size)
    return StepsReport(
        facts=facts, loop=loop, epochs=epochs if loops is not None else None, loops=loops,
        lengths=lengths or None, ratio=ratio, ratio_rows=ratio_rows,
        conversions=tuple(conversions) or None,
        untuned=untuned_warmup(beta2) if beta2 is not None else None, scaling=scaling,
    )


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"

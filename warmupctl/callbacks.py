"""Check during training that every update gets the planned LR: a transformers ``TrainerCallback``.

``ScheduleCheckCallback(spec)`` compares, before each optimizer update k (``state.global_step``),
the LR in every param group of the Trainer's optimizer with ``schedule(k)``, the number
``warmupctl table`` prints for row k. A mismatch raises :class:`LRMismatchError` (the default) or
warns once and keeps counting (``on_mismatch="warn"``); ``callback.mismatches`` holds the first few.

Where the check sits, in transformers 5.23.0 ``Trainer._inner_training_loop`` (trainer.py): per
optimizer update it calls ``callback_handler.on_pre_optimizer_step``, then ``optimizer.step()``,
``on_optimizer_step``, ``lr_scheduler.step()``, ``global_step += 1`` and ``on_step_end``. So at
``on_pre_optimizer_step`` the param groups hold exactly the LR that update ``global_step`` uses
(the callback handler passes the optimizer as a keyword argument), the contract's lr[k].

transformers is imported when the callback class is first asked for, not with this module, so
``import warmupctl.callbacks`` costs nothing where transformers is absent.

Examples:
    >>> from warmupctl.callbacks import ScheduleCheckCallback  # doctest: +SKIP
    >>> trainer = Trainer(model, args, train_dataset=data,  # doctest: +SKIP
    ...                   callbacks=[ScheduleCheckCallback("schedule.yaml")])
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from warmupctl.engine import Schedule

#: Default relative tolerance: the optimizer's LR comes from a float64 recursion or a LambdaLR
#: product (an ulp or two off the closed form, ~1e-16), far inside this; a real drift is far outside.
RTOL = 1e-9
#: Mismatches kept in :attr:`mismatches` (the count goes on).
KEEP = 20
ON_MISMATCH = ("raise", "warn")


class LRMismatchError(RuntimeError):
    """An optimizer update got another LR than the schedule plans for it."""


@dataclass(frozen=True)
class Mismatch:
    """One update whose LR differs from the plan: the update, the param group, both LRs."""

    update: int
    group: int
    actual: float
    planned: float

    def describe(self, label: str) -> str:
        relative = abs(self.actual - self.planned) / abs(self.planned) if self.planned else math.inf
        return (f"update {self.update}: param group {self.group} has LR {self.actual:.10g}, "
                f"{label} plans {self.planned:.10g} (relative difference {relative:.3g})")


def _build() -> type:
    from transformers import TrainerCallback  # type: ignore[import-not-found, unused-ignore]

    class ScheduleCheckCallback(TrainerCallback):
        """Compares the optimizer's LR with the planned schedule before every update.

        Args:
            spec: the plan: a spec file's path, a spec mapping or a :class:`~warmupctl.engine.Schedule`
                (``warmupctl.load("trainer_args.yaml")`` reads a TrainingArguments file too).
            on_mismatch: ``"raise"`` (:class:`LRMismatchError` at the first differing update) or
                ``"warn"`` (one ``RuntimeWarning``, then a count in :attr:`mismatches`).
            rtol, atol: two LRs are equal when ``|a - b| <= max(atol, rtol * max(|a|, |b|))``.
            groups: indices of the param groups to check (None: all of them).
        """

        def __init__(self, spec: Any, *, on_mismatch: str = "raise", rtol: float = RTOL,
                     atol: float = 0.0, groups: tuple[int, ...] | list[int] | None = None) -> None:
            from warmupctl.api import as_schedule

            if on_mismatch not in ON_MISMATCH:
                raise ValueError(f"on_mismatch must be 'raise' or 'warn', not {on_mismatch!r}")
            if not (rtol >= 0 and atol >= 0):
                raise ValueError(f"rtol and atol must not be negative (got rtol={rtol!r}, atol={atol!r})")
            self.schedule: Schedule = as_schedule(spec)
            self.on_mismatch = on_mismatch
            self.rtol, self.atol = float(rtol), float(atol)
            self.groups = None if groups is None else tuple(groups)
            self.checked = 0
            self.mismatched = 0
            self.mismatches: list[Mismatch] = []

        def on_pre_optimizer_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            optimizer = kwargs.get("optimizer")
            if optimizer is None:
                return
            update = int(state.global_step)
            planned = self.schedule(update)
            param_groups = optimizer.param_groups
            indices = range(len(param_groups)) if self.groups is None else self.groups
            self.checked += 1
            for index in indices:
                actual = float(param_groups[index]["lr"])
                if abs(actual - planned) <= max(self.atol, self.rtol * max(abs(actual), abs(planned))):
                    continue
                self._report(Mismatch(update, index, actual, planned))
                break  # one report per update

        def _report(self, mismatch: Mismatch) -> None:
            self.mismatched += 1
            if len(self.mismatches) < KEEP:
                self.mismatches.append(mismatch)
            text = mismatch.describe(self.schedule.label)
            if self.on_mismatch == "raise":
                raise LRMismatchError(text)
            if self.mismatched == 1:
                warnings.warn(f"{text}; later mismatches are counted in callback.mismatches",
                              RuntimeWarning, stacklevel=2)

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.mismatched and self.on_mismatch == "warn":
                warnings.warn(f"{self.mismatched} of {self.checked} updates got another LR than "
                              f"{self.schedule.label} plans; the first: "
                              f"{self.mismatches[0].describe(self.schedule.label)}",
                              RuntimeWarning, stacklevel=2)

    ScheduleCheckCallback.__module__ = __name__
    return ScheduleCheckCallback


def __getattr__(name: str) -> Any:
    if name == "ScheduleCheckCallback":
        cls = _build()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["KEEP", "RTOL", "LRMismatchError", "Mismatch", "ScheduleCheckCallback"]  # noqa: F822 - lazy

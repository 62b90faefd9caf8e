"""The Python API: load or build a schedule, evaluate it, summarize it.

Errors are :class:`~warmupctl.core.errors.SpecError` in Python's words: the function and the keyword
argument (``warmupctl.schedule(): warmup_steps: must not be negative (got -5)``), never a flag.

Examples:
    >>> import warmupctl
    >>> s = warmupctl.schedule(kind="linear", warmup_steps=2, total_steps=4, lr=1.0)
    >>> s.values().tolist()
    [0.0, 0.5, 1.0, 0.5]
    >>> s(1)
    0.5
    >>> warmupctl.summarize(s).peak_step
    2
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from warmupctl.calc.summary import Summary, summarize
from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import KEYS
from warmupctl.engine import Schedule
from warmupctl.spec.resolve import load_spec as _load_spec
from warmupctl.spec.resolve import resolve as _resolve

#: What flags are called where a Python caller reads the error.
_FLAGS_SOURCE = "command line"
_FLAG = re.compile(r"--([a-z][a-z0-9-]*)")

Kind = Literal["constant", "linear", "cosine", "cosine_with_restarts", "polynomial", "inverse_sqrt",
               "noam", "exponential", "step", "multistep", "wsd",
               # transformers' lr_scheduler_type words for the same kinds
               "constant_with_warmup", "cosine_with_min_lr", "warmup_stable_decay",
               "inverse_square_root", "exponential_decay"]
WarmupShape = Literal["linear", "cosine", "exponential", "step", "smooth", "log", "1-sqrt", "constant",
                      "polynomial"]
DecayShape = Literal["linear", "cosine", "1-sqrt", "exponential"]
Loop = Literal["transformers", "transformers_4_51", "lightning", "plain"]


def _python_words(exc: SpecError, function: str) -> SpecError:
    """``exc`` as a Python caller wrote the value: the keyword argument of ``function``, not a flag."""
    def keyword(match: re.Match[str]) -> str:
        name = match.group(1).replace("-", "_")
        return name if name in KEYS or name == "preset" else match.group(0)

    from warmupctl.frameworks._kit import NO_END_HINT  # here: a native spec never loads the frameworks

    if exc.hint and exc.hint.startswith(NO_END_HINT):
        # The command's --steps/--at bound a CLI run; in Python the run's length is a keyword.
        exc = SpecError(exc.message, source=exc.source, path=exc.path, value=exc.value,
                        hint=f"pass total_steps=N (the updates of the run) to warmupctl.{function}(), "
                             f"or add total_steps: N to the file{exc.hint[len(NO_END_HINT):]}")
    flag_path = (exc.path or "").startswith("--")
    if exc.source != _FLAGS_SOURCE and not flag_path:
        return exc  # a file's own key: the file and the key are the caller's words already
    path = exc.path
    if path and flag_path:
        # The keyword as the caller spelt it, known or not (``warmup_step=`` -> ``warmup_step``).
        top = re.match(r"--[a-z0-9-]*", path)
        path = path[2:top.end()].replace("-", "_") + path[top.end():] if top else path
    return SpecError(_FLAG.sub(keyword, exc.message), source=f"warmupctl.{function}()",
                     path=path, value=exc.value,
                     hint=_FLAG.sub(keyword, exc.hint) if exc.hint else exc.hint)


def load(path: str, **overrides: Any) -> Schedule:
    """Load a spec file (YAML/JSON: native, library, a preset's or a training config).

    Args:
        path: the file, or ``-`` for standard input.
        **overrides: vocabulary keys laid over the file, as the command line's flags are
            (``warmupctl.load("spec.yaml", total_steps=2000)``), and ``preset``.

    Raises:
        SpecError: the file or an override is wrong (one line naming the key and the value).
    """
    try:
        return _load_spec(path, overrides)
    except SpecError as exc:
        raise _python_words(exc, "load") from None


def schedule(
    *,
    preset: str | None = None,
    name: str | None = None,
    kind: Kind | None = None,
    lr: float | None = None,
    init_lr: float | None = None,
    min_lr: float | None = None,
    total_steps: int | None = None,
    warmup_steps: int | None = None,
    ratio: float | None = None,
    warmup_ratio: float | None = None,
    warmup_shape: WarmupShape | None = None,
    warmup_stairs: int | None = None,
    num_cycles: float | None = None,
    power: float | None = None,
    timescale: float | None = None,
    d_model: int | None = None,
    scale: float | None = None,
    gamma: float | None = None,
    step_size: int | None = None,
    milestones: Sequence[int] | None = None,
    decay_steps: int | None = None,
    decay_ratio: float | None = None,
    decay_shape: DecayShape | None = None,
    step_offset: int | None = None,
    phases: Sequence[Mapping[str, Any]] | None = None,
    dataset_size: int | None = None,
    micro_batch_size: int | None = None,
    devices: int | None = None,
    grad_accum: int | None = None,
    drop_last: bool | None = None,
    seq_len: int | None = None,
    loop: Loop | None = None,
    epochs: float | None = None,
    total_tokens: float | None = None,
    total_samples: float | None = None,
    warmup_epochs: float | None = None,
    warmup_tokens: float | None = None,
    warmup_samples: float | None = None,
    decay_epochs: float | None = None,
    decay_tokens: float | None = None,
    decay_samples: float | None = None,
) -> Schedule:
    """Build a native schedule from the vocabulary's keywords; None (the default) leaves a key to
    its default or to what the other keys derive. The keys are those of a spec file and of the
    command line's flags (``warmup_steps`` is ``--warmup-steps``); ``preset`` starts from a published
    schedule that the other keywords override.

    Raises:
        SpecError: a value is wrong, e.g. ``warmupctl.schedule(): warmup_steps: must not be negative
            (got -5)``. A misspelt keyword is Python's ``TypeError``.
    """
    given = {key: value for key, value in locals().items() if value is not None}
    try:
        return _load_spec(None, given)
    except SpecError as exc:
        raise _python_words(exc, "schedule") from None


def _keyword_docs() -> str:
    """The Args section of :func:`schedule`, from the vocabulary (one line per key)."""
    lines = ["", "    Args:", "        preset: a published schedule to start from (gpt3, llama, bert, noam, "
             "pythia, minicpm_wsd, alpaca)."]
    for key in KEYS.values():
        default = "" if key.default is None else f" Default: {key.default!r}."
        lines.append(f"        {key.name}: {key.help}.{default}")
    return "\n".join(lines) + "\n"


schedule.__doc__ = (schedule.__doc__ or "").rstrip() + "\n" + _keyword_docs()


def from_mapping(mapping: dict[str, Any]) -> Schedule:
    """Resolve a spec given as a mapping (native keys, or ``schedule``/``lr``/``args``)."""
    return _resolve(mapping, source="<mapping>")


def as_schedule(spec: Schedule | Mapping[str, Any] | str) -> Schedule:
    """A Schedule from a Schedule, a spec mapping, or a spec file's path."""
    if isinstance(spec, Schedule):
        return spec
    if isinstance(spec, str):
        return load(spec)
    if isinstance(spec, Mapping):
        return from_mapping(dict(spec))
    raise TypeError(f"expected a Schedule, a spec mapping or a file's path, not {type(spec).__name__}")


__all__ = ["Schedule", "Summary", "as_schedule", "from_mapping", "load", "schedule", "summarize"]

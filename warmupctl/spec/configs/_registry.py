"""The registry of config formats, and what kind of file a mapping is (by evidence, never by default).

Each format claims a file on positive evidence of its own keys. The outcome:

* no claim: a warmupctl spec when it has native keys (or only near-misses of them, whose
  did-you-mean the native reader gives), else an error listing the formats warmupctl reads;
* one claim (or a dialect and the format it refines, e.g. LLaMA-Factory over TrainingArguments):
  that format, unless the file also has warmupctl's own keys that the format does not use
  (``kind:`` or ``lr:`` next to TrainingArguments' ``max_steps``): a mix of vocabularies, refused;
* two unrelated claims: refused, naming both and the keys that made each claim;
* a training log (``log_history``): refused, pointing to ``--actual``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import EngineError, SpecError
from warmupctl.core.registry import add_once
from warmupctl.core.vocabulary import KEYS, with_article
from warmupctl.spec.configs._base import ConfigFormat, normalized

#: Every config format warmupctl reads, by name (filled by the format modules' ``register``).
FORMATS: dict[str, ConfigFormat] = {}

#: Keys that only a training log has (transformers' trainer_state.json).
LOG_MARKERS = frozenset({"log_history"})


def register(fmt: ConfigFormat) -> ConfigFormat:
    """Add a format; its markers may not be warmupctl's own keys (they would claim native specs)."""
    native = fmt.markers & set(KEYS)
    if native:
        raise EngineError(f"config format {fmt.name!r} claims on native keys {sorted(native)}")
    return add_once(FORMATS, fmt.name, fmt, "config format")


def claims(mapping: Mapping[str, Any]) -> dict[str, str]:
    """Every format's evidence for the mapping: ``{name: "key, key"}``."""
    out = {}
    for fmt in FORMATS.values():
        evidence = fmt.claim(mapping)
        if evidence:
            out[fmt.name] = evidence
    return out


def _outranked(name: str) -> set[str]:
    found: set[str] = set()
    todo = list(FORMATS[name].outranks)
    while todo:
        other = todo.pop()
        if other not in found and other in FORMATS:
            found.add(other)
            todo.extend(FORMATS[other].outranks)
    return found


def detect(mapping: Mapping[str, Any]) -> str | None:
    """The format that claims the mapping, or None; two unrelated claims are a :class:`SpecError`.

    Examples:
        >>> detect({"lr_scheduler_type": "cosine", "learning_rate": 2e-5})
        'transformers'
        >>> detect({"--lr-decay-style": "cosine", "--train-iters": 100}), detect({"kind": "cosine"})
        ('megatron', None)
    """
    found = claims(mapping)
    if not found:
        return None
    # A dialect outranks the format it refines (its claim implies the other's keys).
    refined = set().union(*(_outranked(name) for name in found))
    leaders = [name for name in found if name not in refined]
    if len(leaders) > 1:
        first, second = leaders[:2]
        raise SpecError(
            f"looks like both {with_article(FORMATS[first].title)} ({found[first]}) and "
            f"{with_article(FORMATS[second].title)} ({found[second]})",
            hint="keep one kind of config per file (a DeepSpeed config goes in its own file, named by "
                 "deepspeed: or --deepspeed)")
    return leaders[0]


def config_kind(mapping: Mapping[str, Any]) -> str | None:
    """The config format of a spec file's mapping; None for warmupctl's own specs.

    A mapping with ``schedule`` is a library spec. A training log is refused. Otherwise
    :func:`detect` decides; a claimed file that also has native keys the format does not use mixes
    two vocabularies and is refused. An unclaimed mapping with any native key, or only near-misses of
    native keys, is a native spec (whose unknown keys get a did-you-mean there). Anything else is a
    :class:`SpecError` listing the formats warmupctl reads.
    """
    if "schedule" in mapping:
        return None
    if LOG_MARKERS & {str(key) for key in mapping}:
        raise SpecError("this is a training log: use --actual", path="log_history",
                        hint="a trainer_state.json holds the LR a run logged, not its schedule: "
                             "warmupctl plot SPEC --actual trainer_state.json overlays it")
    kind = detect(mapping)
    if kind is not None:
        _refuse_mixed(mapping, FORMATS[kind])
        return kind
    if any(key in KEYS for key in mapping) or all(v.did_you_mean(str(key), KEYS) for key in mapping):
        return None  # native, or native with typos only: its did-you-mean says more than "unknown kind"
    raise SpecError(
        "neither a warmupctl spec nor a training config warmupctl knows", value=sorted(map(str, mapping)),
        hint="warmupctl reads native specs (kind:, lr:, total_steps: ...), library specs "
             "(schedule: library.Name) and training configs (docs/configs.md lists the formats)",
    )


def _refuse_mixed(mapping: Mapping[str, Any], fmt: ConfigFormat) -> None:
    native = [str(key) for key in mapping
              if normalized(str(key)) in KEYS and normalized(str(key)) not in fmt.shared]
    if not native:
        return
    evidence = fmt.claim(mapping)
    raise SpecError(
        f"mixes warmupctl's own keys ({', '.join(native)}) with {with_article(fmt.title)} ({evidence})",
        path=native[0],
        hint=f"a warmupctl spec says total_steps, not the trainer's keys; {with_article(fmt.title)} has no "
             f"{native[0]}: keep one vocabulary per file")


__all__ = ["FORMATS", "LOG_MARKERS", "claims", "config_kind", "detect", "register"]

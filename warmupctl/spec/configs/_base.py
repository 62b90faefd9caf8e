"""What every config format shares: the format record, the request, the translation, and helpers.

A format module builds a :class:`ConfigFormat` and registers it (:mod:`._registry`). Its ``claim``
looks for positive evidence of the format's OWN keys and returns it as text ("lr_scheduler_type,
per_device_train_batch_size"), or None; its ``translate`` turns the mapping into a library spec
(:class:`Translation`), doing on the way what the trainer does before it builds its scheduler.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.engine import Schedule
from warmupctl.frameworks._registry import load_libraries

AUTO = "auto"


@dataclass(frozen=True)
class Request:
    """What the command line adds to a config file.

    Attributes:
        source: the file's display name, for errors and notes.
        path: its path on disk (relative names inside it, e.g. ``deepspeed:``, are resolved from it
            and from the working directory); None or ``-`` for standard input.
        facts: validated counts from flags (``dataset_size``, ``devices``); they win over the file's.
        deepspeed: a DeepSpeed config given with ``--deepspeed``.
        versions: ``--library-version NAME=VERSION`` pairs.
        overrides: the flags that act on the trainer's own arguments (``lr``, ``total_steps``,
            ``warmup_steps``); a format that applies one removes it from what the spec resolver sees.
    """

    source: str
    path: str | None = None
    facts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    deepspeed: str | None = None
    versions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    overrides: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def given(self, *keys: str) -> frozenset[str]:
        """The override flags among ``keys`` that the command line gave: a format that applies them
        itself reports them as :attr:`Translation.applied`."""
        return frozenset(key for key in keys if self.overrides.get(key) is not None)


@dataclass(frozen=True)
class ConfigFormat:
    """One kind of training config.

    Attributes:
        name: the registry key (``transformers``, ``axolotl``, ...).
        title: what notes and errors call it ("transformers TrainingArguments").
        claim: ``claim(mapping) -> evidence or None``: the format's own keys the mapping has, as text.
        translate: ``translate(mapping, request) -> Translation``.
        markers: the keys ``claim`` looks for (documentation and tests; never native keys).
        shared: warmupctl's own spec keys this format also uses (``warmup_steps`` in
            TrainingArguments); any OTHER native key next to a claim is a mix of vocabularies.
        facts: the command-line facts it takes (``dataset_size``, ``devices``).
        outranks: formats whose keys this one's files also hold (LLaMA-Factory YAML holds
            TrainingArguments keys): when both claim a file, this one wins.
        overrides: the override flags (:attr:`Request.overrides`) its translate applies itself.
        with_deepspeed: whether the trainer reads a DeepSpeed config next to it (``--deepspeed``).
        refusals: override flag -> why it does not apply (the hint of the refusal).
    """

    name: str
    title: str
    claim: Callable[[Mapping[str, Any]], str | None]
    translate: Callable[[Mapping[str, Any], Request], Translation]
    markers: frozenset[str] = frozenset()
    shared: frozenset[str] = frozenset()
    facts: tuple[str, ...] = ()
    outranks: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    with_deepspeed: bool = False
    refusals: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Origin:
    """Where a key of the translated spec came from.

    Attributes:
        source: the file.
        path: the key path in it (``""``: the same name at the top level).
        hint: replaces the resolver's hint (which speaks of the library spec's keys).
        more: added to the resolver's hint.
    """

    source: str
    path: str
    hint: str | None = None
    more: str | None = None


@dataclass(frozen=True)
class Translation:
    """A config translated into a library spec.

    Attributes:
        kind: a registered format name.
        title: what it was read as ("transformers TrainingArguments + DeepSpeed config").
        source: the config file.
        spec: the library spec mapping (plain YAML/JSON data).
        notes: what was derived and what the training stack overrides, one line each.
        origins: spec key path (or prefix) -> :class:`Origin`, for errors.
        applied: override flags the translation applied itself (the resolver must not apply them again).
    """

    kind: str
    title: str
    source: str
    spec: Mapping[str, Any]
    notes: tuple[str, ...] = ()
    origins: Mapping[str, Origin] = field(default_factory=lambda: MappingProxyType({}))
    applied: frozenset[str] = frozenset()

    def locate(self, exc: SpecError) -> SpecError:
        """Move an error about the translated spec onto the config key it came from."""
        if exc.source not in (None, self.source):
            return exc  # a flag, or a file that was read already located its own error
        path = exc.path or ""
        best = max((key for key in self.origins
                    if path == key or path.startswith((key + ".", key + "["))), key=len, default=None)
        if best is None:
            return exc.located(source=self.source)
        origin = self.origins[best]
        rest = path[len(best):]
        where = origin.path + rest if origin.path else rest.lstrip(".")
        hint = origin.hint or exc.hint
        if origin.more:
            hint = f"{hint}; {origin.more}" if hint else origin.more
        return SpecError(exc.message, source=origin.source, path=where or None, value=exc.value,
                         hint=hint)

    def annotate(self, schedule: Schedule) -> Schedule:
        """The schedule with the translation's notes before its own."""
        return replace(schedule, notes=(*self.notes, *schedule.notes))

    def text(self, fmt: str = "yaml") -> str:
        """The spec as a file: YAML with a comment header (the notes), or JSON."""
        spec = plain(self.spec)
        if fmt == "json":
            return json.dumps(spec, indent=2) + "\n"
        import yaml

        notes = self.notes or (f"{self.source} read as {self.title}",)
        header = "".join(f"# {line}\n" for note in notes for line in note.splitlines())
        return header + yaml.safe_dump(spec, sort_keys=False, default_flow_style=False, allow_unicode=True)


def plain(value: Any) -> Any:
    """Mappings and sequences as plain dicts and lists (what YAML and JSON writers take)."""
    if isinstance(value, Mapping):
        return {str(k): plain(x) for k, x in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(x) for x in value]
    return value


def normalized(key: str) -> str:
    """A command-line spelling as the argparse destination: ``--lr-decay-style`` -> ``lr_decay_style``.

    Examples:
        >>> normalized("--lr-warmup-fraction"), normalized("learning_rate")
        ('lr_warmup_fraction', 'learning_rate')
    """
    return key.lstrip("-").replace("-", "_")


def marker_claim(markers: frozenset[str], nested: frozenset[str] = frozenset()
                 ) -> Callable[[Mapping[str, Any]], str | None]:
    """A claim on any of ``markers`` (argparse spellings too); a ``nested`` marker counts only when
    its value is a mapping (DeepSpeed's ``optimizer`` block, not Megatron's ``optimizer: adam``)."""

    def claim(mapping: Mapping[str, Any]) -> str | None:
        hits = [str(key) for key, value in mapping.items()
                if normalized(str(key)) in markers
                and (normalized(str(key)) not in nested or isinstance(value, Mapping))]
        return ", ".join(hits) if hits else None

    return claim


def unique_keys(mapping: Mapping[str, Any], source: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The mapping with argparse spellings (``--lr-decay-style`` -> ``lr_decay_style``), and the
    original spelling of each key; a key written twice is an error."""
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in mapping.items():
        name = normalized(str(key))
        if name in out:
            raise SpecError(f"{spelled[name]!r} and {key!r} are the same argument", source=source,
                            path=str(key), hint="keep one of them")
        out[name] = value
        spelled[name] = str(key)
    return out, spelled


def one_of(raw: Mapping[str, Any], keys: tuple[str, ...], what: str) -> tuple[int | None, str | None]:
    """A count given under one of several names (they must agree when several are given)."""
    given = [(key, v.as_count(raw[key], key, minimum=1)) for key in keys if raw.get(key) is not None]
    if not given:
        return None, None
    for key, value in given[1:]:
        if value != given[0][1]:
            raise SpecError(f"disagrees with {given[0][0]} {given[0][1]}", path=key, value=raw[key],
                            hint=f"give the {what} once")
    return given[0][1], given[0][0]


def library_names(library: str) -> list[str]:
    """The schedule names a frameworks module registers (``transformers.cosine`` -> ``cosine``)."""
    return sorted(name.partition(".")[2] for name in load_libraries()
                  if name.startswith(library + ".") and not name.partition(".")[2].startswith("get_"))


def number(value: float) -> str:
    """A number as notes print it (``%g``)."""
    return f"{value:g}"


def show(value: Any) -> str:
    """A value as compact JSON, for notes."""
    return json.dumps(value, separators=(", ", ": "), default=str)

"""From a file and flags to a :class:`~warmupctl.engine.Schedule`.

A spec is native (the keys of :data:`warmupctl.spec.native.KEYS`) or a library spec
(``schedule: library.Name``). Flags are the native keys spelled ``--like-this``; a flag overrides the
same key of the file, and a flag of a length group (``--ratio`` vs ``warmup_steps``) replaces the
file's other key of that group.

A file may also be a training config (transformers TrainingArguments, a DeepSpeed config, timm's
args.yaml, Megatron arguments): :mod:`warmupctl.spec.configs` translates it into a library spec first,
and its errors are reported on the config's own keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import EXCLUSIVE_GROUPS, KEYS, flag_for
from warmupctl.engine import Schedule
from warmupctl.spec.files import SPEC, Input, read_input
from warmupctl.spec.load import mapping_of
from warmupctl.spec.native import resolve_native

if TYPE_CHECKING:
    from warmupctl.frameworks._registry import RunBound
    from warmupctl.spec import configs

# The library specs (and the frameworks registry behind them), the training-config readers and the
# presets are imported when a spec needs them: a native spec loads none of them (tests/test_startup.py).

FLAGS_SOURCE = "command line"

#: The longest run warmupctl evaluates: 10^10 updates (Megatron counts samples: 10^9 and more).
#: Chunked evaluation keeps memory bounded, but time grows with the length (~10 s per 10^9).
MAX_TOTAL_STEPS = 10**10


def merge_flags(mapping: Mapping[str, Any], flags: Mapping[str, Any]) -> dict[str, Any]:
    """The file's mapping with the given flags (None = not given) laid over it."""
    given = {k: val for k, val in flags.items() if val is not None}
    merged = dict(mapping)
    if isinstance(given.get("args"), Mapping) and isinstance(merged.get("args"), Mapping):
        given["args"] = {**merged["args"], **given["args"]}  # --arg NAME=VALUE changes one argument
    for group in EXCLUSIVE_GROUPS:
        if group & given.keys():
            for key in group - given.keys():
                merged.pop(key, None)
    merged.update(given)
    return merged


def resolve(
    mapping: Mapping[str, Any], *, source: str | None = None, flag_keys: frozenset[str] = frozenset(),
    bound: RunBound | None = None,
) -> Schedule:
    """Resolve a spec mapping; errors name ``source`` and, for keys set by flags, the flag.

    ``bound`` is the command's bound on the updates it shows (``--steps N``, ``--at``): a library
    schedule with no end of its own and no ``total_steps`` takes it as its run, with a note.
    """
    try:
        if "schedule" in mapping:
            from warmupctl.spec.library import resolve_library

            schedule = resolve_library(dict(mapping), bound=bound)
        else:
            schedule = resolve_native(mapping)
        check_length(schedule.total_steps, "total_steps")
        return schedule
    except SpecError as exc:
        raise locate_error(exc, source, flag_keys) from None


def check_length(count: int, path: str) -> None:
    """Refuse runs longer than :data:`MAX_TOTAL_STEPS`, saying what they would cost."""
    if count > MAX_TOTAL_STEPS:
        raise SpecError(
            f"{count:.3g} updates is more than warmupctl evaluates ({MAX_TOTAL_STEPS:.0e})",
            path=path, value=count,
            hint=f"a CSV of it would be about {count * 20 / 1e12:.0f} TB; count in updates, not tokens, "
                 "or tabulate part of it with --steps",
        )


def load_spec(
    path: str | None = None, flags: Mapping[str, Any] | None = None, *, bound: RunBound | None = None
) -> Schedule:
    """Load a spec file (or none: the defaults), apply flags, and resolve it.

    Args:
        path: a YAML/JSON file, ``-`` for standard input, or None for a spec made of flags alone.
        flags: native keys set on the command line or in Python (``{"warmup_steps": 100}``), and
            ``preset``: the name of a published schedule (:mod:`warmupctl.spec.presets`) to start from;
            ``series``: the name of one of the schedule's series to return in place of its LR.
        bound: the command's bound on the updates shown (see :func:`resolve`).
    """
    try:
        file = read_input(path, SPEC) if path is not None else None
    except SpecError as exc:
        raise refused_log(exc, path) from None
    return spec_from(file, flags, bound=bound)


def refused_log(exc: SpecError, path: str | None, data: bytes | None = None) -> SpecError:
    """``exc``, or "this is a training log: use --actual" when the file that failed as a spec is a
    run's log (:func:`warmupctl.spec.logs.log_refusal`; the log readers load only on this path)."""
    if path is None:
        return exc
    from warmupctl.spec.logs import log_refusal

    return log_refusal(path, data) or exc


def spec_from(
    file: Input | None, flags: Mapping[str, Any] | None = None, *, bound: RunBound | None = None
) -> Schedule:
    """The one way from what a file holds to a :class:`Schedule` (:func:`load_spec` reads the file):
    a native or library spec, a preset under it, or a training config, with the flags laid over it.
    A run's log is refused: "this is a training log: use --actual".

    Args:
        file: what :func:`warmupctl.spec.files.read_input` read, or None for a spec of flags alone.
        flags: as for :func:`load_spec`.
        bound: as for :func:`load_spec`.
    """
    try:
        return _spec_from(file, flags, bound=bound)
    except SpecError as exc:
        if file is None:
            raise
        raise refused_log(exc, file.name, file.data) from None


def _spec_from(
    file: Input | None, flags: Mapping[str, Any] | None = None, *, bound: RunBound | None = None
) -> Schedule:
    flags = dict(flags or {})
    series = flags.pop("series", None)
    if series is not None:  # one series of the schedule in place of its LR (--series momentum)
        from warmupctl.engine.series import pick

        schedule = spec_from(file, flags, bound=bound)
        try:
            return pick(schedule, str(series), "--series")
        except SpecError as exc:
            raise exc.located(source="command line") from None
    preset = flags.pop("preset", None)
    config_options = {key: flags.pop(key) for key in CONFIG_OPTIONS if flags.get(key) is not None}
    flags = {key: value for key, value in flags.items() if key not in CONFIG_OPTIONS}
    source, mapping = mapping_of(file) if file is not None else (None, {})
    if preset is not None:
        from warmupctl.spec.presets import load_preset

        # A published schedule is the base; the file's keys and then the flags override it.
        preset_source, base = load_preset(preset)
        mapping = merge_flags(base, mapping)
        source = preset_source if source is None else f"{source} (over {preset_source})"
    if file is not None and source is not None and _config_kind(mapping, source) is not None:
        facts = {"num_classes": config_options["num_classes"]} if "num_classes" in config_options else {}
        return _load_config(mapping, source, file.path, {**flags, **facts}, config_options.get("deepspeed"),
                            config_options.get("library_version"), bound=bound)[1]
    if config_options:
        key = next(iter(config_options))
        raise SpecError("applies to a training config, not a warmupctl spec", source=FLAGS_SOURCE,
                        path=flag_for(key), value=config_options[key],
                        hint="give it with the trainer's config file (warmupctl table CONFIG "
                             f"{flag_for(key)} ...)")
    merged = merge_flags(mapping, flags)
    flag_keys = frozenset(k for k, val in flags.items() if val is not None)
    return resolve(merged, source=source, flag_keys=flag_keys, bound=bound)


#: Flags that act on a training config: the trainer's run length, LR and warmup (each format says which
#: it applies, :attr:`warmupctl.spec.configs.ConfigFormat.overrides`), and the table's name.
CONFIG_FLAGS = ("lr", "total_steps", "warmup_steps", "name")
#: Options only a training config takes: a DeepSpeed config beside it, the library versions it runs under,
#: the data set's classes (a fact, refused on a native spec by the flag's name).
CONFIG_OPTIONS = ("deepspeed", "library_version", "num_classes")
#: Flags that give a training config the facts it cannot hold (transformers, timm; litgpt's sequence
#: length; Ultralytics' classes).
CONFIG_FACTS = ("dataset_size", "devices", "seq_len", "num_classes")


def import_config(
    path: str, flags: Mapping[str, Any] | None = None, deepspeed: str | None = None,
    library_version: Any = None,
) -> tuple[configs.Translation, Schedule]:
    """Translate a training config file and resolve it: ``(translation, schedule)``.

    Args:
        path: the config (``-`` for standard input).
        flags: ``dataset_size``/``devices`` facts, and ``lr``/``total_steps``/``name`` for the spec.
        deepspeed: a DeepSpeed config to combine with transformers TrainingArguments.
        library_version: ``NAME=VERSION`` texts (``--library-version``).
    """
    try:
        file = read_input(path, SPEC)
        source, mapping = mapping_of(file)
        kind = _config_kind(mapping, source)
    except SpecError as exc:
        raise refused_log(exc, path) from None
    if kind is None:
        raise SpecError("is a warmupctl spec, not a training config", source=source,
                        hint=f"use it as it is, e.g. warmupctl table {path}")
    return _load_config(mapping, source, path, flags or {}, deepspeed, library_version)


def _config_kind(mapping: Mapping[str, Any], source: str) -> str | None:
    if "schedule" in mapping or all(key in KEYS for key in mapping):
        # A library spec, or native keys only (no config's marker is a native key:
        # tests/spec/test_load.py): no need to load the config readers to say so.
        return None
    from warmupctl.spec import configs

    try:
        return configs.config_kind(mapping)
    except SpecError as exc:
        raise exc.located(source=source) from None


def _load_config(
    mapping: Mapping[str, Any], source: str, path: str, flags: Mapping[str, Any],
    deepspeed: str | None = None, library_version: Any = None, bound: RunBound | None = None,
) -> tuple[configs.Translation, Schedule]:
    from warmupctl.spec import configs

    given = {k: val for k, val in flags.items() if val is not None}
    facts = {}
    try:
        for key in CONFIG_FACTS:
            if key in given:
                facts[key] = v.as_count(given.pop(key), flag_for(key), minimum=1)
        versions = configs.parse_pairs(library_version, "--library-version")
    except SpecError as exc:
        raise exc.located(source=FLAGS_SOURCE) from None
    for key, value in given.items():
        if key not in CONFIG_FLAGS:
            raise SpecError("does not apply to a training config", source=FLAGS_SOURCE,
                            path=flag_for(key), value=value,
                            hint="change the config itself; --lr, --total-steps, --warmup-steps, --name, "
                                 "--dataset-size and --devices apply to one")
    overrides = {k: val for k, val in given.items() if k != "name"}
    translation = configs.translate(mapping, source=source, path=path, facts=facts, deepspeed=deepspeed,
                                    versions=versions, overrides=overrides)
    given = {k: val for k, val in given.items() if k not in translation.applied}
    try:
        schedule = resolve(merge_flags(translation.spec, given), source=source,
                           flag_keys=frozenset(given), bound=bound)
    except SpecError as exc:
        raise translation.locate(exc) from None
    return translation, translation.annotate(schedule)


def locate_error(exc: SpecError, source: str | None, flag_keys: frozenset[str]) -> SpecError:
    """``exc`` placed where the user wrote the value: the flag (``command line: --warmup-steps``)
    when its top-level key came from a flag in ``flag_keys``, or from nowhere (no file: a flag or a
    default); otherwise the file ``source``."""
    top = (exc.path or "").split(".")[0].split("[")[0]
    if top in flag_keys or (source is None and top and exc.source is None):
        # Without a file every key came from a flag or a default: name it as the flag to change.
        rest = (exc.path or "")[len(top):]
        return SpecError(exc.message, source=FLAGS_SOURCE, path=flag_for(top) + rest,
                         value=exc.value, hint=exc.hint)
    return exc.located(source=source)

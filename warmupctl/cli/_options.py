"""Options shared by the commands; the spec flags come from the vocabulary, so they cannot drift.

Spec flags are taken as text and validated by :mod:`warmupctl.spec` like the same keys of a file, so
``--lr 1e-3``, ``--lr nan`` and ``lr: 1e-3`` meet the same checks and the same messages.
"""

import functools
import inspect
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, Optional

import typer

from warmupctl.core.vocabulary import KEYS, flag_for

#: Native keys offered as flags (``phases`` needs a file).
SPEC_FLAGS: tuple[str, ...] = tuple(k for k in KEYS if k != "phases")
SPEC_PANEL = "Schedule (same words as the spec file's keys)"

_METAVARS = {
    "name": "TEXT", "kind": "KIND", "warmup_shape": "SHAPE", "decay_shape": "SHAPE",
    "milestones": "N,N,...", "total_steps": "N", "warmup_steps": "N", "warmup_stairs": "N",
    "decay_steps": "N", "step_size": "N", "d_model": "N", "step_offset": "N",
    "dataset_size": "N", "micro_batch_size": "N", "devices": "N", "grad_accum": "N", "seq_len": "N",
    "loop": "LOOP", "drop_last": "BOOL",
}


def _complete_from(key: str) -> Callable[[str], list[str]] | None:
    choices = {
        "kind": "KINDS", "warmup_shape": "WARMUP_SHAPES", "decay_shape": "DECAY_SHAPES", "loop": "LOOPS",
    }.get(key)
    if choices is None:
        return None

    def complete(incomplete: str) -> list[str]:
        from warmupctl.core import vocabulary

        return [c for c in getattr(vocabulary, choices) if c.startswith(incomplete)]

    return complete


def _complete_preset(incomplete: str) -> list[str]:
    from warmupctl.presets import preset_names

    return [name for name in preset_names() if name.startswith(incomplete)]


def optional_flag(name: str, kind: Any, panel: str, help: str, **extra: Any) -> tuple[str, Any]:
    """The parameter ``name`` as the optional flag ``--name`` (dashes for underscores) in ``panel``:
    a row of the tables of flags that a decorator adds to commands (:func:`with_spec_flags`,
    :func:`warmupctl.cli._policies.with_policy_flags`)."""
    flag = typer.Option(f"--{name.replace('_', '-')}", rich_help_panel=panel, help=help, **extra)
    return name, Annotated[Optional[kind], flag]  # noqa: UP045


CONFIG_PANEL = "Training configs"
DeepSpeedOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--deepspeed", metavar="FILE", rich_help_panel=CONFIG_PANEL,
                 help="a DeepSpeed config used with the trainer's config: its \"auto\" values are filled "
                      "from it and its scheduler block replaces the trainer's, as in transformers"),
]
LibraryVersionOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--library-version", metavar="NAME=VERSION", rich_help_panel=CONFIG_PANEL,
                 help="the version of a library the config runs under (repeatable), e.g. "
                      "transformers=4.51.3; default: the installed one, else the current release"),
]
NumClassesOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--num-classes", metavar="N", rich_help_panel=CONFIG_PANEL,
                 help="the data set's classes (Ultralytics: optimizer auto picks its LR from them, "
                      "round(0.002 × 5 / (4 + N), 6))"),
]
#: Options every command that reads a whole spec takes for a training config (see spec.resolve).
CONFIG_OPTIONS: dict[str, Any] = {"deepspeed": DeepSpeedOpt, "library_version": LibraryVersionOpt,
                                  "num_classes": NumClassesOpt}


def _complete_schedule(incomplete: str) -> list[str]:
    from warmupctl.frameworks._registry import load_libraries

    return sorted(name for name in load_libraries() if name.startswith(incomplete))


def _complete_arg(ctx: typer.Context, incomplete: str) -> list[str]:
    """``NAME=`` for each argument of the ``--schedule`` already typed (or of every schedule)."""
    from warmupctl.frameworks._registry import load_libraries

    registry = load_libraries()
    chosen = str((ctx.params or {}).get("schedule"))
    entries = [registry[chosen]] if chosen in registry else list(registry.values())
    names = sorted({arg.name for entry in entries for arg in entry.args})
    return [f"{name}=" for name in names if name.startswith(incomplete)]

ARG_FLAG = "--arg"

#: What the commands that take a whole spec add to it: a preset to start from, a library's
#: scheduler with its arguments, and the series to show.
_LIBRARY_OPTIONS: tuple[tuple[str, Any], ...] = (
    optional_flag("preset", str, SPEC_PANEL, metavar="NAME", autocompletion=_complete_preset,
                  help="start from a published schedule (gpt3, llama, bert, noam, pythia, minicpm_wsd, "
                       "alpaca: 'warmupctl list presets'); a spec file and flags override it"),
    optional_flag("schedule", str, SPEC_PANEL, metavar="LIBRARY.NAME", autocompletion=_complete_schedule,
                  help="a library's scheduler, as a spec file's 'schedule:' key, e.g. transformers.linear "
                       "('warmupctl list libraries'); its arguments with --arg"),
    optional_flag("arg", list[str], SPEC_PANEL, metavar="NAME=VALUE", autocompletion=_complete_arg,
                  help="one keyword argument of --schedule (repeat it): --arg num_warmup_steps=500; the "
                       "VALUE is read as in a YAML file (500, 1e-4, true, [100, 200]); over a library spec "
                       "file it changes that argument only"),
    optional_flag("series", str, SPEC_PANEL, metavar="NAME",
                  help="show one series of the schedule instead of its LR: lr/pg1, momentum, betas[0], "
                       "weight_decay, ... (a table lists them all)"),
)


def parse_args(items: list[str] | None) -> dict[str, Any] | None:
    """``["num_warmup_steps=500", "last_epoch=-1"]`` -> ``{"num_warmup_steps": 500, "last_epoch": -1}``:
    each VALUE read as a YAML value (the types a spec file's ``args:`` would give it)."""
    if not items:
        return None
    import yaml

    from warmupctl.core.errors import SpecError

    out: dict[str, Any] = {}
    for item in items:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise SpecError("expected NAME=VALUE", source="command line", path=ARG_FLAG, value=item,
                            hint="e.g. --arg num_warmup_steps=500")
        if name in out:
            raise SpecError("given twice", source="command line", path=f"{ARG_FLAG} {name}", value=item)
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            raise SpecError("VALUE is not a YAML value", source="command line", path=f"{ARG_FLAG} {name}",
                            value=text, hint="quote it, e.g. --arg 'name=\"text\"'") from None
        out[name] = value
    return out


def _arg_words(exc: Any) -> Any:
    """A spec error on a flag-given library argument, in the flag's words: ``--args.num_warmup_steps``
    (where :func:`warmupctl.spec.resolve.locate_error` puts it) -> ``--arg num_warmup_steps``."""
    from warmupctl.core.errors import SpecError

    path = exc.path or ""
    if exc.source != "command line":
        return exc
    generic = exc.hint is None or exc.hint.startswith(("keys: ", "did you mean", "put it under args"))
    if exc.message.startswith("unknown key for a ") and path.startswith("--") and path != "--args" \
            and generic:  # the library resolver's own hint, in a file's words
        library = exc.message[len("unknown key for a "):].removesuffix(" spec")
        return SpecError(exc.message, source=exc.source, path=path, value=exc.value,
                         hint=f"{path} is a native key; give {library}'s own arguments with --arg "
                              f"NAME=VALUE ('warmupctl list libraries {library}')")
    if path == "--lr" and (exc.hint or "").startswith("add e.g. 'lr: "):
        # A library schedule from flags: say the flag, not the file's key.
        return SpecError(exc.message, source=exc.source, path=path,
                         hint="add e.g. --lr 3e-4 (the learning rate given to the optimizer)")
    if path == "--args" and exc.message == "unknown key":
        return SpecError("needs --schedule LIBRARY.NAME or a library spec file", source=exc.source,
                         path=ARG_FLAG, hint="e.g. --schedule transformers.linear --arg num_warmup_steps=500")
    if not (path == "--args" or path.startswith("--args.")):
        return exc
    rest = path[len("--args."):] if path.startswith("--args.") else ""
    hint = exc.hint
    return SpecError(exc.message, source=exc.source, path=f"{ARG_FLAG} {rest}" if rest else ARG_FLAG,
                     value=exc.value, hint=hint)


def with_spec_flags(
    command: Callable[..., Any], keys: tuple[str, ...] = SPEC_FLAGS, config_options: bool | None = None,
) -> Callable[..., Any]:
    """Add one ``--flag`` per native key (or per one of ``keys``) to ``command``, as ``flags: dict``;
    and ``--deepspeed``/``--library-version`` (:data:`CONFIG_OPTIONS`) where a training config is read
    (``config_options``; default: the commands that take a whole spec)."""
    signature = inspect.signature(command)
    own = [p for p in signature.parameters.values() if p.name != "flags"]
    added = []
    library = keys == SPEC_FLAGS
    if library:  # commands that take a whole spec can start from a published one, or be a library's
        for name, annotation in _LIBRARY_OPTIONS:
            added.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                           annotation=annotation))
    extras = tuple(CONFIG_OPTIONS) if (keys == SPEC_FLAGS if config_options is None else config_options) \
        else ()
    for name in extras:
        if name not in signature.parameters:
            added.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                           annotation=CONFIG_OPTIONS[name]))
    for key in keys:
        option = typer.Option(
            flag_for(key), help=KEYS[key].help, metavar=_METAVARS.get(key, "NUMBER"),
            rich_help_panel=SPEC_PANEL, autocompletion=_complete_from(key), show_default=False,
        )
        added.append(inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=None,
                                       annotation=Annotated[Optional[str], option]))  # noqa: UP045

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        flags = {key: kwargs.pop(key) for key in keys}
        if "preset" in kwargs:
            flags["preset"] = kwargs.pop("preset")
        if "series" in kwargs and "series" not in signature.parameters:
            flags["series"] = kwargs.pop("series")
        for name in extras:
            if name in kwargs and name not in signature.parameters:
                flags[name] = kwargs.pop(name)
        if library:
            from warmupctl.core.errors import SpecError

            flags["schedule"] = kwargs.pop("schedule")
            flags["args"] = parse_args(kwargs.pop("arg"))
            try:
                return _call(command, args, kwargs, flags)
            except SpecError as exc:
                raise _arg_words(exc) from None
        return _call(command, args, kwargs, flags)

    wrapper.__signature__ = signature.replace(parameters=own + added)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in own + added}
    return wrapper


def _call(command: Callable[..., Any], args: Any, kwargs: dict[str, Any], flags: dict[str, Any]) -> Any:
    if flags.get("milestones") is not None:
        flags["milestones"] = [m.strip() for m in flags["milestones"].split(",") if m.strip()]
    return command(*args, flags=flags, **kwargs)


class TableFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


class TableOrJson(str, Enum):
    """The formats of the commands that print a table or the same content as JSON (``summary``,
    ``steps``, ``explain``, ``list``)."""

    table = "table"
    json = "json"


#: Their ``--format``.
TableOrJsonOpt = Annotated[TableOrJson, typer.Option("--format", "-f", help="table or json")]


class ReportFormat(str, Enum):
    """The formats of a verdict CI reads (``check``, ``diff``): a terminal table, JSON, or GitHub
    workflow annotations."""

    table = "table"
    json = "json"
    github = "github"


OutputOpt = Annotated[
    Optional[str],  # noqa: UP045 - evaluated at runtime by Typer
    typer.Option("--output", "-o", help="write to this file (atomically) instead of stdout",
                 metavar="FILE"),
]
StepsOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option("--steps", help="updates 0..N-1 (N may pass total_steps)", min=1, metavar="N"),
]
SpecArg = Annotated[
    Optional[str],  # noqa: UP045
    typer.Argument(help="spec file (YAML/JSON), - for stdin; none: the flags alone", metavar="[SPEC]"),
]
ActualOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--actual", metavar="LOG",
                 help="a run's logged LR to overlay and measure: trainer_state.json, an event file, a "
                      "TensorBoard or W&B export, trainer_log.jsonl, MMEngine scalars, results.csv, "
                      "summary.csv, metrics.csv, a Megatron or fairseq log (docs/logs.md); reports the "
                      "largest deviation and where, and on plot draws what explains it"),
]
ActualSeriesOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--actual-series", metavar="NAME",
                 help="the LR series of --actual's log to read when it holds several (param groups "
                      "lr/pg0, lr/pg1, ..., optimizers, runs); default: the first, the others named in "
                      "a note. --series picks the schedule's"),
]
ActualOffsetOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--actual-offset", metavar="auto|N",
                 help="which update a logged value belongs to: update = step − N; 1: transformers >= 4.51 "
                      "(the LR just used), 0: <= 4.50 (the next update's LR); auto tries both (and −1) "
                      "and keeps the better fit [default: auto]"),
]

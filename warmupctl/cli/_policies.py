"""Options shared by ``table`` and ``plot``: stepping policies, resumes and warmup theory.

``--stepping`` takes one word (``per-update``, ``per-micro-batch``, ``per-process``, ``per-epoch`` or
``xN``); the facts it needs are the vocabulary's keys where they exist (``grad_accum``, ``devices``,
from the spec file or their flags) and ``--updates-per-epoch`` otherwise (or the epoch counted from
the spec's batch facts). ``--resume-at K`` with ``--resume-total T2`` and ``--resume-scheduler``
simulates a resume. ``--noise-batch B0`` and ``--sharpness L`` are the theory columns and lines.
The maths is :mod:`warmupctl.calc.stepping` and :mod:`warmupctl.calc.theory`; this module parses and
validates the options and says what it did on stderr.
"""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import typer

from warmupctl.cli._options import optional_flag
from warmupctl.core.errors import SpecError

PANEL = "Stepping, resumes and theory"
#: ``Schedule.source`` of a native spec (only those can be rebuilt with another ``total_steps``).
NATIVE = "warmupctl native"
SOURCE = "command line"


class ResumeScheduler(str, Enum):
    fresh = "fresh"
    restored = "restored"


@dataclass(frozen=True)
class PolicyOptions:
    """The raw options, as Typer parsed them."""

    stepping: str | None = None
    updates_per_epoch: int | None = None
    resume_at: int | None = None
    resume_total: int | None = None
    resume_scheduler: ResumeScheduler | None = None

    @property
    def any(self) -> bool:
        return self.stepping is not None or self.resume_at is not None or self.resume_total is not None \
            or self.resume_scheduler is not None or self.updates_per_epoch is not None


#: The options :func:`with_policy_flags` adds, with their Typer declarations.
_POLICY_PARAMETERS: tuple[tuple[str, Any], ...] = (
    optional_flag("stepping", str, PANEL, metavar="POLICY",
                  help="how often the loop steps the scheduler: per-update (the contract), per-micro-batch "
                       "(grad_accum times per update), per-process (devices times, accelerate), xN (N "
                       "times), per-epoch (Lightning's default interval); shows the effective LR next to "
                       "the intended one"),
    optional_flag("updates_per_epoch", int, PANEL, min=1, metavar="U",
                  help="per-epoch stepping: optimizer updates per epoch (default: counted from "
                       "dataset_size, micro_batch_size, devices, grad_accum)"),
    optional_flag("resume_at", int, PANEL, metavar="K",
                  help="simulate a run resumed at update K (default: with a fresh scheduler)"),
    optional_flag("resume_total", int, PANEL, metavar="T2",
                  help="the resumed run's new length: the spec rebuilt with total_steps T2 (native specs)"),
    optional_flag("resume_scheduler", ResumeScheduler, PANEL,
                  help="after the resume the scheduler starts again from step 0 (fresh) or has its state "
                       "loaded (restored); default: restored with --resume-total, else fresh"),
    optional_flag("noise_batch", str, PANEL, metavar="B0",
                  help="the batch size B0 used at the peak LR: adds the noise-equivalent batch B0/α², "
                       "α = lr/peak"),
    optional_flag("sharpness", str, PANEL, metavar="LAMBDA",
                  help="the loss's sharpness λmax: flags the updates whose LR exceeds the stability bound "
                       "2/λmax"),
)


@dataclass(frozen=True)
class PolicyFlags:
    """Every stepping, resume and theory option of one command line, as Typer parsed them.

    The theory values are validated by :meth:`theory` where the command asks, so a command keeps the
    order in which it reports mistakes.
    """

    options: PolicyOptions
    noise_batch: str | None = None
    sharpness: str | None = None

    def theory(self) -> "Theory":
        return parse_theory(self.noise_batch, self.sharpness)


def with_policy_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the seven options above to ``command`` (``table``, ``plot``); it receives them as
    ``policy_flags: PolicyFlags`` (the pattern of :func:`warmupctl.cli._options.with_spec_flags`)."""
    signature = inspect.signature(command)
    own = [p for p in signature.parameters.values() if p.name != "policy_flags"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=option)
             for name, option in _POLICY_PARAMETERS]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name, _ in _POLICY_PARAMETERS}
        noise_batch, sharpness = given.pop("noise_batch"), given.pop("sharpness")
        flags = PolicyFlags(PolicyOptions(**given), noise_batch, sharpness)
        return command(*args, policy_flags=flags, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=own + added)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in own + added}
    return wrapper


@dataclass(frozen=True)
class Theory:
    """``--noise-batch`` and ``--sharpness``, validated."""

    noise_batch: float | None = None
    sharpness: float | None = None

    @property
    def any(self) -> bool:
        return self.noise_batch is not None or self.sharpness is not None


@dataclass(frozen=True)
class Loaded:
    """The intended schedule and, under a policy, the effective one (what the optimizer gets)."""

    intended: Any  # Schedule
    effective: Any | None = None
    policies: tuple = ()

    @property
    def shown(self) -> Any:
        return self.effective if self.effective is not None else self.intended


def parse_theory(noise_batch: str | None, sharpness: str | None) -> Theory:
    from warmupctl.core.values import as_positive

    try:
        batch = as_positive(noise_batch, "--noise-batch") if noise_batch is not None else None
        lam = as_positive(sharpness, "--sharpness") if sharpness is not None else None
    except SpecError as exc:
        raise replace_hint(exc.located(source=SOURCE), {
            "--noise-batch": "the batch size your run uses at the peak LR, e.g. --noise-batch 256",
            "--sharpness": "the Hessian's largest eigenvalue λmax, e.g. --sharpness 2e4 (bound 1e-4)",
        }) from None
    return Theory(batch, lam)


def replace_hint(exc: SpecError, hints: dict[str, str]) -> SpecError:
    if exc.hint or exc.path not in hints:
        return exc
    return SpecError(exc.message, source=exc.source, path=exc.path, value=exc.value, hint=hints[exc.path])


def _fail(message: str, path: str, *value: Any, hint: str | None = None) -> SpecError:
    """A command-line error; ``value``, when given, is shown as ``(got ...)``."""
    return SpecError(message, source=SOURCE, path=path, hint=hint, **({"value": value[0]} if value else {}))


def load_with_policies(ctx: typer.Context, specs: list[str] | None, flags: dict[str, Any],
                       options: PolicyOptions) -> Loaded:
    """Resolve one spec with the flags (``load_spec``: presets, training configs and all), and apply
    the stepping policy and the resume to it.

    The facts a policy needs (``grad_accum`` for per-micro-batch, ``devices`` for per-process, the
    batch facts of a counted epoch) are read from the flags, the spec file and its preset. In a spec
    that gives no length in epochs, tokens or samples they are the policy's alone: their flags are not
    passed to the spec (a library spec would refuse them) and the spec's note that they are unused is
    dropped. ``--resume-total`` resolves the spec again with ``total_steps`` set, so it needs a file
    (standard input is read once).
    """
    from warmupctl.calc import stepping as st
    from warmupctl.cli._common import app_context, run_bound
    from warmupctl.spec.resolve import CONFIG_FACTS, check_length, load_spec

    if len(specs or []) > 1:
        raise _fail("a stepping policy or a resume shows one spec, intended and effective",
                          "--stepping" if options.stepping else "--resume-at",
                    hint="run the command once per spec")
    path = (specs or [None])[0]
    view, config, units = _view(path, flags)

    policies: list = []
    consumed: set[str] = set()
    if options.stepping is not None:
        policy, consumed = _stepping(options, view, path, flags)
        policies.append(policy)
    elif options.updates_per_epoch is not None:
        raise _fail("--updates-per-epoch goes with --stepping per-epoch", "--updates-per-epoch",
                    options.updates_per_epoch, hint="add --stepping per-epoch")
    wanted = set(consumed)
    if config:
        consumed -= set(CONFIG_FACTS)  # a training config needs them for its own lengths
    elif units is not False:  # the spec's arithmetic uses them too (or may: a spec on stdin)
        consumed = set()
    given = {k: val for k, val in flags.items() if k not in consumed}

    try:
        intended = load_spec(path, given, bound=run_bound(ctx))
    except SpecError as exc:
        from warmupctl.core.vocabulary import flag_for

        if path == "-" and exc.path in {flag_for(k) for k in wanted}:
            raise SpecError(exc.message, source=exc.source, path=exc.path, value=exc.value,
                            hint="a spec on standard input is read once, so the policy's fact is passed "
                                       "to it too; pass the spec as a file") from None
        raise
    steps = ctx.params.get("steps")
    if steps is not None:
        try:
            check_length(steps, "--steps")
        except SpecError as exc:
            raise exc.located(source=SOURCE) from None

    rebuild = None
    if options.resume_at is not None or options.resume_total is not None \
            or options.resume_scheduler is not None:
        resume = _resume(options, intended)
        if resume.total is not None:
            if path == "-":
                raise _fail("--resume-total resolves the spec a second time; standard input is read once",
                                  "--resume-total", resume.total, hint="pass the spec as a file")

            def rebuild(total: int) -> Any:
                try:
                    return load_spec(path, {**given, "total_steps": total})
                except SpecError as exc:
                    raise SpecError(f"with total_steps {total}: {exc.message}", source=SOURCE,
                                    path="--resume-total", value=total, hint=exc.hint) from None
        policies.append(resume)

    context = app_context(ctx)
    for note in intended.notes:
        note = _unused_note(note, wanted)
        if note:
            context.note(note)
    if not policies:
        return Loaded(intended)
    if intended.series:  # a policy moves one curve: the others are named, not dropped in silence
        context.note(f"the series {', '.join(intended.series)} are left out: a stepping or resume "
                           "policy shows one series at a time; pick one with --series NAME")
    shown = st.effective(intended, *policies, rebuild=rebuild)
    for note in shown.notes:
        context.note(f"effective: {note}")
    return Loaded(intended, shown, tuple(policies))


#: The end of the native spec's note on batch facts that no length uses (spec/native.py).
_UNUSED = " not used: no length is given in epochs, tokens or samples"


def _unused_note(note: str, consumed: set[str]) -> str | None:
    """The spec's "X, Y not used" note without the keys the policy uses (None: nothing left)."""
    if not consumed or not note.endswith(_UNUSED):
        return note
    keys = [k for k in note[:-len(_UNUSED)].split(", ") if k not in consumed]
    return ", ".join(keys) + _UNUSED if keys else None


def _view(path: str | None, flags: dict[str, Any]) -> tuple[dict[str, Any], bool, bool | None]:
    """What the policy may read of the spec: ``(preset ⊕ file ⊕ flags, is a training config, gives a
    length in epochs/tokens/samples)``. A spec on standard input is not read here (it is read once, by
    ``load_spec``): its keys are unknown and whether it uses units is None."""
    from warmupctl.spec import configs
    from warmupctl.spec.load import load_mapping
    from warmupctl.spec.native import UNIT_KEYS
    from warmupctl.spec.presets import load_preset
    from warmupctl.spec.resolve import merge_flags

    given = {k: val for k, val in flags.items() if k != "preset"}
    base: dict[str, Any] = {}
    if flags.get("preset") is not None:
        base = load_preset(flags["preset"])[1]
    if path == "-":
        return merge_flags(base, given), False, None
    mapping: dict[str, Any] = {}
    if path is not None:
        source, mapping = load_mapping(path)
        try:
            if configs.config_kind(mapping) is not None:  # its keys are its own, not the vocabulary's
                return dict(given), True, None
        except SpecError as exc:
            raise exc.located(source=source) from None
    view = merge_flags(merge_flags(base, mapping), given)
    return view, False, any(view.get(k) is not None for k in UNIT_KEYS)


def _stepping(options: PolicyOptions, merged: dict[str, Any], source: str | None,
              flags: dict[str, Any]) -> tuple[Any, set[str]]:
    """The stepping policy ``--stepping`` names, and the spec keys it consumes."""
    from warmupctl.calc import stepping as st
    from warmupctl.core.values import did_you_mean

    flag_keys = frozenset(k for k, val in flags.items() if val is not None)

    word = options.stepping.strip().lower()
    if options.updates_per_epoch is not None and word != "per-epoch":
        raise _fail("--updates-per-epoch goes with --stepping per-epoch", "--updates-per-epoch",
                    options.updates_per_epoch, hint="add --stepping per-epoch, or leave it out")
    if word.startswith("x") and word[1:].isdigit():
        times = int(word[1:])
        if times < 1:
            raise _fail("xN steps the scheduler N >= 1 times per update", "--stepping", options.stepping)
        return st.TimesPerUpdate(times), set()
    if word == "per-update":
        return st.PerUpdate(), set()
    if word == "per-micro-batch":
        return st.PerMicroBatch(_fact(merged, "grad_accum", source, flag_keys,
                                            "micro-batches per update, e.g. --grad-accum 4")), {"grad_accum"}
    if word == "per-process":
        return st.TimesPerUpdate(_fact(merged, "devices", source, flag_keys,
                                             "the number of processes, e.g. --devices 8")), {"devices"}
    if word == "per-epoch":
        if options.updates_per_epoch is not None:
            return st.PerEpoch(options.updates_per_epoch), set()
        return st.PerEpoch(_counted_epoch(merged, source, flag_keys)), set(_EPOCH_FACTS)
    near = did_you_mean(word, [w for w in st.STEPPING_WORDS if w != "xN"])
    raise _fail("unknown stepping policy", "--stepping", options.stepping,
                hint=near or "one of " + ", ".join(st.STEPPING_WORDS) + " (x2, x8: N times per update)")


#: The batch facts an epoch is counted from (``seq_len`` plays no part).
_EPOCH_FACTS = frozenset({"dataset_size", "micro_batch_size", "devices", "grad_accum", "drop_last", "loop"})


def _located(exc: SpecError, key: str, source: str | None, flag_keys: frozenset[str]) -> SpecError:
    from warmupctl.core.vocabulary import flag_for

    if key in flag_keys or source is None:
        return SpecError(exc.message, source=SOURCE, path=flag_for(key), value=exc.value, hint=exc.hint)
    return exc.located(source=source)


def _fact(merged: dict[str, Any], key: str, source: str | None, flag_keys: frozenset[str],
          hint: str) -> int:
    from warmupctl.core.values import as_count
    from warmupctl.core.vocabulary import flag_for

    value = merged.get(key)
    if value is None:
        raise _fail(f"this policy needs {key}", "--stepping", hint=f"add {flag_for(key)} N ({hint}) "
                          "or set it in the spec")
    try:
        return as_count(value, key, minimum=1)
    except SpecError as exc:
        raise _located(exc, key, source, flag_keys) from None


def _counted_epoch(merged: dict[str, Any], source: str | None, flag_keys: frozenset[str]) -> int:
    from fractions import Fraction

    from warmupctl.core.steps import epoch_count
    from warmupctl.spec.native import batch_facts

    if merged.get("dataset_size") is None or merged.get("micro_batch_size") is None:
        raise _fail("per-epoch stepping needs the updates in an epoch", "--stepping", "per-epoch",
                    hint="add --updates-per-epoch U, or --dataset-size and --micro-batch-size")
    try:
        facts, loop = batch_facts(merged)
    except SpecError as exc:
        key = (exc.path or "").split(".")[0]
        raise _located(exc, key, source, flag_keys) from None
    count = epoch_count(facts, Fraction(1), loop)
    if count.updates_per_epoch < 1:
        raise _fail(count.note, "--stepping", "per-epoch", hint="check the batch facts")
    return count.updates_per_epoch


def _resume(options: PolicyOptions, intended: Any) -> Any:
    """The :class:`~warmupctl.calc.stepping.Resume` the ``--resume-*`` options describe."""
    from warmupctl.calc.stepping import Resume

    at, total = options.resume_at, options.resume_total
    if at is None:
        raise _fail("--resume-total and --resume-scheduler describe a resume", "--resume-total"
                    if total is not None else "--resume-scheduler", hint="add --resume-at K, the "
                          "first update of the resumed run")
    if total is not None and total < 1:
        raise _fail("must be positive", "--resume-total", total)
    length = total if total is not None else intended.total_steps
    if not 1 <= at < length:
        raise _fail(f"the resume must fall inside the run (updates 1..{length - 1})", "--resume-at", at,
                    hint="update 0 is the start of the run" if at < 1 else
                          "pass --resume-total to make the resumed run longer")
    if total is not None and intended.source != NATIVE:
        raise _fail("--resume-total rebuilds a native spec with a new total_steps; a library spec's "
                          "length is one of its args", "--resume-total", total,
                    hint="write the resumed run as a second spec and compare: warmupctl plot a.yaml "
                               "b.yaml --diff")
    chosen = options.resume_scheduler
    fresh = (chosen == ResumeScheduler.fresh) if chosen is not None else total is None
    return Resume(at, total, fresh)


def plot_schedules(ctx: typer.Context, specs: list[str] | None, flags: dict[str, Any],
                   options: PolicyOptions, theory: Theory) -> tuple[list, dict[str, Any]]:
    """The curves to plot and the theory's :class:`~warmupctl.render.plot.PlotOptions` fields.

    Under a policy: the intended curve and the effective one, labelled so the legend says which is
    which, with a title naming the policy; the noise batch then takes its α from the intended peak
    for both. Without: the specs as ``load_schedules`` loads them. Either way the stability verdict
    of each curve is a note on stderr.
    """
    from dataclasses import replace as with_

    from warmupctl.cli._common import app_context, load_schedules

    fields: dict[str, Any] = {"sharpness": theory.sharpness, "noise_batch": theory.noise_batch}
    if options.any:
        loaded = load_with_policies(ctx, specs, flags, options)
        intended, shown = loaded.intended, loaded.shown
        what = "; ".join(p.describe() for p in loaded.policies)
        schedules = [with_(intended, label=f"intended: {intended.label}"),
                     with_(shown, label=f"effective: {what}")]
        fields["title"] = f"{intended.label}: intended vs {what}"
        if theory.noise_batch is not None:
            from warmupctl.calc.summary import summarize

            fields["noise_peak"] = summarize(intended).peak_lr
    else:
        schedules = load_schedules(ctx, specs, flags)
    if theory.sharpness is not None:
        from warmupctl.calc.theory import stability

        context = app_context(ctx)
        steps = ctx.params.get("steps")
        for schedule in schedules:
            report = stability(schedule, theory.sharpness, steps or schedule.total_steps)
            prefix = f"{schedule.label}: " if len(schedules) > 1 else ""
            context.note(prefix + report.describe())
    return schedules, fields

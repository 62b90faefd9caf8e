"""``warmupctl steps``: epochs, tokens and samples in optimizer updates, as each training loop counts."""

from typing import Annotated, Any, Optional

import typer

from warmupctl.cli._common import app_context
from warmupctl.cli._options import (
    DeepSpeedOpt,
    LibraryVersionOpt,
    NumClassesOpt,
    OutputOpt,
    SpecArg,
    TableOrJson,
    TableOrJsonOpt,
    with_spec_flags,
)
from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import BATCH_KEYS, LENGTH_KEYS

#: The vocabulary keys ``steps`` takes as flags: the batch facts, every length, and ``lr`` to scale.
STEP_KEYS: tuple[str, ...] = (*BATCH_KEYS, *(k for keys in LENGTH_KEYS.values() for k in keys), "lr")
FLAGS_SOURCE = "command line"


def steps(
    ctx: typer.Context,
    spec: SpecArg = None,
    fmt: TableOrJsonOpt = TableOrJson.table,
    output: OutputOpt = None,
    beta2: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--beta2", metavar="NUMBER", help="Adam's beta2: the untuned warmup 2/(1-beta2), next to "
        "pytorch_warmup's int() of it")] = None,
    reference_batch_size: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--reference-batch-size", metavar="N", help="samples per update at which --lr was tuned: "
        "linear and square-root scaling to this run's samples per update")] = None,
    library_version: LibraryVersionOpt = None,
    deepspeed: DeepSpeedOpt = None,
    num_classes: NumClassesOpt = None,
    flags: dict | None = None,
) -> None:
    """Updates per epoch and in total, and lengths in tokens or samples as updates.

    A training config gives its trainer's own counts: `warmupctl steps axolotl.yml --dataset-size N
    --devices N` prints the run's updates and warmup as axolotl derives them.

    `warmupctl steps --dataset-size 100 --micro-batch-size 1 --grad-accum 4 --epochs 10 --ratio 0.1`
    shows how the transformers Trainer (5.x and 4.x), Lightning and a plain `(i+1) % grad_accum` loop
    count the same run, and the warmup each library derives from the ratio. `--warmup-tokens 375e6
    --micro-batch-size 16 --seq-len 1024 --grad-accum 4 --devices 8` gives 715.26 updates under each
    rounding rule. A SPEC file may hold the same keys; flags override it.
    """
    from warmupctl.cli._output import check_destination, write_text
    from warmupctl.core import steps as arithmetic
    from warmupctl.core import values as v
    from warmupctl.spec.load import load_mapping
    from warmupctl.spec.native import UNIT_KEYS, batch_facts, units_to_steps
    from warmupctl.spec.resolve import locate_error, merge_flags

    if output and output != "-":
        check_destination(output)
    source, mapping = load_mapping(spec) if spec is not None else (None, {})
    flags = flags or {}
    flag_keys = frozenset(k for k, value in flags.items() if value is not None)
    if spec is not None and _is_config(mapping, source):
        classes = {"num_classes": num_classes} if num_classes is not None else {}
        _config_steps(ctx, spec, {**flags, **classes}, library_version, deepspeed, fmt, output)
        return
    if deepspeed is not None or library_version or num_classes is not None:
        raise SpecError("applies to a training config", source=FLAGS_SOURCE,
                        path="--deepspeed" if deepspeed is not None else
                        "--library-version" if library_version else "--num-classes",
                        hint="give it with the trainer's config: warmupctl steps CONFIG ...")
    merged = {k: value for k, value in merge_flags(mapping, flags).items() if k in STEP_KEYS}
    try:
        facts, loop = batch_facts(merged)
        converted = units_to_steps(merged, [])
        lengths = _lengths(converted, v)
        ratio_key = "ratio" if merged.get("ratio") is not None else "warmup_ratio"
        ratio = v.as_fraction(merged[ratio_key], ratio_key) if merged.get(ratio_key) is not None else None
        if ratio is not None and "total_steps" not in lengths:
            raise SpecError("a warmup ratio needs the run's length", path=ratio_key,
                            value=merged[ratio_key],
                            hint="add total_steps, or epochs with dataset_size and micro_batch_size")
        if ratio is not None and "warmup_steps" not in lengths:
            lengths["warmup_steps"] = arithmetic.RATIO_RULES["warmupctl"].apply(ratio, lengths["total_steps"])
        units = {k: unit for keys in LENGTH_KEYS.values() for k, unit in keys.items()}
        amounts = {k: (units[k], arithmetic.exact(v.as_float(merged[k], k)))
                   for k in sorted(UNIT_KEYS) if merged.get(k) is not None}
        lr = v.as_positive(merged["lr"], "lr") if merged.get("lr") is not None else None
    except SpecError as exc:
        raise locate_error(exc, source, flag_keys) from None
    reference = _reference(reference_batch_size, lr if "lr" in flag_keys else None, lr, facts, v)
    report = arithmetic.steps_report(
        facts, loop, amounts=amounts, lengths=lengths, ratio=ratio, beta2=_beta2(beta2, v), lr=lr,
        reference_batch_size=reference,
    )
    if report.empty:
        raise SpecError("nothing to compute", source=FLAGS_SOURCE,
                        hint="e.g. --dataset-size 1000 --micro-batch-size 8 --epochs 3, "
                        "or --warmup-tokens 375e6 --micro-batch-size 512 --seq-len 1024, or --beta2 0.999")

    context = app_context(ctx)
    if fmt == TableOrJson.json:
        from warmupctl.render.text import FORMAT_VERSION, dumps

        document = {"format_version": FORMAT_VERSION, **report.as_dict()}
        write_text(output, lambda out: out.write(dumps(document) + "\n"))
    else:
        from rich.console import Group

        from warmupctl.cli._render import print_or_write
        from warmupctl.render.steps import build_steps_tables

        print_or_write(ctx, Group(*build_steps_tables(report)), output)
    if output and output != "-":
        context.info(f"wrote {output}")


#: The steps flags a training config takes (the facts it lacks, and what sets its trainer's arguments).
CONFIG_STEP_KEYS = ("dataset_size", "devices", "seq_len", "total_steps", "warmup_steps", "lr", "num_classes")


def _is_config(mapping: dict[str, Any], source: str) -> bool:
    from warmupctl.spec import configs

    try:
        return configs.config_kind(mapping) is not None
    except SpecError as exc:
        raise exc.located(source=source) from None


def _config_steps(ctx: typer.Context, spec: str, flags: dict[str, Any], library_version: Any,
                  deepspeed: str | None, fmt: TableOrJson, output: str | None) -> None:
    """A training config's own counts: the run's updates and warmup as its trainer derives them."""
    from warmupctl.cli._output import write_text
    from warmupctl.spec.resolve import import_config

    given = {k: value for k, value in flags.items() if value is not None}
    for key, value in given.items():
        if key not in CONFIG_STEP_KEYS:
            raise SpecError("does not apply to a training config", source=FLAGS_SOURCE,
                            path="--" + key.replace("_", "-"), value=value,
                            hint="the config holds its batch facts; --dataset-size, --devices, "
                                 "--total-steps, --warmup-steps and --lr apply to one")
    translation, schedule = import_config(spec, given, deepspeed=deepspeed, library_version=library_version)
    context = app_context(ctx)
    for note in schedule.notes:
        context.note(note)
    counts = {"config": translation.title, "schedule": schedule.label, "total_steps": schedule.total_steps,
              "warmup_steps": schedule.warmup_steps}
    if schedule.progress is not None:  # what those updates consume (Megatron: along its batch ramp)
        progress = schedule.progress
        ends = progress.at([schedule.total_steps, schedule.warmup_steps])
        for name, (total, warmup) in ends.items():
            counts[f"total_{name}"], counts[f"warmup_{name}"] = int(total), int(warmup)
        if progress.varying and progress.breaks:  # the update from which the batch stays at its last
            counts["ramp_steps"] = progress.breaks[-1]
            for name, (value,) in progress.at([progress.breaks[-1]]).items():
                counts[f"ramp_{name}"] = int(value)
    if fmt == TableOrJson.json:
        from warmupctl.render.text import FORMAT_VERSION, dumps

        write_text(output, lambda out: out.write(dumps({"format_version": FORMAT_VERSION, **counts}) + "\n"))
    else:
        write_text(output, lambda out: out.write("".join(f"{k}: {val}\n" for k, val in counts.items())))
    if output and output != "-":
        context.info(f"wrote {output}")


def _lengths(converted: dict[str, Any], v) -> dict[str, int]:
    """The lengths in updates that the keys give (validated like a spec's)."""
    out = {}
    for key, minimum in (("total_steps", 1), ("warmup_steps", 0), ("decay_steps", 0)):
        if converted.get(key) is not None:
            out[key] = v.as_count(converted[key], key, minimum=minimum)
    return out


def _beta2(text: str | None, v) -> float | None:
    if text is None:
        return None
    try:
        beta2 = v.as_float(text, "--beta2")
    except SpecError as exc:
        raise exc.located(source=FLAGS_SOURCE) from None
    if not 0.0 < beta2 < 1.0:
        raise SpecError("beta2 must be between 0 and 1", source=FLAGS_SOURCE, path="--beta2",
                        value=text, hint="Adam's default is 0.999")
    return beta2


def _reference(text: str | None, lr_flag: float | None, lr: float | None, facts, v) -> int | None:
    """The validated ``--reference-batch-size``; ``--lr`` alone asks for it (a spec's ``lr`` does not)."""
    if text is None:
        if lr_flag is not None:
            raise SpecError("--lr is scaled from a reference batch size", source=FLAGS_SOURCE,
                            path="--lr", value=lr_flag, hint="add --reference-batch-size N")
        return None
    try:
        reference = v.as_count(text, "--reference-batch-size", minimum=1)
    except SpecError as exc:
        raise exc.located(source=FLAGS_SOURCE) from None
    if lr is None or facts.samples_per_update is None:
        missing = "--lr" if lr is None else "--micro-batch-size"
        raise SpecError(f"scaling needs {missing}", source=FLAGS_SOURCE, path="--reference-batch-size",
                        value=text, hint="the LR tuned at the reference batch, and this run's batch facts")
    return reference


def register(app: typer.Typer) -> None:
    app.command("steps")(with_spec_flags(steps, keys=STEP_KEYS))

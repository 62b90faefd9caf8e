"""``warmupctl import``: the library spec a training config resolves to."""

from enum import Enum
from typing import Annotated, Optional

import typer

from warmupctl.cli._common import app_context, format_from_suffix
from warmupctl.cli._options import LibraryVersionOpt, NumClassesOpt, OutputOpt, with_spec_flags

#: The command-line facts a config cannot hold (TrainingArguments and args.yaml have no dataset size,
#: a litgpt pretrain config may leave the sequence length to the model),
#: and the flags that set a trainer's own run length, LR and warmup (where its format applies them).
FACT_FLAGS = ("dataset_size", "devices", "seq_len", "total_steps", "lr", "warmup_steps")
SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


class ImportFormat(str, Enum):
    yaml = "yaml"
    json = "json"


def import_(
    ctx: typer.Context,
    config: Annotated[str, typer.Argument(
        help="a training config (docs/configs.md lists the formats); - for stdin", metavar="CONFIG")],
    deepspeed: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--deepspeed", metavar="FILE",
        help="a DeepSpeed config used with the Trainer arguments: its \"auto\" values are filled from "
             "them and its scheduler block replaces lr_scheduler_type, as in transformers")] = None,
    library_version: LibraryVersionOpt = None,
    num_classes: NumClassesOpt = None,
    fmt: Annotated[Optional[ImportFormat], typer.Option(  # noqa: UP045
        "--format", "-f", help="yaml or json; default: from -o's suffix, else yaml")] = None,
    output: OutputOpt = None,
    flags: dict | None = None,
) -> None:
    """Print the spec a training config resolves to: `warmupctl import trainer_args.yaml`.

    The spec is a library spec (`schedule: transformers.cosine`, `lr`, `args`) that every command
    reads; the config itself works too (`warmupctl table trainer_args.yaml`). How each value was
    derived, and what the training stack overrides, goes to stderr (and, for YAML, into comments).
    TrainingArguments and args.yaml hold no dataset size: add `dataset_size` to the file or pass
    `--dataset-size N` (and `--devices N`).
    """
    from warmupctl.cli._output import check_destination, write_text
    from warmupctl.spec.resolve import import_config

    chosen = fmt.value if fmt else (format_from_suffix(output, SUFFIXES) or "yaml")
    if output and output != "-":
        check_destination(output)
    given = {**(flags or {}), **({"num_classes": num_classes} if num_classes is not None else {})}
    translation, schedule = import_config(config, given, deepspeed=deepspeed,
                                          library_version=library_version)
    context = app_context(ctx)
    for note in schedule.notes:
        context.note(note)
    write_text(output, lambda out: out.write(translation.text(chosen)))
    if output and output != "-":
        context.info(f"wrote {output}")


def register(app: typer.Typer) -> None:
    app.command("import")(with_spec_flags(import_, keys=FACT_FLAGS))

"""``warmupctl list``: the vocabulary — kinds, shapes, keys, and every library schedule with its
arguments and defaults."""

from enum import Enum
from typing import Annotated, Optional

import typer

from warmupctl.cli._common import app_context
from warmupctl.cli._options import TableOrJson, TableOrJsonOpt


class What(str, Enum):
    kinds = "kinds"
    shapes = "shapes"
    keys = "keys"
    libraries = "libraries"
    presets = "presets"


def list_(
    ctx: typer.Context,
    what: Annotated[What, typer.Argument(help="kinds, shapes, keys, libraries or presets")] = What.kinds,
    library: Annotated[Optional[str], typer.Argument(  # noqa: UP045
        help="a library (torch), a schedule (torch.OneCycleLR), or a preset (gpt3)", metavar="[NAME]",
    )] = None,
    fmt: TableOrJsonOpt = TableOrJson.table,
) -> None:
    """List what a spec can say: `warmupctl list libraries torch.OneCycleLR`.

    `warmupctl list presets NAME` prints that preset's spec file, citation included, to copy and change.
    """
    if what == What.presets and library:
        from warmupctl.spec.presets import preset_text

        typer.echo(preset_text(library), nl=False)
        return
    from warmupctl.render.listing import listing_rows

    title, columns, rows = listing_rows(what.value, library)
    if fmt == TableOrJson.json:
        from warmupctl.render.text import dumps

        typer.echo(dumps([dict(zip(columns, row)) for row in rows]))
        return
    from warmupctl.render.listing import build_listing

    console = app_context(ctx).out_console()
    console.print(build_listing(title, columns, rows, console.width))


def register(app: typer.Typer) -> None:
    app.command("list")(list_)

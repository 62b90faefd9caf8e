"""Rows for ``warmupctl list``: the vocabulary and the library registry as plain tuples."""

from __future__ import annotations

from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import KEYS, KINDS, PHASE_KEYS, WARMUP_SHAPES, flag_for

Rows = list[tuple[str, ...]]


def listing_rows(what: str, name: str | None = None) -> tuple[str, tuple[str, ...], Rows]:
    """``(title, column names, rows)`` for one listing."""
    if what == "kinds":
        return "kinds (what follows the warmup)", ("kind", "formula"), list(KINDS.items())
    if what == "keys":
        rows = [(k, flag_for(k) if k != "phases" else "(file only)", repr(key.default), key.help)
                for k, key in KEYS.items()]
        rows += [(f"phases[].{k}", "(file only)", "", text) for k, text in PHASE_KEYS.items()]
        return "spec keys (YAML key = flag = Python keyword)", ("key", "flag", "default", "meaning"), rows
    if what == "shapes":
        from warmupctl.engine import SHAPES

        rows = [(s.name, "yes" if s.name in WARMUP_SHAPES else "", s.formula,
                 ", ".join(f"{p}={v!r}" for p, v in s.params.items()))
                for s in SHAPES.values()]
        return "shapes (warmup_shape, phases[].shape)", ("shape", "warmup", "formula", "params"), rows
    if what == "presets":
        from warmupctl.presets import preset_names
        from warmupctl.spec.presets import citation

        rows = [(name, citation(name)) for name in preset_names()]
        return "presets (--preset NAME; the files are in warmupctl/presets/)", ("preset", "source"), rows
    return _libraries(name)


def _libraries(name: str | None) -> tuple[str, tuple[str, ...], Rows]:
    from warmupctl.frameworks import load_libraries
    from warmupctl.spec.library import describe_args, find_schedule

    registry = load_libraries()
    if name and "." in name:
        entry = find_schedule(name, "NAME")
        rows = [(a.name, "required" if a.required else repr(a.default), a.kind, a.doc)
                for a in entry.args]
        rows += [(f"{a.name} (top level)", "required" if a.required else repr(a.default), a.kind, a.doc)
                 for a in entry.extra]
        title = f"{entry.qualname} — {entry.source}\n{entry.formula}\nlr: {entry.lr}"
        return title, ("argument", "default", "type", "meaning"), rows
    entries = {entry.qualname: entry for entry in registry.values()}
    if name:
        if not any(e.library == name for e in entries.values()):
            from warmupctl.core.values import did_you_mean

            libraries = sorted({e.library for e in entries.values()})
            raise SpecError("unknown library", source="command line", path="NAME", value=name,
                            hint=did_you_mean(name, libraries) or "libraries: " + ", ".join(libraries))
        entries = {q: e for q, e in entries.items() if e.library == name}
    rows = [(q, describe_args(e), e.source) for q, e in sorted(entries.items())]
    return "library schedules (schedule: library.Name)", ("schedule", "args", "source"), rows


#: Columns of indent of a record's fields under its name (the narrow layout of :func:`build_listing`).
RECORD_INDENT = 4


def build_listing(title: str, columns: tuple[str, ...], rows: Rows, width: int):  # -> RenderableType
    """The listing for a console ``width`` columns wide: a table where its columns fit without
    breaking a word, else one record per row (the first cell, then ``column: value`` lines wrapping
    under themselves), so a schedule name or a flag is never split over two lines."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(str(cell)) for cell in row))
    if _fits(columns, rows, width):
        return table
    out: list = [Text(title, style="bold")]
    for row in rows:
        out.append(Text(str(row[0]), style="cyan"))
        for column, cell in zip(columns[1:], row[1:]):
            if str(cell):
                out.append(Padding(Text(f"{column}: {cell}"), (0, 0, 0, RECORD_INDENT), expand=False))
    return Group(*out)


def _fits(columns: tuple[str, ...], rows: Rows, width: int) -> bool:
    """Whether a table of ``rows`` fits ``width`` with each column at least as wide as its longest
    word (and the first column, the name, whole)."""
    longest_word = [max([len(w) for w in column.split()] or [0]) for column in columns]
    first = len(columns[0])
    for row in rows:
        first = max(first, len(str(row[0])))
        for index, cell in enumerate(row):
            words = str(cell).split() or [""]
            longest_word[index] = max(longest_word[index], *(len(w) for w in words))
    longest_word[0] = first
    # Rich's heavy-head table: a border before each column and after the last, one space each side.
    return sum(longest_word) + 3 * len(columns) + 1 <= width


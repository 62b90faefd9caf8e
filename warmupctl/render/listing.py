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

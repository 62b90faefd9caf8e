"""Library versions are facts, never guesses.

Where a trainer's arithmetic changed between releases, the reader asks for the version it runs under:
``--library-version NAME=VERSION`` (repeatable), else the config's ``library_version:`` (a mapping
``{transformers: 4.51.3}`` or a string ``transformers=4.51.3``), else the version of the package
installed here, read from its metadata (``importlib.metadata``: nothing is imported), else the
newest release warmupctl knows (:data:`CURRENT`). The reader says in a note which one it used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from warmupctl.core import values as v
from warmupctl.core.errors import SpecError

#: The newest release of each library whose version a reader asks for, as of this warmupctl release
#: (``pip index versions``).
CURRENT: dict[str, str] = {"transformers": "5.25.0"}
#: The libraries whose version changes what a reader computes (``--library-version NAME=...``).
VERSIONED: tuple[str, ...] = ("transformers", "ultralytics")

_VERSION = re.compile(r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?([0-9A-Za-z.+-]*)\s*$")


@dataclass(frozen=True)
class Version:
    """A library version and how warmupctl learned it.

    Attributes:
        library: the package name (``transformers``).
        text: the version as given (``4.51.3``).
        parts: (major, minor, patch), for comparisons.
        how: ``--library-version``, ``library_version in FILE``, ``installed`` or ``current release``.
    """

    library: str
    text: str
    parts: tuple[int, int, int]
    how: str

    def __lt__(self, other: tuple[int, ...]) -> bool:
        return self.parts < tuple(other)

    def at_least(self, *other: int) -> bool:
        """Whether this version is ``other`` or later."""
        return self.parts >= other

    @property
    def said(self) -> str:
        """``transformers 4.51.3 (--library-version)``, for notes."""
        return f"{self.library} {self.text} ({self.how})"


def parse_version(text: Any, path: str) -> tuple[int, int, int]:
    """``"4.51.3"`` -> ``(4, 51, 3)``; ``4.52.0.dev0`` -> ``(4, 52, 0)``; anything else is an error."""
    raw = v.as_str(str(text) if isinstance(text, (int, float)) else text, path)
    match = _VERSION.match(raw)
    if match is None:
        raise SpecError("not a version", path=path, value=text, hint="e.g. 4.51.3")
    major, minor, patch = (int(part) if part else 0 for part in match.groups()[:3])
    return major, minor, patch


def parse_pairs(items: Any, path: str) -> dict[str, str]:
    """``NAME=VERSION`` texts (flags), or a mapping / one such string (a spec key) -> ``{name: version}``."""
    if items is None:
        return {}
    if isinstance(items, Mapping):
        pairs = [(str(k), val) for k, val in items.items()]
    else:
        texts = [items] if isinstance(items, str) else list(v.as_list(items, path))
        pairs = []
        for text in texts:
            name, sep, version = v.as_str(text, path).partition("=")
            if not sep or not name.strip() or not version.strip():
                raise SpecError("not NAME=VERSION", path=path, value=text, hint="e.g. transformers=4.51.3")
            pairs.append((name.strip(), version.strip()))
    out: dict[str, str] = {}
    for name, version in pairs:
        where = f"{path}.{name}" if isinstance(items, Mapping) else path
        library = name.lower()
        if library not in VERSIONED:
            # A misspelt name would silently leave the version to the installed or current release.
            near = v.did_you_mean(library, VERSIONED)
            raise SpecError("no reader depends on this library's version", path=where, value=name,
                            hint=near or "versions matter for " + ", ".join(VERSIONED))
        if library in out and out[library] != str(version):
            raise SpecError(f"{library} is given twice ({out[library]} and {version})", path=where,
                            value=f"{name}={version}", hint="keep one version per library")
        parse_version(version, where)
        out[library] = str(version)
    return out


def installed(library: str) -> str | None:
    """The installed distribution's version from its metadata, or None (nothing is imported)."""
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return None
    except Exception:  # a broken install's metadata: as if absent  # noqa: BLE001
        return None


def version_of(library: str, flags: Mapping[str, str], spec: Mapping[str, str], source: str,
               fallback: tuple[str, str] | None = None) -> Version:
    """The version a reader uses: the flag, the config's ``library_version``, the installed one, the
    ``fallback`` (``(version, why)``: the newest a trainer's pins allow), or :data:`CURRENT`."""
    if library in flags:
        return Version(library, flags[library], parse_version(flags[library], "--library-version"),
                       "--library-version")
    if library in spec:
        return Version(library, spec[library], parse_version(spec[library], "library_version"),
                       f"library_version in {source}")
    found = installed(library)
    if found is not None:
        try:
            return Version(library, found, parse_version(found, library), "installed here")
        except SpecError:
            pass  # an unreadable local version: fall back to the current release
    if fallback is not None:
        return Version(library, fallback[0], parse_version(fallback[0], library),
                       f"{fallback[1]}; pass --library-version {library}=VERSION for another")
    return Version(library, CURRENT[library], parse_version(CURRENT[library], library),
                   "the current release; pass --library-version " f"{library}=VERSION for another")


__all__ = ["CURRENT", "Version", "installed", "parse_pairs", "parse_version", "version_of"]

"""User input: read spec files, merge command-line flags, validate, resolve into engine objects.

This package is the only place user input is validated; everything it raises is a
:class:`~warmupctl.core.errors.SpecError` naming the file, the key path (or flag), the value and a hint.
"""

from __future__ import annotations

from warmupctl.spec.resolve import load_spec, merge_flags, resolve

__all__ = ["load_spec", "merge_flags", "resolve"]

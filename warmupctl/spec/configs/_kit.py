"""What a config reader is built from, in one namespace: ``from warmupctl.spec.configs import _kit as kit``.

A reader (one module per trainer) declares a ``kit.ConfigFormat`` and ``kit.register``s it; its
``translate`` takes a ``kit.Request`` and returns a ``kit.Translation`` whose ``kit.Origin`` entries say
where each key came from. The helpers are the ones every reader needs: ``kit.marker_claim`` (a claim
on the trainer's own keys), ``kit.normalized`` and ``kit.unique_keys`` (argparse spellings),
``kit.one_of`` (a count under several names), ``kit.library_names`` (what a frameworks module
registers), ``kit.number`` and ``kit.show`` (values in notes), ``kit.AUTO`` (the ``"auto"`` of
DeepSpeed and the HF Trainer).
They live in :mod:`._base` and :mod:`._registry`; this module only gathers them.
"""

from __future__ import annotations

from warmupctl.spec.configs._base import (
    AUTO,
    ConfigFormat,
    Origin,
    Request,
    Translation,
    library_names,
    marker_claim,
    normalized,
    number,
    one_of,
    show,
    unique_keys,
)
from warmupctl.spec.configs._registry import register

__all__ = [
    "AUTO", "ConfigFormat", "Origin", "Request", "Translation", "library_names", "marker_claim",
    "normalized", "number", "one_of", "register", "show", "unique_keys",
]

"""Training configs -> library specs: the schedule a real config resolves to.

A training config is not written for warmupctl: it is what a training stack reads. Each format has a
module here that registers a :class:`ConfigFormat` (:mod:`._registry`): how it recognises its own
keys, the command-line facts it takes, and how it translates a file into a library spec mapping
(``schedule: transformers.cosine``, ``lr:``, ``args:``) that :mod:`warmupctl.spec.library` resolves,
doing on the way what the training stack does before it builds its scheduler. The trainer's source
that each module follows is cited in its docstring.

A translation keeps where each value came from (:class:`Origin`), so an error the library resolver
raises about ``args.num_warmup_steps`` names the config's ``warmup_steps`` instead, and notes say what
was derived and what the stack overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import with_article
from warmupctl.spec.configs._base import (
    AUTO,
    ConfigFormat,
    Origin,
    Request,
    Translation,
    normalized,
)
from warmupctl.spec.configs._registry import FORMATS, claims, config_kind, detect
from warmupctl.spec.configs._versions import parse_pairs

#: The format modules, in registration order (a dialect after the format it refines).
FORMAT_MODULES = ("transformers", "deepspeed", "timm", "megatron", "axolotl", "llamafactory",
                  "open_instruct", "nanogpt", "mmengine", "nemo", "lightning", "ultralytics", "detectron2",
                  "torchtune", "litgpt", "diffusers", "fairseq", "composer", "unread", "jobs",
                  "megatron_yaml", "tfm")
for _module in FORMAT_MODULES:
    import_module(f"{__name__}.{_module}")
# Errors list the formats in the order above (a module may register another's helpers first).
for _name in [*(n for n in FORMAT_MODULES if n in FORMATS), *(n for n in FORMATS if n not in FORMAT_MODULES)]:
    FORMATS[_name] = FORMATS.pop(_name)

from warmupctl.spec.configs.megatron import MEGATRON_ARGS  # noqa: E402
from warmupctl.spec.configs.timm import TIMM_ARGS, TIMM_DEFAULTS  # noqa: E402

#: The registered formats by name (the name older callers use).
KINDS = FORMATS
#: Older name of :class:`ConfigFormat`.
ConfigKind = ConfigFormat


def translate(
    mapping: Mapping[str, Any],
    *,
    source: str,
    path: str | None = None,
    facts: Mapping[str, int] | None = None,
    deepspeed: str | None = None,
    versions: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Translation:
    """Translate a config mapping (its format found by :func:`config_kind`) into a library spec.

    Args:
        mapping: the parsed file.
        source: its display name, for errors and notes.
        path: its path on disk; a ``deepspeed:`` file named in Trainer arguments is relative to it.
        facts: ``dataset_size`` and ``devices`` from the command line (validated counts); they win
            over the file's own.
        deepspeed: a DeepSpeed config to combine with Trainer arguments (``--deepspeed``).
        versions: ``--library-version`` pairs (``{"transformers": "4.51.3"}``).
        overrides: flags that set the trainer's own arguments (``total_steps``, ``lr``, ...).
    """
    kind = config_kind(mapping)
    if kind is None:
        raise SpecError("is a warmupctl spec, not a training config", source=source,
                        hint="use it as it is: warmupctl table FILE")
    fmt = FORMATS[kind]
    facts = dict(facts or {})
    unused = [key for key in facts if key not in fmt.facts]
    if unused:
        flag = "--" + unused[0].replace("_", "-")
        takers = " and ".join(f.title for f in FORMATS.values() if unused[0] in f.facts)
        raise SpecError(f"does not apply to {with_article(fmt.title)}", source="command line", path=flag,
                        hint=f"it sets the facts of {takers}")
    if deepspeed is not None and not fmt.with_deepspeed:
        takers = ", ".join(f.title for f in FORMATS.values() if f.with_deepspeed)
        raise SpecError(f"--deepspeed goes with {takers}, not {with_article(fmt.title)}",
                        source="command line", path="--deepspeed", value=deepspeed,
                        hint="import the trainer arguments that use this DeepSpeed config")
    refused = [key for key in (overrides or {}) if key not in fmt.overrides]
    if refused:
        flag = "--" + refused[0].replace("_", "-")
        raise SpecError(f"does not apply to {with_article(fmt.title)}", source="command line", path=flag,
                        value=(overrides or {})[refused[0]],
                        hint=fmt.refusals.get(refused[0]) or "change the config itself")
    request = Request(source=source, path=path, facts=facts, deepspeed=deepspeed,
                      versions=dict(versions or {}), overrides=dict(overrides or {}))
    try:
        return fmt.translate(mapping, request)
    except SpecError as exc:
        raise exc.located(source=source) from None


__all__ = [
    "AUTO", "FORMATS", "KINDS", "MEGATRON_ARGS", "TIMM_ARGS", "TIMM_DEFAULTS", "ConfigFormat",
    "ConfigKind", "Origin", "Request", "Translation", "claims", "config_kind", "detect", "normalized",
    "parse_pairs", "translate",
]

"""The vocabulary of native specs: one set of words for YAML keys, flags and Python keywords.

``warmup_steps: 100`` in a file, ``--warmup-steps 100`` on the command line and
``warmupctl.schedule(warmup_steps=100)`` in Python are the same thing. The defaults reproduce the
usual transformers example: lr 1e-4, 1000 updates, a linear warmup from 0 over 10 % of the
run, then a half-cosine to 0.

This module is plain data (no numpy), so ``--help`` and tab completion can read it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Names of :data:`warmupctl.engine.shapes.SHAPES` (a test keeps the two in step).
SHAPE_NAMES: tuple[str, ...] = (
    "linear", "cosine", "cosine_with_restarts", "exponential", "step", "smooth", "log", "1-sqrt",
    "constant", "polynomial", "inverse_sqrt", "exponential_decay", "step_decay",
    "multistep_decay", "noam",
)

#: The shapes a warmup may take (``warmup_shape``); the others only make sense falling or as laws.
WARMUP_SHAPES: tuple[str, ...] = (
    "linear", "cosine", "exponential", "step", "smooth", "log", "1-sqrt", "constant", "polynomial",
)

@dataclass(frozen=True)
class Key:
    """One word of the vocabulary: its default (None: derived or unused) and its help."""

    name: str
    default: Any
    help: str


KINDS: dict[str, str] = {
    "constant": "hold lr after the warmup",
    "linear": "linear decay from lr to min_lr at total_steps",
    "cosine": "cosine decay from lr to min_lr (num_cycles 0.5 is one half-wave)",
    "cosine_with_restarts": "cosine with num_cycles hard restarts inside the run",
    "polynomial": "(1 - progress) ** power from lr to min_lr",
    "inverse_sqrt": "lr / sqrt((k + timescale) / timescale) after the warmup",
    "noam": "scale * d_model^-0.5 * min(s^-0.5, s * W^-1.5), s = update + 1",
    "exponential": "lr * gamma^k after the warmup (gamma derived from min_lr if absent)",
    "step": "lr * gamma^floor(k / step_size) after the warmup",
    "multistep": "lr * gamma at each of the milestones (update indices)",
    "wsd": "warmup, stable at lr, then decay_shape to min_lr over decay_steps",
}

#: transformers' ``lr_scheduler_type`` words that mean the same native kind.
KIND_ALIASES: dict[str, str] = {
    "constant_with_warmup": "constant",
    "cosine_with_min_lr": "cosine",
    "warmup_stable_decay": "wsd",
    "inverse_square_root": "inverse_sqrt",
    "exponential_decay": "exponential",
}

DECAY_SHAPES: tuple[str, ...] = ("linear", "cosine", "1-sqrt", "exponential")

#: Loops whose epoch counting the ``loop`` key names (:data:`warmupctl.core.steps.LOOPS`; a test keeps
#: the two in step): the transformers Trainer from 4.52, up to 4.51, Lightning, a plain PyTorch loop.
LOOPS: tuple[str, ...] = ("transformers", "transformers_4_51", "lightning", "plain")

KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("name", None, "label for legends and titles"),
        Key("kind", "cosine", "what follows the warmup: " + ", ".join(KINDS)),
        Key("lr", 1e-4, "peak learning rate"),
        Key("init_lr", 0.0, "learning rate of update 0 (the warmup's start)"),
        Key("min_lr", 0.0, "floor the decay ends at"),
        Key("total_steps", 1000, "optimizer updates in the run"),
        Key("warmup_steps", None, "warmup length in updates (default: ratio 0.1)"),
        Key("ratio", None, "warmup as a fraction of total_steps (ceil, without float noise)"),
        Key("warmup_ratio", None, "same as ratio (transformers' word)"),
        Key("warmup_shape", "linear", "warmup curve: " + ", ".join(WARMUP_SHAPES)),
        Key("warmup_stairs", 4, "stairs of the step warmup"),
        Key("num_cycles", None, "cosine waves (cosine: 0.5) or restarts (cosine_with_restarts: 1)"),
        Key("power", 1.0, "exponent of the polynomial decay"),
        Key("timescale", None, "inverse_sqrt timescale (default: warmup_steps, or 10000 without)"),
        Key("d_model", 512, "noam: model width"),
        Key("scale", 1.0, "noam: factor on d_model^-0.5"),
        Key("gamma", None, "decay factor (exponential: per update; step, multistep: 0.1)"),
        Key("step_size", None, "step: updates between decays"),
        Key("milestones", None, "multistep: update indices where the LR is multiplied by gamma"),
        Key("decay_steps", None, "wsd: updates of the final decay"),
        Key("decay_ratio", None, "wsd: the final decay as a fraction of total_steps (default 0.1)"),
        Key("decay_shape", "cosine", "wsd decay curve: " + ", ".join(DECAY_SHAPES)),
        Key("step_offset", 0, "evaluate update k at k + step_offset (1: update 0 already moves)"),
        Key("phases", None, "explicit list of phases instead of kind"),
        # Batch facts: what an epoch, a token or a sample is in updates (warmupctl.core.steps).
        Key("dataset_size", None, "samples in one epoch (needed by the *epochs keys)"),
        Key("micro_batch_size", None,
            "samples per device per forward pass (transformers' per_device_train_batch_size)"),
        Key("devices", 1, "data-parallel processes, the world size (GPUs)"),
        Key("grad_accum", 1, "micro-batches per optimizer update (gradient_accumulation_steps, "
            "Lightning's accumulate_grad_batches)"),
        Key("drop_last", False, "the data loader drops the last incomplete micro-batch"),
        Key("seq_len", None, "tokens per sample (needed by the *tokens keys)"),
        Key("loop", "transformers", "whose epoch counting turns epochs into updates: " + ", ".join(LOOPS)),
        # Lengths in other units, converted to total_steps, warmup_steps and decay_steps.
        Key("epochs", None, "the run in epochs (sets total_steps; needs dataset_size, micro_batch_size)"),
        Key("total_tokens", None, "the run in tokens (sets total_steps; needs micro_batch_size, seq_len)"),
        Key("total_samples", None, "the run in samples (sets total_steps; needs micro_batch_size)"),
        Key("warmup_epochs", None, "warmup in epochs (sets warmup_steps, rounded up)"),
        Key("warmup_tokens", None, "warmup in tokens (sets warmup_steps, rounded up)"),
        Key("warmup_samples", None, "warmup in samples (sets warmup_steps, rounded up)"),
        Key("decay_epochs", None, "wsd: the final decay in epochs (sets decay_steps, rounded up)"),
        Key("decay_tokens", None, "wsd: the final decay in tokens (sets decay_steps, rounded up)"),
        Key("decay_samples", None, "wsd: the final decay in samples (sets decay_steps, rounded up)"),
    )
}

#: The facts that turn an epoch, a token or a sample into updates.
BATCH_KEYS: tuple[str, ...] = (
    "dataset_size", "micro_batch_size", "devices", "grad_accum", "drop_last", "seq_len", "loop",
)

#: Each length of a native spec, with the keys that can say it and their units: ``{key: unit}``.
LENGTH_KEYS: dict[str, dict[str, str]] = {
    "total": {"total_steps": "updates", "epochs": "epochs", "total_tokens": "tokens",
              "total_samples": "samples"},
    "warmup": {"warmup_steps": "updates", "ratio": "ratio", "warmup_ratio": "ratio",
               "warmup_epochs": "epochs", "warmup_tokens": "tokens", "warmup_samples": "samples"},
    "decay": {"decay_steps": "updates", "decay_ratio": "ratio", "decay_epochs": "epochs",
              "decay_tokens": "tokens", "decay_samples": "samples"},
}

#: Keys each kind reads besides the common ones; a key set for another kind is reported, not used.
KIND_KEYS: dict[str, frozenset[str]] = {
    "constant": frozenset(),
    "linear": frozenset({"min_lr"}),
    "cosine": frozenset({"min_lr", "num_cycles"}),
    "cosine_with_restarts": frozenset({"min_lr", "num_cycles"}),
    "polynomial": frozenset({"min_lr", "power"}),
    "inverse_sqrt": frozenset({"min_lr", "timescale"}),
    "noam": frozenset({"d_model", "scale"}),
    "exponential": frozenset({"min_lr", "gamma"}),
    "step": frozenset({"min_lr", "gamma", "step_size"}),
    "multistep": frozenset({"min_lr", "gamma", "milestones"}),
    "wsd": frozenset({"min_lr", "decay_steps", "decay_ratio", "decay_shape"}),
}

#: Keys of one entry of ``phases``.
PHASE_KEYS: dict[str, str] = {
    "name": "label of the phase",
    "steps": "length in updates, or 'rest' (what is left of total_steps)",
    "ratio": "length as a fraction of total_steps",
    "shape": "curve: " + ", ".join(SHAPE_NAMES),
    "to": "LR the phase travels to (a number, or lr, init_lr, min_lr); default: hold",
    "from": "LR of the phase's first update (default: where the previous phase ended)",
    "num_cycles": "cosine waves",
    "power": "polynomial exponent",
    "stairs": "stairs of the step shape",
    "timescale": "inverse_sqrt timescale",
    "gamma": "decay factor of the law shapes",
    "step_size": "updates between decays of step_decay",
    "milestones": "phase-local update indices of multistep_decay",
}

#: Groups of keys that say the same length: a flag in a group replaces the file's key of the group.
EXCLUSIVE_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(keys) for keys in LENGTH_KEYS.values()
)


def flag_for(key: str) -> str:
    """The command-line flag of a key: ``warmup_steps`` -> ``--warmup-steps``."""
    return "--" + key.replace("_", "-")


def with_article(title: str) -> str:
    """A format's title after "a" or "an", as it is read aloud: a vowel, or an MM... initialism
    (MMEngine: "em-em"), takes "an".

    >>> with_article("accelerate launch config"), with_article("MMEngine config"), with_article("NeMo YAML")
    ('an accelerate launch config', 'an MMEngine config', 'a NeMo YAML')
    """
    return ("an " if title[:1].lower() in "aeiou" or title.startswith("MM") else "a ") + title

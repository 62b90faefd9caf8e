"""The bottom layer: what every other layer uses and that uses nothing of warmupctl above it.

* :mod:`~warmupctl.core.errors` — the error classes and exit codes.
* :mod:`~warmupctl.core.values` — coercion of user values (numbers, counts, names) with one-line errors.
* :mod:`~warmupctl.core.rounding` — how a warmup ratio becomes a count of updates, per library.
* :mod:`~warmupctl.core.steps` — how epochs, samples and tokens become optimizer updates, per
  training loop.
* :mod:`~warmupctl.core.vocabulary` — the one vocabulary of spec keys, flags and Python keywords.
* :mod:`~warmupctl.core.version` — the installed version, looked up on demand.
"""

"""How a warmup ratio becomes a number of updates, and how each library rounds it.

warmupctl's own rule: ``ceil(ratio * total)`` computed on the decimal the user wrote, so float noise
cannot add an update (0.07 of 100 is 7 updates). transformers' Trainer computes
``math.ceil(total * ratio)`` in binary floating point, and 0.07 * 100 = 7.000000000000001 rounds up to 8
(``training_args.py``, ``get_warmup_steps``, v4 and v5).
"""

from __future__ import annotations

import math
from fractions import Fraction


def ratio_to_steps(ratio: float, total: int) -> int:
    """``ceil(ratio * total)`` on the ratio's shortest decimal form (no float noise).

    Examples:
        >>> ratio_to_steps(0.07, 100), ratio_to_steps(0.1, 1000), ratio_to_steps(0.001, 10)
        (7, 100, 1)
    """
    exact = Fraction(repr(float(ratio))) * total
    return math.ceil(exact)


def transformers_ratio_to_steps(ratio: float, total: int) -> int:
    """transformers' Trainer: ``math.ceil(total * ratio)`` in floating point.

    Examples:
        >>> transformers_ratio_to_steps(0.07, 100)
        8
    """
    return math.ceil(total * ratio)

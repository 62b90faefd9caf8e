"""The installed version of warmupctl, looked up on demand.

importlib.metadata (and the email parser it loads) costs tens of milliseconds of every cold start, and
only ``--version`` and the internal-error report need it, so nothing imports it at the top.
"""

from __future__ import annotations

#: What a source tree that was never installed reports.
UNKNOWN = "0+unknown"


def version() -> str:
    """The version of the installed distribution, or :data:`UNKNOWN` in an uninstalled source tree.

    >>> version() == UNKNOWN or version()[0].isdigit()
    True
    """
    from importlib import metadata

    try:
        return metadata.version("warmupctl")
    except metadata.PackageNotFoundError:
        return UNKNOWN

"""Small helpers shared by the reliability tests."""

from __future__ import annotations

import os

#: Suffix making table names unique to this test process: the same suite may run concurrently
#: (another engineer's full run, CI) against the same servers.
RUN = str(os.getpid())


def rel(name: str) -> str:
    """``rel(name)`` → ``name_<pid>``: a table name private to this process."""
    return f"{name}_{RUN}"


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100, nearest rank) of ``values``; 0.0 when empty."""
    if not values:
        return 0.0
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]

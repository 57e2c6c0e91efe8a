"""Make sqlweave importable from the source tree and its dialects registered.

Installed (``pip install -e packages/...``) the dialects register through their ``sqlweave``
entry points and nothing here is needed. Run from the source tree (no installation) there are no
entry points, so each dialect's plugin module is registered in-process instead.
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import entry_points

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC_DIRS = [
    os.path.join(REPO, "packages", *parts, "src")
    for parts in (
        ("core",),
        ("orm",),
        ("dialects", "sqlite"),
        ("dialects", "postgresql"),
        ("dialects", "mysql"),
    )
]
DIALECTS = ("sqlite", "postgresql", "mysql")


def add_source_paths() -> None:
    """Append the packages' src dirs to sys.path (an installed sqlweave still wins)."""
    for path in SRC_DIRS:
        if path not in sys.path:
            sys.path.append(path)


def pythonpath() -> str:
    """PYTHONPATH for a child interpreter that must import sqlweave the way this one does."""
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return os.pathsep.join(parts + [p for p in SRC_DIRS if p not in parts])


_done = False


def ensure_dialects() -> None:
    global _done
    if _done:
        return
    _done = True
    add_source_paths()
    installed = {ep.name for ep in entry_points(group="sqlweave")}
    missing = [name for name in DIALECTS if name not in installed]
    if not missing:
        return
    try:
        from sqlweave.core.plugins import register_plugin
    except ImportError:
        return  # create_engine() will fail and the run shows it as n/a
    for name in missing:
        try:
            plugin = importlib.import_module(f"sqlweave.dialects.{name}.plugin")
        except ImportError:
            continue  # not written yet: create_engine() will say so
        register_plugin(plugin, name=name)

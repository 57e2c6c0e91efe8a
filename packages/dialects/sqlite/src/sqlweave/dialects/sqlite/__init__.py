"""The SQLite dialect for sqlweave (stdlib ``sqlite3``).

``from sqlweave.dialects.sqlite import insert`` gives an INSERT with ``on_conflict_do_nothing()``
and ``on_conflict_do_update()``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names load on first use, so that loading the plugin (which imports this package) imports no
# dialect module until a URL asks for this database.
_LAZY = {
    "Insert": "sqlweave.dialects.sqlite.dml",
    "SQLiteDialect": "sqlweave.dialects.sqlite.base",
    "insert": "sqlweave.dialects.sqlite.dml",
}

if TYPE_CHECKING:
    from sqlweave.dialects.sqlite.base import SQLiteDialect
    from sqlweave.dialects.sqlite.dml import Insert, insert


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["Insert", "SQLiteDialect", "insert"]

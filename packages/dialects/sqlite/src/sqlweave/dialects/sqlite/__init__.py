"""The SQLite dialect for sqlweave (stdlib ``sqlite3``).

``from sqlweave.dialects.sqlite import insert`` gives an INSERT with ``on_conflict_do_nothing()``
and ``on_conflict_do_update()``.
"""

from sqlweave.dialects.sqlite.base import SQLiteDialect
from sqlweave.dialects.sqlite.dml import Insert, insert

__all__ = ["Insert", "SQLiteDialect", "insert"]

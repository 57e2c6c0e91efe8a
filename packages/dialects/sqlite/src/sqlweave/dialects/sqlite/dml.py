"""SQLite's upsert: ``INSERT ... ON CONFLICT (cols) DO NOTHING / DO UPDATE SET ...``.

The construct lives in :mod:`sqlweave.core.sql.upsert`, shared with PostgreSQL (same syntax).
"""

from sqlweave.core.sql.upsert import (
    Insert,
    OnConflictClause,
    OnConflictDoNothing,
    OnConflictDoUpdate,
    insert,
)

__all__ = ["Insert", "OnConflictClause", "OnConflictDoNothing", "OnConflictDoUpdate", "insert"]

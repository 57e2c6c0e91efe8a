"""PostgreSQL's upsert: ``INSERT ... ON CONFLICT (cols | ON CONSTRAINT name) DO NOTHING / DO UPDATE``.

The construct is the shared :mod:`sqlweave.core.sql.upsert` one (same grammar as SQLite).
"""

from sqlweave.core.sql.upsert import (
    Insert,
    OnConflictClause,
    OnConflictDoNothing,
    OnConflictDoUpdate,
    insert,
)

__all__ = ["Insert", "OnConflictClause", "OnConflictDoNothing", "OnConflictDoUpdate", "insert"]

"""The PostgreSQL dialect for sqlweave (psycopg2).

``from sqlweave.dialects.postgresql import insert`` gives an INSERT with
``on_conflict_do_nothing()`` and ``on_conflict_do_update()``; the PostgreSQL types (``ENUM``,
``JSONB``, ``ARRAY``, ``UUID``, ``INTERVAL``, ``BYTEA``, ``INET``, ``CIDR``, ``TSVECTOR``) are
exported here. Importing this package does not import psycopg2.
"""

from sqlweave.dialects.postgresql.base import PGDialect
from sqlweave.dialects.postgresql.dml import Insert, insert
from sqlweave.dialects.postgresql.types import (
    ARRAY,
    BYTEA,
    CIDR,
    DOUBLE_PRECISION,
    ENUM,
    INET,
    INTERVAL,
    JSON,
    JSONB,
    TIMESTAMP,
    TSVECTOR,
    UUID,
)

__all__ = [
    "ARRAY", "BYTEA", "CIDR", "DOUBLE_PRECISION", "ENUM", "INET", "INTERVAL", "Insert", "JSON",
    "JSONB", "PGDialect", "TIMESTAMP", "TSVECTOR", "UUID", "insert",
]

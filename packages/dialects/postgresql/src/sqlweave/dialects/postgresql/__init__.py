"""The PostgreSQL dialect for sqlweave (psycopg2).

``from sqlweave.dialects.postgresql import insert`` gives an INSERT with
``on_conflict_do_nothing()`` and ``on_conflict_do_update()``; the PostgreSQL types (``ENUM``,
``JSONB``, ``ARRAY``, ``UUID``, ``INTERVAL``, ``BYTEA``, ``INET``, ``CIDR``, ``TSVECTOR``) are
exported here. Importing this package does not import psycopg2.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names load on first use, so that loading the plugin (which imports this package) imports no
# dialect module until a URL asks for this database.
_LAZY = {
    "ARRAY": "sqlweave.dialects.postgresql.types",
    "BYTEA": "sqlweave.dialects.postgresql.types",
    "CIDR": "sqlweave.dialects.postgresql.types",
    "DOUBLE_PRECISION": "sqlweave.dialects.postgresql.types",
    "ENUM": "sqlweave.dialects.postgresql.types",
    "INET": "sqlweave.dialects.postgresql.types",
    "INTERVAL": "sqlweave.dialects.postgresql.types",
    "Insert": "sqlweave.dialects.postgresql.dml",
    "JSON": "sqlweave.dialects.postgresql.types",
    "JSONB": "sqlweave.dialects.postgresql.types",
    "PGDialect": "sqlweave.dialects.postgresql.base",
    "TIMESTAMP": "sqlweave.dialects.postgresql.types",
    "TSVECTOR": "sqlweave.dialects.postgresql.types",
    "UUID": "sqlweave.dialects.postgresql.types",
    "insert": "sqlweave.dialects.postgresql.dml",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ARRAY", "BYTEA", "CIDR", "DOUBLE_PRECISION", "ENUM", "INET", "INTERVAL", "Insert", "JSON",
    "JSONB", "PGDialect", "TIMESTAMP", "TSVECTOR", "UUID", "insert",
]

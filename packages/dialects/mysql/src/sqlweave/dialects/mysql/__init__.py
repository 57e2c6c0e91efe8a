"""The MySQL and MariaDB dialect for sqlweave (PyMySQL driver).

``from sqlweave.dialects.mysql import insert`` gives an INSERT with ``on_duplicate_key_update()``
and ``.inserted``; the MySQL-specific types (``TINYINT``, ``MEDIUMINT``, ``LONGTEXT``, ``ENUM``,
``SET``, ``DATETIME(fsp=...)`` ...) are exported here too.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names load on first use, so that loading the plugin (which imports this package) imports no
# dialect module until a URL asks for this database.
_LAZY = {
    "BIGINT": "sqlweave.dialects.mysql.types",
    "BINARY": "sqlweave.dialects.mysql.types",
    "BIT": "sqlweave.dialects.mysql.types",
    "BLOB": "sqlweave.dialects.mysql.types",
    "BOOLEAN": "sqlweave.dialects.mysql.types",
    "CHAR": "sqlweave.dialects.mysql.types",
    "DATE": "sqlweave.dialects.mysql.types",
    "DATETIME": "sqlweave.dialects.mysql.types",
    "DECIMAL": "sqlweave.dialects.mysql.types",
    "DOUBLE": "sqlweave.dialects.mysql.types",
    "ENUM": "sqlweave.dialects.mysql.types",
    "FLOAT": "sqlweave.dialects.mysql.types",
    "INT": "sqlweave.dialects.mysql.types",
    "INTEGER": "sqlweave.dialects.mysql.types",
    "Insert": "sqlweave.dialects.mysql.dml",
    "JSON": "sqlweave.dialects.mysql.types",
    "LONGBLOB": "sqlweave.dialects.mysql.types",
    "LONGTEXT": "sqlweave.dialects.mysql.types",
    "MEDIUMBLOB": "sqlweave.dialects.mysql.types",
    "MEDIUMINT": "sqlweave.dialects.mysql.types",
    "MEDIUMTEXT": "sqlweave.dialects.mysql.types",
    "MySQLDialect": "sqlweave.dialects.mysql.base",
    "NUMERIC": "sqlweave.dialects.mysql.types",
    "REAL": "sqlweave.dialects.mysql.types",
    "SET": "sqlweave.dialects.mysql.types",
    "SMALLINT": "sqlweave.dialects.mysql.types",
    "TEXT": "sqlweave.dialects.mysql.types",
    "TIME": "sqlweave.dialects.mysql.types",
    "TIMESTAMP": "sqlweave.dialects.mysql.types",
    "TINYBLOB": "sqlweave.dialects.mysql.types",
    "TINYINT": "sqlweave.dialects.mysql.types",
    "TINYTEXT": "sqlweave.dialects.mysql.types",
    "VARBINARY": "sqlweave.dialects.mysql.types",
    "VARCHAR": "sqlweave.dialects.mysql.types",
    "YEAR": "sqlweave.dialects.mysql.types",
    "insert": "sqlweave.dialects.mysql.dml",
}

if TYPE_CHECKING:
    from sqlweave.dialects.mysql.base import MySQLDialect
    from sqlweave.dialects.mysql.dml import Insert, insert
    from sqlweave.dialects.mysql.types import (
        BIGINT,
        BINARY,
        BIT,
        BLOB,
        BOOLEAN,
        CHAR,
        DATE,
        DATETIME,
        DECIMAL,
        DOUBLE,
        ENUM,
        FLOAT,
        INT,
        INTEGER,
        JSON,
        LONGBLOB,
        LONGTEXT,
        MEDIUMBLOB,
        MEDIUMINT,
        MEDIUMTEXT,
        NUMERIC,
        REAL,
        SET,
        SMALLINT,
        TEXT,
        TIME,
        TIMESTAMP,
        TINYBLOB,
        TINYINT,
        TINYTEXT,
        VARBINARY,
        VARCHAR,
        YEAR,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "BIGINT", "BINARY", "BIT", "BLOB", "BOOLEAN", "CHAR", "DATE", "DATETIME", "DECIMAL", "DOUBLE",
    "ENUM", "FLOAT", "INT", "INTEGER", "Insert", "JSON", "LONGBLOB", "LONGTEXT", "MEDIUMBLOB",
    "MEDIUMINT", "MEDIUMTEXT", "MySQLDialect", "NUMERIC", "REAL", "SET", "SMALLINT", "TEXT", "TIME",
    "TIMESTAMP", "TINYBLOB", "TINYINT", "TINYTEXT", "VARBINARY", "VARCHAR", "YEAR", "insert",
]

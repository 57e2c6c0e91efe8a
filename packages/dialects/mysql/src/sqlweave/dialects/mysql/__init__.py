"""The MySQL and MariaDB dialect for sqlweave (PyMySQL driver).

``from sqlweave.dialects.mysql import insert`` gives an INSERT with ``on_duplicate_key_update()``
and ``.inserted``; the MySQL-specific types (``TINYINT``, ``MEDIUMINT``, ``LONGTEXT``, ``ENUM``,
``SET``, ``DATETIME(fsp=...)`` ...) are exported here too.
"""

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

__all__ = [
    "BIGINT", "BINARY", "BIT", "BLOB", "BOOLEAN", "CHAR", "DATE", "DATETIME", "DECIMAL", "DOUBLE",
    "ENUM", "FLOAT", "INT", "INTEGER", "Insert", "JSON", "LONGBLOB", "LONGTEXT", "MEDIUMBLOB",
    "MEDIUMINT", "MEDIUMTEXT", "MySQLDialect", "NUMERIC", "REAL", "SET", "SMALLINT", "TEXT", "TIME",
    "TIMESTAMP", "TINYBLOB", "TINYINT", "TINYTEXT", "VARBINARY", "VARCHAR", "YEAR", "insert",
]

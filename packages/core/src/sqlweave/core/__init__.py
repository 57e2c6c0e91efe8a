"""sqlweave Core: engines, pools, schema, types and the SQL expression language.

The public names mirror SQLAlchemy 2.0's, so ``from sqlalchemy import select, Table`` ports to
``from sqlweave.core import select, Table``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from sqlweave.core import exc
from sqlweave.core.inspection import inspect
from sqlweave.core.schema import (
    CheckConstraint,
    Column,
    ColumnDefault,
    Computed,
    Constraint,
    DefaultClause,
    FetchedValue,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Sequence,
    Table,
    UniqueConstraint,
)
from sqlweave.core.sql.ddl import (
    DDL,
    AddConstraint,
    CreateIndex,
    CreateTable,
    DropConstraint,
    DropIndex,
    DropTable,
)
from sqlweave.core.sql.dml import Delete, Insert, Update, delete, insert, update
from sqlweave.core.sql.elements import (
    BindParameter,
    ColumnElement,
    Label,
    TextClause,
    all_,
    and_,
    any_,
    asc,
    between,
    bindparam,
    case,
    cast,
    collate,
    column,
    desc,
    distinct,
    extract,
    false,
    literal,
    literal_column,
    not_,
    null,
    nulls_first,
    nulls_last,
    or_,
    over,
    text,
    true,
    tuple_,
    type_coerce,
)
from sqlweave.core.sql.functions import func
from sqlweave.core.sql.selectable import (
    CTE,
    Alias,
    CompoundSelect,
    Exists,
    Join,
    Select,
    Subquery,
    TableClause,
    alias,
    except_,
    except_all,
    exists,
    intersect,
    intersect_all,
    join,
    outerjoin,
    select,
    table,
    union,
    union_all,
    values,
)
from sqlweave.core.types import (
    ARRAY,
    BIGINT,
    BINARY,
    BLOB,
    BOOLEAN,
    CHAR,
    CLOB,
    DATE,
    DATETIME,
    DECIMAL,
    DOUBLE,
    DOUBLE_PRECISION,
    FLOAT,
    INT,
    INTEGER,
    JSON,
    NCHAR,
    NUMERIC,
    NVARCHAR,
    REAL,
    SMALLINT,
    TEXT,
    TIME,
    TIMESTAMP,
    UUID,
    VARBINARY,
    VARCHAR,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    Enum,
    Float,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    TypeDecorator,
    Unicode,
    UnicodeText,
    Uuid,
)

# Building SQL needs only the names imported above. The engine layer (Engine, Connection, pool,
# results, URLs, the compiler behind them, logging) loads on first use, so a program that only
# builds statements, or that imports the ORM before creating an engine, does not pay for it.
_LAZY = {
    "event": "sqlweave.core.event",
    "Connection": "sqlweave.core.engine.base",
    "Engine": "sqlweave.core.engine.base",
    "NestedTransaction": "sqlweave.core.engine.base",
    "RootTransaction": "sqlweave.core.engine.base",
    "Transaction": "sqlweave.core.engine.base",
    "create_engine": "sqlweave.core.engine.create",
    "engine_from_config": "sqlweave.core.engine.create",
    "CursorResult": "sqlweave.core.engine.result",
    "FrozenResult": "sqlweave.core.engine.result",
    "IteratorResult": "sqlweave.core.engine.result",
    "MappingResult": "sqlweave.core.engine.result",
    "Result": "sqlweave.core.engine.result",
    "Row": "sqlweave.core.engine.result",
    "RowMapping": "sqlweave.core.engine.result",
    "ScalarResult": "sqlweave.core.engine.result",
    "URL": "sqlweave.core.engine.url",
    "make_url": "sqlweave.core.engine.url",
    "AssertionPool": "sqlweave.core.pool",
    "NullPool": "sqlweave.core.pool",
    "Pool": "sqlweave.core.pool",
    "QueuePool": "sqlweave.core.pool",
    "SingletonThreadPool": "sqlweave.core.pool",
    "StaticPool": "sqlweave.core.pool",
}

if TYPE_CHECKING:
    from sqlweave.core import event
    from sqlweave.core.engine.base import (
        Connection,
        Engine,
        NestedTransaction,
        RootTransaction,
        Transaction,
    )
    from sqlweave.core.engine.create import create_engine, engine_from_config
    from sqlweave.core.engine.result import (
        CursorResult,
        FrozenResult,
        IteratorResult,
        MappingResult,
        Result,
        Row,
        RowMapping,
        ScalarResult,
    )
    from sqlweave.core.engine.url import URL, make_url
    from sqlweave.core.pool import (
        AssertionPool,
        NullPool,
        Pool,
        QueuePool,
        SingletonThreadPool,
        StaticPool,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    __import__(module)
    mod = sys.modules[module]
    value = mod if name == "event" else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "ARRAY", "BIGINT", "BINARY", "BLOB", "BOOLEAN", "CHAR", "CLOB", "CTE", "DATE", "DATETIME",
    "DDL", "DECIMAL", "DOUBLE", "DOUBLE_PRECISION", "FLOAT", "INT", "INTEGER", "JSON", "NCHAR",
    "NUMERIC", "NVARCHAR", "REAL", "SMALLINT", "TEXT", "TIME", "TIMESTAMP", "URL", "UUID",
    "VARBINARY", "VARCHAR", "AddConstraint", "Alias", "AssertionPool", "BigInteger",
    "BindParameter", "Boolean", "CheckConstraint", "Column", "ColumnDefault", "ColumnElement",
    "CompoundSelect", "Computed", "Connection", "Constraint", "CreateIndex", "CreateTable",
    "CursorResult", "Date", "DateTime", "DefaultClause", "Delete", "Double", "DropConstraint",
    "DropIndex", "DropTable", "Engine", "Enum", "Exists", "FetchedValue", "Float", "ForeignKey",
    "ForeignKeyConstraint", "FrozenResult", "Identity", "Index", "Insert", "Integer", "Interval",
    "IteratorResult", "Join", "Label", "LargeBinary", "MappingResult", "MetaData",
    "NestedTransaction", "NullPool", "Numeric", "Pool", "PrimaryKeyConstraint", "QueuePool",
    "Result", "RootTransaction", "Row", "RowMapping", "ScalarResult", "Select", "Sequence",
    "SingletonThreadPool", "SmallInteger", "StaticPool", "String", "Subquery", "Table",
    "TableClause", "Text", "TextClause", "Time", "Transaction", "TypeDecorator", "Unicode",
    "UnicodeText", "UniqueConstraint", "Update", "Uuid", "alias", "all_", "and_", "any_", "asc",
    "between", "bindparam", "case", "cast", "collate", "column", "create_engine", "delete",
    "desc", "distinct", "engine_from_config", "event", "exc", "except_", "except_all", "exists",
    "extract", "false", "func", "insert", "inspect", "intersect", "intersect_all", "join",
    "literal", "literal_column", "make_url", "not_", "null", "nulls_first", "nulls_last", "or_",
    "outerjoin", "over", "select", "table", "text", "true", "tuple_", "type_coerce", "union",
    "union_all", "update", "values",
]

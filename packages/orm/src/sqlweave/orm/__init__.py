"""sqlweave ORM: declarative mapping, Session and unit of work (SQLAlchemy 2.0 API)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from sqlweave.orm import exc
from sqlweave.orm.attributes import QueryableAttribute, flag_modified, set_committed_value
from sqlweave.orm.base import class_mapper, object_mapper
from sqlweave.orm.collections import (
    InstrumentedList,
    InstrumentedSet,
    KeyFuncDict,
    attribute_keyed_dict,
    column_keyed_dict,
    keyfunc_mapping,
)
from sqlweave.orm.decl import (
    DeclarativeBase,
    DeclarativeBaseNoMeta,
    DeclarativeMeta,
    DynamicMapped,
    Mapped,
    MappedAsDataclass,
    MappedColumn,
    WriteOnlyMapped,
    declarative_base,
    declared_attr,
    mapped_column,
    registry,
)
from sqlweave.orm.mapper import (
    ColumnProperty,
    Mapper,
    clear_mappers,
    column_property,
    configure_mappers,
    deferred,
)
from sqlweave.orm.relationships import RelationshipProperty, backref, foreign, relationship, remote
from sqlweave.orm.session import (
    Session,
    SessionTransaction,
    make_transient,
    object_session,
    sessionmaker,
)
from sqlweave.orm.state import AttributeState, History, InstanceState

# What every ORM program touches (declarative mapping, Mapper, relationships, Session) imports
# eagerly. Loader options, the legacy Query, scoped_session, write-only collections, aliased()
# and composite()/synonym() load on first use.
_LAZY = {
    "CompositeProperty": "sqlweave.orm.properties",
    "SynonymProperty": "sqlweave.orm.properties",
    "composite": "sqlweave.orm.properties",
    "query_expression": "sqlweave.orm.properties",
    "synonym": "sqlweave.orm.properties",
    "with_expression": "sqlweave.orm.properties",
    "Query": "sqlweave.orm.query",
    "scoped_session": "sqlweave.orm.scoping",
    "Load": "sqlweave.orm.strategy_options",
    "contains_eager": "sqlweave.orm.strategy_options",
    "defaultload": "sqlweave.orm.strategy_options",
    "defer": "sqlweave.orm.strategy_options",
    "immediateload": "sqlweave.orm.strategy_options",
    "joinedload": "sqlweave.orm.strategy_options",
    "lazyload": "sqlweave.orm.strategy_options",
    "load_only": "sqlweave.orm.strategy_options",
    "noload": "sqlweave.orm.strategy_options",
    "raiseload": "sqlweave.orm.strategy_options",
    "selectinload": "sqlweave.orm.strategy_options",
    "subqueryload": "sqlweave.orm.strategy_options",
    "undefer": "sqlweave.orm.strategy_options",
    "with_loader_criteria": "sqlweave.orm.strategy_options",
    "AliasedClass": "sqlweave.orm.util",
    "aliased": "sqlweave.orm.util",
    "with_parent": "sqlweave.orm.util",
    "AppenderQuery": "sqlweave.orm.writeonly",
    "WriteOnlyCollection": "sqlweave.orm.writeonly",
    "validates": "sqlweave.orm.events",
    "with_polymorphic": "sqlweave.orm.inheritance",
}

if TYPE_CHECKING:
    from sqlweave.orm.events import validates
    from sqlweave.orm.inheritance import with_polymorphic
    from sqlweave.orm.properties import (
        CompositeProperty,
        SynonymProperty,
        composite,
        query_expression,
        synonym,
        with_expression,
    )
    from sqlweave.orm.query import Query
    from sqlweave.orm.scoping import scoped_session
    from sqlweave.orm.strategy_options import (
        Load,
        contains_eager,
        defaultload,
        defer,
        immediateload,
        joinedload,
        lazyload,
        load_only,
        noload,
        raiseload,
        selectinload,
        subqueryload,
        undefer,
        with_loader_criteria,
    )
    from sqlweave.orm.util import AliasedClass, aliased, with_parent
    from sqlweave.orm.writeonly import AppenderQuery, WriteOnlyCollection


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    __import__(module)
    value = getattr(sys.modules[module], name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "validates", "with_polymorphic",
    "AliasedClass", "aliased", "scoped_session", "with_loader_criteria", "with_parent",
    "AttributeState", "ColumnProperty", "DeclarativeBase", "DeclarativeBaseNoMeta", "DeclarativeMeta",
    "DynamicMapped", "History", "InstanceState", "InstrumentedList", "Load", "Mapped", "MappedColumn",
    "Mapper", "Query", "QueryableAttribute", "RelationshipProperty", "Session", "SessionTransaction",
    "WriteOnlyMapped", "backref", "class_mapper", "clear_mappers", "column_property", "configure_mappers",
    "contains_eager", "declarative_base", "declared_attr", "defaultload", "defer", "deferred", "exc",
    "flag_modified", "immediateload", "joinedload", "lazyload", "load_only", "make_transient",
    "mapped_column", "noload", "object_mapper", "object_session", "raiseload", "registry",
    "relationship", "selectinload", "sessionmaker", "set_committed_value", "subqueryload", "undefer",
    "AppenderQuery", "CompositeProperty", "InstrumentedSet", "KeyFuncDict", "MappedAsDataclass",
    "SynonymProperty", "WriteOnlyCollection", "attribute_keyed_dict", "column_keyed_dict", "composite",
    "keyfunc_mapping", "query_expression", "synonym", "with_expression", "foreign", "remote",
]

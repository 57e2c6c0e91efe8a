"""sqlweave ORM: declarative mapping, Session and unit of work (SQLAlchemy 2.0 API)."""

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
from sqlweave.orm.mapper import ColumnProperty, Mapper, clear_mappers, column_property, configure_mappers, deferred
from sqlweave.orm.properties import (
    CompositeProperty,
    SynonymProperty,
    composite,
    query_expression,
    synonym,
    with_expression,
)
from sqlweave.orm.query import Query
from sqlweave.orm.relationships import RelationshipProperty, backref, relationship
from sqlweave.orm.scoping import scoped_session
from sqlweave.orm.util import AliasedClass, aliased, with_parent
from sqlweave.orm.session import Session, SessionTransaction, make_transient, object_session, sessionmaker
from sqlweave.orm.state import AttributeState, History, InstanceState
from sqlweave.orm.writeonly import AppenderQuery, WriteOnlyCollection
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

__all__ = [
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
    "keyfunc_mapping", "query_expression", "synonym", "with_expression",
]

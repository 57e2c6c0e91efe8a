"""SQLAlchemy 2.0 Core: a peer."""

from contenders.sa_style import SAStyle


class SQLAlchemyCore(SAStyle):
    name = "sqlalchemy_core"
    kind = "core"
    is_peer = True
    core_module = "sqlalchemy"
    orm_module = "sqlalchemy.orm"

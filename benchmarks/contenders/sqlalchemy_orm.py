"""SQLAlchemy 2.0 ORM: a peer."""

from contenders.sa_style import SAStyle


class SQLAlchemyORM(SAStyle):
    name = "sqlalchemy_orm"
    kind = "orm"
    is_peer = True
    core_module = "sqlalchemy"
    orm_module = "sqlalchemy.orm"

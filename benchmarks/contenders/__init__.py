"""The contenders, in their default order (rotated every repeat)."""

from __future__ import annotations

from contenders.base import Contender
from contenders.peewee import Peewee
from contenders.raw import Raw
from contenders.sqlalchemy_core import SQLAlchemyCore
from contenders.sqlalchemy_orm import SQLAlchemyORM
from contenders.sqlweave_core import SqlweaveCore
from contenders.sqlweave_orm import SqlweaveORM

ALL: list[type[Contender]] = [Raw, SqlweaveCore, SqlweaveORM, SQLAlchemyCore, SQLAlchemyORM, Peewee]

__all__ = ["ALL", "Contender"]

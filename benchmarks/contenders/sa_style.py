"""One contender class for both SQLAlchemy 2.0 and sqlweave: their APIs are the same by design.

The scenario code for kinds "core" and "orm" is written once against ``c.core`` / ``c.orm`` (the
library's modules), so SQLAlchemy and sqlweave do exactly the same work.
"""

# The models are built from whichever library is passed in (a module object), which a static
# checker cannot follow: ``Mapped`` and ``DeclarativeBase`` are attributes of a runtime value here.
# mypy: disable-error-code="valid-type,name-defined"

# No ``from __future__ import annotations`` here: the ``Mapped[...]`` annotations of the models
# below are evaluated when the classes are built, inside a function, with the library's own Mapped.

import importlib
from collections.abc import Sequence
from types import ModuleType, SimpleNamespace
from typing import Any

from contenders.base import Contender, plain
from harness import DbSpec


def build_tables(core: ModuleType) -> SimpleNamespace:
    md = core.MetaData()
    item = core.Table(
        "bench_item",
        md,
        core.Column("id", core.Integer, primary_key=True),
        core.Column("name", core.String(50), nullable=False),
        core.Column("x", core.Integer, nullable=False),
        core.Column("y", core.Integer, nullable=False),
    )
    return SimpleNamespace(metadata=md, item=item)


def build_models(core: ModuleType, orm: ModuleType) -> SimpleNamespace:
    Mapped, mapped_column, relationship = orm.Mapped, orm.mapped_column, orm.relationship
    Integer, String, ForeignKey = core.Integer, core.String, core.ForeignKey

    class Base(orm.DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "bench_item"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        x: Mapped[int] = mapped_column(Integer)
        y: Mapped[int] = mapped_column(Integer)

    class Parent(Base):
        __tablename__ = "bench_parent"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        children: Mapped[list["Child"]] = relationship("Child", back_populates="parent")

    class Child(Base):
        __tablename__ = "bench_child"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        parent_id: Mapped[int] = mapped_column(Integer, ForeignKey("bench_parent.id"))
        name: Mapped[str] = mapped_column(String(50))
        parent: Mapped["Parent"] = relationship("Parent", back_populates="children")

    configure = getattr(orm, "configure_mappers", None)
    if configure is not None:
        configure()
    return SimpleNamespace(Base=Base, Item=Item, Parent=Parent, Child=Child)


class SAStyle(Contender):
    """Engine per run (a fresh in-memory SQLite each time); tables and models built once."""

    core_module: str  # "sqlalchemy" | "sqlweave.core"
    orm_module: str  # "sqlalchemy.orm" | "sqlweave.orm"

    core: ModuleType
    orm: ModuleType
    engine: Any
    t: SimpleNamespace  # Core tables
    m: SimpleNamespace  # ORM models

    def _load(self) -> None:
        if not hasattr(self, "core"):
            self.core = importlib.import_module(self.core_module)
            self.t = build_tables(self.core)
        if self.kind == "orm" and not hasattr(self, "m"):
            self.orm = importlib.import_module(self.orm_module)
            self.m = build_models(self.core, self.orm)

    def open(self, db: DbSpec) -> None:
        super().open(db)
        self._load()
        self.engine = self.core.create_engine(db.sa_url())

    def close(self) -> None:
        if getattr(self, "engine", None) is not None:
            self.engine.dispose()
            self.engine = None

    def ddl(self, statements: Sequence[str]) -> None:
        with self.engine.begin() as conn:
            for sql in statements:
                conn.execute(self.core.text(sql))

    def seed(self, table: str, cols: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
        with self.engine.begin() as conn:
            conn.execute(self.core.text(sql), [dict(zip(cols, r, strict=True)) for r in rows])

    def row(self, sql: str) -> tuple[Any, ...]:
        with self.engine.connect() as conn:
            return plain(tuple(conn.execute(self.core.text(sql)).one()))

    def import_target(self, layer: str) -> str:
        return self.core_module if layer == "core" else self.orm_module

    def version(self) -> str:
        try:
            mod = importlib.import_module(self.core_module)
        except ImportError:
            return ""
        return getattr(mod, "__version__", "")

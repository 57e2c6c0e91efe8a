"""peewee: a peer. Scenarios use its model API where the workload is ORM-shaped and its query
builder (``insert_many``, ``.namedtuples()``) where it is Core-shaped."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import peewee as pw

from contenders.base import Contender, plain
from harness import DbSpec


def build_models() -> SimpleNamespace:
    class Base(pw.Model):
        pass

    class Item(Base):
        id = pw.AutoField()
        name = pw.CharField(max_length=50)
        x = pw.IntegerField()
        y = pw.IntegerField()

        class Meta:
            table_name = "bench_item"

    class Parent(Base):
        id = pw.AutoField()
        name = pw.CharField(max_length=50)

        class Meta:
            table_name = "bench_parent"

    class Child(Base):
        id = pw.AutoField()
        parent = pw.ForeignKeyField(Parent, backref="children", column_name="parent_id")
        name = pw.CharField(max_length=50)

        class Meta:
            table_name = "bench_child"

    return SimpleNamespace(Item=Item, Parent=Parent, Child=Child)


def database(db: DbSpec) -> pw.Database:
    if db.kind == "sqlite":
        return pw.SqliteDatabase(db.database or ":memory:")
    cls = pw.PostgresqlDatabase if db.kind == "postgresql" else pw.MySQLDatabase
    return cls(db.database, host=db.host, port=db.port, user=db.user, password=db.password)


class Peewee(Contender):
    name = "peewee"
    kind = "peewee"
    is_peer = True

    pdb: pw.Database
    m: SimpleNamespace

    def __init__(self) -> None:
        super().__init__()
        self.m = build_models()

    def open(self, db: DbSpec) -> None:
        super().open(db)
        self.pdb = database(db)
        self.pdb.bind([self.m.Item, self.m.Parent, self.m.Child])
        self.pdb.connect()

    def close(self) -> None:
        self.pdb.close()

    def ddl(self, statements: Sequence[str]) -> None:
        with self.pdb.atomic():
            for sql in statements:
                self.pdb.execute_sql(sql)

    def seed(self, table: str, cols: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        ph = self.pdb.param
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([ph] * len(cols))})"
        with self.pdb.atomic():
            self.pdb.cursor().executemany(sql, rows)

    def row(self, sql: str) -> tuple[Any, ...]:
        return plain(self.pdb.execute_sql(sql).fetchone())

    def import_target(self, layer: str) -> str:
        return "peewee"

    def version(self) -> str:
        return str(getattr(pw, "__version__", ""))

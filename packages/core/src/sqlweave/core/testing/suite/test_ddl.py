"""DDL: CREATE/DROP of tables, indexes and constraints, with checkfirst and dependency order."""

from __future__ import annotations

from typing import Any

from sqlweave.core import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    exc,
    insert,
    inspect,
    select,
    text,
)
from sqlweave.core.testing.fixtures import ComplianceTest, requires

__all__ = ["TestDDL"]


class TestDDL(ComplianceTest):
    """Tables, indexes and constraints are created, enforced and dropped."""

    def _tables(self, md: MetaData) -> tuple[Table, Table]:
        parent = Table("swc_ddl_parent", md,
                       Column("id", Integer, primary_key=True),
                       Column("name", String(30), nullable=False),
                       UniqueConstraint("name", name="swc_ddl_parent_name_uq"))
        child = Table("swc_ddl_child", md,
                      Column("id", Integer, primary_key=True),
                      Column("parent_id", ForeignKey("swc_ddl_parent.id"), nullable=False),
                      Column("qty", Integer, CheckConstraint("qty >= 0", name="swc_ddl_qty_ck")),
                      Index("swc_ddl_child_parent_ix", "parent_id"))
        return parent, child

    def test_create_all_and_drop_all(self, sw_engine: Any, sw_metadata: Any) -> None:
        self._tables(sw_metadata)
        sw_metadata.create_all(sw_engine)
        names = set(inspect(sw_engine).get_table_names())
        assert {"swc_ddl_parent", "swc_ddl_child"} <= names
        sw_metadata.create_all(sw_engine)  # checkfirst: a second run is a no-op
        sw_metadata.drop_all(sw_engine)
        names = set(inspect(sw_engine).get_table_names())
        assert not names & {"swc_ddl_parent", "swc_ddl_child"}

    def test_has_table(self, sw_engine: Any, sw_metadata: Any) -> None:
        parent, _ = self._tables(sw_metadata)
        with sw_engine.connect() as conn:
            assert not sw_engine.dialect.has_table(conn, "swc_ddl_parent")
        sw_metadata.create_all(sw_engine)
        with sw_engine.connect() as conn:
            assert sw_engine.dialect.has_table(conn, "swc_ddl_parent")
            assert not sw_engine.dialect.has_table(conn, "swc_ddl_nosuch")

    def test_single_table_create_drop(self, sw_engine: Any, sw_metadata: Any) -> None:
        t = Table("swc_ddl_single", sw_metadata, Column("id", Integer, primary_key=True))
        t.create(sw_engine)
        assert inspect(sw_engine).has_table("swc_ddl_single")
        t.drop(sw_engine)
        assert not inspect(sw_engine).has_table("swc_ddl_single")
        t.drop(sw_engine, checkfirst=True)  # no error when already gone

    def test_unique_constraint_enforced(self, sw_engine: Any, sw_metadata: Any) -> None:
        parent, _ = self._tables(sw_metadata)
        sw_metadata.create_all(sw_engine)
        with sw_engine.connect() as conn:
            conn.execute(insert(parent).values(name="a"))
            conn.commit()
            try:
                conn.execute(insert(parent).values(name="a"))
            except exc.IntegrityError:
                conn.rollback()
            else:
                raise AssertionError("duplicate value was accepted")
            assert conn.execute(select(parent.c.name)).scalars().all() == ["a"]

    def test_check_constraint_enforced(self, sw_engine: Any, sw_metadata: Any) -> None:
        parent, child = self._tables(sw_metadata)
        sw_metadata.create_all(sw_engine)
        with sw_engine.connect() as conn:
            pid = conn.execute(insert(parent).values(name="p")).inserted_primary_key[0]
            conn.execute(insert(child).values(parent_id=pid, qty=1))
            conn.commit()
            try:
                conn.execute(insert(child).values(parent_id=pid, qty=-1))
            except (exc.IntegrityError, exc.OperationalError):
                conn.rollback()
            else:
                raise AssertionError("CHECK (qty >= 0) accepted -1")
            assert conn.execute(select(child.c.qty)).scalars().all() == [1]

    def test_index_created(self, sw_engine: Any, sw_metadata: Any) -> None:
        self._tables(sw_metadata)
        sw_metadata.create_all(sw_engine)
        with sw_engine.connect() as conn:
            assert sw_engine.dialect.has_index(conn, "swc_ddl_child", "swc_ddl_child_parent_ix")

    def test_server_default(self, sw_engine: Any, sw_metadata: Any) -> None:
        t = Table("swc_ddl_default", sw_metadata,
                  Column("id", Integer, primary_key=True),
                  Column("status", String(10), server_default="new"),
                  Column("n", Integer, server_default=text("42")))
        sw_metadata.create_all(sw_engine)
        with sw_engine.begin() as conn:
            conn.execute(insert(t).values(id=1))
        with sw_engine.connect() as conn:
            assert tuple(conn.execute(select(t.c.status, t.c.n)).one()) == ("new", 42)

    @requires("supports_alter")
    def test_use_alter_foreign_key_cycle(self, sw_engine: Any, sw_metadata: Any) -> None:
        """Two tables that refer to each other are created (one FK added by ALTER) and dropped."""
        Table("swc_ddl_a", sw_metadata, Column("id", Integer, primary_key=True),
              Column("b_id", ForeignKey("swc_ddl_b.id", use_alter=True, name="swc_ddl_a_b_fk")))
        Table("swc_ddl_b", sw_metadata, Column("id", Integer, primary_key=True),
              Column("a_id", ForeignKey("swc_ddl_a.id")))
        sw_metadata.create_all(sw_engine)
        names = set(inspect(sw_engine).get_table_names())
        assert {"swc_ddl_a", "swc_ddl_b"} <= names
        sw_metadata.drop_all(sw_engine)
        assert not set(inspect(sw_engine).get_table_names()) & {"swc_ddl_a", "swc_ddl_b"}

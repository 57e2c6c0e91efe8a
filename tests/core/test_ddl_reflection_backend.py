"""DDL on the backend under test: dependency order, checkfirst, use_alter cycles, naming
conventions and functional indexes, seen through reflection."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    exc,
    func,
    insert,
    inspect,
    select,
)

pytestmark = pytest.mark.backend

NC = {"pk": "pk_%(table_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
      "uq": "uq_%(table_name)s_%(column_0_N_name)s", "ck": "ck_%(table_name)s_%(constraint_name)s",
      "ix": "ix_%(column_0_label)s"}


def _schema(md: MetaData) -> tuple[Table, Table, Table]:
    parent = Table("core_ddl_parent", md, Column("id", Integer, primary_key=True),
                   Column("name", String(30), nullable=False, server_default="anon", comment="who"),
                   Column("n", Integer, CheckConstraint("n >= 0", name="nonneg")),
                   Column("fav_child", Integer, ForeignKey("core_ddl_child.id", use_alter=True,
                                                           name="fk_parent_fav")),
                   UniqueConstraint("name", "n"))
    child = Table("core_ddl_child", md, Column("id", Integer, primary_key=True),
                  Column("parent_id", Integer, ForeignKey("core_ddl_parent.id", ondelete="CASCADE"),
                         nullable=False, index=True),
                  Column("k1", Integer), Column("k2", String(10)))
    grand = Table("core_ddl_grand", md, Column("a", Integer, primary_key=True),
                  Column("b", String(10), primary_key=True),
                  Column("cid", Integer), Column("ck2", String(10)),
                  ForeignKeyConstraint(["cid"], ["core_ddl_child.id"], ondelete="CASCADE"))
    return parent, child, grand


def test_create_drop_order_checkfirst_and_cycle(engine: Any) -> None:
    md = MetaData(naming_convention=NC)
    parent, child, grand = _schema(md)
    assert [t.name for t in md.sorted_tables] == ["core_ddl_parent", "core_ddl_child", "core_ddl_grand"]
    md.drop_all(engine)
    md.create_all(engine)
    try:
        md.create_all(engine, checkfirst=True)  # everything exists: nothing happens
        insp = inspect(engine)
        names = set(insp.get_table_names())
        assert {"core_ddl_parent", "core_ddl_child", "core_ddl_grand"} <= names
        # the use_alter FK exists after both tables (inline where there is no ALTER)
        fks = insp.get_foreign_keys("core_ddl_parent")
        assert [(f["referred_table"], f["constrained_columns"]) for f in fks] == [("core_ddl_child", ["fav_child"])]
        cfk = insp.get_foreign_keys("core_ddl_child")
        assert cfk[0]["referred_table"] == "core_ddl_parent"
        assert (cfk[0].get("options") or {}).get("ondelete", "CASCADE").upper() == "CASCADE"
        pk = insp.get_pk_constraint("core_ddl_grand")
        assert pk["constrained_columns"] == ["a", "b"]
        with engine.begin() as conn:
            conn.execute(insert(parent).values(id=1, n=1))
            conn.execute(insert(child).values(id=1, parent_id=1))
            conn.execute(parent.update().values(fav_child=1))
            assert conn.scalar(select(parent.c.name)) == "anon"
            with pytest.raises(exc.IntegrityError):
                with conn.begin_nested():
                    conn.execute(insert(parent).values(id=2, n=-1))
    finally:
        md.drop_all(engine)
        md.drop_all(engine, checkfirst=True)
    assert not ({"core_ddl_parent", "core_ddl_child"} & set(inspect(engine).get_table_names()))


def test_naming_convention_names_reach_the_database(engine: Any) -> None:
    md = MetaData(naming_convention=NC)
    parent, child, _ = _schema(md)
    md.drop_all(engine)
    md.create_all(engine)
    try:
        insp = inspect(engine)
        uqs = {u["name"] for u in insp.get_unique_constraints("core_ddl_parent")}
        idx = {i["name"] for i in insp.get_indexes("core_ddl_parent")}
        assert "uq_core_ddl_parent_name_n" in uqs | idx
        child_idx = {i["name"]: i for i in insp.get_indexes("core_ddl_child")}
        assert "ix_core_ddl_child_parent_id" in child_idx
        assert child_idx["ix_core_ddl_child_parent_id"]["column_names"] == ["parent_id"]
        fk_names = {f["name"] for f in insp.get_foreign_keys("core_ddl_child")}
        if engine.dialect.name != "sqlite" or any(fk_names):
            assert "fk_core_ddl_child_parent_id_core_ddl_parent" in fk_names
        checks = {c["name"] for c in insp.get_check_constraints("core_ddl_parent")} \
            if hasattr(insp, "get_check_constraints") else set()
        if checks:
            assert "ck_core_ddl_parent_nonneg" in checks
    finally:
        md.drop_all(engine)


def test_functional_and_unique_indexes(engine: Any) -> None:
    md = MetaData()
    t = Table("core_ddl_idx", md, Column("id", Integer, primary_key=True), Column("email", String(50)),
              Column("a", Integer), Column("b", Integer))
    Index("core_ix_ab", t.c.a, t.c.b, unique=True)
    Index("core_ix_lower_email", func.lower(t.c.email))
    md.drop_all(engine)
    with engine.connect():
        pass
    if not engine.dialect.supports_expression_indexes:
        # the database has no expression indexes: the DDL must say so before sending anything
        with pytest.raises(exc.CompileError, match="expression"):
            md.create_all(engine)
        md.drop_all(engine)
        return
    try:
        md.create_all(engine)
    except exc.DBAPIError as err:
        pytest.fail(f"functional index not created: {err}")
    try:
        insp = inspect(engine)
        idx = {i["name"]: i for i in insp.get_indexes("core_ddl_idx")}
        assert idx["core_ix_ab"]["unique"] and idx["core_ix_ab"]["column_names"] == ["a", "b"]
        assert "core_ix_lower_email" in idx
        with engine.begin() as conn:
            conn.execute(insert(t).values(id=1, a=1, b=1, email="X"))
            with pytest.raises(exc.IntegrityError):
                with conn.begin_nested():
                    conn.execute(insert(t).values(id=2, a=1, b=1))
    finally:
        md.drop_all(engine)


def test_reflection_round_trip(engine: Any) -> None:
    md = MetaData()
    parent, child, grand = _schema(md)
    md.drop_all(engine)
    md.create_all(engine)
    try:
        insp = inspect(engine)
        cols = {c["name"]: c for c in insp.get_columns("core_ddl_parent")}
        assert list(cols) == ["id", "name", "n", "fav_child"]
        assert cols["name"]["nullable"] is False and cols["n"]["nullable"] is True
        assert "anon" in str(cols["name"]["default"])
        assert isinstance(cols["name"]["type"].length, int) and cols["name"]["type"].length == 30
        # Table(..., autoload_with=) and MetaData.reflect()
        m2 = MetaData()
        rt = Table("core_ddl_child", m2, autoload_with=engine)
        assert [c.name for c in rt.columns] == ["id", "parent_id", "k1", "k2"]
        assert [c.name for c in rt.primary_key] == ["id"]
        assert "core_ddl_parent" in m2.tables  # referred table reflected too
        fk = next(iter(rt.c.parent_id.foreign_keys))
        assert fk.column is m2.tables["core_ddl_parent"].c.id
        m3 = MetaData()
        m3.reflect(engine, only=["core_ddl_parent", "core_ddl_child", "core_ddl_grand"])
        assert {"core_ddl_parent", "core_ddl_child", "core_ddl_grand"} <= set(m3.tables)
        g = m3.tables["core_ddl_grand"]
        assert [c.name for c in g.primary_key] == ["a", "b"]
        # reflected tables are usable
        with engine.begin() as conn:
            conn.execute(insert(m3.tables["core_ddl_parent"]).values(id=5, name="r"))
            assert conn.scalar(select(m3.tables["core_ddl_parent"].c.name)) == "r"
    finally:
        md.drop_all(engine)


def test_to_metadata_copy_creates(engine: Any) -> None:
    md = MetaData()
    t = Table("core_ddl_src", md, Column("id", Integer, primary_key=True), Column("v", String(10), default="d"),
              UniqueConstraint("v"))
    m2 = MetaData()
    t2 = t.to_metadata(m2, name="core_ddl_copy")
    assert t2.name == "core_ddl_copy" and t2.c.v.default.arg == "d" and t2 is not t
    m2.drop_all(engine)
    m2.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(t2).values(id=1))
            assert conn.scalar(select(t2.c.v)) == "d"
    finally:
        m2.drop_all(engine)

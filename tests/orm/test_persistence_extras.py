"""Flush completeness against the backend under test: post_update cycles, per-row self-referential
order, association rows, server defaults via RETURNING, composite keys, versioning, passive
deletes, batching and the INSERT ... RETURNING key correlation of R14."""

from __future__ import annotations

import math
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import Column, ForeignKey, Index, String, Table, select, text
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlweave.orm import exc as orm_exc
from tests.orm.model_fixtures import model_fixtures, session_rows

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class PWidget(Base):
    __tablename__ = "ormm_p_widget"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    favorite_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ormm_p_entry.id", use_alter=True, name="ormm_fk_fav"))
    entries: Mapped[list[PEntry]] = relationship(
        foreign_keys="PEntry.widget_id", back_populates="widget", cascade="all, delete-orphan",
        order_by="PEntry.id")
    favorite_entry: Mapped[PEntry | None] = relationship(foreign_keys=favorite_entry_id, post_update=True)


class PEntry(Base):
    __tablename__ = "ormm_p_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    widget_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_p_widget.id"))
    widget: Mapped[PWidget | None] = relationship(foreign_keys=widget_id, back_populates="entries")


class PNode(Base):
    __tablename__ = "ormm_p_node"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_p_node.id"))
    next_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_p_node.id"))
    parent: Mapped[PNode | None] = relationship(remote_side="PNode.id", foreign_keys=parent_id)
    next: Mapped[PNode | None] = relationship(remote_side="PNode.id", foreign_keys=next_id, post_update=True)


ormm_p_post_tag = Table(
    "ormm_p_post_tag", Base.metadata,
    Column("post_id", ForeignKey("ormm_p_post.id"), primary_key=True),
    Column("tag_id", ForeignKey("ormm_p_tag.id"), primary_key=True),
)


class PPost(Base):
    __tablename__ = "ormm_p_post"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(20))
    tags: Mapped[list[PTag]] = relationship(secondary=ormm_p_post_tag, back_populates="posts")


class PTag(Base):
    __tablename__ = "ormm_p_tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    posts: Mapped[list[PPost]] = relationship(secondary=ormm_p_post_tag, back_populates="tags")


def _stamp(ctx: Any) -> str:
    return "py-" + str(ctx.get_current_parameters().get("name"))


class PDefaults(Base):
    __tablename__ = "ormm_p_defaults"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    srv: Mapped[str] = mapped_column(String(20), server_default=text("'server'"))
    num: Mapped[int] = mapped_column(server_default=text("42"))
    py: Mapped[str | None] = mapped_column(String(30), default=_stamp, onupdate=lambda ctx: "changed")
    hits: Mapped[int] = mapped_column(server_default=text("0"), onupdate=text("hits + 1"))
    __mapper_args__ = {"eager_defaults": True}


class PCompositeKey(Base):
    __tablename__ = "ormm_p_ckey"
    region: Mapped[str] = mapped_column(String(10), primary_key=True)
    num: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[str] = mapped_column(String(20))


class PVersionPy(Base):
    __tablename__ = "ormm_p_ver_py"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[str] = mapped_column(String(20))
    ver: Mapped[str] = mapped_column(String(32))
    __mapper_args__ = {"version_id_col": ver, "version_id_generator": lambda v: uuid.uuid4().hex}


class PVersionSrv(Base):
    __tablename__ = "ormm_p_ver_srv"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[str] = mapped_column(String(20))
    ver: Mapped[int] = mapped_column(server_default=text("1"), onupdate=text("ver + 1"))
    __mapper_args__ = {"version_id_col": ver, "version_id_generator": False}


class PParent(Base):
    __tablename__ = "ormm_p_parent"
    id: Mapped[int] = mapped_column(primary_key=True)
    children: Mapped[list[PChild]] = relationship(passive_deletes="all", order_by="PChild.id")


class PChild(Base):
    __tablename__ = "ormm_p_child"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_p_parent.id", ondelete="CASCADE"))


class PPayload(Base):
    __tablename__ = "ormm_p_payload"
    id: Mapped[int] = mapped_column(primary_key=True)
    payload: Mapped[str] = mapped_column(String(40))
    __table_args__ = (Index("ormm_p_payload_ix", "payload"),)


def _unlink(conn: Any) -> None:
    """Rows point at each other: clear those references before the rows are deleted."""
    conn.execute(PWidget.__table__.update().values(favorite_entry_id=None))
    conn.execute(PNode.__table__.update().values(parent_id=None, next_id=None))


tables, session = model_fixtures(Base.metadata, before_clear=_unlink)


_rows = session_rows


def _verbs(counter: Any) -> list[str]:
    return [" ".join(s.split()[:3]) for s in counter.statements]


# -- post_update and cycles ------------------------------------------------------------------------


def test_post_update_breaks_cycle(session: Session, counter: Any) -> None:
    w1, w2 = PWidget(name="w1"), PWidget(name="w2")
    e1, e2, e3 = PEntry(name="e1"), PEntry(name="e2"), PEntry(name="e3")
    w1.entries = [e1, e2]
    w2.entries = [e3]
    w1.favorite_entry = e2
    w2.favorite_entry = e3
    session.add_all([w1, w2])
    counter.reset()
    session.flush()
    verbs = _verbs(counter)
    # the inserts first (widgets, then entries), then the post_update UPDATEs of the cycle
    assert [v.split()[0] for v in verbs][-1] == "UPDATE"
    assert all(v.startswith("INSERT") for v in verbs[:-1])
    ins_w = [i for i, v in enumerate(verbs) if "ormm_p_widget" in counter.statements[i] and v.startswith("INSERT")]
    ins_e = [i for i, v in enumerate(verbs) if "ormm_p_entry" in counter.statements[i] and v.startswith("INSERT")]
    assert max(ins_w) < min(ins_e)
    assert "favorite_entry_id" in counter.statements[-1]
    session.commit()
    assert _rows(session, "SELECT w.name, e.name FROM ormm_p_widget w JOIN ormm_p_entry e "
                          "ON w.favorite_entry_id = e.id ORDER BY w.name") == [("w1", "e2"), ("w2", "e3")]
    # change the favourite: one UPDATE, nothing else (after the expired objects are reloaded)
    assert (w1.favorite_entry, e1.id) == (e2, e1.id)
    counter.reset()
    w1.favorite_entry = e1
    session.flush()
    assert _verbs(counter) == ["UPDATE ormm_p_widget SET"]
    # delete the whole cycle: the post_update key is cleared before the rows go
    session.delete(w1)
    session.delete(w2)
    counter.reset()
    session.commit()
    verbs = _verbs(counter)
    assert verbs[0].startswith("UPDATE ormm_p_widget")
    assert verbs.index("DELETE FROM ormm_p_entry") < verbs.index("DELETE FROM ormm_p_widget")
    assert _rows(session, "SELECT count(*) FROM ormm_p_widget") == [(0,)]
    assert _rows(session, "SELECT count(*) FROM ormm_p_entry") == [(0,)]


def test_self_referential_rows_ordered_per_row(session: Session, counter: Any) -> None:
    # a chain built child-first: c -> b -> a must be inserted a, b, c
    a, b, c = PNode(name="a"), PNode(name="b"), PNode(name="c")
    c.parent = b
    b.parent = a
    session.add_all([c, b, a])
    counter.reset()
    session.flush()
    assert [v for v in _verbs(counter)] == ["INSERT INTO ormm_p_node"] * 3
    assert _rows(session, "SELECT n.name, p.name FROM ormm_p_node n LEFT JOIN ormm_p_node p "
                          "ON n.parent_id = p.id ORDER BY n.name") == [("a", None), ("b", "a"), ("c", "b")]
    # a ring through post_update: one batch of inserts, then the keys
    x, y = PNode(name="x"), PNode(name="y")
    x.next, y.next = y, x
    session.add_all([x, y])
    counter.reset()
    session.flush()
    assert _verbs(counter)[-1] == "UPDATE ormm_p_node SET"
    assert _rows(session, "SELECT n.name, m.name FROM ormm_p_node n JOIN ormm_p_node m ON n.next_id = m.id "
                          "ORDER BY n.name") == [("x", "y"), ("y", "x")]
    session.commit()


def test_self_referential_cycle_without_post_update_is_a_flush_error(session: Session) -> None:
    p, q = PNode(name="p"), PNode(name="q")
    p.parent, q.parent = q, p
    session.add_all([p, q])
    with pytest.raises(orm_exc.FlushError, match="post_update=True"):
        session.flush()
    session.rollback()
    assert _rows(session, "SELECT count(*) FROM ormm_p_node") == [(0,)]


def test_association_rows_deleted_before_either_end(session: Session, counter: Any) -> None:
    t1, t2 = PTag(label="t1"), PTag(label="t2")
    p = PPost(title="p", tags=[t1, t2])
    session.add(p)
    session.commit()
    assert _rows(session, "SELECT count(*) FROM ormm_p_post_tag") == [(2,)]
    session.delete(p)
    session.delete(t1)
    counter.reset()
    session.commit()
    verbs = _verbs(counter)
    first_assoc = min(i for i, v in enumerate(verbs) if v == "DELETE FROM ormm_p_post_tag")
    assert first_assoc < verbs.index("DELETE FROM ormm_p_post")
    assert first_assoc < verbs.index("DELETE FROM ormm_p_tag")
    assert _rows(session, "SELECT count(*) FROM ormm_p_post_tag") == [(0,)]
    assert _rows(session, "SELECT label FROM ormm_p_tag") == [("t2",)]


# -- server defaults in the same round trip ---------------------------------------------------------


def test_server_defaults_fetched_with_insert(session: Session, counter: Any, engine: Any) -> None:
    dialect = engine.dialect
    objs = [PDefaults(name=f"n{i}") for i in range(3)]
    session.add_all(objs)
    counter.reset()
    session.flush()
    batched = dialect.insert_executemany_returning and dialect.insert_returning
    assert counter.count == (1 if batched else 3)
    assert all(s.startswith("INSERT") for s in counter.statements)
    counter.reset()
    # with RETURNING the server values are already there: no SELECT
    assert [(o.srv, o.num, o.py, o.hits) for o in objs] == [("server", 42, f"py-n{i}", 0) for i in range(3)]
    assert counter.count == (0 if dialect.insert_returning else 3)
    session.commit()
    o = objs[0]
    o.name = "renamed"
    session.flush()
    # Python onupdate known at once; SQL onupdate via UPDATE ... RETURNING, or reloaded
    assert o.__dict__["py"] == "changed"
    counter.reset()
    assert o.hits == 1
    assert counter.count == (0 if dialect.update_returning else 1)
    session.commit()
    assert _rows(session, "SELECT name, srv, num, py, hits FROM ormm_p_defaults ORDER BY id") == [
        ("renamed", "server", 42, "changed", 1), ("n1", "server", 42, "py-n1", 0), ("n2", "server", 42, "py-n2", 0)]


# -- keys, versions ------------------------------------------------------------------------------------


def test_composite_primary_key(session: Session, counter: Any) -> None:
    session.add_all([PCompositeKey(region="eu", num=1, data="a"), PCompositeKey(region="eu", num=2, data="b"),
                     PCompositeKey(region="us", num=1, data="c")])
    counter.reset()
    session.commit()
    assert _verbs(counter).count("INSERT INTO ormm_p_ckey") == 1  # one executemany
    session.expunge_all()
    got = session.get(PCompositeKey, ("eu", 2))
    assert got.data == "b"
    assert session.get(PCompositeKey, {"region": "us", "num": 1}).data == "c"
    got.num = 3  # primary key change: UPDATE ... WHERE old key, identity moves
    got.data = "b3"
    session.commit()
    assert session.get(PCompositeKey, ("eu", 3)) is got
    assert session.get(PCompositeKey, ("eu", 2)) is None
    session.delete(got)
    session.commit()
    assert _rows(session, "SELECT region, num, data FROM ormm_p_ckey ORDER BY region, num") == [
        ("eu", 1, "a"), ("us", 1, "c")]


def test_version_python_generator(session: Session) -> None:
    v = PVersionPy(data="a")
    session.add(v)
    session.commit()
    first = v.ver
    assert len(first) == 32
    v.data = "b"
    session.commit()
    assert v.ver != first
    assert _rows(session, "SELECT data, ver FROM ormm_p_ver_py") == [("b", v.ver)]
    # a concurrent writer moves the version on: the next UPDATE matches nothing
    session.connection().execute(text("UPDATE ormm_p_ver_py SET ver = 'other'"))
    v.data = "c"
    with pytest.raises(orm_exc.StaleDataError, match="expected to update 1 row"):
        session.flush()
    session.rollback()
    assert _rows(session, "SELECT data FROM ormm_p_ver_py") == [("b",)]


def test_version_server_side(session: Session, counter: Any, engine: Any) -> None:
    v = PVersionSrv(data="a")
    session.add(v)
    counter.reset()
    session.flush()
    assert v.__dict__.get("ver") == (1 if engine.dialect.insert_returning else None)
    assert v.ver == 1
    session.commit()
    v.data = "b"
    session.flush()
    assert v.ver == 2
    assert _rows(session, "SELECT data, ver FROM ormm_p_ver_srv") == [("b", 2)]
    v.data = "c"
    session.flush()
    assert v.ver == 3
    session.commit()
    session.connection().execute(text("UPDATE ormm_p_ver_srv SET ver = 10"))
    session.commit()
    v2 = session.get(PVersionSrv, v.id)
    assert v2.ver == 10
    session.connection().execute(text("UPDATE ormm_p_ver_srv SET ver = 11"))
    v2.data = "stale"
    with pytest.raises(orm_exc.StaleDataError):
        session.flush()
    session.rollback()
    assert _rows(session, "SELECT data, ver FROM ormm_p_ver_srv") == [("c", 10)]
    # DELETE checks the version too
    v3 = session.get(PVersionSrv, v.id)
    assert v3.ver == 10
    session.connection().execute(text("UPDATE ormm_p_ver_srv SET ver = 12"))
    session.delete(v3)
    with pytest.raises(orm_exc.StaleDataError, match="expected to delete 1 row"):
        session.flush()
    session.rollback()
    assert _rows(session, "SELECT data FROM ormm_p_ver_srv") == [("c",)]


def test_delete_of_missing_row_unversioned_warns(session: Session) -> None:
    # SQLAlchemy semantics: without a version column a DELETE that matches nothing is a warning
    a, b = PCompositeKey(region="x", num=1, data="a"), PCompositeKey(region="x", num=2, data="b")
    session.add_all([a, b])
    session.commit()
    session.connection().execute(text("DELETE FROM ormm_p_ckey WHERE num = 1"))
    session.delete(a)
    session.delete(b)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        session.commit()
    assert any("expected to delete 2 row(s); 1 were matched" in str(x.message)
               or "expected to delete 1 row(s); 0 were matched" in str(x.message) for x in w)
    assert _rows(session, "SELECT count(*) FROM ormm_p_ckey") == [(0,)]


def test_updates_grouped_into_executemany(session: Session, counter: Any, engine: Any) -> None:
    objs = [PCompositeKey(region="g", num=i, data="x") for i in range(6)]
    session.add_all(objs)
    session.commit()
    for o in objs[:4]:
        o.data = "changed"
    objs[5].data = "other"
    counter.reset()
    session.flush()
    # one column set: one executemany when the driver reports executemany rowcounts
    assert counter.count == (1 if engine.dialect.supports_sane_multi_rowcount else 5)
    session.commit()
    assert _rows(session, "SELECT num, data FROM ormm_p_ckey ORDER BY num") == [
        (0, "changed"), (1, "changed"), (2, "changed"), (3, "changed"), (4, "x"), (5, "other")]


# -- passive deletes -------------------------------------------------------------------------------


@pytest.fixture
def fk_enforced(engine: Any) -> Iterator[None]:
    # SQLite enforces ON DELETE only with the pragma (set outside a transaction)
    if engine.dialect.name == "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("PRAGMA foreign_keys=ON")
    yield
    if engine.dialect.name == "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("PRAGMA foreign_keys=OFF")


def test_passive_deletes_all(fk_enforced: None, session: Session, counter: Any) -> None:
    p = PParent(id=1, children=[PChild(id=1), PChild(id=2)])
    session.add(p)
    session.commit()
    kids = list(p.children)  # loaded: still not touched by the delete
    session.delete(p)
    counter.reset()
    session.flush()
    assert _verbs(counter) == ["DELETE FROM ormm_p_parent"]
    assert [k.parent_id for k in kids] == [1, 1]
    assert _rows(session, "SELECT count(*) FROM ormm_p_child") == [(0,)]  # ON DELETE CASCADE
    session.commit()


# -- R14: each object gets its own key ------------------------------------------------------------


def test_r14_batched_insert_returning_correlation(session: Session, counter: Any, engine: Any) -> None:
    n = 2000
    objs = [PPayload(payload=f"p-{uuid.uuid4().hex[:12]}-{i}") for i in range(n)]
    # shuffle-ish order so that key order and payload order differ
    objs = objs[1::2] + objs[::2]
    session.add_all(objs)
    counter.reset()
    session.flush()
    d = engine.dialect
    if d.insert_executemany_returning and d.insert_returning:
        page = max(1, min(d.insertmanyvalues_page_size, d.insertmanyvalues_max_parameters // 1))
        expected = math.ceil(n / page)
    else:
        expected = n  # no multi-row RETURNING: one INSERT per object
    assert counter.count == expected
    rows = dict(session.connection().execute(select(PPayload.__table__.c.id, PPayload.__table__.c.payload)).all())
    mismatches = [o for o in objs if rows.get(o.id) != o.payload]
    assert mismatches == []
    assert len({o.id for o in objs}) == n
    session.commit()


def test_single_row_insert_takes_the_key_from_the_driver(session: Session, counter: Any, engine: Any) -> None:
    """One new object whose only unknown is the autoincrement key: one plain INSERT, the key from
    the driver (lastrowid on SQLite and MariaDB, the implicit RETURNING on PostgreSQL), and each of
    several one-object flushes gets its own key."""
    ids = []
    for i in range(3):
        obj = PPayload(payload=f"single-{i}")
        session.add(obj)
        counter.reset()
        session.flush()
        assert counter.count == 1
        if not engine.dialect.implicit_pk_returning:
            assert "RETURNING" not in counter.statements[0].upper()
        ids.append(obj.id)
        session.commit()
    assert len(set(ids)) == 3
    stored = _rows(session, "SELECT id, payload FROM ormm_p_payload WHERE payload LIKE 'single-%' ORDER BY id")
    assert stored == [(ids[i], f"single-{i}") for i in range(3)]

"""ORM mapping, loading, Session and unit of work against the backend under test."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Any

import pytest

from sqlweave.core import (
    Column,
    ForeignKey,
    Numeric,
    String,
    Table,
    func,
    inspect,
    select,
    text,
)
from sqlweave.core import exc as sa_exc
from sqlweave.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    defer,
    joinedload,
    load_only,
    mapped_column,
    noload,
    raiseload,
    relationship,
    selectinload,
    sessionmaker,
)
from sqlweave.orm import exc as orm_exc
from tests.orm.model_fixtures import model_fixtures, session_rows

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class Color(enum.Enum):
    red = "red"
    blue = "blue"


class TimestampMixin:
    note: Mapped[str | None] = mapped_column(String(40))


class OUser(TimestampMixin, Base):
    __tablename__ = "orm_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    addresses: Mapped[list[OAddress]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="OAddress.id")


class OAddress(Base):
    __tablename__ = "orm_address"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(50))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("orm_user.id"))
    user: Mapped[OUser | None] = relationship(back_populates="addresses")


class ONode(Base):
    __tablename__ = "orm_node"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("orm_node.id"))
    children: Mapped[list[ONode]] = relationship(back_populates="parent", cascade="all, delete-orphan",
                                                 order_by="ONode.id")
    parent: Mapped[ONode | None] = relationship(back_populates="children", remote_side="ONode.id")


orm_post_tag = Table(
    "orm_post_tag", Base.metadata,
    Column("post_id", ForeignKey("orm_post.id"), primary_key=True),
    Column("tag_id", ForeignKey("orm_tag.id"), primary_key=True),
)


class OPost(Base):
    __tablename__ = "orm_post"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    tags: Mapped[list[OTag]] = relationship(secondary="orm_post_tag", back_populates="posts", order_by="OTag.id")


class OTag(Base):
    __tablename__ = "orm_tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(30))
    posts: Mapped[list[OPost]] = relationship(secondary=orm_post_tag, back_populates="tags")


class OVersioned(Base):
    __tablename__ = "orm_versioned"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version}


class OTyped(Base):
    __tablename__ = "orm_typed"
    id: Mapped[int] = mapped_column(primary_key=True)
    i: Mapped[int]
    s: Mapped[str | None] = mapped_column(String(20))
    f: Mapped[float]
    b: Mapped[bool]
    d: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2), default=decimal.Decimal("1.50"))
    dt: Mapped[datetime.datetime]
    day: Mapped[datetime.date]
    t: Mapped[datetime.time | None]
    raw: Mapped[bytes | None]
    u: Mapped[uuid.UUID | None]
    color: Mapped[Color] = mapped_column(default=Color.red)
    srv: Mapped[int | None] = mapped_column(server_default=text("7"))


tables, session = model_fixtures(Base.metadata)


_rows = session_rows


def _exec(session: Session, sql: str, params: Any = None) -> None:
    session.connection().execute(text(sql), params)


# -- mapping ------------------------------------------------------------------------------------


def test_annotation_inference() -> None:
    t = OTyped.__table__
    assert t.c.id.primary_key and not t.c.id.nullable
    assert t.c.i.nullable is False and t.c.s.nullable is True and t.c.t.nullable is True
    names = {c.key: type(c.type).__name__ for c in t.columns}
    assert names["i"] == "Integer" and names["f"] == "Float" and names["b"] == "Boolean"
    assert names["d"] in ("Numeric", "NUMERIC") and names["dt"] == "DateTime" and names["day"] == "Date"
    assert names["t"] == "Time" and names["raw"] == "LargeBinary" and names["u"] == "Uuid"
    assert names["color"] == "Enum"
    # the mixin column is copied per class
    assert OUser.__table__.c.note.table is OUser.__table__


def test_inspect_mapper() -> None:
    m = inspect(OUser)
    assert m.class_ is OUser and m.local_table is OUser.__table__
    assert [c.name for c in m.primary_key] == ["id"]
    assert set(m.relationships) == {"addresses"}
    assert "name" in m.columns and "note" in m.attrs
    assert m.relationships["addresses"].direction == "ONETOMANY"
    assert inspect(ONode).relationships["parent"].direction == "MANYTOONE"


def test_constructor_rejects_unknown_kwargs() -> None:
    with pytest.raises(TypeError, match="'nope' is an invalid keyword argument for OUser"):
        OUser(name="x", nope=1)


def test_config_error_names_class_and_attribute() -> None:
    class B2(DeclarativeBase):
        pass

    class P(B2):
        __tablename__ = "orm_cfg_p"
        id: Mapped[int] = mapped_column(primary_key=True)
        kids: Mapped[list[Kid]] = relationship()

    class Kid(B2):
        __tablename__ = "orm_cfg_kid"
        id: Mapped[int] = mapped_column(primary_key=True)

    with pytest.raises(orm_exc.ORMConfigurationError, match=r"P\.kids.*no foreign keys"):
        inspect(P).relationships
    import sqlweave.orm.mapper as m
    from sqlweave.orm import clear_mappers  # noqa: F401 - keep the broken mapper from leaking

    m._all_mappers.discard(inspect.__class__) if False else None
    m._all_mappers.discard(P._sw_mapper)
    m._all_mappers.discard(Kid._sw_mapper)
    m._new_mappers = False


def test_no_primary_key_error() -> None:
    class B3(DeclarativeBase):
        pass

    with pytest.raises(orm_exc.ORMConfigurationError, match="could not assemble any primary key"):
        class NoPk(B3):
            __tablename__ = "orm_nopk"
            x: Mapped[int]


def test_typed_roundtrip(session: Session) -> None:
    u = uuid.uuid4()
    obj = OTyped(i=1, s="s", f=1.5, b=True, dt=datetime.datetime(2024, 1, 2, 3, 4, 5),
                 day=datetime.date(2024, 1, 2), t=datetime.time(1, 2, 3), raw=b"\x00\x01", u=u)
    session.add(obj)
    session.commit()
    oid = obj.id
    session.expunge_all()
    got = session.get(OTyped, oid)
    assert got.i == 1 and got.s == "s" and got.f == 1.5 and got.b is True
    assert got.d == decimal.Decimal("1.50") and got.color is Color.red
    assert got.dt == datetime.datetime(2024, 1, 2, 3, 4, 5) and got.day == datetime.date(2024, 1, 2)
    assert got.t == datetime.time(1, 2, 3) and got.raw == b"\x00\x01" and got.u == u
    assert got.srv == 7


# -- instrumentation ----------------------------------------------------------------------------


def test_backref_sync_and_history(session: Session) -> None:
    u = OUser(name="u1")
    a = OAddress(email="a@x")
    a.user = u
    assert u.addresses == [a]
    u.addresses.remove(a)
    assert a.user is None
    u.addresses.append(a)
    assert a.user is u
    session.add(u)
    session.flush()
    u.name = "u2"
    h = inspect(u).attrs.name.history
    assert h.added == ["u2"] and h.deleted == ["u1"]
    assert inspect(u).persistent and session.is_modified(u)
    assert u in session.dirty


def test_loaded_read_is_plain_dict_read(session: Session) -> None:
    u = OUser(name="fast")
    session.add(u)
    session.flush()
    assert "name" in u.__dict__
    # the class attribute is a non-data descriptor: the instance dict wins
    assert not hasattr(type(OUser.__dict__["name"]), "__set__")


# -- session and identity map ---------------------------------------------------------------------


def test_states_and_identity_map(session: Session, counter: Any) -> None:
    u = OUser(name="s1")
    st = inspect(u)
    assert st.transient
    session.add(u)
    assert st.pending and u in session.new
    session.flush()
    assert st.persistent and st.identity == (u.id,)
    counter.reset()
    assert session.get(OUser, u.id) is u
    assert counter.count == 0
    assert session.scalars(select(OUser).where(OUser.name == "s1")).one() is u
    session.commit()
    session.close()
    assert st.detached


def test_get_miss_and_expire_on_commit(session: Session, tables: Any, counter: Any) -> None:
    session.add(OUser(name="g1"))
    session.commit()
    uid = _rows(session, "SELECT id FROM orm_user WHERE name = 'g1'")[0][0]
    session.expunge_all()
    counter.reset()
    u = session.get(OUser, uid)
    assert u.name == "g1" and counter.count == 1
    session.commit()
    assert "name" not in u.__dict__
    _exec(session, "UPDATE orm_user SET name = 'g2' WHERE id = :i", {"i": uid})
    assert u.name == "g2"
    assert session.get(OUser, 10 ** 6) is None
    with pytest.raises(sa_exc.NoResultFound):
        session.get_one(OUser, 10 ** 6)


def test_expire_refresh(session: Session, tables: Any) -> None:
    u = OUser(name="r1")
    session.add(u)
    session.flush()
    uid = u.id
    session.commit()
    _exec(session, "UPDATE orm_user SET name = 'r2' WHERE id = :i", {"i": uid})
    assert u.name == "r2"
    _exec(session, "UPDATE orm_user SET name = 'r3' WHERE id = :i", {"i": uid})
    session.commit()
    session.refresh(u)
    assert u.__dict__["name"] == "r3"
    u.name = "local"
    session.expire(u, ["name"])
    assert u.name == "r3"


def test_merge(session: Session) -> None:
    u = OUser(name="m1")
    session.add(u)
    session.commit()
    uid = u.id
    session.close()
    detached = OUser(id=uid, name="m2")
    merged = session.merge(detached)
    assert merged is not detached and merged.name == "m2"
    session.commit()
    session.expunge_all()
    assert session.get(OUser, uid).name == "m2"
    fresh = session.merge(OUser(name="m3"))
    session.commit()
    assert fresh.id is not None


def test_detached_unloaded_attribute_raises(session: Session) -> None:
    u = OUser(name="d1")
    session.add(u)
    session.commit()
    session.close()
    with pytest.raises(orm_exc.DetachedInstanceError, match="OUser.name"):
        u.name


# -- relationships and loading ---------------------------------------------------------------------


def _seed_users(session: Session, n: int = 5, per: int = 3) -> None:
    for i in range(n):
        session.add(OUser(name=f"user{i}", addresses=[OAddress(email=f"{i}-{j}@x") for j in range(per)]))
    session.commit()
    session.expunge_all()


@pytest.mark.filterwarnings("ignore::sqlweave.orm.exc.NPlusOneWarning")  # lazy loads counted on purpose
def test_lazy_load_statement_counts(session: Session, counter: Any) -> None:
    _seed_users(session)
    counter.reset()
    users = session.scalars(select(OUser).order_by(OUser.id)).all()
    assert counter.count == 1
    for u in users:
        assert len(u.addresses) == 3
    assert counter.count == 1 + 5
    # many-to-one: the identity map answers, no SQL
    counter.reset()
    for u in users:
        for a in u.addresses:
            assert a.user is u
    assert counter.count == 0


def test_selectinload_counts(session: Session, counter: Any) -> None:
    _seed_users(session)
    counter.reset()
    users = session.scalars(select(OUser).options(selectinload(OUser.addresses)).order_by(OUser.id)).all()
    assert counter.count == 2
    assert [len(u.addresses) for u in users] == [3] * 5
    assert users[0].addresses[0].email == "0-0@x"
    assert counter.count == 2
    session.expunge_all()
    counter.reset()
    addrs = session.scalars(select(OAddress).options(selectinload(OAddress.user))).all()
    assert {a.user.name for a in addrs} == {f"user{i}" for i in range(5)}
    assert counter.count == 2


def test_joinedload_counts(session: Session, counter: Any) -> None:
    _seed_users(session)
    counter.reset()
    users = session.scalars(select(OUser).options(joinedload(OUser.addresses)).order_by(OUser.id)).unique().all()
    assert counter.count == 1
    assert len(users) == 5 and [len(u.addresses) for u in users] == [3] * 5
    assert counter.count == 1


def test_raiseload_noload(session: Session) -> None:
    _seed_users(session, 1, 2)
    u = session.scalars(select(OUser).options(raiseload(OUser.addresses))).one()
    with pytest.raises(sa_exc.InvalidRequestError, match="OUser.addresses"):
        u.addresses
    session.expunge_all()
    u = session.scalars(select(OUser).options(noload(OUser.addresses))).one()
    assert u.addresses == []


def test_defer_load_only(session: Session, counter: Any) -> None:
    _seed_users(session, 1, 0)
    counter.reset()
    u = session.scalars(select(OUser).options(defer(OUser.name))).one()
    assert "name" not in u.__dict__
    assert u.name == "user0" and counter.count == 2
    session.expunge_all()
    u = session.scalars(select(OUser).options(load_only(OUser.note))).one()
    assert "name" not in u.__dict__ and u.id is not None


def test_entities_and_columns(session: Session) -> None:
    _seed_users(session, 2, 2)
    rows = session.execute(select(OUser, OAddress).join(OUser.addresses).order_by(OAddress.id)).all()
    assert len(rows) == 4
    assert rows[0][0] is rows[1][0] and rows[0][1].user is rows[0][0]
    counts = session.execute(
        select(OUser.name, func.count(OAddress.id)).join(OUser.addresses).group_by(OUser.name).order_by(OUser.name)
    ).all()
    assert [tuple(r) for r in counts] == [("user0", 2), ("user1", 2)]
    assert session.scalar(select(func.count()).select_from(OUser)) == 2
    q = session.query(OUser).filter(OUser.name.like("user%")).filter_by(name="user1")
    assert q.count() == 1 and q.one().name == "user1" and q.first().name == "user1"
    assert [u.name for u in session.query(OUser).order_by(OUser.name.desc()).all()] == ["user1", "user0"]
    assert session.scalars(select(OAddress).where(OAddress.user == q.one())).all()[0].email.startswith("1-")
    assert session.scalars(select(OUser).where(OUser.addresses.any(OAddress.email == "0-1@x"))).one().name == "user0"


# -- unit of work ---------------------------------------------------------------------------------


def test_insert_batching(session: Session, counter: Any) -> None:
    session.add_all([OUser(id=1000 + i, name=f"b{i}") for i in range(50)])
    counter.reset()
    session.flush()
    assert counter.count == 1  # one executemany, primary keys given
    objs = [OUser(name=f"c{i}") for i in range(5)]
    session.add_all(objs)
    session.flush()
    assert len({o.id for o in objs}) == 5 and all(o.id for o in objs)
    # each object has its own key
    for o in objs:
        assert _rows(session, f"SELECT name FROM orm_user WHERE id = {o.id}") == [(o.name,)]
    session.commit()
    for o in objs:
        assert session.get(OUser, o.id).name == o.name


def test_update_changed_columns_batched(session: Session, counter: Any, tables: Any) -> None:
    users = [OUser(id=2000 + i, name=f"u{i}") for i in range(10)]
    session.add_all(users)
    session.commit()
    for u in users:
        u.name = u.name + "x"
    counter.reset()
    session.flush()
    updates = [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1 and "note" not in updates[0]
    session.commit()
    assert sorted(r[0] for r in _rows(session, "SELECT name FROM orm_user")) == sorted(f"u{i}x" for i in range(10))


def test_flush_order_parents_first_children_deleted_first(session: Session, tables: Any) -> None:
    a = OAddress(email="o@x", user=OUser(name="order"))
    session.add(a)
    session.commit()
    assert _rows(session, "SELECT u.name FROM orm_user u JOIN orm_address a ON a.user_id = u.id") == [("order",)]
    session.delete(a.user)
    session.commit()
    assert _rows(session, "SELECT COUNT(*) FROM orm_address")[0][0] == 0
    assert _rows(session, "SELECT COUNT(*) FROM orm_user")[0][0] == 0


def test_self_referential(session: Session, tables: Any) -> None:
    root = ONode(name="root", children=[ONode(name="a", children=[ONode(name="a1")]), ONode(name="b")])
    session.add(root)
    session.commit()
    rows = dict(_rows(session, "SELECT n.name, p.name FROM orm_node n LEFT JOIN orm_node p ON n.parent_id = p.id"))
    assert rows == {"root": None, "a": "root", "b": "root", "a1": "a"}
    session.expunge_all()
    r = session.scalars(select(ONode).where(ONode.name == "root")).one()
    assert [c.name for c in r.children] == ["a", "b"]
    assert r.children[0].children[0].parent is r.children[0]
    session.delete(r)
    session.commit()
    assert _rows(session, "SELECT COUNT(*) FROM orm_node")[0][0] == 0


def test_many_to_many(session: Session, tables: Any, counter: Any) -> None:
    t1, t2 = OTag(label="t1"), OTag(label="t2")
    p = OPost(title="p", tags=[t1, t2])
    assert t1.posts == [p]
    session.add(p)
    session.commit()
    assert _rows(session, "SELECT COUNT(*) FROM orm_post_tag")[0][0] == 2
    p.tags.remove(t1)
    session.commit()
    assert _rows(session, "SELECT COUNT(*) FROM orm_post_tag")[0][0] == 1
    session.expunge_all()
    counter.reset()
    posts = session.scalars(select(OPost).options(selectinload(OPost.tags))).all()
    assert [t.label for t in posts[0].tags] == ["t2"] and counter.count == 2
    session.delete(posts[0])
    session.commit()
    assert _rows(session, "SELECT COUNT(*) FROM orm_post_tag")[0][0] == 0
    assert _rows(session, "SELECT COUNT(*) FROM orm_tag")[0][0] == 2


def test_delete_orphan(session: Session, tables: Any) -> None:
    u = OUser(name="orph", addresses=[OAddress(email="1"), OAddress(email="2")])
    session.add(u)
    session.commit()
    u.addresses.pop(0)
    session.commit()
    assert _rows(session, "SELECT email FROM orm_address") == [("2",)]


def test_savepoint_restores_state(session: Session, tables: Any) -> None:
    u = OUser(name="sp")
    session.add(u)
    session.flush()
    nested = session.begin_nested()
    u.name = "changed"
    v = OUser(name="inner")
    session.add(v)
    session.flush()
    nested.rollback()
    assert u.name == "sp"
    assert inspect(v).transient
    session.commit()
    assert _rows(session, "SELECT name FROM orm_user") == [("sp",)]


def test_failed_flush_recovery(session: Session, tables: Any) -> None:
    ok = OUser(name="dup")
    session.add(ok)
    session.commit()
    other = OUser(name="keep")
    session.add(other)
    session.flush()
    bad = OUser(name="dup")
    session.add(bad)
    with pytest.raises(sa_exc.IntegrityError):
        session.flush()
    with pytest.raises(sa_exc.PendingRollbackError, match="rollback"):
        session.execute(select(OUser))
    session.rollback()
    assert inspect(bad).transient and inspect(other).transient
    assert inspect(ok).persistent and "name" not in ok.__dict__
    assert ok.name == "dup"
    session.add(OUser(name="after"))
    session.commit()
    assert sorted(r[0] for r in _rows(session, "SELECT name FROM orm_user")) == ["after", "dup"]


def test_stale_data(session: Session, tables: Any) -> None:
    v = OVersioned(data="a")
    session.add(v)
    session.commit()
    assert v.version == 1
    v.data = "b"
    session.commit()
    assert v.version == 2
    _exec(session, "UPDATE orm_versioned SET version = 10")
    v.data = "c"
    with pytest.raises(orm_exc.StaleDataError, match="expected to update 1 row"):
        session.flush()
    session.rollback()
    # the whole transaction (including the concurrent-looking UPDATE on this connection) is gone
    assert _rows(session, "SELECT data, version FROM orm_versioned") == [("b", 2)]


def test_sessionmaker_begin(session: Session) -> None:
    engine = session.get_bind()
    session.close()
    Maker = sessionmaker(engine)
    with Maker.begin() as s:
        s.add(OUser(name="sm"))
    with Maker() as s:
        assert _rows(s, "SELECT name FROM orm_user") == [("sm",)]
        s.commit()
        with s.begin():
            s.add(OUser(name="sm2"))
    with Maker() as s:
        assert len(_rows(s, "SELECT name FROM orm_user")) == 2

"""Mapping extras against the backend under test: column_property, deferred, synonym, composite,
query_expression/with_expression, MappedAsDataclass, collection_class, dynamic and write-only."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import Column, ForeignKey, Integer, String, Table, func, select, text
from sqlweave.core import exc as sa_exc
from sqlweave.orm import (
    DeclarativeBase,
    DynamicMapped,
    InstrumentedSet,
    KeyFuncDict,
    Mapped,
    MappedAsDataclass,
    Session,
    WriteOnlyCollection,
    WriteOnlyMapped,
    attribute_keyed_dict,
    column_property,
    composite,
    deferred,
    foreign,
    mapped_column,
    query_expression,
    relationship,
    remote,
    synonym,
    undefer,
    with_expression,
)
from sqlweave.orm import exc as orm_exc

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class MAddr(Base):
    __tablename__ = "ormm_m_addr"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_m_person.id"))
    email: Mapped[str] = mapped_column(String(60))


class MPerson(Base):
    __tablename__ = "ormm_m_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    first: Mapped[str] = mapped_column(String(30))
    last: Mapped[str] = mapped_column(String(30))
    bio: Mapped[str | None] = deferred(mapped_column(String(200)))
    photo: Mapped[str | None] = mapped_column(String(200), deferred=True, deferred_group="media")
    video: Mapped[str | None] = mapped_column(String(200), deferred=True, deferred_group="media")
    _email: Mapped[str | None] = mapped_column("email", String(60))
    email = synonym("_email")
    full_name: Mapped[str] = column_property(first + " " + last)  # type: ignore[operator]
    score: Mapped[int | None] = query_expression()
    addresses: Mapped[list[MAddr]] = relationship(order_by=MAddr.id)


MPerson.n_addresses = column_property(  # type: ignore[attr-defined]
    select(func.count(MAddr.id)).where(MAddr.person_id == MPerson.id).correlate_except(MAddr).scalar_subquery())


@dataclasses.dataclass
class Point:
    x: int
    y: int


class MVertex(Base):
    __tablename__ = "ormm_m_vertex"
    id: Mapped[int] = mapped_column(primary_key=True)
    start: Mapped[Point] = composite(mapped_column("x1"), mapped_column("y1"))
    end: Mapped[Point] = composite(mapped_column("x2"), mapped_column("y2"))


class Pair:
    """A non-dataclass composite with __composite_values__."""

    def __init__(self, a: Any, b: Any) -> None:
        self.a, self.b = a, b

    def __composite_values__(self) -> tuple[Any, Any]:
        return self.a, self.b

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Pair) and (self.a, self.b) == (other.a, other.b)


class MPairHolder(Base):
    __tablename__ = "ormm_m_pairholder"
    id: Mapped[int] = mapped_column(primary_key=True)
    pa: Mapped[int | None]
    pb: Mapped[str | None] = mapped_column(String(10))
    pair = composite(Pair, "pa", "pb")


class MKeyword(Base):
    __tablename__ = "ormm_m_keyword"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_m_owner.id"))
    word: Mapped[str] = mapped_column(String(30))
    owner: Mapped[MOwner | None] = relationship(back_populates="by_word")


class MNote(Base):
    __tablename__ = "ormm_m_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_m_owner.id"))
    text: Mapped[str] = mapped_column(String(30))


class MPost(Base):
    __tablename__ = "ormm_m_post"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_m_owner.id"))
    title: Mapped[str] = mapped_column(String(30))


class MLog(Base):
    __tablename__ = "ormm_m_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_m_owner.id"))
    msg: Mapped[str] = mapped_column(String(30))


ormm_m_owner_tag = Table(
    "ormm_m_owner_tag", Base.metadata,
    Column("owner_id", ForeignKey("ormm_m_owner.id"), primary_key=True),
    Column("tag_id", ForeignKey("ormm_m_tag.id"), primary_key=True),
)


class MTag(Base):
    __tablename__ = "ormm_m_tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))


class MOwner(Base):
    __tablename__ = "ormm_m_owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    notes: Mapped[set[MNote]] = relationship(cascade="all, delete-orphan")
    by_word: Mapped[dict[str, MKeyword]] = relationship(
        collection_class=attribute_keyed_dict("word"), back_populates="owner", cascade="all, delete-orphan")
    posts: WriteOnlyMapped[MPost] = relationship(order_by=MPost.id, cascade="all, delete-orphan")
    logs: DynamicMapped[MLog] = relationship(order_by=MLog.id)
    tags: WriteOnlyMapped[MTag] = relationship(secondary=ormm_m_owner_tag, order_by=MTag.id)


class MCategory(Base):
    """Self-referential through foreign()/remote() in a join condition given as an expression."""

    __tablename__ = "ormm_m_category"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None]


MCategory.parent = relationship(  # type: ignore[attr-defined]
    MCategory, primaryjoin=remote(MCategory.id) == foreign(MCategory.parent_id), back_populates="children")
MCategory.children = relationship(  # type: ignore[attr-defined]
    MCategory, primaryjoin=MCategory.id == foreign(MCategory.parent_id), back_populates="parent",
    order_by=MCategory.id)


# -- MappedAsDataclass ----------------------------------------------------------------------------


class DCBase(MappedAsDataclass, DeclarativeBase):
    pass


class DCAddress(DCBase):
    __tablename__ = "ormm_dc_address"
    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_dc_user.id"), init=False)
    email: Mapped[str] = mapped_column(String(50))


class DCUser(DCBase):
    __tablename__ = "ormm_dc_user"
    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(30))
    nickname: Mapped[str | None] = mapped_column(String(30), default=None)
    secret: Mapped[str | None] = mapped_column(String(30), default="s3", repr=False, compare=False)
    addresses: Mapped[list[DCAddress]] = relationship(default_factory=list, repr=False, compare=False)


ALL_TABLES = [Base.metadata, DCBase.metadata]


@pytest.fixture(scope="module")
def tables(engine: Any) -> Iterator[Any]:
    for md in ALL_TABLES:
        md.drop_all(engine)
        md.create_all(engine)
    yield engine
    for md in ALL_TABLES:
        md.drop_all(engine)


@pytest.fixture
def session(tables: Any) -> Iterator[Session]:
    with tables.begin() as conn:
        for md in ALL_TABLES:
            for t in reversed(md.sorted_tables):
                conn.execute(t.delete())
    s = Session(tables)
    yield s
    s.close()


def _rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.connection().execute(text(sql)).all()]


# -- column_property / deferred / synonym ---------------------------------------------------------


def test_column_property_expression_and_subquery(session: Session, counter: Any) -> None:
    p = MPerson(first="Ada", last="Lovelace", addresses=[MAddr(email="a@x"), MAddr(email="b@x")])
    session.add(p)
    session.commit()
    counter.reset()
    got = session.scalars(select(MPerson).where(MPerson.full_name == "Ada Lovelace")).one()
    assert counter.count == 1  # both expressions come with the row
    assert got.full_name == "Ada Lovelace"
    assert got.n_addresses == 2  # type: ignore[attr-defined]
    assert counter.count == 1
    # read-only: an UPDATE writes only the real column and expires the expression
    got.last = "King"
    session.flush()
    assert got.full_name == "Ada King"
    assert _rows(session, "SELECT first, last FROM ormm_m_person") == [("Ada", "King")]
    assert session.scalars(select(MPerson.full_name)).all() == ["Ada King"]


def test_deferred_and_groups(session: Session, counter: Any) -> None:
    session.add(MPerson(id=1, first="A", last="B", bio="long", photo="p.png", video="v.mp4"))
    session.commit()
    counter.reset()
    p = session.get(MPerson, 1)
    assert counter.count == 1
    assert "bio" not in p.__dict__ and "photo" not in p.__dict__
    assert p.bio == "long"
    assert counter.count == 2
    assert p.photo == "p.png"  # the group loads together ...
    assert counter.count == 3
    assert p.video == "v.mp4"  # ... so this is already loaded
    assert counter.count == 3
    session.expunge_all()
    counter.reset()
    p = session.scalars(select(MPerson).options(undefer(MPerson.bio))).one()
    assert p.__dict__["bio"] == "long" and counter.count == 1


def test_synonym(session: Session) -> None:
    p = MPerson(first="A", last="B", email="a@b.c")
    assert p._email == "a@b.c" and p.email == "a@b.c"
    session.add(p)
    session.commit()
    assert _rows(session, "SELECT email FROM ormm_m_person") == [("a@b.c",)]
    got = session.scalars(select(MPerson).where(MPerson.email == "a@b.c")).one()
    got.email = "new@b.c"
    assert got._email == "new@b.c"
    assert session.is_modified(got)
    session.commit()
    assert _rows(session, "SELECT email FROM ormm_m_person") == [("new@b.c",)]


def test_query_expression(session: Session, counter: Any) -> None:
    session.add_all([MPerson(first="A", last="B"), MPerson(first="C", last="DD")])
    session.commit()
    session.expunge_all()
    counter.reset()
    rows = session.scalars(select(MPerson).options(with_expression(MPerson.score, func.length(MPerson.last) * 10))
                           .order_by(MPerson.first)).all()
    assert [p.score for p in rows] == [10, 20]
    assert counter.count == 1
    session.expunge_all()
    plain = session.scalars(select(MPerson).order_by(MPerson.first)).all()
    assert [p.score for p in plain] == [None, None]  # no expression given: None, no SQL
    assert counter.count == 2


# -- composite -----------------------------------------------------------------------------------


def test_composite(session: Session) -> None:
    v = MVertex(start=Point(1, 2), end=Point(3, 4))
    assert (v.x1, v.y1, v.x2, v.y2) == (1, 2, 3, 4)  # type: ignore[attr-defined]
    session.add(v)
    session.commit()
    assert _rows(session, "SELECT x1, y1, x2, y2 FROM ormm_m_vertex") == [(1, 2, 3, 4)]
    got = session.scalars(select(MVertex).where(MVertex.start == Point(1, 2))).one()
    assert got.end == Point(3, 4)
    assert session.scalars(select(MVertex).where(MVertex.start != Point(1, 2))).all() == []
    got.end = Point(5, 6)
    session.commit()
    assert _rows(session, "SELECT x1, y1, x2, y2 FROM ormm_m_vertex") == [(1, 2, 5, 6)]
    assert MVertex.__table__.c.x1.nullable is False  # type from the dataclass field: int
    h = MPairHolder(pair=Pair(7, "q"))
    session.add(h)
    session.commit()
    assert _rows(session, "SELECT pa, pb FROM ormm_m_pairholder") == [(7, "q")]
    h.pair = None
    session.commit()
    assert h.pair is None
    assert _rows(session, "SELECT pa, pb FROM ormm_m_pairholder") == [(None, None)]


# -- collection classes --------------------------------------------------------------------------


def test_set_collection(session: Session) -> None:
    o = MOwner(name="o")
    n1, n2 = MNote(text="n1"), MNote(text="n2")
    o.notes.add(n1)
    o.notes |= {n2}
    assert isinstance(o.notes, InstrumentedSet) and o.notes == {n1, n2}
    session.add(o)
    session.commit()
    assert sorted(_rows(session, "SELECT text, owner_id FROM ormm_m_note")) == [("n1", o.id), ("n2", o.id)]
    session.expunge_all()
    o = session.get(MOwner, o.id)
    assert {n.text for n in o.notes} == {"n1", "n2"} and isinstance(o.notes, InstrumentedSet)
    victim = next(n for n in o.notes if n.text == "n1")
    o.notes.discard(victim)  # delete-orphan
    session.commit()
    assert _rows(session, "SELECT text FROM ormm_m_note") == [("n2",)]


def test_attribute_keyed_dict(session: Session) -> None:
    o = MOwner(name="o")
    o.by_word["red"] = MKeyword(word="red")
    kw = MKeyword(word="blue")
    kw.owner = o  # backref appends under the member's key
    assert set(o.by_word) == {"red", "blue"} and isinstance(o.by_word, KeyFuncDict)
    session.add(o)
    session.commit()
    assert sorted(_rows(session, "SELECT word, owner_id FROM ormm_m_keyword")) == [("blue", o.id), ("red", o.id)]
    session.expunge_all()
    o = session.get(MOwner, o.id)
    assert sorted(o.by_word) == ["blue", "red"] and o.by_word["red"].word == "red"
    del o.by_word["red"]
    o.by_word.set(MKeyword(word="green"))
    session.commit()
    assert sorted(_rows(session, "SELECT word FROM ormm_m_keyword")) == [("blue",), ("green",)]
    # replacing the whole dict tracks added and removed members
    o.by_word = {"pink": MKeyword(word="pink")}
    session.commit()
    assert _rows(session, "SELECT word FROM ormm_m_keyword") == [("pink",)]


# -- write-only and dynamic ------------------------------------------------------------------------


def test_write_only(session: Session, counter: Any) -> None:
    o = MOwner(name="o", posts=[MPost(title="p0")])
    session.add(o)
    session.commit()
    o = session.get(MOwner, o.id)
    assert isinstance(o.posts, WriteOnlyCollection)
    counter.reset()
    o.posts.add_all([MPost(title=f"p{i}") for i in range(1, 4)])
    assert counter.count == 0  # nothing loaded
    session.flush()
    rows = _rows(session, f"SELECT title FROM ormm_m_post WHERE owner_id = {o.id} ORDER BY id")
    assert rows == [("p0",), ("p1",), ("p2",), ("p3",)]
    posts = session.scalars(o.posts.select()).all()
    assert [p.title for p in posts] == ["p0", "p1", "p2", "p3"]
    o.posts.remove(posts[0])  # delete-orphan
    session.commit()
    assert _rows(session, "SELECT title FROM ormm_m_post ORDER BY id") == [("p1",), ("p2",), ("p3",)]
    session.execute(o.posts.update().values(title="x"))
    assert _rows(session, "SELECT DISTINCT title FROM ormm_m_post") == [("x",)]
    with pytest.raises(sa_exc.InvalidRequestError, match="write-only"):
        o.posts = []
    session.delete(o)  # the delete cascade loads the collection (one SELECT) and deletes it
    session.commit()
    assert _rows(session, "SELECT count(*) FROM ormm_m_post") == [(0,)]


def test_dynamic(session: Session) -> None:
    o = MOwner(name="o")
    o.logs.append(MLog(msg="a"))
    assert [x.msg for x in o.logs] == ["a"]  # transient: the pending list
    session.add(o)
    session.commit()
    o.logs.append(MLog(msg="b"))
    o.logs.append(MLog(msg="c"))
    assert o.logs.count() == 3  # autoflushes first
    assert [x.msg for x in o.logs.filter(MLog.msg != "a")] == ["b", "c"]
    assert o.logs[0].msg == "a"
    assert _rows(session, "SELECT msg FROM ormm_m_log ORDER BY id") == [("a",), ("b",), ("c",)]
    first = o.logs.first()
    o.logs.remove(first)
    session.commit()
    assert _rows(session, "SELECT msg, owner_id FROM ormm_m_log ORDER BY id") == [
        ("a", None), ("b", o.id), ("c", o.id)]


def test_write_only_many_to_many(session: Session, counter: Any) -> None:
    t1, t2, t3 = MTag(label="t1"), MTag(label="t2"), MTag(label="t3")
    o = MOwner(name="o", tags=[t1, t2])
    session.add_all([o, t3])
    session.commit()
    assert _rows(session, "SELECT tag_id FROM ormm_m_owner_tag ORDER BY tag_id") == [(t1.id,), (t2.id,)]
    o.tags.add(t3)
    o.tags.remove(t1)
    session.commit()
    assert [t.label for t in session.scalars(o.tags.select())] == ["t2", "t3"]
    assert _rows(session, "SELECT count(*) FROM ormm_m_owner_tag") == [(2,)]
    session.delete(o)  # association rows go first, the tags stay
    session.commit()
    assert _rows(session, "SELECT count(*) FROM ormm_m_owner_tag") == [(0,)]
    assert _rows(session, "SELECT count(*) FROM ormm_m_tag") == [(3,)]


# -- MappedAsDataclass ---------------------------------------------------------------------------


def test_mapped_as_dataclass(session: Session) -> None:
    assert dataclasses.is_dataclass(DCUser)
    names = [f.name for f in dataclasses.fields(DCUser)]
    assert names == ["id", "name", "nickname", "secret", "addresses"]
    u = DCUser("ann")
    assert u.nickname is None and u.secret == "s3" and u.addresses == []
    assert repr(u) == "DCUser(id=None, name='ann', nickname=None)"
    assert u == DCUser("ann", secret="other")  # compare=False on secret
    assert u != DCUser("bob")
    with pytest.raises(TypeError):
        DCUser("x", id=5)  # type: ignore[call-arg]  # init=False
    u.addresses.append(DCAddress("a@b"))
    session.add(u)
    session.commit()
    assert _rows(session, "SELECT name, nickname, secret FROM ormm_dc_user") == [("ann", None, "s3")]
    assert _rows(session, "SELECT email, user_id FROM ormm_dc_address") == [("a@b", u.id)]
    session.expunge_all()
    got = session.get(DCUser, u.id)
    assert repr(got) == f"DCUser(id={u.id}, name='ann', nickname=None)"
    assert [a.email for a in got.addresses] == ["a@b"]


def test_foreign_remote_annotations(session: Session) -> None:
    from sqlweave.core import inspect

    parent, children = inspect(MCategory).attrs["parent"], inspect(MCategory).attrs["children"]
    assert (parent.direction, children.direction) == ("MANYTOONE", "ONETOMANY")
    root = MCategory(name="root", children=[MCategory(name="a"), MCategory(name="b")])
    session.add(root)
    session.commit()
    assert _rows(session, "SELECT c.name, p.name FROM ormm_m_category c LEFT JOIN ormm_m_category p "
                          "ON c.parent_id = p.id ORDER BY c.name") == [("a", "root"), ("b", "root"), ("root", None)]
    session.expunge_all()
    a = session.scalars(select(MCategory).where(MCategory.name == "a")).one()
    assert a.parent.name == "root" and [c.name for c in a.parent.children] == ["a", "b"]


def test_composite_config_error() -> None:
    class B2(DeclarativeBase):
        pass

    with pytest.raises(orm_exc.ORMConfigurationError, match="composite Bad.c: 'nope' is not a mapped column"):
        class Bad(B2):
            __tablename__ = "ormm_bad_comp"
            id: Mapped[int] = mapped_column(primary_key=True)
            c = composite(Point, "nope", "id")


def test_integer_types_inferred() -> None:
    assert isinstance(MVertex.__table__.c.x2.type, Integer)
